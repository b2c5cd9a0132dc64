"""The Compare page in a real browser: a link with two shipped MNIST demos draws the settings diff,
the yardsticks and the four charts (loss curves, reconstructions, two latent maps) without an
exception box. Screenshot: test-artifacts/compare-two-models.png."""

import pytest

from test_browser import _assert_no_exception, _open, _shot

pytestmark = pytest.mark.browser


def test_a_link_opens_the_comparison_of_two_demos(server, page):
    _open(page, f"{server}/compare?a=demo:mnist-recommended&b=demo:mnist-denoising")
    _assert_no_exception(page)
    assert "Compare two models" in page.locator("h1").first.inner_text()
    page.wait_for_selector('[data-testid="stPlotlyChart"] .main-svg')
    assert page.locator('[data-testid="stDataFrame"]').count() >= 2  # the settings diff and the yardsticks
    assert page.locator('[data-testid="stPlotlyChart"]').count() >= 4
    assert page.get_by_text("Settings that differ").count() == 1
    assert page.locator('[data-testid="stAlertContentError"]').count() == 0
    _shot(page, "compare-two-models")
