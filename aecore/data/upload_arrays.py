"""Array uploads: a person's ``.npy`` or ``.npz`` turned into a :class:`~aecore.data.datasets.Dataset`.

This module owns everything between the bytes of a NumPy file and a model-ready dataset:
reading ``.npy`` headers without reading or unpickling the data, checking dtype, shape and size
against the :class:`~aecore.budget.Budget` before any value is read, picking ``X`` and ``y`` out
of an ``.npz``, refusing NaN, infinite and too-large values, and turning a 2-D array into a
standardised table or a 3-D array into grayscale images scaled to 0-1, a block of rows at a time.
:func:`read_array_bytes` is its entry point; :func:`aecore.data.uploads.read_upload` calls it for
``.npy``/``.npz`` files. Nothing here unpickles data or writes to disk.
"""

from __future__ import annotations

import io
import math
import os
import zipfile
import zlib

import numpy as np
from numpy.lib import format as npy_format

from ..budget import FLOAT_BYTES, Budget, resolve
from .datasets import Dataset, _pixel_names
from .upload_limits import MAX_ABS_VALUE, MIN_ROWS, _check_size, _names, _refuse_large_values

#: Values a reader converts at once when it works through an array block by block.
_BLOCK_VALUES = 1_000_000



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
    # The dataset keeps one float32 copy (training needs float32 and standardised values are not
    # integers), whatever the file's item size: that is what this session holds afterwards.
    budget.check_upload_held(_held_bytes(shape), f"{' x '.join(f'{v:,}' for v in shape)} values as "
                             "float32", what)


def _held_bytes(shape: tuple[int, ...]) -> int:
    """Bytes of the float32 data a dataset read from an array of ``shape`` keeps."""
    return math.prod(shape) * FLOAT_BYTES


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
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as exc:
        raise ValueError(f"Array {key!r} in the .npz is damaged ({exc}); save it again "
                         "with np.savez.") from exc


def _read_npz(data: bytes, budget: Budget) -> tuple[np.ndarray, np.ndarray | None]:
    """Load X (or x, or the first array) and y from an .npz after checking both headers."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise ValueError("The .npz file is not a valid archive; save arrays with np.savez.") from exc
    with archive:
        names, xkey, keys = _checked_npz_headers(archive, budget)
        arrays = {key: _read_npz_member(archive, names[key], key,
                                        lambda member: npy_format.read_array(member, allow_pickle=False))
                  for key in keys}
    return arrays[xkey], arrays.get("y")


def _checked_npz_headers(archive: zipfile.ZipFile, budget: Budget) -> tuple[dict, str, list[str]]:
    """The members of an .npz by name, the key of X and the keys to load, once every header to
    load passed the checks (before any value is read)."""
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
    return names, xkey, keys


def array_nbytes(data: bytes, *, budget: Budget | None = None) -> int:
    """Bytes the dataset read from an ``.npy``/``.npz`` holds (its float32 X and int64 labels),
    from the headers alone: every check of :func:`read_array_bytes` that needs no value runs, and
    raises the same ``ValueError``. A file that is not a NumPy file gives 0 (the reader says why)."""
    budget = resolve(budget)
    _check_size(data, "array file")
    if data.startswith(b"\x93NUMPY"):
        try:
            shape, dtype = _npy_header(io.BytesIO(data))
        except ValueError as exc:
            raise ValueError(f"The .npy header cannot be read ({exc}); save the array with np.save.") from exc
        _check_array_header(shape, dtype, "array", budget)
        return _held_bytes(shape)
    if not data.startswith(b"PK"):
        return 0
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise ValueError("The .npz file is not a valid archive; save arrays with np.savez.") from exc
    with archive:
        names, xkey, keys = _checked_npz_headers(archive, budget)
        shape, _ = _read_npz_member(archive, names[xkey], xkey, _npy_header)
    return _held_bytes(shape) + (8 * shape[0] if "y" in keys else 0)


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


def read_array_bytes(data: bytes, name: str = "upload", *, budget: Budget | None = None,
                     image_shape: tuple[int, int] | None = None) -> Dataset:
    """Parse an uploaded ``.npy`` or ``.npz`` (never unpickling anything).

    A 2-D array is a table (standardised); a 3-D array ``(n, h, w)`` is a stack of grayscale
    images (scaled to 0-1). With ``image_shape=(h, w)`` (a model trained on such images), a 2-D
    array of ``h * w`` columns is read as those images flattened, as ``X.reshape(n, -1)`` or
    ``load_digits().data`` store them. An ``.npz`` may hold ``X`` (or its first array) and ``y``.
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
    if image_shape is not None and X.ndim == 2 and X.shape[1] == int(image_shape[0]) * int(image_shape[1]):
        X = X.reshape(len(X), int(image_shape[0]), int(image_shape[1]))  # a view: no copy
    lo, hi = _array_range(X)
    if y is not None:
        y = y.ravel()
    if X.ndim == 3:
        return _images_from_array(X, y, name, lo, hi)
    return _table_from_array(X, y, name)
