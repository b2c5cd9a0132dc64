"""Limits and checks shared by every upload reader: the file size, the largest value, the fewest samples.

This module owns the caps on uploads that hold for every format (:data:`MAX_UPLOAD_BYTES`,
:data:`MAX_ABS_VALUE`, :data:`MIN_ROWS`) and the helpers that the table reader
(:mod:`aecore.data.uploads`), the array reader (:mod:`aecore.data.upload_arrays`) and the image-ZIP reader
(:mod:`aecore.data.upload_images`) all use: refusing an empty or oversized file before it is read,
refusing values over :data:`MAX_ABS_VALUE` with a message that says how to fix them, and quoting
a person's names in messages. Rows, columns, array bytes and decoded pixels are limits of
:class:`aecore.budget.Budget`, not of this module. It imports no reader, so every reader can
import it.
"""

from __future__ import annotations

#: The largest file a person may upload, in one place so the app can state it (a ZIP's image caps
#: are in :mod:`aecore.data.upload_images`).
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
#: The largest absolute value an upload may hold. Larger values are nearly always placeholders or
#: export errors (1e308 for "missing"); float32 loses them or, beyond about 1e19, overflows when
#: training squares an error.
MAX_ABS_VALUE = 1e15
#: The fewest samples (rows, images) an upload must keep after cleaning.
MIN_ROWS = 10


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
