"""Link values and names reach Markdown escaped (issue 14, case 7): ``escape_markdown`` neutralises
links, images, HTML, directives and icons and keeps the text; a Markdown link in a link is shown
escaped; tour steps and link numbers take ASCII digits only, and ``?tour=²`` still opens the page."""

import re

import pytest

from aecore_app import tour, url
from aecore_app.layout import escape_markdown
from tests.builders import open_page

TIMEOUT = 300
PHISHING = "[Verify your account](https://evil.example/login) ![](https://evil.example/px.png)"


def _open(page, params=None):
    return open_page(page, params, timeout=TIMEOUT)


def _texts(at):
    return [e.value for kind in ("markdown", "caption", "info", "warning", "error", "success")
            for e in at.get(kind)]


HOSTILE = [PHISHING, "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", ":red[x] :material/skull:",
           ":material_skull: :smile: :streamlit:", "https://evil.example www.evil.example me@evil.example",
           "line\n# heading\n- item\n> quote", "$x^2$ `code` **bold** ~~gone~~ | a | b |", "&lt;b&gt; \\[x\\]"]


@pytest.mark.parametrize("text", HOSTILE)
def test_escape_markdown_neutralises_markdown_and_keeps_the_text(text):
    escaped = escape_markdown(text)
    assert "](" not in escaped and "![" not in escaped and ":red[" not in escaped
    assert not re.search(r"(?<!\\)[<>\[\]()`*_$|~&#]", escaped), escaped
    # What survives parsing: unescaped text, in which Streamlit's and GFM's text rewrites must not match.
    parsed = re.sub(r"\\(.)", r"\1", escaped)
    assert not re.search(r":material[/_]\w+:|:\w+:|https?://|www\.|\w@\w", parsed), parsed
    assert "\n" not in parsed
    assert parsed.replace("\u2060", "") == text.replace("\n", " ")


def test_escape_markdown_shortens_long_names():
    assert escape_markdown("a" * 100, 10) == "a" * 10 + "…"


def test_a_markdown_link_in_a_link_is_shown_escaped():
    at = _open("aecore_app/app_pages/latent.py", {"view": PHISHING})
    notices = [i.value for i in at.info if "link" in i.value]
    assert notices, [i.value for i in at.info]
    assert "Verify your account" in notices[0]
    for text in _texts(at):
        assert "](" not in text and "![" not in text and "https://evil" not in text, text


@pytest.mark.parametrize("value", ["²", "٣", "1²", "00000000000000000003"])
def test_tour_accepts_only_ascii_step_numbers(value):
    assert tour.step_from_params({"tour": value}) is None
    assert tour.step_from_params({"tour": "3"}) == 2


@pytest.mark.parametrize("page", ["aecore_app/app_pages/home.py", "aecore_app/app_pages/latent.py"])
@pytest.mark.parametrize("value", ["²", "٣"])
def test_a_tour_link_with_unicode_digits_opens_the_page(page, value):
    at = _open(page, {"tour": value})
    assert at.title
    assert not [m.value for m in at.markdown if "/tour" in m.value], "a step banner for a non-ASCII step"


@pytest.mark.parametrize("kind", ["int", "float", "ints"])
def test_link_numbers_must_use_ascii_digits(kind):
    param = url.Param("n", kind, 0, 10)
    with pytest.raises(ValueError, match="digits 0-9"):
        param.parse("٣")
    assert param.parse("3") in (3, 3.0, (3,))
