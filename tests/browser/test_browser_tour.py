"""The guided tour in a real browser: walked through its Next links in English, then each step's
arrival timed in Korean on the warmed server with the other test worker paused (tests/quiet.py).

A file of its own, so that pytest-xdist can run the rest of the browser suite on the other worker
while the walk warms this file's server (the tour was most of test_browser.py's six minutes)."""

import pytest

from test_browser import ARTIFACTS, _assert_no_exception, _open, _settle, _shot, _text

pytestmark = pytest.mark.browser


@pytest.mark.quiet
def test_guided_tour_end_to_end(browser, server, page):
    """The tour walked in English, Home → every step through its Next link (each step's banner, link
    and page checked, a screenshot each), which warms the server; then each step's arrival in Korean,
    in a fresh session, timed with the other worker paused, where the banner, its link and a Next link
    to the following step are checked in Korean (screenshots too). The times are written to
    test-artifacts/tour_arrival.json, a measurement to read, not asserted (it depends on the machine);
    ``python -m bench.tour --arrivals`` times both languages."""
    from aecore_app import tour

    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    _open(page, f"{server}/?lang=en")
    assert page.get_by_text(_text("tour.heading", "en")).count() >= 1
    page.get_by_role("link", name=_text("tour.open", "en")).first.click()
    _settle(page)
    for number in range(1, len(tour.STEPS) + 1):
        _check_step(page, "en", number)
        _shot(page, f"tour-en-{number}")
        if number < len(tour.STEPS):
            page.get_by_role("link", name=_text("tour.next", "en")).first.click()
            _settle(page)
    assert errors == []
    _record_arrivals(browser, server, "ko")


def _check_step(page, lang, number):
    """Step ``number``'s page as the tour shows it: its banner in ``lang``, no exception, its link."""
    from aecore_app import tour

    page.get_by_text(_text("tour.step", lang, n=number, total=len(tour.STEPS))).first.wait_for()
    _settle(page)
    _assert_no_exception(page)
    assert f"tour={number}" in page.url and f"lang={lang}" in page.url


def _record_arrivals(browser, server, lang):
    """Time every step's arrival in a fresh session, checking each page (its banner and link, and a
    Next link to the following step, and a screenshot); write the rows to
    tour_arrival.json."""
    import json
    from urllib.parse import parse_qs, urlparse

    from aecore_app import tour
    from bench.tour import guided_tour_arrivals

    pages, errors = [], []

    def new_page():
        while pages:
            pages.pop().context.close()
        fresh = browser.new_context(viewport={"width": 1400, "height": 2000}).new_page()
        fresh.set_default_timeout(180_000)
        fresh.on("pageerror", lambda exc: errors.append(str(exc)))
        pages.append(fresh)
        return fresh

    def check(page, index):
        _check_step(page, lang, index + 1)
        if index + 1 < len(tour.STEPS):
            link = page.get_by_role("link", name=_text("tour.next", lang)).first
            query = parse_qs(urlparse(link.get_attribute("href")).query)
            assert query.get("tour") == [str(index + 2)], query  # the session keeps the language
        _shot(page, f"tour-{lang}-{index + 1}")

    from tests.quiet import alone

    try:
        with alone():
            rows = guided_tour_arrivals(new_page, server, lang, warm=False, check=check)
    finally:
        while pages:
            pages.pop().context.close()
    assert errors == []
    assert [r["step"] for r in rows] == list(range(1, len(rows) + 1))
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "tour_arrival.json").write_text(json.dumps(rows, indent=1))


def test_tour_digit_step_canvas_toolbar_leaves_the_instructions_readable(server, page):
    """The canvas's toolbar rises above the canvas under the pointer: it must not cover the
    instructions drawn above it (issue 36, item 11)."""
    from bench.tour import step_url
    from aecore_app import tour

    _open(page, step_url(server, [s.id for s in tour.STEPS].index("digit"), "en"))
    canvas = page.locator(".dc-root").first
    canvas.wait_for()
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + 60, box["y"] + 60)
    page.mouse.down()
    page.mouse.move(box["x"] + 90, box["y"] + 200, steps=8)
    page.mouse.up()
    page.mouse.move(box["x"] + 100, box["y"] + 100)  # the pointer over the canvas shows the toolbar
    toolbar = page.locator(".dc-toolbar-card").first
    # The component draws in a shadow root, which document.querySelector does not enter.
    page.wait_for_function("bar => getComputedStyle(bar).opacity === '1'",
                           arg=page.locator(".dc-toolbar").first.element_handle())
    page.wait_for_timeout(500)  # its rise (a 0.1 s transition after 0.1 s) is over
    instructions = page.get_by_text(_text("digit.draw_help", "en")).first.bounding_box()
    card = toolbar.bounding_box()
    _shot(page, "digit-canvas-toolbar")
    assert card["y"] >= instructions["y"] + instructions["height"], (card, instructions)


