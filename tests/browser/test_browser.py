"""Real-browser tests: Playwright drives Debian's Chromium against `streamlit run app.py`.

They check what AppTest cannot see: the page really renders in a browser, charts draw, uploads
go through the real file input, and no exception box appears. Screenshots of every page are
saved under test-artifacts/ (CI keeps them).
"""

import os
from pathlib import Path

import pytest

from bench.harness.browser import CHROMIUM, IDLE

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"

if not os.path.exists(CHROMIUM):
    if os.environ.get("CI"):
        raise RuntimeError("CI must install Debian's chromium for the browser suite (scripts/test.sh does).")
    pytest.skip("Debian's chromium is not installed (apt-get install chromium)", allow_module_level=True)


def _open(page, url):
    page.goto(url)
    page.wait_for_selector('[data-testid="stApp"]')
    _settle(page)


def _settle(page):
    """Wait until the script has finished its run."""
    page.wait_for_selector(IDLE, state="attached")
    page.wait_for_timeout(300)  # let the last deltas paint before a screenshot
    page.wait_for_selector(IDLE, state="attached")


def _assert_no_exception(page):
    assert page.locator('[data-testid="stException"]').count() == 0, page.locator(
        '[data-testid="stException"]').first.inner_text()


def _shot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


PAGES = [("", "Autoencoder Lab"), ("linear_3d", "linear autoencoder"), ("family", "The autoencoder family"),
         ("train", "Train an autoencoder"), ("reconstructions", "Reconstructions"),
         ("latent", "Latent space"), ("clusters", "Clusters"), ("anomalies", "Anomalies"),
         ("generate", "Generate"), ("digit", "Your own digit"), ("compare", "Compare two models"),
         ("runs", "Runs")]


@pytest.mark.parametrize("path,title", PAGES)
def test_every_page_opens(server, page, path, title):
    _open(page, f"{server}/{path}")
    _assert_no_exception(page)
    assert title in page.locator("h1").first.inner_text()
    _shot(page, f"page-{path or 'home'}")


def test_linear_3d_trains_and_draws(server, page):
    _open(page, f"{server}/linear_3d")
    page.get_by_role("button", name="Train", exact=True).click()
    page.get_by_text("Largest principal angle", exact=True).wait_for()
    _settle(page)
    _assert_no_exception(page)
    assert page.locator(".js-plotly-plot").count() >= 4  # 3D cloud, codings, PCA, loss
    _shot(page, "linear_3d-trained")


def _choose(page, label, option):
    page.get_by_label(label).first.click()
    page.get_by_role("option", name=option).first.click()
    _settle(page)


def _train_digits(page):
    """Train a 3-epoch model on scikit-learn's digits from the Train page."""
    _choose(page, "Dataset", "scikit-learn digits")
    page.get_by_text("Architecture and training settings").click()
    epochs = page.get_by_role("spinbutton", name="Max epochs")
    epochs.fill("3")
    epochs.press("Enter")
    _settle(page)
    page.get_by_role("button", name="Train", exact=True).click()
    page.get_by_text("AE / PCA").first.wait_for()
    _settle(page)


def test_train_digits_then_reconstructions(server, page):
    _open(page, f"{server}/train")
    _train_digits(page)
    _assert_no_exception(page)
    _shot(page, "train-trained")
    page.goto(f"{server}/reconstructions")
    _settle(page)
    _assert_no_exception(page)
    # A fresh page load is a new session: the model belongs to the session that trained it, and a
    # new session starts on the shipped demo model.
    assert page.get_by_text("Showing the shipped demo model").count() == 1


def test_upload_csv_and_bad_file(server, page, tmp_path):
    import numpy as np

    rng = np.random.default_rng(0)
    good = tmp_path / "table.csv"
    good.write_text("a,b,c,d,kind\n" + "\n".join(
        ",".join(f"{v:.4f}" for v in rng.normal(size=4)) + f",k{i % 3}" for i in range(60)))
    bad = tmp_path / "broken.csv"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(300))

    _open(page, f"{server}/train")
    _choose(page, "Dataset", "Your own file")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(bad))
    page.get_by_text("not a CSV text file").wait_for()
    _settle(page)
    _assert_no_exception(page)
    _shot(page, "upload-bad")

    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(good))
    page.get_by_text("60 samples").wait_for()
    _settle(page)
    _assert_no_exception(page)
    assert page.get_by_text("non-numeric column").count() >= 1  # "kind" is reported, not hidden
    _shot(page, "upload-csv")


