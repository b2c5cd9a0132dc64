"""The run directory format: the files a run holds, and what a run says about itself.

A run directory holds::

    config.json         format, aecore version, creation time, dataset name, TrainConfig,
                        the Architecture, the resolved output activation, how training ended
    model.weights.h5    the autoencoder's weights (Keras ``save_weights``), nothing else; or
    weights.f16.npz     the same arrays as float16 in a compressed .npz (the shipped demo runs)
    history.json        per-epoch losses, e.g. {"loss": [...], "val_loss": [...]}
    metrics.json        a flat dict of numbers (held-out MSE, PCA's MSE, timings, ...)
    codes.npy           optional latent codes of the dataset (plain float array, no pickle)
    latent_history.npz  optional: a fixed subset's 2-D view after each epoch, plain arrays
                        (:class:`aecore.training.snapshots.LatentHistory`; runs written before it lack it)

This module owns that layout (the file names, the format tag, and the size, nesting and text-field
limits on a run's JSON files, checked before a file is parsed), :class:`RunInfo`, and
:func:`read_run_info`, which validates a run's required files and JSON fields without TensorFlow
and raises ``ValueError`` naming the file, what was found and what to do. Writing a run is
:mod:`aecore.runs.saving`; rebuilding its model and finding runs in the runs folder is
:mod:`aecore.runs.loading`.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from typing import Optional

import numpy as np

from ..presets import TrainConfig

FORMAT = "aecore-run-v1"
CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.weights.h5"
HISTORY_FILE = "history.json"
METRICS_FILE = "metrics.json"
CODES_FILE = "codes.npy"
F16_WEIGHTS_FILE = "weights.f16.npz"
LATENT_HISTORY_FILE = "latent_history.npz"
#: Files every run directory written by save_run holds (``codes.npy`` is optional).
REQUIRED_FILES = (CONFIG_FILE, WEIGHTS_FILE, HISTORY_FILE, METRICS_FILE)
#: Files a run may hold besides the required ones.
OPTIONAL_FILES = (CODES_FILE, LATENT_HISTORY_FILE)
#: A run's weights: either file (float16 arrays where there is no HDF5 file).
WEIGHTS_FILES = (WEIGHTS_FILE, F16_WEIGHTS_FILE)
#: JSON files larger than this are refused: ours are a few kilobytes.
MAX_JSON_BYTES = 5 * 1024 * 1024
#: JSON nested deeper than this is refused before it is parsed (ours nest 3 levels deep;
#: ``json.loads`` raises RecursionError near 1,000).
MAX_JSON_DEPTH = 32
#: Longest text field (dataset name, creation time, version) a run's config.json may hold.
MAX_TEXT_CHARS = 10_000
STOPPED_REASONS = ("completed", "early_stopping", "stopped", "nan", "interrupted")


@dataclass
class RunInfo:
    """What a run directory says about itself (read from its JSON files, no TensorFlow needed).

    Attributes
    ----------
    path : str
        The run directory.
    name : str
        Its folder name.
    dataset : str
        Name of the dataset it was trained on.
    kind : str
        Autoencoder kind ("dense", "conv", ...).
    n_components : int
        Latent size.
    created : str
        ISO 8601 creation time (UTC).
    metrics : dict
        Contents of ``metrics.json``.
    n_features : int
    image_shape : tuple of int or None
    config : TrainConfig or None
    architecture : dict
        The saved :class:`~aecore.models.builders.Architecture` fields.
    aecore_version : str
    has_codes : bool
        Whether ``codes.npy`` is present.
    scaling : str or None
        How the training data were scaled (``None``: not recorded, runs of aecore < 0.2).
    weights_file : str
        The file holding its weights (one of :data:`WEIGHTS_FILES`).
    """

    path: str
    name: str
    dataset: str
    kind: str
    n_components: int
    created: str
    metrics: dict = field(default_factory=dict)
    n_features: int = 0
    image_shape: Optional[tuple[int, int]] = None
    config: Optional[TrainConfig] = None
    architecture: dict = field(default_factory=dict)
    aecore_version: str = ""
    has_codes: bool = False
    scaling: Optional[str] = None
    weights_file: str = WEIGHTS_FILE


# --------------------------------------------------------------------------- reading


def read_run_info(run_dir) -> RunInfo:
    """Validate a run directory's JSON files and required files, without TensorFlow.

    Raises
    ------
    ValueError
        Missing files, an unknown format, or fields of the wrong type or shape.
    """
    run_dir = os.fspath(run_dir)
    if not os.path.isdir(run_dir):
        raise ValueError(f"run_dir={run_dir!r} is not a folder; pass a run directory written by "
                         "save_run (python -m aecore train --out ...).")
    weights_file = next((name for name in WEIGHTS_FILES if os.path.isfile(os.path.join(run_dir, name))),
                        WEIGHTS_FILE)
    missing = [name for name in (CONFIG_FILE, weights_file, HISTORY_FILE, METRICS_FILE)
               if not os.path.isfile(os.path.join(run_dir, name))]
    if missing:
        raise ValueError(f"The run {run_dir!r} is missing {', '.join(missing)}; it is incomplete or "
                         "not a run. Train it again.")
    manifest = _read_json(run_dir, CONFIG_FILE, dict)
    fmt = manifest.get("format")
    if fmt != FORMAT:
        raise ValueError(f"{CONFIG_FILE} in {run_dir!r} has format={_short(fmt)}; this aecore reads "
                         f"{FORMAT!r}. Save the run again with this version.")
    for key, kind in (("dataset", str), ("created", str), ("aecore_version", str),
                      ("output_activation", str), ("n_features", int), ("config", dict),
                      ("architecture", dict), ("training", dict)):
        value = manifest.get(key)
        if not isinstance(value, kind) or isinstance(value, bool):
            raise ValueError(f"{CONFIG_FILE} in {run_dir!r}: {key!r} is {_short(value)}; expected a "
                             f"{kind.__name__}. The file is damaged; train the run again.")
        if kind is str and len(value) > MAX_TEXT_CHARS:
            raise ValueError(f"{CONFIG_FILE} in {run_dir!r}: {key!r} is {len(value):,} characters long; "
                             f"the limit is {MAX_TEXT_CHARS:,}. The file is damaged; train the run again.")
    n_features = manifest["n_features"]
    if n_features < 2:
        raise ValueError(f"{CONFIG_FILE} in {run_dir!r}: n_features={n_features} must be >= 2.")
    image_shape = manifest.get("image_shape")
    if image_shape is not None:
        if (not isinstance(image_shape, list) or len(image_shape) != 2
                or not all(isinstance(v, int) and v > 0 for v in image_shape)
                or image_shape[0] * image_shape[1] != n_features):
            raise ValueError(f"{CONFIG_FILE} in {run_dir!r}: image_shape={_short(image_shape)} must be "
                             f"[height, width] with height * width = n_features ({n_features}).")
        image_shape = tuple(image_shape)
    try:
        config = TrainConfig.from_dict(manifest["config"])
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{CONFIG_FILE} in {run_dir!r}: config is not a TrainConfig ({_clip(str(exc))}). "
                         "The file is damaged; train the run again.") from exc
    arch = manifest["architecture"]
    if arch.get("n_features") != n_features or arch.get("kind") != config.kind or \
            arch.get("n_components") != config.n_components:
        raise ValueError(
            f"{CONFIG_FILE} in {run_dir!r}: the architecture (kind={_short(arch.get('kind'))}, "
            f"n_features={_short(arch.get('n_features'))}, n_components={_short(arch.get('n_components'))}) "
            f"disagrees with the config (kind={_short(config.kind)}, n_features={n_features}, "
            f"n_components={_short(config.n_components)}). The file is damaged; train the run again.")
    if arch.get("output_activation") != manifest["output_activation"]:
        raise ValueError(f"{CONFIG_FILE} in {run_dir!r}: output_activation="
                         f"{manifest['output_activation']!r} disagrees with the architecture's "
                         f"{_short(arch.get('output_activation'))}.")
    training = manifest["training"]
    for key in ("n_epochs", "best_epoch"):
        if not isinstance(training.get(key), int) or training[key] < 0:
            raise ValueError(f"{CONFIG_FILE} in {run_dir!r}: training.{key}={_short(training.get(key))} "
                             "must be a non-negative integer.")
    if training.get("stopped_reason") not in STOPPED_REASONS:
        raise ValueError(f"{CONFIG_FILE} in {run_dir!r}: training.stopped_reason="
                         f"{_short(training.get('stopped_reason'))} must be one of {list(STOPPED_REASONS)}.")
    names = manifest.get("feature_names_in")
    if names is not None and (not isinstance(names, list) or len(names) != n_features
                              or not all(isinstance(n, str) for n in names)):
        raise ValueError(f"{CONFIG_FILE} in {run_dir!r}: feature_names_in must be {n_features} "
                         "strings or null.")
    scaling = manifest.get("scaling")
    if scaling is not None and (not isinstance(scaling, str) or len(scaling) > 200):
        raise ValueError(f"{CONFIG_FILE} in {run_dir!r}: scaling must be a short text or null; got "
                         f"{type(scaling).__name__}. The file is damaged; train the run again.")
    metrics = _read_json(run_dir, METRICS_FILE, dict)
    return RunInfo(path=run_dir, name=os.path.basename(os.path.normpath(run_dir)),
                   dataset=manifest["dataset"], kind=config.kind,
                   n_components=int(config.n_components), created=manifest["created"],
                   metrics=metrics, n_features=n_features, image_shape=image_shape, config=config,
                   architecture=arch, aecore_version=manifest["aecore_version"],
                   has_codes=os.path.isfile(os.path.join(run_dir, CODES_FILE)), scaling=scaling,
                   weights_file=weights_file)


def _clip(text: str, limit: int = 300) -> str:
    """``text`` cut to ``limit`` characters: a damaged file's field may be megabytes long."""
    return text if len(text) <= limit else text[:limit] + "…"


