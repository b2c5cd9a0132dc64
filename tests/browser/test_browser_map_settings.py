"""Real browser: the Latent page's map settings (issue 35, item 1). A link sets t-SNE's perplexity;
the map says the setting it drew with and its trustworthiness beside it; the form redraws the map
with another perplexity and the link follows; a screenshot of each."""

import re

import pytest

from test_browser import _assert_no_exception, _open, _settle, _shot

pytestmark = pytest.mark.browser


def _trustworthiness(page) -> float:
    metric = page.get_by_test_id("stMetric").filter(has_text="trustworthiness").first
    return float(metric.get_by_test_id("stMetricValue").text_content())


def test_a_link_sets_the_perplexity_and_the_form_redraws_the_map(server, page):
    _open(page, f"{server}/latent?view=tsne&perplexity=5")
    page.get_by_text(re.compile(r"perplexity 5, learning rate")).wait_for()
    _settle(page)
    _assert_no_exception(page)
    first = _trustworthiness(page)
    assert 0.5 < first <= 1.0
    _shot(page, "latent-map-settings-perplexity-5")

    page.get_by_text("Map settings").click()
    box = page.get_by_role("spinbutton", name="Perplexity")
    box.fill("30")
    page.get_by_role("button", name="Redraw the map").click()
    page.get_by_text(re.compile(r"perplexity 30, learning rate")).wait_for()
    _settle(page)
    _assert_no_exception(page)
    assert "perplexity=30" in page.url
    assert 0.5 < _trustworthiness(page) <= 1.0
    _shot(page, "latent-map-settings-perplexity-30")
