"""Real browser: the Latent page's t-SNE you watch converge (its title follows the frame shown) and a
search's matches ringed, then mapped on their own and back; screenshots of each."""

import re

import pytest

from test_browser import _assert_no_exception, _open, _settle, _shot

pytestmark = pytest.mark.browser


def _title(plot) -> str:
    return plot.locator(".gtitle").first.text_content()


def test_tsne_converging_and_a_search_mapped_on_its_own(server, page):
    _open(page, f"{server}/latent?view=tsne&watch=1&find_col=label&find=7")
    page.get_by_text(re.compile("kept at 15 checkpoints")).wait_for()
    _settle(page)
    _assert_no_exception(page)
    page.get_by_text(re.compile(r"500 of 5,000 rows match")).wait_for()
    animation = page.locator(".js-plotly-plot").filter(has_text="Iteration")
    assert _title(animation).startswith("t-SNE after 750 iterations: KL divergence")
    # What a slider step does (Plotly's own animate with the step's frame): the title follows the frame.
    animation.first.evaluate("gd => Plotly.animate(gd, ['iteration 100'], "
                             "{frame: {duration: 0, redraw: true}, transition: {duration: 0}, mode: 'immediate'})")
    page.wait_for_timeout(500)
    assert re.match(r"t-SNE after 100 iterations: KL divergence \d\.\d{3} \(early exaggeration\)", _title(animation))
    animation.first.evaluate("e => e.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(300)
    _shot(page, "latent-tsne-watch")

    page.get_by_role("button", name="Map only the 500 matches").click()
    page.get_by_text(re.compile("Showing only the 500 points the search found")).wait_for()
    _settle(page)
    _assert_no_exception(page)
    isolated = page.locator(".js-plotly-plot").filter(has_text="mapped on their own")
    assert _title(isolated).startswith("t-SNE of 500 of the 5,000 codes, mapped on their own")
    assert "iso=find" in page.url and "find=7" in page.url
    isolated.first.evaluate("e => e.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(300)
    _shot(page, "latent-isolated-sevens")

    page.get_by_role("button", name="Back to every point").click()
    page.get_by_text(re.compile(r"500 of 5,000 rows match")).wait_for()
    # The link is rewritten at the end of the click's run, which may start after the wait above
    # returned (the server may hold a new run for a moment: aecore_app/idle.py).
    page.wait_for_function("() => !window.location.search.includes('iso=')", timeout=60_000)
    _settle(page)
    assert "iso=" not in page.url
    _assert_no_exception(page)
