"""Autoencoder models: the builders for every kind (:mod:`.builders`), the variational and the
regularised kinds' own layers and models (:mod:`.variational`, :mod:`.regularised`), their size computed
without building them (:mod:`.shapes`) and the noise a denoising autoencoder learns against (:mod:`.noise`)."""

from .._lazy import lazy_exports

#: The names people import from this package (they lived here before it had submodules), and the
#: submodule that defines each; loaded on first use.
_PUBLIC = {
    "Architecture": "builders", "ContractiveAutoencoder": "regularised", "Corruption": "regularised",
    "DenseTranspose": "builders", "FIXED_CODE_ACTIVATION": "builders", "Sampling": "variational",
    "SparsityPenalty": "regularised", "VariationalAutoencoder": "variational",
    "WinnerTakeAll": "regularised", "build": "builders", "clone_encoder": "builders",
    "code_activation": "builders", "decoder_units": "builders", "describe": "builders",
    "greedy_stages": "builders", "infer_image_shape": "builders", "random_tensor": "backend",
    "stack_stages": "builders", "summary_rows": "builders",
}
__all__ = sorted(_PUBLIC)
__getattr__, __dir__ = lazy_exports(__name__, _PUBLIC)
