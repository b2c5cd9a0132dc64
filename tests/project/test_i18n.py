"""English and Korean strings: no key missing in either language, and every page uses known keys."""

import ast
from pathlib import Path

import pytest

from aecore_app import i18n

from tests.builders import ROOT

SOURCES = [ROOT / "app.py", *sorted((ROOT / "aecore_app").glob("*.py")), *sorted((ROOT / "aecore_app" / "app_pages").rglob("*.py"))]


def test_no_key_missing_in_either_language():
    assert i18n.problems() == []


def test_problems_reports_a_missing_key_and_a_changed_field(monkeypatch):
    tables = {"en": {"a.b": "{n} runs", "a.c": "x"}, "ko": {"a.b": "{count}개 실행"}}
    monkeypatch.setattr(i18n, "strings", lambda lang: tables[lang])
    found = i18n.problems()
    assert "a.c: missing in ko.toml" in found
    assert any(line.startswith("a.b: ko.toml uses ['count']") for line in found)


def _keys_used(path: Path) -> set[str]:
    """Literal first arguments of every t(...) call in a source file."""
    keys = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "t"
                and node.args and isinstance(node.args[0], ast.Constant)):
            keys.add(node.args[0].value)
    return keys


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_every_key_a_page_uses_exists(path):
    english = i18n.strings("en")
    assert sorted(_keys_used(path) - set(english)) == []


def test_translate_formats_and_falls_back():
    assert i18n.translate("common.language", "ko") == "언어"
    assert i18n.translate("no.such.key", "ko") == "no.such.key"
    with pytest.raises(ValueError, match="lang='fr'"):
        i18n.strings("fr")


@pytest.mark.parametrize("locale, expected", [("ko-KR", "ko"), ("ko", "ko"), ("en-US", "en"),
                                              ("fr-FR", "en"), (None, "en"), ("", "en")])
def test_language_from_browser_locale(locale, expected):
    assert i18n.language_from_locale(locale) == expected


def test_english_copies_of_library_names_match_the_library():
    """Dataset and preset descriptions live in aecore (English); en.toml's copies must not drift."""
    from aecore.data.datasets import BUILTIN_DATASETS
    from aecore.presets import PRESETS

    english = i18n.strings("en")
    for name, text in BUILTIN_DATASETS.items():
        assert english[f"ui.dataset_{name}"] == text
    for name, (text, _) in PRESETS.items():
        assert english[f"train.preset_{name}"] == text
