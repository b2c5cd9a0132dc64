"""Models in a link: the query parameters of a model (its data, its preset and the settings that
differ from it), read back into a TrainConfig, and the Train page's widget values for one.
Plain Python, tested without Streamlit; the settings and their URL names come from
:mod:`aecore.params`.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Mapping

from aecore.data import datasets as aedata
from aecore import params
from aecore.runs.demo import form_config
from aecore.params import latent_size_fits
from aecore.presets import PRESETS, TrainConfig

from .url import Param, read

_PARAM_KINDS = {str: "choice", bool: "bool", int: "int", float: "float", tuple: "ints"}


def setting_param(setting: params.Setting) -> Param:
    """The query parameter of a setting: its URL name, kind, bounds and choices, as declared."""
    return Param(setting.url, _PARAM_KINDS[setting.type], setting.low, setting.high, setting.choices,
                 max_items=setting.max_items, min_items=setting.min_items)


#: TrainConfig field -> its query parameter: the settings the Train page exposes (aecore.params).
MODEL_FIELDS: dict[str, Param] = {s.name: setting_param(s) for s in params.FORM_SETTINGS}
DATA = Param("data", "choice", choices=tuple(aedata.BUILTIN_DATASETS))
PRESET = Param("preset", "choice", choices=tuple(PRESETS))
#: Every query parameter that describes a model.
MODEL_PARAM_NAMES = frozenset([DATA.name, PRESET.name] + [p.name for p in MODEL_FIELDS.values()])


def model_params(data_key: str, preset_name: str, config: TrainConfig) -> dict[str, str]:
    """The query parameters of a model: its data, its preset and the settings that differ from it."""
    base = form_config(preset_name)
    params = {DATA.name: data_key, PRESET.name: preset_name}
    for field, param in MODEL_FIELDS.items():
        value = getattr(config, field)
        if value != getattr(base, field):
            params[param.name] = param.format(value)
    return params


def model_from_params(params: Mapping[str, str], n_features: Callable[[str], int] = aedata.builtin_n_features
                      ) -> tuple[str, str, TrainConfig, list[str]] | None:
    """``(data_key, preset_name, config, problems)`` for a URL that names a model, else ``None``.

    Invalid settings fall back to the preset's (explained in ``problems``); an unknown dataset or
    preset falls back to the offline MNIST sample and the recommended preset. ``n_features``
    gives a built-in dataset's width (the app passes its cached reader).
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
    config = config.replace(sparsity_weight=default_sparsity_weight(config.sparsity, config.sparsity_weight))
    width = n_features(data_key)
    if not latent_size_fits(config.n_components, width):
        problems.append(f"k={config.n_components} is not smaller than the data's {width} features")
        config = config.replace(n_components=form_config(preset_name).n_components)
    return data_key, preset_name, config, problems


def widget_values(preset_name: str, config: TrainConfig) -> dict[str, Any]:
    """The Train page's widget values (by field) that reproduce ``config`` for a preset."""
    values = {field: getattr(config, field) for field in MODEL_FIELDS}
    for setting in params.FORM_SETTINGS:  # lists of numbers are typed as text (hidden units, filters)
        if setting.type is tuple:
            values[setting.name] = ",".join(str(v) for v in getattr(config, setting.name))
    if config.sparsity_weight is None:
        values["sparsity_weight"] = params.SPARSITY_WEIGHTS[config.sparsity]
    return values


def default_sparsity_weight(penalty: str, weight: float | None) -> float | None:
    """``None`` for a sparsity weight equal to its penalty's default (the reducer's ``None``), so
    the same model has one cache key and one link however its weight was typed."""
    if weight is not None and math.isclose(weight, params.SPARSITY_WEIGHTS[penalty], rel_tol=1e-9):
        return None
    return weight
