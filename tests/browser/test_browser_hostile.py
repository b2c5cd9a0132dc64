"""Hostile links and inputs in a real browser, on one ``streamlit run`` server: each ends with a message
(no hang, no exception box, no training started, no Markdown rendered into a link or an image) and the
server stays healthy for the next visitor.

AppTest already checks every page's answer to hostile link values (tests/app/test_link_fuzz.py,
test_markdown_escaping_and_ascii_links.py, test_no_training_without_a_click.py) and bad uploads
(test_train_page_bad_inputs.py, test_upload_fuzz.py); what it cannot see is the rendered page, four
hostile tabs at once on a real server, and that server answering afterwards. This replaced the
retired browser load test (bench/load_browser.py); crowds of visitors are bench/class_load.py's.
"""

import os
from urllib.parse import quote

import pytest

from bench.harness.browser import CHROMIUM, IDLE
from bench.harness.server import healthy

pytestmark = pytest.mark.browser

if not os.path.exists(CHROMIUM):
    if os.environ.get("CI"):
        raise RuntimeError("CI must install Debian's chromium for the browser suite (scripts/test.sh does).")
    pytest.skip("Debian's chromium is not installed (apt-get install chromium)", allow_module_level=True)

PHISHING = "[Verify your account](https://evil.example/login) ![](https://evil.example/px.png)"
#: The issue-14 links, each with the kind of message its page must end with and words of it ("" where
#: none is owed).
HOSTILE_LINKS = {
    "huge training link": ("/train?data=digits&preset=recommended&hidden=" + ",".join(["4096"] * 8)
                           + "&k=32&batch=1&epochs=1000&es=0", "stAlertContentError", "cannot be trained here"),
    "raw-pixel mixture link": ("/clusters?data=mnist_sample&preset=recommended&space=raw&method=gmm"
                               "&clusters=50&n_init=50", "stAlertContentError", "the limit is"),
    "Markdown in a link value": ("/latent?view=" + quote(PHISHING, safe=""), "stAlertContentInfo", "not valid"),
    "unicode digit ?tour=²": ("/?tour=" + quote("²", safe=""), "", ""),
}
INJECTED = 'a[href*="evil.example"], img[src*="evil.example"]'
LIMIT_MS = 180_000  # one page's first run imports TensorFlow on a busy 2-core machine


def _finished(page, message: str) -> None:
    """Wait for the page's message (if one is owed), then for its script to stop running."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=LIMIT_MS)
    if message:
        page.locator(f'[data-testid="{message}"]').first.wait_for(timeout=LIMIT_MS)
    page.wait_for_selector(IDLE, state="attached", timeout=LIMIT_MS)


@pytest.fixture(scope="module")
def hostile_tabs(browser, server):
    """The four links opened at once, each in its own tab of one visitor; what each tab shows at the end."""
    context = browser.new_context(viewport={"width": 1400, "height": 2000})
    tabs = {name: context.new_page() for name in HOSTILE_LINKS}
    for name, (path, _, _) in HOSTILE_LINKS.items():
        tabs[name].goto(server + path, wait_until="commit", timeout=LIMIT_MS)
    seen = {}
    for name, (_, message, _) in HOSTILE_LINKS.items():
        tab = tabs[name]
        _finished(tab, message)
        seen[name] = {"exceptions": tab.locator('[data-testid="stException"]').count(),
                      "messages": tab.locator('[data-testid^="stAlertContent"]').all_inner_texts(),
                      "progress": tab.locator('[data-testid="stProgress"]').count(),
                      "injected": tab.locator(INJECTED).count()}
    context.close()
    return seen


@pytest.mark.parametrize("name", list(HOSTILE_LINKS))
def test_a_hostile_link_ends_with_a_message_not_an_exception(hostile_tabs, name):
    assert hostile_tabs[name]["exceptions"] == 0, hostile_tabs[name]
    words = HOSTILE_LINKS[name][2]
    assert not words or any(words in message for message in hostile_tabs[name]["messages"]), hostile_tabs[name]


def test_a_link_starts_no_training(hostile_tabs):
    assert hostile_tabs["huge training link"]["progress"] == 0, hostile_tabs["huge training link"]


def test_markdown_in_a_link_value_is_not_rendered(hostile_tabs):
    assert hostile_tabs["Markdown in a link value"]["injected"] == 0


def test_typing_300000_hidden_units_is_a_message(page, server):
    page.goto(f"{server}/train")
    _finished(page, "")
    box = page.locator('[class*="st-key-train-hidden-"] input').first
    if not box.is_visible():
        from aecore_app.i18n import translate

        page.get_by_text(translate("train.settings", "en")).first.click()
    box.fill("300000")
    box.press("Enter")
    _finished(page, "stAlertContentError")
    assert "300000" in page.locator('[data-testid="stAlertContentError"]').first.inner_text()
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.locator('[data-testid="stProgress"]').count() == 0


def test_the_server_still_serves_the_next_visitor(hostile_tabs, running_server, page):
    assert healthy(running_server.url)
    page.goto(f"{running_server.url}/linear_3d")
    _finished(page, "")
    assert page.locator('[data-testid="stException"]').count() == 0
    assert "linear autoencoder" in page.locator("h1").first.inner_text()
