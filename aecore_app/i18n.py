"""English and Korean UI strings: one TOML file per language in ``aecore_app/locales``, and this
session's language.

The tables (``strings``, ``translate``, ``problems``) need no Streamlit, so tests check them
directly; :func:`t` looks a key up in the language the person chose (sidebar, ``?lang=``, or the
browser's). Keys are dotted (``latent.title``); values are ``str.format`` templates (``{n}``).
"""

from __future__ import annotations

import string
import tomllib
from functools import lru_cache
from pathlib import Path

import streamlit as st

LOCALE_DIR = Path(__file__).resolve().parent / "locales"
#: Language code -> its name in that language, in the order the sidebar lists them.
LANGUAGES = {"en": "English", "ko": "한국어"}
DEFAULT_LANGUAGE = "en"


def _flatten(table: dict, prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, name + "."))
        else:
            flat[name] = str(value)
    return flat


@lru_cache(maxsize=None)
def strings(lang: str) -> dict[str, str]:
    """Every string of one language, by dotted key."""
    if lang not in LANGUAGES:
        raise ValueError(f"lang={lang!r} is not available; choose one of {list(LANGUAGES)}.")
    with open(LOCALE_DIR / f"{lang}.toml", "rb") as handle:
        return _flatten(tomllib.load(handle))


def translate(key: str, lang: str = DEFAULT_LANGUAGE, **values) -> str:
    """The text of ``key`` in ``lang`` (English, then the key itself, when it is missing)."""
    text = strings(lang).get(key)
    if text is None:
        text = strings(DEFAULT_LANGUAGE).get(key, key)
    return text.format(**values) if values else text


def placeholders(text: str) -> set[str]:
    """The ``{name}`` fields of a template."""
    return {field for _, field, _, _ in string.Formatter().parse(text) if field}


def problems() -> list[str]:
    """Keys missing from a language, or whose ``{placeholders}`` differ from English's."""
    english = strings(DEFAULT_LANGUAGE)
    found = []
    for lang in LANGUAGES:
        table = strings(lang)
        for key in sorted(set(english) ^ set(table)):
            where = lang if key in english else DEFAULT_LANGUAGE
            found.append(f"{key}: missing in {where}.toml")
        for key in sorted(set(english) & set(table)):
            if placeholders(english[key]) != placeholders(table[key]):
                found.append(f"{key}: {lang}.toml uses {sorted(placeholders(table[key]))}, "
                             f"en.toml {sorted(placeholders(english[key]))}")
    return found


def language_from_locale(locale: str | None) -> str:
    """The UI language for a browser locale such as ``ko-KR`` (English when unknown)."""
    code = (locale or "").split("-")[0].split("_")[0].lower()
    return code if code in LANGUAGES else DEFAULT_LANGUAGE


# --------------------------------------------------------------------------- this session's language


def language() -> str:
    """This session's UI language: chosen in the sidebar, else ``?lang=``, else the browser's."""
    if "lang" not in st.session_state:
        asked = st.query_params.get("lang")
        if asked not in LANGUAGES:
            asked = language_from_locale(st.context.locale)
        st.session_state["lang"] = asked
    return st.session_state["lang"]


def t(key: str, **values) -> str:
    """A UI string in this session's language (see ``aecore_app/locales``)."""
    return translate(key, language(), **values)


def t_or(key: str, fallback: str, **values) -> str:
    """``t(key)``, or ``fallback`` (a library's own English text) where the tables have no ``key``."""
    return t(key, **values) if key in strings(DEFAULT_LANGUAGE) else fallback


def language_ui() -> None:
    """The sidebar's language switch; :func:`aecore_app.page_link.write_url` puts the choice into the URL
    (``?lang=ko``)."""
    language()
    st.sidebar.radio(t("common.language"), list(LANGUAGES), key="lang",
                     format_func=LANGUAGES.get, horizontal=True)
