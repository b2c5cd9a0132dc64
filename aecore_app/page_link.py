"""This run's link: a page binds its widgets (and the model it shows) to query parameters;
:func:`write_url` (app.py, after every page) writes them back and refreshes the sidebar's Share
box; :func:`linked_model` reads the model a newly arrived link names, once.
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode

import streamlit as st

from aecore.data import datasets as aedata
from aecore.presets import PRESETS, TrainConfig

from . import caches, session, tour
from .i18n import language, t
from .layout import escape_markdown
from .model_links import MODEL_PARAM_NAMES, model_from_params, model_params
from .online_data_ui import online_dataset_ui
from .url import Param, read, write

#: The widget keys a link has set in any session of this server (widget names, a bounded set).
_LINK_SET: set[str] = set()


class _WidgetsSetByLinks(logging.Filter):
    """Drop Streamlit's warning that a widget created with a default also had its value set through
    the Session State API, for the widgets a link sets: overriding the default is what a link is for,
    and the warning (with its stack) filled the server's log at every shared link."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not ("set via the Session State API" in message
                    and any(f'key "{key}"' in message for key in _LINK_SET))


logging.getLogger("streamlit.elements.lib.policies").addFilter(_WidgetsSetByLinks())


def set_from_link(values: dict) -> None:
    """Put widget values a link carries into this session, before the widgets are created."""
    _LINK_SET.update(values)
    st.session_state.update(values)


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
            set_from_link(changed)
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


def uses_model() -> None:
    """Note that this run's page shows the current model: :func:`write_url` links to it."""
    _run_state()["uses_model"] = True