def _nav(page, label):
    """Go to another page inside the same session (a new URL would start a new session)."""
    page.locator('[data-testid="stSidebar"]').get_by_role("link", name=label, exact=True).click()
    _settle(page)


def test_box_selection_on_the_latent_map_shows_samples(server, page):
    _open(page, f"{server}/train")
    _train_digits(page)
    _nav(page, "Latent space")
    _assert_no_exception(page)
    plot = page.locator(".js-plotly-plot").first
    plot.scroll_into_view_if_needed()
    drag = plot.locator(".nsewdrag").first
    box = drag.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.1, box["y"] + box["height"] * 0.1)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.6, steps=12)
    page.mouse.move(box["x"] + box["width"] * 0.9, box["y"] + box["height"] * 0.9, steps=12)
    page.mouse.up()
    page.get_by_text("selected sample(s)").wait_for()
    _settle(page)
    _assert_no_exception(page)
    # The page also selects every point inside the box from the box's own coordinates (a map
    # thinned above 40,000 points draws only some): on this map it must find what Plotly selected.
    plotly_selected = page.evaluate(
        "() => document.querySelector('.js-plotly-plot').data"
        ".reduce((n, trace) => n + (trace.selectedpoints || []).length, 0)")
    heading = page.get_by_text("selected sample(s)").first.inner_text()
    assert plotly_selected > 0 and heading.startswith(f"{plotly_selected} selected"), (plotly_selected, heading)
    _shot(page, "latent-selection")
    page.get_by_role("tab", name="Thumbnail map").click()
    _settle(page)
    _shot(page, "latent-thumbnails")
    for label in ["Clusters", "Anomalies", "Generate and denoise", "Reconstructions", "Runs"]:
        _nav(page, label)
        _assert_no_exception(page)
        _shot(page, f"page-{label.split()[0].lower()}-trained")


def _text(key, lang, **values):
    from aecore_app.i18n import translate

    return translate(key, lang, **values)


def test_report_downloads_and_opens_with_its_charts(server, page, tmp_path):
    _open(page, f"{server}/train")
    _train_digits(page)
    with page.expect_download() as download:
        page.get_by_role("button", name="Report (HTML)").click()
    path = tmp_path / "report.html"
    download.value.save_as(path)
    assert path.stat().st_size > 100_000  # plotly.js is inside: it opens offline

    report = page.context.new_page()
    errors = []
    report.on("pageerror", lambda exc: errors.append(str(exc)))
    report.goto(path.as_uri())
    report.wait_for_function("document.querySelectorAll('.js-plotly-plot .main-svg').length >= 4")
    assert report.locator(".js-plotly-plot").count() == 4
    assert report.get_by_text("Metrics").count() >= 1 and report.get_by_text("ae_over_pca").count() == 1
    report.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
    assert errors == []


def test_the_browser_language_picks_korean(browser, server):
    """No ?lang= in the link: a browser set to Korean gets the Korean interface."""
    context = browser.new_context(viewport={"width": 1400, "height": 1200}, locale="ko-KR")
    page = context.new_page()
    page.set_default_timeout(180_000)
    try:
        _open(page, server)
        _assert_no_exception(page)
        assert page.get_by_text(_text("tour.heading", "ko")).count() >= 1
        assert "lang=ko" in page.url
    finally:
        context.close()


def test_the_server_log_stays_quiet_through_every_page(running_server, page):
    """Last in this file, so the server has shown every page, trained and uploaded by now:
    with a link that sets widgets from the URL on top, its log holds nothing but Streamlit's start-up
    lines (no TensorFlow notices, no warnings, no tracebacks)."""
    from aecore.models.backend import NOTICE

    _open(page, f"{running_server.url}/train?data=digits&kind=dense")
    _assert_no_exception(page)
    log = running_server.log_so_far()
    noisy = [line for line in log.splitlines(True) if NOTICE.match(line)
             or any(word in line for word in ("WARNING", "Warning", "Traceback", "Session State", "ERROR"))]
    assert noisy == [], log[-4000:]
