"""Deskewing handwriting: straighten slanted digits before their neighbours are found.

The moment-based deskewing of LeCun et al.'s MNIST benchmarks (no labels), used by the N2D
clustering recipe (:func:`aecore.maps.cluster.n2d`, ``deskew_shape``): on MNIST-like handwriting far
fewer of an image's neighbours are another digit once slant is gone. Not for other images.
"""

from __future__ import annotations

import numpy as np


def _check_images(X) -> np.ndarray:
    """Return X as a finite 2-D float array of flattened images, or raise."""
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2:
        raise ValueError(f"X must be a 2-D array (n_samples, n_features); got shape {X.shape}.")
    if not np.isfinite(X).all():
        raise ValueError(f"X contains {int((~np.isfinite(X)).sum())} NaN or infinite value(s); "
                         "remove or impute them first.")
    return X


def check_image_shape(image_shape, n_features: int, name: str = "image_shape") -> tuple[int, int]:
    """Return ``image_shape`` as ``(height, width)`` that holds ``n_features`` pixels, or raise."""
    try:
        height, width = (int(v) for v in image_shape)
        valid = (height, width) == tuple(image_shape) and height >= 2 and width >= 2
    except (TypeError, ValueError):
        valid = False
    if not valid:
        raise ValueError(f"{name}={image_shape!r} must be (height, width), two integers >= 2, "
                         "e.g. (28, 28).")
    if height * width != n_features:
        raise ValueError(f"{name}={image_shape!r} holds {height * width} pixels but X has "
                         f"{n_features} columns; pass the shape of one image (rows are flattened "
                         "grayscale images).")
    return height, width


def deskew(X, image_shape) -> np.ndarray:
    """Straighten slanted images: shear each one so its ink leans neither way, and centre it.

    The moment-based deskewing of LeCun et al.'s MNIST benchmarks, which uses no labels: each
    image's ink (pixel values as weights) has a centre of mass and a covariance; a horizontal
    shear by ``alpha = cov(row, col) / var(row)`` (clipped to [-1, 1], i.e. 45 degrees) makes
    the covariance zero, and a shift moves the centre of mass to the middle of the image.
    Bilinear interpolation; pixels that come from outside the image are 0.

    Parameters
    ----------
    X : array-like of shape (n_samples, height * width)
        Flattened grayscale images, dark background (0) and bright ink, like MNIST.
    image_shape : tuple of int
        ``(height, width)`` of one image.

    Returns
    -------
    ndarray of shape (n_samples, height * width), float32
        Blank images come back unchanged.

    Examples
    --------
    >>> image = np.zeros((5, 5)); image[[0, 1, 2, 3, 4], [0, 1, 2, 3, 4]] = 1  # a slanted stroke
    >>> upright = deskew(image.reshape(1, -1), (5, 5)).reshape(5, 5)
    >>> bool(np.abs(upright.sum(axis=0)[2] - image.sum()) < 1e-6)  # all the ink in one column
    True
    """
    from scipy import ndimage

    X = _check_images(X)
    height, width = check_image_shape(image_shape, X.shape[1])
    images = X.reshape(-1, height, width)
    rows, cols = np.arange(height, dtype=np.float64), np.arange(width, dtype=np.float64)
    ink = images.sum(axis=(1, 2))
    inked = ink > 0
    weight = np.where(inked, ink, 1.0)
    by_row, by_col = images.sum(axis=2), images.sum(axis=1)
    mean_row, mean_col = by_row @ rows / weight, by_col @ cols / weight
    var_row = by_row @ rows ** 2 / weight - mean_row ** 2
    cov = np.einsum("nij,i,j->n", images, rows, cols) / weight - mean_row * mean_col
    alpha = np.clip(np.where(var_row > 1e-12, cov / np.maximum(var_row, 1e-12), 0.0), -1.0, 1.0)
    centre = np.array([(height - 1) / 2.0, (width - 1) / 2.0])
    out = images.copy()
    for i in np.flatnonzero(inked):
        shear = np.array([[1.0, 0.0], [alpha[i], 1.0]])
        offset = np.array([mean_row[i], mean_col[i]]) - shear @ centre
        out[i] = ndimage.affine_transform(images[i], shear, offset=offset, order=1, mode="constant",
                                          cval=0.0)
    return out.reshape(len(X), -1).astype(np.float32)


def blur(X: np.ndarray, image_shape, amount: float) -> np.ndarray:
    """Images blurred by a Gaussian of ``amount`` x their width (no blur at 0)."""
    from scipy import ndimage

    height, width = check_image_shape(image_shape, X.shape[1])
    if amount <= 0:
        return np.asarray(X, dtype=np.float32)
    images = np.asarray(X, dtype=np.float32).reshape(-1, height, width)
    return ndimage.gaussian_filter(images, (0, amount * width, amount * width)).reshape(len(X), -1)
