"""New data through a trained model: checks that the data fit it, codes and reconstruction errors,
and the files they are written to (``.npy``, ``.csv``, ``.parquet``).

The command line's ``aecore encode RUN DATA --out FILE`` and the app's "Encode new data" section
both use :func:`check_fits`, :func:`encode` and :func:`codes_bytes`. A model accepts data with its
own number of features, its own image size (for image models) and the same scaling as the data it
was trained on (the run records how its training data were scaled; see
:attr:`aecore.data.datasets.Dataset.scaling`). Importing this module does not import TensorFlow.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass, field
from typing import Optional

import numpy as np

#: The file formats codes are written to, by extension.
FORMATS = (".npy", ".csv", ".parquet")
#: Rows encoded per call of the model: bounds the memory of one step.
BATCH_ROWS = 8192


@dataclass
class Encoded:
    """Codes of new data and how well the model reconstructs each row.

    Attributes
    ----------
    codes : ndarray of shape (n_samples, n_components), float32
    errors : ndarray of shape (n_samples,), float32
        Per-row reconstruction mean squared error (the anomaly score).
    notes : list of str
        Things a person should know (values outside the training range, ...).
    """

    codes: np.ndarray
    errors: np.ndarray
    notes: list[str] = field(default_factory=list)

    def frame(self, labels=None):
        """A pandas DataFrame: ``code_0``…``code_{k-1}``, ``reconstruction_error`` (and ``label``)."""
        import pandas as pd

        frame = pd.DataFrame(self.codes, columns=[f"code_{i}" for i in range(self.codes.shape[1])])
        frame["reconstruction_error"] = self.errors
        if labels is not None:
            frame["label"] = np.asarray(labels)
        return frame


def check_fits(dataset, *, n_features: int, image_shape=None, scaling: Optional[str] = None,
               model_name: str = "the model") -> list[str]:
    """Check that ``dataset`` can go through a model trained on ``n_features`` features.

    Parameters
    ----------
    dataset : aecore.data.datasets.Dataset
        The new data, read by the same readers as training data.
    n_features : int
        The model's number of input features.
    image_shape : tuple of int, optional
        ``(height, width)`` of an image model's inputs.
    scaling : str, optional
        How the model's training data were scaled (``Dataset.scaling``); ``None`` when unknown
        (runs saved before it was recorded).
    model_name : str

    Returns
    -------
    list of str
        Notes for the person (e.g. that the scaling could not be compared).

    Raises
    ------
    ValueError
        Another number of features, another image size, or another scaling, naming what the
        model expects, what was received and what to do.
    """
    received = int(dataset.X.shape[1])
    if received != int(n_features):
        shape = f" ({image_shape[0]}x{image_shape[1]} images)" if image_shape else ""
        hint = ""
        if image_shape and not dataset.image_shape:
            hint = (f" Images must come as images: a .npy/.npz of shape (n, {image_shape[0]}, "
                    f"{image_shape[1]}) or (n, {image_shape[0] * image_shape[1]}), or a ZIP of image "
                    "files (any other 2-D array is read as a table, its constant columns dropped).")
        raise ValueError(
            f"The data have {received} features per row but {model_name} was trained on "
            f"{n_features}{shape}; encode data with the same columns (or image size) as its "
            f"training data.{hint}")
    if image_shape and dataset.image_shape and tuple(dataset.image_shape) != tuple(image_shape):
        raise ValueError(
            f"The images are {dataset.image_shape[0]}x{dataset.image_shape[1]} but {model_name} was "
            f"trained on {image_shape[0]}x{image_shape[1]} images; resize them to "
            f"{image_shape[0]}x{image_shape[1]}.")
    if scaling is None:
        return [f"{model_name[:1].upper()}{model_name[1:]} does not record how its training data were "
                f"scaled, so the scaling of these data ({dataset.scaling}) could not be checked."]
    if scaling_kind(dataset.scaling) != scaling_kind(scaling):
        raise ValueError(
            f"These data were read as '{dataset.scaling}' but {model_name} was trained on data "
            f"scaled as '{scaling}'; save them in the same form as the training data (same file "
            "type and value range) so that they are scaled the same way.")
    return []


def read_data(data: bytes, file_name: str, *, image_shape=None, label_column: Optional[str] = None,
              budget=None):
    """Read new data for a model as its training data were read (:func:`aecore.data.uploads.read_upload`).

    A model trained on ``image_shape`` images also takes them flattened: a 2-D ``.npy``/``.npz``
    array of ``height * width`` columns is read as images, scaled as images, rather than as a
    table whose constant columns (the blank border of digits) would be dropped.

    Parameters
    ----------
    data : bytes
    file_name : str
        Its extension picks the reader.
    image_shape : (height, width), optional
        The model's image size; ``None`` for a model of table rows.
    label_column : str, optional
        A CSV column holding labels, kept out of the features.
    budget : aecore.budget.Budget, optional

    Returns
    -------
    aecore.data.datasets.Dataset
    """
    from ..data.upload_arrays import read_array_bytes
    from ..data.uploads import read_upload

    ext = os.path.splitext(file_name.lower())[1]
    if image_shape and ext in (".npy", ".npz"):
        stem = os.path.splitext(os.path.basename(file_name))[0] or "upload"
        return read_array_bytes(data, name=stem, budget=budget, image_shape=tuple(image_shape))
    return read_upload(data, file_name, label_column=label_column, budget=budget)


def scaling_kind(scaling: str) -> str:
    """What a :attr:`aecore.data.datasets.Dataset.scaling` text amounts to for a model's inputs:
    ``"0-1"`` (values in the range 0-1, however they got there), ``"standardised"`` (each column
    mean 0, standard deviation 1) or the text itself.

    >>> scaling_kind("pixels divided by 255 (range 0-1)") == scaling_kind("values mapped from [0, 255] to 0-1")
    True
    """
    text = str(scaling)
    if "standardised" in text:
        return "standardised"
    if "0-1" in text:
        return "0-1"
    return text


def encode(reducer, X: np.ndarray, *, budget=None) -> Encoded:
    """Codes and per-row reconstruction errors of ``X`` (already checked with :func:`check_fits`).

    Rows are encoded in batches of :data:`BATCH_ROWS`; the row count is checked against the
    resource budget (:meth:`aecore.budget.Budget.check_rows`) before anything is computed.
    """
    from ..budget import resolve

    X = np.asarray(X, dtype=np.float32)
    if X.ndim != 2:
        raise ValueError(f"X has shape {X.shape}; expected a 2-D array (rows, features).")
    resolve(budget).check_rows(X.shape[0], X.shape[1], what="data to encode")
    codes, errors = [], []
    for start in range(0, len(X), BATCH_ROWS):
        chunk = X[start:start + BATCH_ROWS]
        chunk_codes = reducer.transform(chunk)
        reconstruction = reducer.inverse_transform(chunk_codes)
        codes.append(chunk_codes.astype(np.float32))
        errors.append(np.mean((reconstruction - chunk) ** 2, axis=1).astype(np.float32))
    k = int(reducer.n_components)
    encoded = Encoded(np.concatenate(codes) if codes else np.empty((0, k), np.float32),
                      np.concatenate(errors) if errors else np.empty(0, np.float32))
    low, high = float(np.min(X)) if X.size else 0.0, float(np.max(X)) if X.size else 0.0
    if X.size and (low < -50 or high > 50):
        encoded.notes.append(f"Values range from {low:.3g} to {high:.3g}; the model's inputs are "
                             "scaled data, so these codes may be meaningless.")
    return encoded


def codes_bytes(encoded: Encoded, fmt: str, labels=None) -> bytes:
    """The codes as a file's bytes: ``".npy"`` (codes only), ``".csv"`` or ``".parquet"`` (codes,
    reconstruction errors and labels when given)."""
    fmt = fmt.lower()
    if fmt == ".npy":
        buffer = io.BytesIO()
        np.save(buffer, encoded.codes, allow_pickle=False)
        return buffer.getvalue()
    if fmt == ".csv":
        return encoded.frame(labels).to_csv(index=False).encode("utf-8")
    if fmt == ".parquet":
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise ValueError("Writing .parquet needs pyarrow, which comes with the app's "
                             "dependencies (pip install \"autoencoder-lab[app]\"); or write .npy or "
                             ".csv.") from None
        buffer = io.BytesIO()
        encoded.frame(labels).to_parquet(buffer, index=False)
        return buffer.getvalue()
    raise ValueError(f"Cannot write codes as {fmt!r}; use one of {', '.join(FORMATS)}.")


def output_format(path: str) -> str:
    """The format of an output path from its extension; ``ValueError`` for any other."""
    ext = os.path.splitext(str(path).lower())[1]
    if ext not in FORMATS:
        raise ValueError(f"--out {path!r} must end in {', '.join(FORMATS)}; got "
                         f"{ext or 'no extension'!r}.")
    return ext
