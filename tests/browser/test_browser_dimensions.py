"""The Family page's "How many dimensions?" tab in a real browser: a link to the tab on the MNIST
sample draws the shipped sweep (three panels: error, trustworthiness, explained variance) at once,
with no button to press and no exception box; the VAE tab draws the β comparison. Screenshots:
test-artifacts/family-dimensions.png, test-artifacts/family-beta-vae.png."""

import pytest

from test_browser import _assert_no_exception, _open, _shot

pytestmark = pytest.mark.browser


def test_a_link_opens_the_shipped_latent_size_sweep(server, page):
    _open(page, f"{server}/family?dataset=mnist_sample&tab=dims")
    _assert_no_exception(page)
    tab = page.get_by_role("tabpanel").filter(has_text="Autoencoder vs PCA over latent sizes")
    chart = tab.locator('[data-testid="stPlotlyChart"]')
    chart.first.wait_for()
    tab.get_by_text("Autoencoder vs PCA over latent sizes").first.wait_for()
    for panel in ("held-out MSE", "trustworthiness", "PCA: cumulative explained variance"):
        assert chart.first.get_by_text(panel, exact=True).count() == 1, panel
    assert tab.get_by_role("button", name="Run the sweep").count() == 0
    assert page.locator('[data-testid="stAlertContentError"]').count() == 0
    tab.scroll_into_view_if_needed()
    _shot(page, "family-dimensions")


def test_the_beta_slider_shows_each_betas_plane(server, page):
    _open(page, f"{server}/family?dataset=mnist_sample&tab=more")
    _assert_no_exception(page)
    tab = page.get_by_role("tabpanel").filter(has_text="β: reconstruction against a smooth latent space")
    tab.get_by_text("The plane decoded (the prior's 5% to 95% quantiles), β = 1").first.wait_for()
    assert tab.get_by_text("β (KL weight)").count() >= 1
    assert page.locator('[data-testid="stAlertContentError"]').count() == 0
    tab.get_by_text("What β trades: reconstruction error against KL").first.scroll_into_view_if_needed()
    _shot(page, "family-beta-vae")
