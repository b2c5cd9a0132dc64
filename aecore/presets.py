"""Training configurations: plain, hashable, and the presets that reproduce each seed."""

from __future__ import annotations

import numbers
from dataclasses import asdict, field, make_dataclass, replace
from typing import Optional

from .params import CONFIG_SETTINGS, KIND_DEFAULTS


#: The training settings :data:`KIND_DEFAULTS` resolves.
TRAINING_SETTINGS = ("learning_rate", "epochs", "batch_size", "patience", "validation_fraction")


def resolved_training(settings: dict) -> dict:
    """The training settings a model of ``settings`` (a reducer's parameters, a TrainConfig's fields)
    actually uses: ``None`` replaced by its kind's defaults. ``total_epochs`` is the most epochs a fit
    can report to ``progress``: ``epochs``, or for greedy training ``epochs`` per stacked layer plus
    ``greedy_finetune_epochs``. Plain Python, so that reading a shipped model's settings needs no
    scikit-learn (``AutoencoderReducer.resolved_params`` calls it)."""
    defaults = KIND_DEFAULTS.get(settings.get("kind"), KIND_DEFAULTS["dense"])
    params = {name: defaults[name] if settings.get(name) is None else settings[name] for name in TRAINING_SETTINGS}
    total = params["epochs"]
    if settings.get("greedy") and isinstance(total, numbers.Integral):
        n_stages = len(tuple(settings.get("hidden_units") or ())) + 1
        finetune = settings.get("greedy_finetune_epochs")
        total = total * n_stages + (finetune if isinstance(finetune, numbers.Integral) else 0)
    params["total_epochs"] = total
    return params


class _TrainConfigMethods:
    """The behaviour of :class:`TrainConfig` (its fields come from :mod:`aecore.params`)."""

    def to_reducer(self, image_shape=None):
        """A fresh, unfitted reducer with these settings."""
        from .reducer import AutoencoderReducer

        return AutoencoderReducer(**asdict(self), image_shape=image_shape)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "TrainConfig":
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        for setting in CONFIG_SETTINGS:  # JSON has lists where the config holds tuples
            if setting.type is tuple and known.get(setting.name) is not None:
                known[setting.name] = tuple(known[setting.name])
        return cls(**known)

    def replace(self, **changes) -> "TrainConfig":
        return replace(self, **changes)


#: Every setting of an :class:`~aecore.AutoencoderReducer` (but the machine's: image shape and
#: budget), as a hashable value: one field per :data:`aecore.params.CONFIG_SETTINGS` entry, with
#: its default. It doubles as a cache key (with the dataset name) and as the JSON config saved
#: next to weights, from which a model is rebuilt in code.
TrainConfig = make_dataclass(
    "TrainConfig",
    [(s.name, Optional[s.type] if s.optional else s.type, field(default=s.default))
     for s in CONFIG_SETTINGS],
    bases=(_TrainConfigMethods,), frozen=True)
TrainConfig.__module__ = __name__
TrainConfig.__doc__ = ("Every setting of an AutoencoderReducer as a hashable value (fields: "
                       "aecore.params.CONFIG_SETTINGS).")


