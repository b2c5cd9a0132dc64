"""Saving a fitted reducer as a run directory (the layout is in :mod:`aecore.runs.format`).

This module owns writing runs: :func:`save_run` checks the reducer against its config, keeps
metrics to plain numbers and codes to a float array, and writes the JSON files and the weights
(never an optimizer state or a pickled model) into a sibling temporary folder that it renames into
place, so a crash never leaves a half-written run; :func:`check_run_dir` says before a long
training whether a folder may be written (an existing run is replaced only with ``overwrite``, any
other non-empty folder never). Importing this module does not import TensorFlow; saving does.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
import os
import shutil
import tempfile
from typing import Optional

import numpy as np

from ..presets import TrainConfig
from .format import (
    CODES_FILE,
    CONFIG_FILE,
    FORMAT,
    HISTORY_FILE,
    LATENT_HISTORY_FILE,
    METRICS_FILE,
    WEIGHTS_FILE,
)


def save_run(run_dir, reducer, config: Optional[TrainConfig] = None, dataset_name: str = "unknown",
             metrics: Optional[dict] = None, codes=None, *, overwrite: bool = False,
             scaling: Optional[str] = None) -> str:
    """Write a fitted reducer as a run directory (its layout: :mod:`aecore.runs.format`).

    Parameters
    ----------
    run_dir : str or path
        Folder to create. An existing folder is refused unless it is empty, or ``overwrite``
        is true and it holds a run (never an arbitrary folder).
    reducer : AutoencoderReducer
        A fitted reducer.
    config : TrainConfig, optional
        The settings it was trained with; ``None`` reads them from the reducer's parameters.
    dataset_name : str
    metrics : dict, optional
        Plain numbers (and strings); saved as ``metrics.json``.
    codes : array-like of shape (n_samples, n_components), optional
        Saved as ``codes.npy``.
    overwrite : bool, default=False
        Replace an existing run in ``run_dir``.
    scaling : str, optional
        How the training data were scaled (:attr:`aecore.data.datasets.Dataset.scaling`); recorded so that
        new data can be checked before they are encoded (:func:`aecore.runs.encoding.check_fits`).

    Returns
    -------
    str
        The run directory.

    Examples
    --------
    >>> save_run("runs/digits-dense", reducer, TrainConfig(), "digits")  # doctest: +SKIP
    """
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(reducer, "autoencoder_")
    if config is None:
        config = TrainConfig.from_dict(reducer.get_params())
    if not isinstance(config, TrainConfig):
        raise ValueError(f"config must be a TrainConfig; got {type(config).__name__}.")
    arch = reducer.architecture_
    if config.kind != arch.kind or int(config.n_components) != int(arch.n_components):
        raise ValueError(
            f"config (kind={config.kind!r}, n_components={config.n_components}) does not match the "
            f"fitted model (kind={arch.kind!r}, n_components={arch.n_components}); pass the config "
            "the reducer was trained with.")
    if not isinstance(dataset_name, str) or not dataset_name:
        raise ValueError(f"dataset_name={dataset_name!r} must be a non-empty string.")
    metrics = _plain_metrics(metrics or {})
    codes_array = None
    if codes is not None:
        codes_array = np.asarray(codes, dtype=np.float32)
        if codes_array.ndim != 2 or codes_array.shape[1] != arch.n_components:
            raise ValueError(f"codes have shape {codes_array.shape}; expected (n_samples, "
                             f"{arch.n_components}). Pass reducer.transform(X).")
    feature_names = getattr(reducer, "feature_names_in_", None)
    manifest = {
        "format": FORMAT,
        "aecore_version": _version(),
        "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "dataset": dataset_name,
        "n_features": int(reducer.n_features_in_),
        "image_shape": list(arch.image_shape) if arch.image_shape else None,
        "config": config.to_dict(),
        "architecture": dataclasses.asdict(arch),
        "output_activation": reducer.output_activation_,
        "training": {"n_epochs": int(reducer.n_epochs_), "best_epoch": int(reducer.best_epoch_),
                     "stopped_reason": str(reducer.stopped_reason_),
                     # predict's threshold: it comes from the training rows, which a run does not keep.
                     **({"offset": float(reducer.offset_)} if _finite(getattr(reducer, "offset_", None))
                        else {})},
        "feature_names_in": None if feature_names is None else [str(n) for n in feature_names],
        "scaling": None if scaling is None else str(scaling),
    }
    history = {str(k): [float(v) for v in values] for k, values in reducer.history_.items()}

    run_dir = os.fspath(run_dir)
    check_run_dir(run_dir, overwrite)
    parent = os.path.dirname(os.path.abspath(run_dir))
    os.makedirs(parent, exist_ok=True)
    # Write into a sibling temporary folder and rename it into place, so that a crash never
    # leaves a half-written run that looks complete.
    staging = tempfile.mkdtemp(prefix=".aecore-run-", dir=parent)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(staging, 0o777 & ~umask)  # mkdtemp makes it private; a run is an ordinary folder.
    try:
        with open(os.path.join(staging, CONFIG_FILE), "w", encoding="utf-8") as f:
            json.dump(manifest, f, indent=2)
        with open(os.path.join(staging, HISTORY_FILE), "w", encoding="utf-8") as f:
            json.dump(history, f)
        with open(os.path.join(staging, METRICS_FILE), "w", encoding="utf-8") as f:
            json.dump(metrics, f, indent=2)
        _save_model_weights(reducer, os.path.join(staging, WEIGHTS_FILE))
        if codes_array is not None:
            np.save(os.path.join(staging, CODES_FILE), codes_array, allow_pickle=False)
        latent_history = getattr(reducer, "latent_history_", None)
        if latent_history is not None:
            latent_history.save(os.path.join(staging, LATENT_HISTORY_FILE))
        if os.path.isdir(run_dir):
            shutil.rmtree(run_dir)
        os.replace(staging, run_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return run_dir


def _save_model_weights(reducer, path: str) -> None:
    """Save only the model's weights: a compiled model would also write its optimizer state."""
    from ..models import builders as models

    autoencoder = reducer.autoencoder_
    if getattr(autoencoder, "optimizer", None) is not None:
        autoencoder, _, _ = models.build(reducer.architecture_)
        autoencoder.set_weights(reducer.autoencoder_.get_weights())
    autoencoder.save_weights(path)


