"""Page state in a URL: typed query parameters, read with validation and written back compactly.

A shared link such as ``?data=mnist_sample&preset=recommended&k=2&view=umap&color=label`` reopens
the same model (from the cache, or a Train button for a model nobody trained) and the same view.
Anything invalid or tampered with is dropped with a plain-words reason, never an exception.

- The link format (:class:`Param`, :func:`read`, :func:`write`, the model's parameters) is plain
  Python, tested without Streamlit.
- :func:`url_state` binds a page's widgets to parameters; :func:`write_url` (app.py, after every
  page) writes them back and refreshes the sidebar's Share box; :func:`linked_model` reads the
  model a new link names.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Mapping
from urllib.parse import urlencode

import streamlit as st

from aecore import data as aedata
from aecore import params
from aecore.demo import form_config
from aecore.params import latent_size_fits
from aecore.presets import PRESETS, TrainConfig

from . import caches, session, tour
from .i18n import language, t
from .layout import escape_markdown
from .online_data_ui import online_dataset_ui

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
    min_items: int = 0

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
                values = params.parse_numbers(text)
            except ValueError:
                raise ValueError(f"{self.name}={text!r} must be whole numbers separated by commas") from None
            if len(values) > self.max_items:
                raise ValueError(f"{self.name} has more than {self.max_items} numbers")
            if len(values) < self.min_items:
                raise ValueError(f"{self.name} needs at least {self.min_items} number(s)")
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


# --------------------------------------------------------------------------- this run's link


def _run_state() -> dict:
    """What this run's page binds to the URL: its spec, its model, the Share box's slot."""
    return st.session_state.setdefault("_url.run", {})


def start_run(share_slot) -> None:
    """Forget the last run's bindings (called once per run by page setup); ``share_slot`` is
    the sidebar placeholder :func:`write_url` fills with the Share box."""
    st.session_state["_url.run"] = {"share_slot": share_slot}


def _incoming() -> dict[str, str]:
    return {name: st.query_params[name] for name in st.query_params}


def url_state(page: str, spec: dict[str, Param]) -> None:
    """Bind a page's widgets (by key) to query parameters. Call it before creating the widgets.

    A link that arrives with values for them (a shared URL, a guided-tour step) sets the widgets
    once; afterwards the widgets drive the URL, written by :func:`write_url` at the end of the run.
    Invalid or tampered values are ignored with a gentle notice.
    """
    run = _run_state()
    run["page"], run["spec"] = page, spec
    clash = {param.name for param in spec.values()} & MODEL_PARAM_NAMES
    if clash:
        raise ValueError(f"Query parameters {sorted(clash)} of page {page!r} name model settings; rename them.")
    names = {param.name for param in spec.values()}
    arrived = {name: value for name, value in _incoming().items() if name in names}
    seen_key = f"_url.seen.{page}"
    if arrived and arrived != st.session_state.get(seen_key):
        st.session_state[seen_key] = arrived
        values, problems = read(arrived, spec)
        if problems:
            st.session_state["_url.notice"] = problems
        changed = {key: value for key, value in values.items() if st.session_state.get(key) != value}
        if changed:
            st.session_state.update(changed)
            st.rerun()  # widgets pick the values up on a fresh run (no default-value conflict)
    show_url_notice()


def show_url_notice() -> None:
    """Say which values of the last link were ignored, and why (once)."""
    problems = st.session_state.pop("_url.notice", None)
    if problems:
        items = "; ".join(escape_markdown(problem, 300) for problem in problems)
        st.info(t("share.ignored", items=items), icon=":material/link_off:")


def set_url_model(data_key: str, preset_name: str | None, config: TrainConfig) -> None:
    """Put a model (built-in data, a preset and its changed settings) into this run's URL."""
    if data_key in aedata.BUILTIN_DATASETS and preset_name in PRESETS:
        _run_state()["model"] = model_params(data_key, preset_name, config)


def forget_url_model() -> None:
    """Leave the model out of this run's URL (the person declined the link's model)."""
    _run_state().pop("model", None)


