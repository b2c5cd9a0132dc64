"""Upload parsing of tables: everything between the bytes of a CSV and a model-ready
:class:`~aecore.data.datasets.Dataset` — the :class:`~aecore.budget.Budget` checked against a CSV's line
count and header before it is parsed, decoding and delimiter sniffing of CSV text, the header names
the app offers as label columns, and the plain-words errors and notes that say what was wrong or
what was dropped — also for a pandas DataFrame (:func:`dataset_from_frame`). :mod:`aecore.data.uploads`
picks this reader by a file's extension. Nothing here unpickles data or writes to disk.
"""

from __future__ import annotations

import io
import math
import re

import numpy as np

from ..budget import FLOAT_BYTES, Budget, resolve
from .datasets import Dataset
from .upload_arrays import _row_blocks
from .upload_limits import (MAX_ABS_VALUE, MIN_ROWS, _check_size, _limit_text, _names,
                            _refuse_large_values, _short)


# --------------------------------------------------------------------------- tables


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
#: The longest cell a CSV may hold: Python's csv module refuses longer fields (its default
#: ``csv.field_size_limit``), and a cell holds one number or a short label, never megabytes.
MAX_CSV_FIELD_CHARS = 131_072
#: A run of more than MAX_CSV_FIELD_CHARS bytes without a delimiter, quote or line end, starting
#: at a field's start (the look-behind keeps the scan linear on long runs).
_LONG_FIELD = re.compile(rb'(?<![^,;\t|"\r\n])[^,;\t|"\r\n]{%d,}' % (MAX_CSV_FIELD_CHARS + 1))
_DELIMITER_NAMES = {",": "commas", ";": "semicolons", "\t": "tabs", "|": "vertical bars (|)",
                    r"\s+": "spaces"}


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
    try:
        # The last sampled line may be cut in the middle; leave it out of the vote.
        delimiter = _sniff_delimiter(head[:-1] if len(head) > 2 else head) or ","
        if delimiter == r"\s+":
            return delimiter, head[0].split()
        return delimiter, next(csv.reader(head[:1], delimiter=delimiter))
    except csv.Error as exc:  # e.g. a field over csv.field_size_limit() that the scan missed
        raise ValueError(f"The CSV cannot be split into cells ({exc}); each cell must hold at most "
                         f"{MAX_CSV_FIELD_CHARS:,} characters. Check its delimiters and quotes, and "
                         "upload again.") from exc


def _refuse_long_cells(data: bytes) -> None:
    """Refuse a CSV with a cell over :data:`MAX_CSV_FIELD_CHARS`, scanning the raw bytes (one
    regular-expression pass, nothing copied)."""
    found = _LONG_FIELD.search(data)
    if found is not None:
        line = data.count(b"\n", 0, found.start()) + 1
        raise ValueError(
            f"The CSV has a cell of {found.end() - found.start():,} characters (line {line:,}); the "
            f"limit is {MAX_CSV_FIELD_CHARS:,} characters. A cell holds one number or a short "
            "label: check the delimiters and quotes (an unclosed quote swallows the lines after "
            "it), and upload again.")


def _header_columns(data: bytes) -> list[str] | None:
    """The header's names from the first 256 KB of a CSV (None when that cannot be read)."""
    utf16 = data.startswith((b"\xff\xfe", b"\xfe\xff"))
    if not data or (_binary_kind(data) is not None and not utf16):
        return None
    sample = data[:262144]
    if len(data) > len(sample) and not utf16:
        # Cut at a line end, so no multi-byte character is split.
        sample = sample[:sample.rfind(b"\n") + 1] or sample
    try:
        text, _ = _decode_text(sample)
        return _csv_layout(text)[1]
    except ValueError:
        return None


def csv_nbytes(data: bytes, *, budget: Budget | None = None) -> int:
    """Bytes the dataset read from a CSV holds (float32 cells, int64 labels), from its line count
    and header alone, after the checks :func:`read_csv_bytes` makes before parsing: the file's
    size and kind, its longest cell, and its rows, columns and cells against the ``budget``
    (default :meth:`Budget.default`). ``ValueError`` when one fails."""
    _check_size(data, "CSV file")
    kind = None if data.startswith((b"\xff\xfe", b"\xfe\xff")) else _binary_kind(data)
    if kind is not None:
        raise ValueError(f"This file looks like {kind}, not a CSV text file; export your table "
                         "as CSV (comma-separated values) and upload that.")
    _refuse_long_cells(data)
    budget = resolve(budget)
    # Count lines on the raw bytes (fast, no parsing) to refuse huge tables up front.
    n_rows = data.count(b"\n") + (not data.endswith(b"\n")) - 1
    budget.check_rows(n_rows, 0, "CSV")
    n_columns = len(_header_columns(data) or ())
    budget.check_rows(0, n_columns, "CSV")
    # pandas holds every cell as int64/float64 text-parsed values and copies them while cleaning:
    # the cell count bounds the parse's peak, as the held bytes bound what stays.
    budget.check_table_values(n_rows, n_columns, "CSV")
    held = n_rows * (n_columns * FLOAT_BYTES + 8)
    budget.check_upload_held(held, f"{n_rows:,} rows x {n_columns:,} columns as float32", "CSV")
    return held


def read_csv_header(data: bytes) -> list[str]:
    """The column names of an uploaded CSV as :func:`read_csv_bytes` will see them.

    Cheap (reads the first lines only) and never raises: an unreadable, binary or over-wide
    file gives ``[]``, and :func:`read_csv_bytes` then explains what is wrong with it. The app
    offers these names as label-column choices.
    """
    columns = _header_columns(data) or []
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

    budget = resolve(budget)
    csv_nbytes(data, budget=budget)
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
        # Two comparisons make boolean masks; np.abs would copy every float64 cell.
        large = (values > MAX_ABS_VALUE) | (values < -MAX_ABS_VALUE)
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
    # Standardised a block of rows at a time into the float32 result: whole-table float64
    # temporaries would double the parse's peak.
    X = np.empty(values.shape, dtype=np.float32)
    for rows in _row_blocks(*values.shape):
        X[rows] = (values[rows] - mean) / std
    return Dataset(name=name, X=X, y=y, feature_names=[str(c) for c in numeric.columns],
                   scaling="each column standardised (mean 0, standard deviation 1)",
                   notes=notes, label_names=label_names)
