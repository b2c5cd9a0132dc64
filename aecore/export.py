"""Downloads: a trained reducer as a ZIP of its run directory, and codes as CSV or NPY.

The ZIP holds exactly the files of :mod:`aecore.runs` (``config.json``, ``model.weights.h5``,
``history.json``, ``metrics.json`` and optionally ``codes.npy``), so there is one format for
runs on disk and downloads. Model files are never unpickled or deserialised as architectures:
the architecture comes from our own builders and only the weight arrays are read, so a foreign
file cannot run code.
"""

from __future__ import annotations

import io
import os
import tempfile
import zipfile

import numpy as np

from .presets import TrainConfig
from .runs import CODES_FILE, FORMAT, REQUIRED_FILES  # noqa: F401  (FORMAT re-exported)

#: Largest ZIP :func:`read_zip_bytes` accepts, compressed and uncompressed.
MAX_ZIP_BYTES = 500 * 1024 * 1024


def to_zip_bytes(reducer, config: TrainConfig, dataset_name: str, metrics: dict | None = None,
                 codes: np.ndarray | None = None) -> bytes:
    """A ZIP of the run directory :func:`aecore.runs.save_run` writes for a fitted reducer.

    Parameters
    ----------
    reducer : AutoencoderReducer
        A fitted reducer.
    config : TrainConfig
        The settings it was trained with.
    dataset_name : str
    metrics : dict, optional
    codes : ndarray, optional
        Latent codes to include as ``codes.npy``.

    Returns
    -------
    bytes
        Open it again with :func:`read_zip_bytes`, or unzip it and use
        :func:`aecore.runs.load_run`.
    """
    from .runs import save_run

    with tempfile.TemporaryDirectory() as tmp:
        run_dir = os.path.join(tmp, "run")
        save_run(run_dir, reducer, config, dataset_name, metrics=metrics, codes=codes)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name in sorted(os.listdir(run_dir)):
                archive.write(os.path.join(run_dir, name), name)
    return buffer.getvalue()


def read_zip_bytes(data: bytes):
    """Rebuild ``(reducer, RunInfo)`` from a ZIP made by :func:`to_zip_bytes`.

    Only the run's known file names are extracted (into a temporary folder); anything else in
    the archive is refused, and the model is rebuilt from code by :func:`aecore.runs.load_run`.
    """
    from .runs import load_run

    if not data:
        raise ValueError("The ZIP is empty (0 bytes); choose a model ZIP downloaded from the app.")
    if len(data) > MAX_ZIP_BYTES:
        raise ValueError(f"The ZIP is {len(data) / 1e6:.0f} MB; model ZIPs are at most "
                         f"{MAX_ZIP_BYTES / 1e6:.0f} MB.")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise ValueError("This is not a valid ZIP archive; choose a model ZIP downloaded from the "
                         "app.") from exc
    allowed = set(REQUIRED_FILES) | {CODES_FILE}
    with archive, tempfile.TemporaryDirectory() as tmp:
        members = [member for member in archive.infolist() if not member.is_dir()]
        names = [member.filename for member in members]
        unexpected = sorted(set(names) - allowed)
        if unexpected:
            raise ValueError(f"The ZIP holds unexpected file(s) {unexpected[:5]}; a model ZIP holds "
                             f"only {sorted(allowed)}.")
        if sum(member.file_size for member in members) > MAX_ZIP_BYTES:
            raise ValueError(f"The ZIP unpacks to more than {MAX_ZIP_BYTES / 1e6:.0f} MB; refusing it.")
        for member in members:
            with archive.open(member) as src, open(os.path.join(tmp, member.filename), "wb") as dst:
                dst.write(src.read())
        reducer, info = load_run(tmp)
    info.path, info.name = "", "(zip)"
    return reducer, info


def codes_csv(codes: np.ndarray, labels: np.ndarray | None = None, row_ids: np.ndarray | None = None) -> bytes:
    """Latent codes as CSV text (one row per sample, ``z1..zk`` and an optional label), led by a
    ``row`` column of the samples' row ids when ``row_ids`` is given (a map of a subsample)."""
    header = ",".join((["row"] if row_ids is not None else []) + [f"z{i + 1}" for i in range(codes.shape[1])]
                      + (["label"] if labels is not None else []))
    columns = ([row_ids] if row_ids is not None else []) + [codes] + ([labels] if labels is not None else [])
    body = np.column_stack(columns) if len(columns) > 1 else codes
    formats = (["%d"] if row_ids is not None else []) + ["%.6g"] * (body.shape[1] - (row_ids is not None))
    out = io.StringIO()
    np.savetxt(out, body, delimiter=",", header=header, comments="", fmt=formats)
    return out.getvalue().encode()


def npy_bytes(array: np.ndarray) -> bytes:
    """An array as .npy bytes (no pickle)."""
    buffer = io.BytesIO()
    np.save(buffer, np.asarray(array), allow_pickle=False)
    return buffer.getvalue()
