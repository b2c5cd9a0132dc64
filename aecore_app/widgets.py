"""Shared widgets that turn into settings: the Train page's settings form (a preset and every
setting of the model it trains), drawn from the settings' declarations in :mod:`aecore.params`."""

from __future__ import annotations

import streamlit as st

from aecore import params
from aecore.runs.demo import form_config
from aecore.presets import PRESETS, TrainConfig

from .i18n import t, t_or
from .layout import escape_markdown
from .model_links import default_sparsity_weight

#: Columns of the settings form; settings fill them in their declared order.
FORM_COLUMNS = 3


def setting_key(setting: params.Setting, preset_name: str) -> str:
    """A setting's widget key on the Train page: one per preset, named like its link parameter."""
    return f"train.{setting.url}.{preset_name}"


def setting_help(setting: params.Setting) -> str:
    """A setting's help text in this session's language, its default and bounds filled in from its
    declaration (so the numbers are written once); the library's English help where the locales
    have none."""
    def text(value) -> str:
        if isinstance(value, tuple):
            return ",".join(map(str, value))
        return params.number_text(value) if isinstance(value, (int, float)) and not isinstance(value, bool) \
            else str(value)

    return t_or(f"param_help.{setting.name}", setting.help[0].upper() + setting.help[1:] + ".",
                default=text(setting.default), low=text(setting.low), high=text(setting.high))


def setting_ui(setting: params.Setting, value, key: str, container=st):
    """One widget for a setting, with its declared bounds or choices; returns the widget's value
    (text for a list of numbers, parsed by the caller)."""
    label = t(setting.label_key)
    help_text = setting_help(setting)
    # A link (or the preset picker) may have set the widget through the Session State API: then it
    # is created without a default of its own, or Streamlit logs a warning with a stack trace.
    preset = key not in st.session_state

    def start(name: str, default) -> dict:
        return {name: default} if preset else {}

    if setting.type is str:
        return container.selectbox(label, setting.choices, key=key, help=help_text,
                                   **start("index", setting.choices.index(value)))
    if setting.type is bool:
        return container.checkbox(label, key=key, help=help_text, **start("value", bool(value)))
    if setting.type is tuple:
        return container.text_input(label, key=key, help=help_text, **start("value", ",".join(map(str, value))))
    if setting.type is int:
        return int(container.number_input(label, min_value=int(setting.low), max_value=int(setting.high), key=key,
                                          help=help_text, **start("value", int(value))))
    if setting.step is not None:
        return float(container.slider(label, min_value=float(setting.low), max_value=float(setting.high),
                                      step=setting.step, key=key, help=help_text, **start("value", float(value))))
    return float(container.number_input(label, min_value=float(setting.low), max_value=float(setting.high),
                                        format="%.5f", key=key, help=help_text, **start("value", float(value))))


def settings_form_ui() -> TrainConfig:
    """Preset picker plus every setting of :data:`aecore.params.FORM_SETTINGS`, as a TrainConfig.

    The widgets start at the preset's values (learning rate, epochs and batch size resolved to
    the kind's numbers). Settings of some kinds only (``Setting.kinds``) get a row of their own
    under the others, shown for the kind chosen above; otherwise they keep the preset's values.
    A list of numbers (hidden units, filters) that is not whole numbers falls back to the preset's,
    with an error naming the setting; values
    outside a setting's bounds are the caller's to report (the reducer names them).
    """
    names = list(PRESETS)
    labels = {n: f"{n} — {t_or(f'train.preset_{n}', PRESETS[n][0])}" for n in names}
    name = st.selectbox(t("train.preset"), names, format_func=labels.get, key="train.preset")
    base = form_config(name)
    values = {}
    common = [s for s in params.FORM_SETTINGS if s.kinds is None]
    with st.expander(t("train.settings"), expanded=False):
        columns = st.columns(FORM_COLUMNS)
        per_column = -(-len(common) // FORM_COLUMNS)
        for i, setting in enumerate(common):
            values[setting.name] = setting_ui(setting, getattr(base, setting.name), setting_key(setting, name),
                                              columns[i // per_column])
        kind = values.get("kind", base.kind)
        own = [s for s in params.FORM_SETTINGS if s.kinds is not None and kind in s.kinds]
        if own:
            st.caption(t("train.kind_settings", kind=kind))
            columns = st.columns(FORM_COLUMNS)
            for i, setting in enumerate(own):
                values[setting.name] = _kind_setting_ui(setting, base, values, name, columns[i % FORM_COLUMNS])
    for setting in params.FORM_SETTINGS:
        if setting.name not in values:
            continue
        if setting.type is tuple:
            text = values[setting.name]
            try:
                values[setting.name] = params.parse_numbers(text)
            except ValueError:
                preset = getattr(base, setting.name)
                st.error(t("train.bad_numbers", setting=t(setting.label_key), got=escape_markdown(repr(text[:40])),
                           example=",".join(map(str, setting.default or preset)),
                           preset=",".join(map(str, preset))))
                values[setting.name] = getattr(base, setting.name)
    return base.replace(**values)


def _kind_setting_ui(setting: params.Setting, base: TrainConfig, values: dict, preset_name: str, container):
    """A setting of the kind chosen in the form. ``sparsity_weight``'s widget shows the number
    ``None`` stands for (the chosen penalty's default) and follows the penalty while it is left
    there; that number reads back as ``None``, so the default keeps one cache key and link."""
    key = setting_key(setting, preset_name)
    if setting.name != "sparsity_weight":
        return setting_ui(setting, getattr(base, setting.name), key, container)
    penalty = values.get("sparsity", base.sparsity)
    default = params.SPARSITY_WEIGHTS[penalty]
    seen_key = f"_train.sw_penalty.{preset_name}"
    seen = st.session_state.get(seen_key)
    if seen not in (None, penalty) and st.session_state.get(key) == params.SPARSITY_WEIGHTS[seen]:
        st.session_state[key] = default  # a new penalty, the weight left at the old one's default
    st.session_state[seen_key] = penalty
    value = base.sparsity_weight if base.sparsity_weight is not None else default
    chosen = setting_ui(setting, value, key, container)
    return default_sparsity_weight(penalty, chosen)
