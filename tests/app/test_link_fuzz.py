"""Issue #14: hostile values for every query parameter of every page (AppTest).

Each page reads its own parameters (its ``url_state`` spec, found here in the page's source), the
model parameters of :mod:`aecore_app.url`, ``tour`` and ``lang``. For each page and each hostile
value, one run sets every one of them to that value at once; then each parameter gets the Markdown
phishing link on its own. No run may raise, and no text element may show hostile Markdown
unescaped (a link, an image, HTML, a Streamlit directive or icon, a clickable address).

Every value is invalid for every parameter it is sent to (checked below), so no link trains a
model: a valid value could otherwise start a training while links still may.
"""

import ast
import functools
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from aecore_app import i18n, model_links, tour, url

from tests.builders import APP, ROOT

pytestmark = pytest.mark.slow  # hundreds of short cases, together well over 30 s (see pytest.ini)

PAGES = sorted(f"aecore_app/app_pages/{path.name}" for path in (ROOT / "aecore_app" / "app_pages").glob("*.py"))
PHISHING = "[Verify your account](https://evil.example/login) ![](https://evil.example/px.png)"
HOSTILE = {
    "markdown": PHISHING,
    "html": "<script>alert(1)</script><img src=x onerror=alert(1)>",
    "directives": ":red[x] :material/skull: :streamlit:",
    "superscript-two": "²",
    "arabic-three": "٣",
    "overflow": "1e309",
    "huge-negative": "-99999999999999999999",
    "nan": "nan",
    "inf": "inf",
    "empty": "",
    "10kB": "[a](https://evil.example)" * 400,
}
TEXT_ELEMENTS = ("markdown", "caption", "info", "warning", "error", "success", "title", "header", "subheader")
#: Hostile Markdown as it would appear unescaped in an element's source.
UNESCAPED = [re.compile(pattern) for pattern in (r"\]\(http", r"!\[", r"(?<!\\)<(script|img)", r":red\[",
                                                 r":material/skull", r"https?://evil", r"(?<!\\)&lt;")]


def _page_params(page: str) -> dict[str, str]:
    """The query parameters a page declares (``Param("name", "kind", ...)`` in its source): name -> kind."""
    tree = ast.parse((ROOT / page).read_text(encoding="utf-8"))
    return {node.args[0].value: node.args[1].value for node in ast.walk(tree)
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Param"
            and len(node.args) >= 2 and all(isinstance(a, ast.Constant) for a in node.args[:2])}


MODEL_PARAMS = {param.name: param for param in [model_links.DATA, model_links.PRESET, *model_links.MODEL_FIELDS.values()]}
GLOBAL_PARAMS = [*MODEL_PARAMS, "tour", "lang"]


def _is_valid(name: str, kind: str | None, value: str) -> bool:
    """Whether ``value`` could be accepted for the parameter (then it is not hostile there)."""
    if name == "tour":
        return tour.step_from_params({"tour": value}) is not None
    if name == "lang":
        return value in i18n.LANGUAGES
    param = MODEL_PARAMS.get(name) or url.Param(name, kind, -1e18, 1e18)  # page bounds are narrower
    try:
        param.parse(value)
    except ValueError:
        return False
    return True


def _params(page: str, value: str) -> dict[str, str]:
    """Every parameter ``page`` reads, set to ``value`` where that is invalid."""
    kinds = {**_page_params(page), **{name: None for name in GLOBAL_PARAMS}}
    return {name: value for name, kind in kinds.items() if not _is_valid(name, kind, value)}


@functools.lru_cache(maxsize=None)
def _components():
    """Streamlit's registry of installed custom components, scanned once (AppTest scans the
    installed packages again for every new app, ~0.6 s of each of this file's ~200 runs)."""
    from streamlit.components.v2.component_manager import BidiComponentManager

    manager = BidiComponentManager()
    manager.discover_and_register_components(start_file_watching=False)
    return manager


def _open(page: str, params: dict[str, str]) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at._bidi_component_manager = _components()  # private; without it the runs are only slower
    for name, value in params.items():
        at.query_params[name] = value
    at.switch_page(page).run()
    return at


def _assert_safe(at: AppTest) -> None:
    assert not at.exception, [e.value[:300] for e in at.exception]
    for kind in TEXT_ELEMENTS:
        for element in at.get(kind):
            text = element.value
            found = [pattern.pattern for pattern in UNESCAPED if pattern.search(text)]
            assert not found, f"{kind} shows hostile Markdown unescaped ({found}): {text[:300]!r}"
            assert len(text) < 5_000, f"{kind} echoes {len(text):,} characters"


def test_every_page_reads_some_parameters():
    assert len(PAGES) >= 10
    for page in ("aecore_app/app_pages/latent.py", "aecore_app/app_pages/clusters.py", "aecore_app/app_pages/linear_3d.py"):
        assert _page_params(page), page
    for value in HOSTILE.values():  # none of them is a valid model setting: no link trains here
        assert not any(_is_valid(name, None, value) for name in GLOBAL_PARAMS if name != "hidden" or value)


@pytest.mark.timeout(180)
@pytest.mark.parametrize("value", list(HOSTILE), ids=list(HOSTILE))
@pytest.mark.parametrize("page", PAGES, ids=lambda p: Path(p).stem)
def test_hostile_values_in_every_parameter_at_once(page, value):
    at = _open(page, _params(page, HOSTILE[value]))
    _assert_safe(at)
    assert at.title, "the page did not draw"


# One run per parameter with the phishing link: a page's own parameters on that page; the shared
# ones (model, tour, language), which app.py and aecore_app read the same way for every page, on a
# page that opens the linked model and on one that reads no model. (The Train page, which fills its
# form from a model link, gets them all at once above: one of its runs costs several others.)
ONE_BY_ONE = ([(page, name) for page in PAGES for name in _page_params(page)]
              + [(page, name) for page in ("aecore_app/app_pages/latent.py", "aecore_app/app_pages/home.py") for name in GLOBAL_PARAMS])


@pytest.mark.timeout(180)
@pytest.mark.parametrize("page, name", ONE_BY_ONE, ids=[f"{Path(p).stem}-{n}" for p, n in ONE_BY_ONE])
def test_a_phishing_link_in_each_parameter_is_escaped(page, name):
    at = _open(page, {name: PHISHING})
    _assert_safe(at)
    if name not in ("tour", "lang") and (name not in MODEL_PARAMS or page != "aecore_app/app_pages/home.py"):
        # A text parameter (a search) takes the link's text: the page says what it cannot read in it.
        notices = [i.value for i in [*at.info, *at.error] if "Verify your account" in i.value]
        assert notices, f"{page} said nothing about {name}=..."
