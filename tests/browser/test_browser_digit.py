"""The "Your own digit" page in a real browser: a "7" drawn on the canvas with the mouse, then a
PNG of an MNIST digit sent through the real file input; each time the nearest training digits in
code space are mostly of the digit's own label."""

import io
import re

import numpy as np
import pytest
from PIL import Image

from test_browser import _assert_no_exception, _open, _settle, _shot

pytestmark = pytest.mark.browser
SHARE = re.compile(r"(\d) of (\d) share the majority label (\d)")


def _code_space_share(page) -> tuple[int, int, int]:
    """(count, n, label) of the first "count of n share the majority label" line: code space."""
    line = page.get_by_text(SHARE).first
    line.wait_for()
    count, n, label = SHARE.search(line.inner_text()).groups()
    return int(count), int(n), int(label)


def _draw_seven(page) -> None:
    """A "7" drawn with the mouse on the canvas: a bar across the top, then a long diagonal down."""
    canvas = page.locator("canvas.upper-canvas").first
    canvas.wait_for()
    box = canvas.bounding_box()
    x, y = box["x"], box["y"]
    page.mouse.move(x + 80, y + 50)
    page.mouse.down()
    page.mouse.move(x + 200, y + 50, steps=12)
    for step in range(1, 21):
        page.mouse.move(x + 200 - 4.5 * step, y + 50 + 9.5 * step, steps=2)
    page.mouse.up()


def _mnist_png(index: int) -> tuple[bytes, int]:
    """A sample MNIST digit as dark ink on white paper (enlarged, off-centre), as a PNG; its label."""
    from aecore.data.datasets import load_mnist_sample

    ds = load_mnist_sample()
    ink = Image.fromarray((ds.X[index].reshape(28, 28) * 255).round().astype(np.uint8)).resize((120, 120))
    paper = np.full((240, 200), 255, np.uint8)
    paper[30:150, 60:180] = 255 - np.asarray(ink)
    buffer = io.BytesIO()
    Image.fromarray(paper).save(buffer, format="PNG")
    return buffer.getvalue(), int(ds.y[index])


def test_a_drawn_and_an_uploaded_digit_find_neighbours_of_their_own_label(server, page):
    _open(page, f"{server}/digit")
    _assert_no_exception(page)
    assert "Your own digit" in page.locator("h1").first.inner_text()

    _draw_seven(page)
    count, n, label = _code_space_share(page)
    _settle(page)
    _assert_no_exception(page)
    assert page.locator('[data-testid="stAlertContentError"]').count() == 0
    assert (label, n) == (7, 8) and count >= 5, (count, n, label)
    assert page.get_by_text(re.compile(r"Stranger than \d+ %")).count() == 1
    _shot(page, "digit-drawn")

    data, expected = _mnist_png(1234)
    page.get_by_role("tab", name="Upload").click()
    page.locator('input[type="file"]').first.set_input_files(
        files=[{"name": "my-digit.png", "mimeType": "image/png", "buffer": data}])
    page.get_by_text("my-digit.png").first.wait_for()
    _settle(page)
    page.wait_for_function(
        "label => [...document.querySelectorAll('p')].some(p => /of 8 share the majority label/.test(p.innerText)"
        " && p.innerText.trim().endsWith(label + '.'))", arg=str(expected))
    _assert_no_exception(page)
    count, n, label = _code_space_share(page)
    assert (label, n) == (expected, 8) and count >= 5, (count, n, label, expected)
    _shot(page, "digit-uploaded")