def check_run_dir(run_dir, overwrite: bool = False) -> None:
    """Raise ``ValueError`` unless :func:`save_run` may write ``run_dir``.

    Allowed: a new path, an empty folder, or (with ``overwrite``) a folder holding a run. Call it
    before a long training so that a bad ``--out`` fails at once.
    """
    run_dir = os.fspath(run_dir)
    if os.path.exists(run_dir) and not os.path.isdir(run_dir):
        raise ValueError(f"run_dir={run_dir!r} is a file; choose a folder path for the run.")
    if not os.path.isdir(run_dir) or not os.listdir(run_dir):
        return
    if not overwrite:
        raise ValueError(f"run_dir={run_dir!r} already exists and is not empty; choose a new folder "
                         "or pass overwrite=True (--overwrite on the command line).")
    if not os.path.isfile(os.path.join(run_dir, CONFIG_FILE)):
        raise ValueError(f"run_dir={run_dir!r} is a non-empty folder that holds no run "
                         f"({CONFIG_FILE} missing); refusing to delete it. Choose another folder.")


def _plain_metrics(metrics: dict) -> dict:
    """Check that metrics are a flat dict of numbers, strings, booleans or None."""
    if not isinstance(metrics, dict):
        raise ValueError(f"metrics must be a dict of numbers; got {type(metrics).__name__}.")
    plain = {}
    for key, value in metrics.items():
        if isinstance(value, (np.integer, np.floating, np.bool_)):
            value = value.item()
        if value is not None and not isinstance(value, (int, float, str, bool)):
            raise ValueError(f"metrics[{key!r}] is a {type(value).__name__}; metrics hold plain "
                             "numbers or strings only.")
        if isinstance(value, float) and not math.isfinite(value):
            value = None  # JSON has no NaN; None says "not measured".
        plain[str(key)] = value
    return plain


def _finite(value) -> bool:
    """Whether ``value`` is a finite real number (not a bool)."""
    return (isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
            and math.isfinite(float(value)))


def _version() -> str:
    from .._version import __version__

    return __version__
