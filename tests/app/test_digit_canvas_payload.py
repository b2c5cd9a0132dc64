"""The drawing canvas's payload is visitor data: a browser can send any PNG in place of the
canvas's own. Its size is read from the PNG header before a byte of it is base64- or
PNG-decoded, so a decompression bomb (9,400 x 9,400 pixels declared in a few hundred bytes) is
refused with a plain message and costs no memory; a real drawing still works."""

import base64
import io
import struct
import tracemalloc
import zlib

import numpy as np
import PIL.Image
import pytest
from PIL import Image, ImageDraw

from tests.builders import open_page, png_declaring, readable

from aecore.data import digit_input
from aecore.data.digit_input import preprocess_digit, read_canvas_png

MAX_SIDE = 1120  # the page's 280-pixel canvas at a device pixel ratio of 4
PAGE = "aecore_app/app_pages/digit.py"


def _data_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _drawing(side: int = 280) -> bytes:
    """What the canvas sends for a "7": black strokes on a white RGBA canvas, as a PNG."""
    image = Image.new("RGBA", (side, side), (255, 255, 255, 255))
    pen = ImageDraw.Draw(image)
    pen.line([(70, 60), (210, 60), (120, 230)], fill=(0, 0, 0, 255), width=22)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def opened(monkeypatch) -> list:
    """The sizes of every image Pillow opens while the test runs."""
    sizes, real = [], PIL.Image.open

    def recording(*args, **kwargs):
        image = real(*args, **kwargs)
        sizes.append(image.size)
        return image

    monkeypatch.setattr(PIL.Image, "open", recording)
    return sizes


def test_a_canvas_bomb_is_refused_from_its_header_before_any_decoding(opened, monkeypatch):
    decoded = []
    real_b64decode = base64.b64decode
    monkeypatch.setattr(base64, "b64decode", lambda s, *a, **k: decoded.append(len(s)) or real_b64decode(s, *a, **k))
    with pytest.raises(ValueError, match=r"9400x9400 pixels.*at most 1120x1120"):
        read_canvas_png(_data_url(png_declaring(9400, 9400)), MAX_SIDE)
    assert opened == []  # Pillow never saw it
    assert max(decoded, default=0) <= 32  # only the 24-byte header was base64-decoded


def test_a_canvas_payload_longer_than_any_drawing_is_refused_before_base64_decoding(monkeypatch):
    decoded = []
    monkeypatch.setattr(base64, "b64decode", lambda s, *a, **k: decoded.append(len(s)))
    too_long = "data:image/png;base64," + "A" * (digit_input.canvas_payload_limit(MAX_SIDE) + 4)
    with pytest.raises(ValueError, match=r"characters of image data; .* at most"):
        read_canvas_png(too_long, MAX_SIDE)
    assert decoded == []


@pytest.mark.parametrize("payload, message", [
    (None, "did not arrive as a PNG"),
    ({"data": "x"}, "did not arrive as a PNG"),
    ("data:image/jpeg;base64,/9j/4AAQ", "did not arrive as a PNG"),
    ("data:image/png;base64,!!!!not base64!!!!", "not valid"),
    ("data:image/png;base64,iVBORw0KGgo\u00e9", "not valid"),
    ("data:image/png;base64," + base64.b64encode(b"GIF89a" + bytes(40)).decode(), "not a PNG"),
    (_data_url(png_declaring(0, 280)), "0x280 pixels"),
    (_data_url(png_declaring(280, 280)), "damaged"),
])
def test_a_malformed_canvas_payload_is_refused_with_a_plain_message(payload, message):
    with pytest.raises(ValueError, match=message):
        read_canvas_png(payload, MAX_SIDE)


def test_compressed_text_chunks_in_a_canvas_png_are_never_inflated():
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    png = _drawing()  # its IHDR chunk ends at byte 33; 16 zTXt chunks of 1 MB (1 KB packed) follow
    texts = b"".join(chunk(b"zTXt", b"note%d\x00\x00" % i + zlib.compress(bytes(10**6), 9)) for i in range(16))
    tracemalloc.start()
    try:
        rgba = read_canvas_png(_data_url(png[:33] + texts + png[33:]), MAX_SIDE)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert rgba.shape == (280, 280, 4)
    assert peak < 4 * 10**6, peak  # the pixels and a copy or two (0.3 MB each), not 16 MB of text


def test_a_real_drawing_is_decoded_and_prepared(opened):
    rgba = read_canvas_png(_data_url(_drawing()), MAX_SIDE)
    assert rgba.shape == (280, 280, 4) and rgba.dtype == np.uint8
    assert opened == [(280, 280)]
    digit = preprocess_digit(rgba)
    assert digit.shape == (28, 28) and digit.max() == pytest.approx(1.0)


@pytest.mark.slow
def test_the_page_refuses_a_forged_canvas_bomb_and_keeps_working(opened, monkeypatch):
    at = open_page(PAGE, timeout=300)
    # The component registers itself when the page first imports it inside Streamlit's runtime;
    # from then on its st_canvas can be swapped for one that "receives" a forged payload.
    import streamlit_drawable_canvas
    from streamlit_drawable_canvas import CanvasResult

    stroke = {"objects": [{"type": "path"}]}
    sent = {"payload": _data_url(png_declaring(9400, 9400))}
    monkeypatch.setattr(streamlit_drawable_canvas, "st_canvas",
                        lambda **kwargs: CanvasResult(stroke, sent["payload"], kwargs["return_image_data"]))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    errors = [readable(e.value) for e in at.error]
    assert any("Could not use this picture" in e and "9400x9400" in e for e in errors), errors
    assert (9400, 9400) not in opened
    assert not at.get("plotly_chart")

    sent["payload"] = _data_url(_drawing())  # the same session, now with an honest drawing
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert len(at.get("plotly_chart")) == 5
