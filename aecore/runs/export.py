"""Downloads: a trained reducer as a ZIP of its run directory, and codes as CSV or NPY.

The ZIP holds exactly the files of :mod:`aecore.runs.format` (``config.json``, ``model.weights.h5``,
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
import zlib

import numpy as np

from ..presets import TrainConfig
from .format import FORMAT, OPTIONAL_FILES, REQUIRED_FILES  # noqa: F401  (FORMAT re-exported)

#: Largest ZIP :func:`read_zip_bytes` accepts, compressed and uncompressed.
MAX_ZIP_BYTES = 500 * 1024 * 1024
#: Most values (rows x columns) in a codes CSV the app builds on a click: 200,000 rows of 10 codes
#: made 19 MB in about 1 s on a 2-core machine (issue 29's download measurements); a larger CSV is
#: a seeded random sample of rows (:func:`csv_rows`), and the page says so.
MAX_CSV_VALUES = 2_000_000
#: Most values in a codes NPY the app builds: 50 MB of float32 (the server holds every download's
#: bytes in memory until the person fetches it).
MAX_NPY_VALUES = 12_500_000
#: Largest run ZIP the app accepts as an upload, compressed and uncompressed: the weights of the
#: default budget's largest model (10 M parameters) are 40 MB, and the server refuses uploads above
#: 50 MB anyway (``server.maxUploadSize``).
MAX_UPLOAD_ZIP_BYTES = 50 * 1024 * 1024


def to_zip_bytes(reducer, config: TrainConfig, dataset_name: str, metrics: dict | None = None,
                 codes: np.ndarray | None = None, scaling: str | None = None) -> bytes:
    """A ZIP of the run directory :func:`aecore.runs.saving.save_run` writes for a fitted reducer.

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
    scaling : str, optional
        How the training data were scaled (``Dataset.scaling``), recorded in ``config.json``.

    Returns
    -------
    bytes
        Open it again with :func:`read_zip_bytes`, or unzip it and use
        :func:`aecore.runs.loading.load_run`.
    """
    from .saving import save_run

    with tempfile.TemporaryDirectory() as tmp:
        run_dir = os.path.join(tmp, "run")
        save_run(run_dir, reducer, config, dataset_name, metrics=metrics, codes=codes, scaling=scaling)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name in sorted(os.listdir(run_dir)):
                archive.write(os.path.join(run_dir, name), name)
    return buffer.getvalue()


def read_zip_bytes(data: bytes, *, max_bytes: int = MAX_ZIP_BYTES, budget=None):
    """Rebuild ``(reducer, RunInfo)`` from a ZIP made by :func:`to_zip_bytes`.

    Only the run's known file names are extracted (into a temporary folder); anything else in
    the archive (a pickle, a ``.keras`` file, a folder) is refused, and the model is rebuilt from
    code by :func:`aecore.runs.loading.load_run` after its parameters were checked against ``budget``.

    Parameters
    ----------
    data : bytes
    max_bytes : int, default=MAX_ZIP_BYTES
        Largest ZIP, and largest total of its unpacked files (the app passes
        :data:`MAX_UPLOAD_ZIP_BYTES`).
    budget : aecore.budget.Budget, optional
        Passed to :func:`aecore.runs.loading.load_run`.
    """
    from .format import MAX_JSON_BYTES
    from .loading import load_run

    if not data:
        raise ValueError("The ZIP is empty (0 bytes); choose a model ZIP downloaded from the app.")
    if len(data) > max_bytes:
        raise ValueError(f"The ZIP is {len(data) / 1e6:.1f} MB; model ZIPs are at most "
                         f"{max_bytes / 1e6:.0f} MB.")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise ValueError("This is not a valid ZIP archive; choose a model ZIP downloaded from the "
                         "app.") from exc
    allowed = set(REQUIRED_FILES) | set(OPTIONAL_FILES)
    with archive, tempfile.TemporaryDirectory() as tmp:
        members = [member for member in archive.infolist() if not member.is_dir()]
        names = [member.filename for member in members]
        unexpected = sorted(set(names) - allowed)
        if unexpected:
            raise ValueError(f"The ZIP holds unexpected file(s) {unexpected[:5]}; a model ZIP holds "
                             f"only {sorted(allowed)}.")
        if len(set(names)) != len(names):
            raise ValueError("The ZIP holds the same file name twice; it was not made by this app.")
        if sum(member.file_size for member in members) > max_bytes:
            raise ValueError(f"The ZIP unpacks to more than {max_bytes / 1e6:.0f} MB; refusing it.")
        too_big = [m.filename for m in members if m.filename.endswith(".json") and m.file_size > MAX_JSON_BYTES]
        if too_big:
            raise ValueError(f"{too_big[0]} in the ZIP is larger than {MAX_JSON_BYTES / 1e6:.0f} MB; run "
                             "files are small. It was not made by this app.")
        run_dir = os.path.join(tmp, "zip")
        os.mkdir(run_dir)
        try:
            for member in members:
                with archive.open(member) as src, open(os.path.join(run_dir, member.filename), "wb") as dst:
                    dst.write(src.read())
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
            raise ValueError(f"The ZIP is damaged ({str(exc)[:120]}); download the model ZIP again.") from exc
        try:
            reducer, info = load_run(run_dir, budget=budget)
        except ValueError as exc:
            # Name the run "zip" in messages, not the server's temporary folder it was unpacked into.
            raise ValueError(str(exc).replace(run_dir, "zip")) from exc
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


def csv_rows(n_rows: int, n_columns: int, max_values: int | None = None, seed: int = 0) -> np.ndarray | None:
    """The rows a CSV of ``n_rows`` x ``n_columns`` values keeps: None when all fit in
    ``max_values`` (default :data:`MAX_CSV_VALUES`), else a seeded random sample of them in
    increasing order. Cheap: call it before building anything."""
    max_values = MAX_CSV_VALUES if max_values is None else max_values
    keep = max(1, int(max_values) // max(1, int(n_columns)))
    if n_rows <= keep:
        return None
    return np.sort(np.random.default_rng(seed).choice(int(n_rows), keep, replace=False))


def check_npy(shape: tuple[int, ...], max_values: int | None = None) -> None:
    """``ValueError`` when an NPY of ``shape`` float32 values would hold more than ``max_values``
    (default :data:`MAX_NPY_VALUES`)."""
    max_values = MAX_NPY_VALUES if max_values is None else max_values
    n_values = int(np.prod(shape))
    if n_values > max_values:
        raise ValueError(
            f"The codes NPY would hold {n_values:,} values ({n_values * 4 / 1e6:,.0f} MB); the app "
            f"builds at most {max_values:,} ({max_values * 4 / 1e6:,.0f} MB). Download the codes CSV "
            "(a random sample of rows), or encode the data on your own machine with the downloaded model "
            "ZIP (python -m aecore encode).")


def npy_bytes(array: np.ndarray) -> bytes:
    """An array as .npy bytes (no pickle)."""
    buffer = io.BytesIO()
    np.save(buffer, np.asarray(array), allow_pickle=False)
    return buffer.getvalue()
