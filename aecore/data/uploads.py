"""Upload parsing: a person's CSV table, NumPy array or ZIP of images turned into a :class:`Dataset`.

This module owns :func:`read_upload`, which picks the reader from the file's extension, and
:func:`upload_nbytes`, what an upload will hold once read, known before it is parsed. Tables are
read by :mod:`aecore.data.upload_tables` (its public names are importable from here too), arrays by
:mod:`aecore.data.upload_arrays`, ZIPs of images by :mod:`aecore.data.upload_images`, and the caps and checks
every reader shares live in :mod:`aecore.data.upload_limits`. Nothing here unpickles data or writes to
disk.
"""

from __future__ import annotations

import io
import os
from typing import Callable

from ..budget import FLOAT_BYTES, Budget
from .datasets import Dataset
from .upload_arrays import array_nbytes, read_array_bytes
from .upload_images import read_image_zip
from .upload_tables import (MAX_CSV_FIELD_CHARS, csv_nbytes, dataset_from_frame,  # noqa: F401  (re-exported)
                            read_csv_bytes, read_csv_header)


# --------------------------------------------------------------------------- any upload


def _zip_nbytes(data: bytes) -> int:
    """Bytes a ZIP of images gives once read, from its list of files: one float32 28 x 28 image
    per file at most (0 for a damaged archive: the reader says why)."""
    import zipfile

    from .upload_images import MAX_IMAGES

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            n_files = sum(not info.is_dir() for info in archive.infolist())
    except (zipfile.BadZipFile, OSError):
        return 0
    return min(n_files, MAX_IMAGES) * (28 * 28 * FLOAT_BYTES + 8)


def upload_nbytes(data: bytes, filename: str, *, budget: Budget | None = None) -> int:
    """Bytes the dataset :func:`read_upload` makes of a file will hold, known before it is parsed.

    From an array's headers, a CSV's line count and header, a ZIP's list of files; it runs the
    checks that need no parsing and raises their ``ValueError`` (a file over the ``budget``,
    default :meth:`Budget.default`, among them). A file it cannot size gives 0: reading it
    explains what is wrong. The app reserves this much of the server's memory before reading.

    Examples
    --------
    >>> rows = "a,b\\n" + "\\n".join(f"{i},{i % 4}" for i in range(12))
    >>> upload_nbytes(rows.encode(), "table.csv")
    192
    """
    ext = os.path.splitext(filename.lower())[1]
    if ext in (".csv", ".tsv", ".txt"):
        return csv_nbytes(data, budget=budget)
    if ext in (".npy", ".npz"):
        return array_nbytes(data, budget=budget)
    if ext == ".zip":
        return _zip_nbytes(data)
    return 0


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
