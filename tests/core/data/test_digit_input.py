"""A person's own digit prepared the MNIST way (aecore.data.digit_input): centred by mass, scaled into a
20-pixel box, bright ink on black whatever the paper; empty, damaged and oversized pictures are
refused with a plain message; and the comparison with the training rows is right on toy data."""

import io

import numpy as np
import pytest
from PIL import Image
from scipy import ndimage

from tests.builders import png_declaring

from aecore.data import digit_input
from aecore.data.digit_input import (
    anomaly_percentile,
    fit_reference,
    preprocess_digit,
    read_digit_image,
)


def _bounding_box(image, threshold=0.0):
    rows, columns = np.flatnonzero((image > threshold).any(axis=1)), np.flatnonzero((image > threshold).any(axis=0))
    return rows[-1] - rows[0] + 1, columns[-1] - columns[0] + 1


def _on_paper(digit28: np.ndarray, side: int = 200, at=(30, 80), size: int = 90) -> np.ndarray:
    """An MNIST digit as dark ink on white paper, enlarged and placed off-centre in a big image."""
    paper = np.full((side, side), 255, np.uint8)
    ink = Image.fromarray((digit28 * 255).round().astype(np.uint8)).resize((size, size), Image.Resampling.LANCZOS)
    paper[at[0]:at[0] + size, at[1]:at[1] + size] = 255 - np.asarray(ink)
    return paper


def test_an_off_centre_small_digit_ends_centred_by_mass_in_a_20_pixel_box():
    image = np.zeros((120, 90), np.float32)
    image[5:25, 60:64] = 1.0  # a thin "1" in the top-right corner, on black
    image[5:8, 55:64] = 1.0
    digit = preprocess_digit(image)
    assert digit.shape == (28, 28) and digit.dtype == np.float32
    assert 0.0 <= digit.min() and digit.max() <= 1.0
    row, column = ndimage.center_of_mass(digit)
    assert abs(row - 14) <= 1 and abs(column - 14) <= 1
    height, width = _bounding_box(digit)
    assert max(height, width) <= 20 and height == 20  # the longer side fills the box


def test_dark_ink_on_light_paper_becomes_bright_ink_on_black():
    paper = np.full((100, 100, 3), 230, np.uint8)  # a photo-like grey-white sheet
    paper[20:80, 45:55] = 40  # dark ink
    digit = preprocess_digit(paper)
    assert digit[0].max() == 0 and digit[:, 0].max() == 0  # black border
    assert digit.max() == 1.0 and digit[14, 14] > 0.5  # the stroke is bright


def test_a_transparent_canvas_background_is_white_paper():
    canvas = np.zeros((280, 280, 4), np.uint8)  # transparent everywhere ...
    canvas[60:220, 130:150] = (0, 0, 0, 255)  # ... but an opaque black stroke
    digit = preprocess_digit(canvas)
    assert digit[14, 14] > 0.5 and digit[0, 0] == 0


@pytest.mark.parametrize("image", [np.full((50, 50), 255, np.uint8), np.zeros((280, 280, 4), np.uint8),
                                   np.full((50, 50, 3), 0.5, np.float32)],
                         ids=["white paper", "empty canvas", "grey card"])
def test_an_image_without_ink_is_refused(image):
    with pytest.raises(ValueError, match="shows no digit"):
        preprocess_digit(image)


@pytest.mark.parametrize("bad", [np.zeros((5, 5, 2)), np.array(["a", "b"]), np.full((5, 5), np.nan)],
                         ids=["two channels", "strings", "nan"])
def test_an_array_that_is_not_an_image_is_refused(bad):
    with pytest.raises(ValueError, match="Expected|NaN"):
        preprocess_digit(bad)


def test_a_real_mnist_digit_on_paper_comes_back_close_to_the_original(mnist_sample):
    correlations = []
    for i in range(0, 5000, 500):  # one of each class
        original = mnist_sample.X[i].reshape(28, 28)
        digit = preprocess_digit(_on_paper(original))
        correlations.append(np.corrcoef(digit.ravel(), original.ravel())[0, 1])
    assert min(correlations) > 0.8, correlations


def test_an_uploaded_png_with_alpha_is_read_and_prepared():
    rgba = np.zeros((64, 48, 4), np.uint8)
    rgba[10:50, 20:26] = (20, 20, 20, 255)
    buffer = io.BytesIO()
    Image.fromarray(rgba, "RGBA").save(buffer, format="PNG")
    digit = preprocess_digit(read_digit_image(buffer.getvalue(), "digit.png"))
    assert digit[14, 14] > 0.5


@pytest.mark.parametrize("data,message", [(b"", "empty"), (b"not an image at all", "not a PNG or JPEG"),
                                          (png_declaring(50_000, 50_000), "too many to decode safely")],
                         ids=["empty", "text", "decompression bomb"])
def test_a_bad_upload_is_refused_with_a_plain_message(data, message):
    with pytest.raises(ValueError, match=message):
        read_digit_image(data, "upload")


def test_a_too_large_array_is_refused(monkeypatch):
    monkeypatch.setattr(digit_input, "MAX_IMAGE_PIXELS", 100)
    with pytest.raises(ValueError, match="more than 100 pixels"):
        preprocess_digit(np.zeros((20, 20), np.uint8))


def test_the_anomaly_percentile_is_the_share_of_training_errors_below():
    errors = np.arange(1, 101) / 100  # 0.01 ... 1.00
    assert anomaly_percentile(0.975, errors) == 97.0
    assert anomaly_percentile(0.0, errors) == 0.0 and anomaly_percentile(5.0, errors) == 100.0
    with pytest.raises(ValueError, match="empty"):
        anomaly_percentile(1.0, [])


class _Identity:
    """A stand-in reducer whose code is the first 2 pixels and whose reconstruction is the input."""

    def transform(self, X):
        return np.asarray(X)[:, :2]

    def reconstruct(self, X):
        return np.asarray(X)

    def reconstruction_error(self, X):
        return np.zeros(len(X))


def test_the_report_finds_neighbours_clusters_and_the_percentile_on_toy_data():
    rng = np.random.default_rng(0)
    centres = np.array([[0.1, 0.1], [0.9, 0.9]])
    y = np.repeat([0, 1], 30)
    X = np.hstack([centres[y] + rng.normal(0, 0.02, (60, 2)), rng.random((60, 6))]).astype(np.float32)
    reference = fit_reference(X, X[:, :2], np.linspace(-1, 1, 60), n_components=3, y_train=y)
    assert reference.n_clusters == 2 and reference.map_pca is None
    report = digit_input.digit_report(np.r_[0.88, 0.92, rng.random(6)], _Identity(), reference, n_neighbors=5)
    assert report.code_neighbours.majority == 1 and report.code_neighbours.share == 1.0
    assert report.cluster_majority == 1 and report.cluster_share == 1.0 and report.cluster_size == 30
    assert report.anomaly_percentile == 50.0  # error 0: above the 30 negative training errors
    assert report.ae_error == 0.0 and report.pca_error >= 0.0
    np.testing.assert_allclose(report.map_point, [0.88, 0.92], rtol=1e-6)


def test_a_digit_of_the_wrong_size_is_refused():
    X = np.random.default_rng(0).random((20, 8)).astype(np.float32)
    reference = fit_reference(X, X[:, :2], np.zeros(20), n_components=2, n_clusters=2)
    with pytest.raises(ValueError, match="has 9 pixels but the model takes 8"):
        digit_input.digit_report(np.zeros(9), _Identity(), reference)
