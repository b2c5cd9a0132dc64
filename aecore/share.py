"""Page state in a URL: typed query parameters, read with validation and written back compactly.

Pure Python (no Streamlit): the app binds widgets to these parameters in :mod:`aecore.ui`, and a
shared link such as ``?data=mnist_sample&preset=recommended&k=2&view=umap&color=label`` reopens
the same model (from the cache, or retrained from its seed) and the same view. Anything invalid or
tampered with is dropped with a plain-words reason, never an exception.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping

from . import data as aedata
from .presets import PRESETS, TrainConfig

#: Longest value we read from a URL; anything longer is tampering or a mistake.
MAX_VALUE_CHARS = 200


@dataclass(frozen=True)
class Param:
    """One query parameter: its name in the URL and how its text becomes a widget value.

    ``kind`` is ``"int"``, ``"float"``, ``"bool"``, ``"choice"`` (one of ``choices``) or
    ``"ints"`` (comma-separated whole numbers, e.g. hidden units or selected rows).
    """

    name: str
    kind: str
    low: float | None = None
    high: float | None = None
    choices: tuple = ()
    max_items: int = 64

    def parse(self, text: str) -> Any:
        """The widget value for ``text``; ``ValueError`` in plain words when it is not valid."""
        if not isinstance(text, str) or len(text) > MAX_VALUE_CHARS:
            raise ValueError(f"{self.name}: the value is too long")
        if self.kind == "choice":
            for choice in self.choices:
                if str(choice) == text:
                    return choice
            raise ValueError(f"{self.name}={text!r} is not one of {', '.join(map(str, self.choices))}")
        if self.kind == "bool":
            if text in ("1", "true"):
                return True
            if text in ("0", "false"):
                return False
            raise ValueError(f"{self.name}={text!r} must be 1 or 0")
        if self.kind in ("int", "float", "ints") and not text.isascii():
            # int() and float() read other scripts' digits ("٣" is 3); links are written in ASCII.
            raise ValueError(f"{self.name}={text!r} is not a number written with the digits 0-9")
        if self.kind == "ints":
            try:
                values = tuple(int(v) for v in text.split(",") if v != "")
            except ValueError:
                raise ValueError(f"{self.name}={text!r} must be whole numbers separated by commas") from None
            if len(values) > self.max_items:
                raise ValueError(f"{self.name} has more than {self.max_items} numbers")
            for v in values:
                self._check_range(v)
            return values
        try:
            value = int(text) if self.kind == "int" else float(text)
        except ValueError:
            raise ValueError(f"{self.name}={text!r} is not a number") from None
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"{self.name}={text!r} is not a finite number")
        self._check_range(value)
        return value

    def _check_range(self, value) -> None:
        if (self.low is not None and value < self.low) or (self.high is not None and value > self.high):
            raise ValueError(f"{self.name}={value} is outside {self.low:g}–{self.high:g}")

    def format(self, value) -> str:
        """The URL text of a widget value (the inverse of :meth:`parse`)."""
        if self.kind == "bool":
            return "1" if value else "0"
        if self.kind == "ints":
            return ",".join(str(int(v)) for v in value)
        if self.kind == "float":
            return f"{float(value):.6g}"
        return str(value)


def read(params: Mapping[str, str], spec: Mapping[str, Param]) -> tuple[dict, list[str]]:
    """Parse the parameters named in ``spec`` (widget key -> Param).

    Returns ``(values by widget key, problems)``; a parameter that is absent is simply left out,
    one that is invalid is left out and explained in ``problems``.
    """
    values, problems = {}, []
    for key, param in spec.items():
        if param.name not in params:
            continue
        try:
            values[key] = param.parse(params[param.name])
        except ValueError as exc:
            problems.append(str(exc))
    return values, problems


def write(values: Mapping[str, Any], spec: Mapping[str, Param]) -> dict[str, str]:
    """URL texts for the widget values present in ``values`` (by widget key)."""
    return {param.name: param.format(values[key]) for key, param in spec.items()
            if key in values and values[key] is not None}


# --------------------------------------------------------------------------- models in a URL

KINDS = ("dense", "conv", "linear", "tied", "denoising", "sparse", "vae", "wta")
ACTIVATIONS = ("relu", "elu", "selu", "tanh")
LOSSES = ("mse", "binary_crossentropy")
OPTIMIZERS = ("adam", "sgd", "rmsprop", "nadam")

#: TrainConfig field -> its query parameter: the settings the Train page exposes.
MODEL_FIELDS: dict[str, Param] = {
    "kind": Param("kind", "choice", choices=KINDS),
    "n_components": Param("k", "int", 1, 512),
    "hidden_units": Param("hidden", "ints", 1, 4096, max_items=8),
    "activation": Param("act", "choice", choices=ACTIVATIONS),
    "loss": Param("loss", "choice", choices=LOSSES),
    "optimizer": Param("opt", "choice", choices=OPTIMIZERS),
    "batch_norm": Param("bn", "bool"),
    "dropout": Param("dropout", "float", 0.0, 0.5),
    "learning_rate": Param("lr", "float", 1e-5, 10.0),
    "epochs": Param("epochs", "int", 1, 1000),
    "batch_size": Param("batch", "int", 1, 4096),
    "early_stopping": Param("es", "bool"),
    "random_state": Param("seed", "int", 0, 10_000),
}
DATA = Param("data", "choice", choices=tuple(aedata.BUILTIN_DATASETS))
PRESET = Param("preset", "choice", choices=tuple(PRESETS))
#: Every query parameter that describes a model.
MODEL_PARAM_NAMES = frozenset([DATA.name, PRESET.name] + [p.name for p in MODEL_FIELDS.values()])


def form_config(preset_name: str) -> TrainConfig:
    """A preset as the Train page's form produces it: learning rate, epochs and batch size resolved
    to numbers, so that the same settings give the same cache key however they were chosen."""
    base = PRESETS[preset_name][1]
    defaults = base.to_reducer().resolved_params()
    return base.replace(learning_rate=float(defaults["learning_rate"]), epochs=int(defaults["epochs"]),
                        batch_size=int(defaults["batch_size"]))


def model_params(data_key: str, preset_name: str, config: TrainConfig) -> dict[str, str]:
    """The query parameters of a model: its data, its preset and the settings that differ from it."""
    base = form_config(preset_name)
    params = {DATA.name: data_key, PRESET.name: preset_name}
    for field, param in MODEL_FIELDS.items():
        value = getattr(config, field)
        if value != getattr(base, field):
            params[param.name] = param.format(value)
    return params


def model_from_params(params: Mapping[str, str]) -> tuple[str, str, TrainConfig, list[str]] | None:
    """``(data_key, preset_name, config, problems)`` for a URL that names a model, else ``None``.

    Invalid settings fall back to the preset's (explained in ``problems``); an unknown dataset or
    preset falls back to the offline MNIST sample and the recommended preset.
    """
    if not any(name in params for name in MODEL_PARAM_NAMES):
        return None
    problems = []
    found, bad = read(params, {"data": DATA, "preset": PRESET})
    problems += bad
    data_key = found.get("data", "mnist_sample")
    preset_name = found.get("preset", "recommended")
    values, bad = read(params, MODEL_FIELDS)
    problems += bad
    config = form_config(preset_name).replace(**values)
    if config.n_components >= aedata_n_features(data_key):
        problems.append(f"k={config.n_components} is not smaller than the data's "
                        f"{aedata_n_features(data_key)} features")
        config = config.replace(n_components=form_config(preset_name).n_components)
    return data_key, preset_name, config, problems


#: Features of the built-in datasets, known without loading them.
_N_FEATURES = {"mnist_sample": 784, "digits": 64, "mnist": 784, "fashion_mnist": 784}


def aedata_n_features(data_key: str) -> int:
    """The number of features of a built-in dataset."""
    return _N_FEATURES.get(data_key, 784)


def widget_values(preset_name: str, config: TrainConfig) -> dict[str, Any]:
    """The Train page's widget values (by field) that reproduce ``config`` for a preset."""
    values = {field: getattr(config, field) for field in MODEL_FIELDS}
    values["hidden_units"] = ",".join(str(v) for v in config.hidden_units)
    return values
