"""Autoencoder models: the builders for every kind (:mod:`.builders`), their size computed without
building them (:mod:`.shapes`) and the noise a denoising autoencoder learns against (:mod:`.noise`)."""

from .._lazy import lazy_exports

#: The names people import from this package (they lived here before it had submodules), and the
#: submodule that defines each; loaded on first use.
_PUBLIC = {
    "Architecture": "builders", "ContractiveAutoencoder": "builders", "Corruption": "builders",
    "DenseTranspose": "builders", "FIXED_CODE_ACTIVATION": "builders", "Sampling": "builders",
    "SparsityPenalty": "builders", "VariationalAutoencoder": "builders",
    "WinnerTakeAll": "builders", "build": "builders", "clone_encoder": "builders",
    "code_activation": "builders", "decoder_units": "builders", "describe": "builders",
    "greedy_stages": "builders", "infer_image_shape": "builders", "random_tensor": "builders",
    "stack_stages": "builders", "summary_rows": "builders",
}
__all__ = sorted(_PUBLIC)
__getattr__, __dir__ = lazy_exports(__name__, _PUBLIC)