def _short(value) -> str:
    """``repr(value)``, cut to 80 characters."""
    return _clip(repr(value), 80)


# A JSON string: quotes around anything but quotes and backslashes, or escapes (unrolled, linear).
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")


def json_nesting_depth(text: str) -> int:
    """How deeply a JSON text nests arrays and objects, counted without parsing it (brackets in
    strings do not count), so that a text too deep for ``json.loads`` is refused before it recurses."""
    brackets = _NOT_BRACKET.sub("", _JSON_STRING.sub("", text)).encode("ascii")
    if not brackets:
        return 0
    codes = np.frombuffer(brackets, dtype=np.uint8)
    steps = np.where((codes == ord("[")) | (codes == ord("{")), 1, -1)
    return int(np.cumsum(steps).max(initial=0))


def _read_json(run_dir: str, name: str, kind: type):
    """Read one of a run's JSON files, refusing huge, deeply nested or malformed ones."""
    path = os.path.join(run_dir, name)
    size = os.path.getsize(path)
    if size > MAX_JSON_BYTES:
        raise ValueError(f"{name} in {run_dir!r} is {size / 1e6:.1f} MB; the limit is "
                         f"{MAX_JSON_BYTES / 1e6:.0f} MB (run files are a few kilobytes). It was not "
                         "written by aecore; train the run again.")
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except UnicodeDecodeError as exc:
        raise ValueError(f"{name} in {run_dir!r} is not valid JSON ({exc}); the run is damaged. "
                         "Train it again.") from exc
    depth = json_nesting_depth(text)
    if depth > MAX_JSON_DEPTH:
        raise ValueError(f"{name} in {run_dir!r} nests {depth:,} levels deep; the limit is "
                         f"{MAX_JSON_DEPTH}. It was not written by aecore. Train it again.")
    try:
        data = json.loads(text)
    except ValueError as exc:  # JSONDecodeError, and integers too long to convert
        raise ValueError(f"{name} in {run_dir!r} is not valid JSON ({exc}); the run is damaged. "
                         "Train it again.") from exc
    if not isinstance(data, kind):
        raise ValueError(f"{name} in {run_dir!r} holds a {type(data).__name__}; expected a JSON "
                         "object. The run is damaged; train it again.")
    return data
