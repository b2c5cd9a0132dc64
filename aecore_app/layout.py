"""Small layout helpers every page shares: user text shown safely in Markdown, a row of metric
cards, tabs that remember which one is open, plain words for a training's end, queued messages.

Nothing here knows about models or links; the modules above it (session, url, ...) use it.
"""

from __future__ import annotations

import re

import streamlit as st

from .i18n import language, t


def escape_markdown(text, max_chars: int | None = None) -> str:
    """Show user-controlled text literally inside Streamlit Markdown (``st.markdown``, captions,
    ``st.info`` / ``warning`` / ``error`` / ``success``): rejected link values, file, column and run
    names, and messages that quote them.

    Every ASCII punctuation character is backslash-escaped (CommonMark shows an escaped one as
    itself), so no link, image, HTML tag, ``$`` formula or ``:red[...]`` directive can start, and
    control characters become spaces, so no heading, list or quote can start on a new line.
    Streamlit and GFM also rewrite the *parsed* text (``:material_name:`` icons, ``:emoji:``, bare
    ``https://`` and ``www.`` addresses, e-mail addresses), which escapes cannot stop: an invisible
    word joiner (U+2060) before each ``:`` and ``@``, and between ``www`` and its dot, does.
    ``max_chars`` shortens a long name (ending it with "…").
    """
    text = str(text)
    if max_chars is not None and len(text) > max_chars:
        text = text[:max_chars] + "…"
    text = re.sub(r"[\x00-\x1f\x7f]", " ", text)
    text = re.sub(r"([!-/:-@\[-`{-~])", r"\\\1", text)
    return re.sub(r"(\\[:@]|(?<=www)\\\.)", "\u2060\\1", text, flags=re.IGNORECASE)


def metric_row(items: list[tuple[str, str, str | None]]) -> None:
    """A row of st.metric cards: (label, value, help)."""
    for column, (label, value, help_text) in zip(st.columns(len(items)), items):
        column.metric(label, value, help=help_text)


def at_most_text(seconds: float) -> str:
    """An upper estimate of a duration in words: "under a second" below one, since "at most about
    0 s" reads as no time at all, or as a broken estimate."""
    return t("ui.under_a_second") if seconds < 1 else t("ui.at_most_seconds", seconds=seconds)


def reason_text(code: str) -> str:
    """Plain words for a reducer's ``stopped_reason_``."""
    reasons = {"completed": t("ui.reason_completed"), "early_stopping": t("ui.reason_early_stopping"),
               "stopped": t("ui.reason_stopped"), "nan": t("ui.reason_nan"),
               "interrupted": t("ui.reason_interrupted")}
    return reasons.get(code, code)


def coded_tabs(key: str, labels: dict[str, str]):
    """``st.tabs`` whose open tab is kept as a stable code in ``st.session_state[key]``, so that a
    link (``url_state``) or a language switch opens the right tab.

    The tabs track their state (``on_change``), so each tab's ``.open`` says whether it is shown:
    pages draw only the open tab. The widget keeps one key per language; a code set from outside
    (a link) is copied into it before it is drawn, a click copies the tab back into the code.
    """
    code = st.session_state.get(key)
    if code not in labels:
        code = next(iter(labels))
    widget = f"{key}.{language()}"
    if st.session_state.get(widget) != labels[code]:
        st.session_state[widget] = labels[code]
    codes = {label: c for c, label in labels.items()}

    def remember() -> None:
        st.session_state[key] = codes.get(st.session_state.get(widget), code)

    st.session_state[key] = code
    return st.tabs(list(labels.values()), key=widget, on_change=remember)


def show_messages(messages: list[tuple[str, str]]) -> None:
    """Draw ``(level, text)`` messages: st.error, st.warning or st.success."""
    for level, text in messages:
        {"error": st.error, "warning": st.warning, "success": st.success}[level](text)


def page_theme() -> str:
    """The visitor's theme, "light" or "dark" ("light" where the browser has not said, as in AppTest)."""
    return "dark" if getattr(st.context.theme, "type", None) == "dark" else "light"
