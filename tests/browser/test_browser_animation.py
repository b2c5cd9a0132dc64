"""Watching a model form, in a real browser: a link trains a tiny digits model on the Train page with
"Watch it form" open, and the Plotly animation has one frame and one slider step per epoch; the
3D → 2D page's plane animation draws too. Screenshots: latent-animation, linear3d-plane-animation."""

import pytest
from test_browser import _assert_no_exception, _open, _settle, _shot

pytestmark = pytest.mark.browser

# The animated chart's frames and slider steps, read from Plotly's own state in the page.
ANIMATIONS = """() => Array.from(document.querySelectorAll('.js-plotly-plot'))
    .filter(gd => gd.layout && gd.layout.sliders && gd.layout.sliders.length)
    .map(gd => ({frames: (gd._transitionData && gd._transitionData._frames || []).length,
                 steps: gd.layout.sliders[0].steps.length}))"""


def _train(page):
    page.get_by_role("button", name="Train", exact=True).click()
    _settle(page)
    _assert_no_exception(page)


def test_a_link_opens_the_latent_animation_and_the_plane_turns(server, page):
    _open(page, f"{server}/train?data=digits&preset=recommended&k=3&hidden=16&epochs=3&anim=1")
    _train(page)
    page.wait_for_selector(".js-plotly-plot .slider-container", state="attached")
    assert page.evaluate(ANIMATIONS) == [{"frames": 3, "steps": 3}]
    page.get_by_text("▶").first.click()  # play it once; the screenshot shows where it stands
    page.wait_for_timeout(1500)
    _assert_no_exception(page)
    _shot(page, "latent-animation")

    _open(page, f"{server}/linear_3d?n_epochs=12")
    _train(page)
    page.wait_for_selector(".js-plotly-plot .slider-container", state="attached")
    assert page.evaluate(ANIMATIONS) == [{"frames": 12, "steps": 12}]
    _shot(page, "linear3d-plane-animation")