def linked_model() -> tuple[str, str, TrainConfig] | None:
    """The model a newly arrived link names, once: ``(data_key, preset, config)``, else None.

    A link never downloads data by itself: when its dataset is one Keras would download, the page
    stops with the Download box until the person downloads it (or declines with "Not now")."""
    arrived = {k: v for k, v in _incoming().items() if k in MODEL_PARAM_NAMES}
    if arrived and arrived != st.session_state.get("_url.seen_model"):
        st.session_state["_url.seen_model"] = arrived
        data_key, preset_name, config, problems = model_from_params(arrived, caches.builtin_n_features)
        if problems:
            st.session_state["_url.notice"] = problems + st.session_state.get("_url.notice", [])
        link = (data_key, preset_name, config)
    else:
        # The link seen earlier is kept while its download waits: the button's rerun comes back here.
        link = st.session_state.get(_AWAITING_DOWNLOAD)
        if link is None:
            return None
    _download_first(link)
    return link


#: Session key: a link whose dataset waits for the person's Download button.
_AWAITING_DOWNLOAD = "_url.awaiting_download"


def _download_first(link: tuple[str, str, TrainConfig]) -> None:
    """Return when the link's data may load; else show the Download box and stop the page."""
    if online_dataset_ui(link[0]):
        st.session_state.pop(_AWAITING_DOWNLOAD, None)
        return
    st.session_state[_AWAITING_DOWNLOAD] = link
    set_url_model(*link)  # the address bar keeps the link while the person decides
    show_url_notice()
    if st.button(t("data.online.not_now"), key="data.not_now"):
        st.session_state.pop(_AWAITING_DOWNLOAD, None)
        forget_url_model()
        st.rerun()
    write_url()
    st.stop()


def write_url(share_box: bool = True) -> None:
    """Write this run's page state into the URL and refresh the sidebar's Share box.

    Called by app.py after the page ran (also when it stopped early), and with
    ``share_box=False`` at the end of a fragment, which may not draw into the sidebar."""
    run = _run_state()
    params = {"lang": language()}
    step = tour.step_from_params(_incoming())
    if step is not None:
        params["tour"] = str(step + 1)
    model = run.get("model")
    if model is None and run.get("uses_model"):
        current = session.current_model()
        if current and current.preset and current.key.source == "train":
            model = model_params(current.data_key, current.preset, current.config)
    if model:
        params.update(model)
        st.session_state["_url.seen_model"] = model
    spec = run.get("spec") or {}
    if spec:
        values = {key: st.session_state[key] for key in spec if key in st.session_state}
        written = write(values, spec)
        params.update(written)
        st.session_state[f"_url.seen.{run['page']}"] = written
    elif st.session_state.get("_url.pending_model") is not None:
        # The page stopped on a link's untrained model before binding its widgets: keep the link's
        # view settings in the URL, so they apply once the person trains the model.
        # Kept as they came (the page reads them later, checked); bounded, as any link's text is.
        kept = [(name, value) for name, value in _incoming().items()
                if name not in MODEL_PARAM_NAMES and name not in ("lang", "tour")
                and len(name) <= 32 and len(value) <= 512]
        params.update(dict(kept[:32]))
    if _incoming() != params:
        st.query_params.from_dict(params)
    slot = run.get("share_slot")
    if share_box and slot is not None:
        with slot.container():
            with st.popover(t("share.button"), icon=":material/share:", width="stretch"):
                st.caption(t("share.help"))
                st.code(share_link(params), language=None, wrap_lines=True)


def sync_url() -> None:
    """At the end of an ``st.fragment`` whose widgets are in the link: write them into the
    address bar (a fragment's rerun skips app.py's :func:`write_url`; the Share box refreshes
    on the next full run)."""
    write_url(share_box=False)


def share_link(params: dict[str, str]) -> str:
    """The full link of this view (relative when the browser's URL is unknown, as in tests)."""
    return f"{st.context.url or ''}?{urlencode(params)}"


def train_form_from_link() -> None:
    """On the Train page: a link that names a model fills in the form (dataset, preset, every
    setting) and trains it, or shows it at once when it is cached. Call before the widgets."""
    link = linked_model()
    if link is None:
        show_url_notice()
        return
    data_key, preset_name, config = link
    values = widget_values(preset_name, config)
    st.session_state.update({"train.dataset": data_key, "active_dataset": data_key,
                             "train.preset": preset_name})
    for field, param in MODEL_FIELDS.items():
        st.session_state[f"train.{param.name}.{preset_name}"] = values[field]
    st.session_state["_url.train_now"] = True
    st.rerun()


def train_requested_by_link() -> bool:
    """True once after :func:`train_form_from_link` filled in the form."""
    return bool(st.session_state.pop("_url.train_now", False))


def uses_model() -> None:
    """Note that this run's page shows the current model: :func:`write_url` links to it."""
    _run_state()["uses_model"] = True