#: Named presets. "recommended" is what ``AutoencoderReducer(kind="dense")`` does by default.
PRESETS: dict[str, tuple[str, TrainConfig]] = {
    "recommended": (
        "Recommended dense AE 512-256-k, Adam, early stopping: our best known settings.",
        TrainConfig(n_components=10)),
    "recommended_conv": (
        "Recommended CNN: two strided 3x3 convolutions, Dense bottleneck, early stopping.",
        TrainConfig(kind="conv", n_components=10, hidden_units=())),
    "seed002_dense": (
        "Post 002 dense: Dense 784 ReLU -> Dense 64 ReLU (code) -> Dense 784 sigmoid, 716,640 parameters; "
        "Adam 1e-3, MSE, 20 epochs, batch 256.",
        TrainConfig(n_components=64, hidden_units=(784,), decoder_units=(), code_activation="relu",
                    output_activation="sigmoid", epochs=20, batch_size=256, learning_rate=1e-3,
                    early_stopping=False, validation_fraction=0.0)),
    "seed002_cnn": (
        "Post 002 CNN: Conv2D 32/64 (2x2, stride 2, ReLU), Dense 64 code, Dense 3136, Conv2DTranspose 32 "
        "and 1 (sigmoid), 421,377 parameters; Adam 1e-3, MSE, 20 epochs, batch 256.",
        TrainConfig(kind="conv", n_components=64, hidden_units=(), code_activation="relu",
                    output_activation="sigmoid", filters=(32, 64), kernel_size=2, epochs=20,
                    batch_size=256, learning_rate=1e-3, early_stopping=False,
                    validation_fraction=0.0)),
    "seed002_cnn_elu": (
        "Post 002 CNN with ELU: the same 421,377 parameters, ELU in the code, the Dense 3136 and the "
        "first Conv2DTranspose (encoder convolutions stay ReLU); Adam 1e-3, MSE, 20 epochs, batch 256.",
        TrainConfig(kind="conv", n_components=64, hidden_units=(), activation="elu",
                    encoder_activation="relu", code_activation="elu", output_activation="sigmoid",
                    filters=(32, 64), kernel_size=2, epochs=20, batch_size=256, learning_rate=1e-3,
                    early_stopping=False, validation_fraction=0.0)),
    "seed003_tabular": (
        "Post 003 tabular AE 100-64-32-10-32-64-100 (ReLU, linear code, sigmoid output, 17,838 "
        "parameters; Adam 1e-3, MSE, batch 64, 20 epochs).",
        TrainConfig(n_components=10, hidden_units=(64, 32), output_activation="sigmoid", epochs=20, batch_size=64,
                    learning_rate=1e-3, early_stopping=False, validation_fraction=0.0)),
    "seed004_balls": (
        "Post 004 ball toy: dense AE 784-256-64-2 (435,858 parameters) on images of one ball, cross-entropy "
        "loss, batch 64: "
        "walk its 2-D code between two balls and compare with blending their pixels.",
        TrainConfig(n_components=2, hidden_units=(256, 64), loss="binary_crossentropy", batch_size=64,
                    epochs=300)),
    "tied": (
        "Tied weights: the decoder reuses the encoder's transposed kernels (about half the parameters).",
        TrainConfig(kind="tied", n_components=10)),
    "greedy": (
        "Greedy layer-wise: one shallow AE per layer trained in turn and stacked, then 20 epochs end to end.",
        TrainConfig(n_components=10, greedy=True, greedy_finetune_epochs=20, epochs=30)),
    "denoising": (
        "Denoising AE: Gaussian noise (0.3) on the inputs while training; it learns to output clean rows.",
        TrainConfig(kind="denoising", n_components=10, noise="gaussian", noise_level=0.3)),
    "sparse": (
        "Sparse AE: 64 sigmoid codes pushed to be active 10% of the time (KL penalty).",
        TrainConfig(kind="sparse", n_components=64, sparsity="kl", sparsity_target=0.1)),
    "vae_2d": (
        "Variational AE, 2-D code, keras-io's cross-entropy loss: sample new digits, map the latent plane.",
        TrainConfig(kind="vae", n_components=2, loss="binary_crossentropy")),
    "conv_vae_2d": (
        "Convolutional VAE after keras-io's (Conv2D 32, 64 -> Dense 16 -> 2-D code -> Conv2DTranspose), "
        "cross-entropy loss, at most 30 epochs: the digits' 2-D manifold.",
        TrainConfig(kind="vae", vae_layers="conv", n_components=2, hidden_units=(16,), decoder_units=(),
                    loss="binary_crossentropy", epochs=30)),
    "wta": (
        "Winner-take-all AE: 64 ReLU codes, each keeping its top 5% activations of a batch while training.",
        TrainConfig(kind="wta", n_components=64, wta_rate=0.05)),
    "seed000_linear": (
        "Post 000 linear AE 3-2-3 (17 parameters): SGD, learning rate 1.5, MSE, 20 epochs, batch 32 "
        "(on the 3D → 2D page's cloud it lands at 1.33x PCA's error).",
        TrainConfig(kind="linear", n_components=2, optimizer="sgd", learning_rate=1.5, epochs=20,
                    batch_size=32, early_stopping=False, validation_fraction=0.0, random_state=42)),
}


#: Post 002's three networks, in the post's order: the dense one, then the CNN and the CNN with ELU
#: (the Reconstructions page and ``bench/seed002.py`` compare them).
POST002_PRESETS = ("seed002_dense", "seed002_cnn", "seed002_cnn_elu")


def preset(name: str) -> TrainConfig:
    """The :class:`TrainConfig` of a named preset."""
    if name not in PRESETS:
        raise ValueError(f"preset={name!r} is unknown; choose one of {sorted(PRESETS)}.")
    return PRESETS[name][1]
