"""bench/scale_pages.py's data (bench/harness/data.py) and its section: the image side chosen from
the upload budget, the 2x2 pooling, the digit PNG of any side, and the table of a run."""

from __future__ import annotations

import io

import numpy as np
import pytest

from aecore.budget import Budget
from bench.harness import data
from bench.scale_pages import markdown


def test_the_side_is_28_while_28x28_rows_fit_the_upload_budget_and_14_beyond():
    limit = Budget.default().max_array_values
    assert data.image_side(limit // 784) == 28
    assert data.image_side(limit // 784 + 1) == 14
    assert data.image_side(200_000) == 14 and 200_000 * 14 * 14 <= limit


def test_pooling_averages_each_2x2_block():
    X = np.arange(2 * 784, dtype=np.float32).reshape(2, 784) / 2000
    pooled = data.pool(X, 14)
    assert pooled.shape == (2, 14, 14)
    image = X[1].reshape(28, 28)
    assert pooled[1, 3, 5] == pytest.approx(image[6:8, 10:12].mean())


def test_small_pooled_uploads_are_14x14_uint8_images_with_labels(monkeypatch):
    monkeypatch.setattr(data, "image_side", lambda n_rows: 14)
    monkeypatch.setattr(data, "CHUNK_ROWS", 40)
    payload, side = data.upload_bytes(100)
    arrays = np.load(io.BytesIO(payload))
    assert side == 14
    assert arrays["X"].shape == (100, 14, 14) and arrays["X"].dtype == np.uint8
    assert arrays["y"].shape == (100,) and arrays["X"].max() > 100


def test_the_app_reads_a_14x14_upload_as_images():
    from aecore.data.uploads import read_upload

    buffer = io.BytesIO()
    np.savez_compressed(buffer, X=np.random.default_rng(0).integers(0, 256, (50, 14, 14), dtype=np.uint8),
                        y=np.arange(50) % 10)
    dataset = read_upload(buffer.getvalue(), "digits.npz")
    assert dataset.image_shape == (14, 14) and dataset.X.shape == (50, 196)


@pytest.mark.parametrize("side", [14, 28])
def test_the_digit_png_takes_a_flat_row_of_any_side(side):
    from PIL import Image

    png = data.digit_png(np.linspace(0, 1, side * side, dtype=np.float32))
    assert Image.open(io.BytesIO(png)).size == (160, 160)


def test_the_section_names_the_side_and_marks_what_went_wrong():
    step = {"wall": 5.0, "errors": ["Clustering failed"]}
    rerun = {"wall": 0.1}
    result = {"rows": 200_000, "image_side": 14, "pages": {"latent": {"first": step, "rerun": rerun}},
              "setup": {"training": {"seed 0": 1.0}}, "memory": {"peak_mb": 1.0}}
    report = {"results": [result], "machine": {}, "command": "python -m bench.scale_pages", "date": "2026-12-02",
              "commit": "abc1234", "seconds": 1.0}
    text = markdown(report)
    assert "200,000 rows (14×14)" in text and "| latent | 5.00 | 0.10 |" in text
    assert "- 200,000 rows, latent (first): error: Clustering failed" in text
