"""Run directories: a trained reducer saved as weights plus plain JSON, and rebuilt from code.

A run directory holds::

    config.json         format, aecore version, creation time, dataset name, TrainConfig,
                        the Architecture, the resolved output activation, how training ended
    model.weights.h5    the autoencoder's weights (Keras ``save_weights``), nothing else
    history.json        per-epoch losses, e.g. {"loss": [...], "val_loss": [...]}
    metrics.json        a flat dict of numbers (held-out MSE, PCA's MSE, timings, ...)
    codes.npy           optional latent codes of the dataset (plain float array, no pickle)

Loading never unpickles anything and never deserialises an architecture from a file: the
model is rebuilt by :func:`aecore.models.build` from the JSON fields and only weight arrays are
read, after their shapes were checked against the rebuilt model. Every file is validated and
any problem raises ``ValueError`` naming the file, what was found and what to do.

Importing this module does not import TensorFlow; saving and loading do.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
import os
import shutil
import tempfile
import warnings
from dataclasses import dataclass, field
from typing import Callable, Optional

import numpy as np

from .presets import TrainConfig

FORMAT = "aecore-run-v1"
CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.weights.h5"
HISTORY_FILE = "history.json"
METRICS_FILE = "metrics.json"
CODES_FILE = "codes.npy"
#: Files every run directory must hold (``codes.npy`` is optional).
REQUIRED_FILES = (CONFIG_FILE, WEIGHTS_FILE, HISTORY_FILE, METRICS_FILE)
#: JSON files larger than this are refused: ours are a few kilobytes.
MAX_JSON_BYTES = 5 * 1024 * 1024
STOPPED_REASONS = ("completed", "early_stopping", "stopped", "nan", "interrupted")
#: Environment variable with which the server's owner chooses the app's runs folder.
RUNS_ROOT_ENV = "AECORE_RUNS_ROOT"
#: The app's runs folder when ``AECORE_RUNS_ROOT`` is not set, relative to the working directory.
DEFAULT_RUNS_ROOT = "runs"


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
        The saved :class:`~aecore.models.Architecture` fields.
    aecore_version : str
    has_codes : bool
        Whether ``codes.npy`` is present.
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


# --------------------------------------------------------------------------- fitted state


def attach_fitted(reducer, architecture, autoencoder, encoder, decoder, *, history: dict,
                  n_epochs: int, best_epoch: int, stopped_reason: str,
                  feature_names_in=None):
    """Give an unfitted reducer the learned state that ``fit`` would have set, and return it.

    Used by :func:`load_run` and by :func:`aecore.distributed.fit_streaming`, which build
    their models outside :meth:`AutoencoderReducer.fit`.

    Parameters
    ----------
    reducer : AutoencoderReducer
        Its parameters should match ``architecture`` (kind, n_components, ...).
    architecture : aecore.models.Architecture
    autoencoder, encoder, decoder : keras.Model
        Built by :func:`aecore.models.build` from ``architecture``, weights already in place.
    history : dict of list of float
    n_epochs, best_epoch : int
    stopped_reason : str
    feature_names_in : sequence of str, optional
        Column names when the model was fitted on a DataFrame.

    Returns
    -------
    reducer
    """
    if int(reducer.n_components) != int(architecture.n_components):
        raise ValueError(f"The reducer has n_components={reducer.n_components} but the architecture "
                         f"has {architecture.n_components}; build the reducer from the same config.")
    reducer.architecture_ = architecture
    reducer.autoencoder_, reducer.encoder_, reducer.decoder_ = autoencoder, encoder, decoder
    reducer.n_features_in_ = int(architecture.n_features)
    reducer._n_features_out = int(architecture.n_components)
    reducer.output_activation_ = architecture.output_activation
    reducer.history_ = {str(k): [float(v) for v in values] for k, values in history.items()}
    reducer.n_epochs_ = int(n_epochs)
    reducer.best_epoch_ = int(best_epoch)
    reducer.stopped_reason_ = str(stopped_reason)
    if feature_names_in is not None:
        reducer.feature_names_in_ = np.asarray(list(feature_names_in), dtype=object)
    return reducer


def architecture_from_dict(data: dict):
    """Rebuild an :class:`~aecore.models.Architecture` from its JSON fields (lists become tuples)."""
    from . import models

    if not isinstance(data, dict):
        raise ValueError(f"architecture must be a JSON object; got {type(data).__name__}.")
    known = {f.name for f in dataclasses.fields(models.Architecture)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ValueError(f"architecture has unknown field(s) {unknown}; the run was written by a "
                         "different aecore version. Upgrade aecore or train the run again.")
    values = {key: _tuples(value) for key, value in data.items()}
    try:
        return models.Architecture(**values)
    except TypeError as exc:
        raise ValueError(f"architecture is incomplete ({exc}); train the run again.") from exc


def _tuples(value):
    """Turn JSON lists (nested too) back into the tuples the dataclasses hold."""
    if isinstance(value, list):
        return tuple(_tuples(v) for v in value)
    return value


# --------------------------------------------------------------------------- saving


def save_run(run_dir, reducer, config: Optional[TrainConfig] = None, dataset_name: str = "unknown",
             metrics: Optional[dict] = None, codes=None, *, overwrite: bool = False) -> str:
    """Write a fitted reducer as a run directory (see the module docstring for the layout).

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
                     "stopped_reason": str(reducer.stopped_reason_)},
        "feature_names_in": None if feature_names is None else [str(n) for n in feature_names],
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
        if os.path.isdir(run_dir):
            shutil.rmtree(run_dir)
        os.replace(staging, run_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return run_dir


def _save_model_weights(reducer, path: str) -> None:
    """Save only the model's weights: a compiled model would also write its optimizer state."""
    from . import models

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


def _version() -> str:
    from . import __version__

    return __version__


# --------------------------------------------------------------------------- loading


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
    missing = [name for name in REQUIRED_FILES if not os.path.isfile(os.path.join(run_dir, name))]
    if missing:
        raise ValueError(f"The run {run_dir!r} is missing {', '.join(missing)}; it is incomplete or "
                         "not a run. Train it again.")
    manifest = _read_json(run_dir, CONFIG_FILE, dict)
    fmt = manifest.get("format")
    if fmt != FORMAT:
        raise ValueError(f"{CONFIG_FILE} in {run_dir!r} has format={fmt!r}; this aecore reads "
                         f"{FORMAT!r}. Save the run again with this version.")
    for key, kind in (("dataset", str), ("created", str), ("aecore_version", str),
                      ("output_activation", str), ("n_features", int), ("config", dict),
                      ("architecture", dict), ("training", dict)):
        value = manifest.get(key)
        if not isinstance(value, kind) or isinstance(value, bool):
            raise ValueError(f"{CONFIG_FILE} in {run_dir!r}: {key!r} is {value!r}; expected a "
                             f"{kind.__name__}. The file is damaged; train the run again.")
    n_features = manifest["n_features"]
    if n_features < 2:
        raise ValueError(f"{CONFIG_FILE} in {run_dir!r}: n_features={n_features} must be >= 2.")
    image_shape = manifest.get("image_shape")
    if image_shape is not None:
        if (not isinstance(image_shape, list) or len(image_shape) != 2
                or not all(isinstance(v, int) and v > 0 for v in image_shape)
                or image_shape[0] * image_shape[1] != n_features):
            raise ValueError(f"{CONFIG_FILE} in {run_dir!r}: image_shape={image_shape!r} must be "
                             f"[height, width] with height * width = n_features ({n_features}).")
        image_shape = tuple(image_shape)
    try:
        config = TrainConfig.from_dict(manifest["config"])
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{CONFIG_FILE} in {run_dir!r}: config is not a TrainConfig ({exc}).") from exc
    arch = manifest["architecture"]
    if arch.get("n_features") != n_features or arch.get("kind") != config.kind or \
            arch.get("n_components") != config.n_components:
        raise ValueError(
            f"{CONFIG_FILE} in {run_dir!r}: the architecture (kind={arch.get('kind')!r}, "
            f"n_features={arch.get('n_features')}, n_components={arch.get('n_components')}) "
            f"disagrees with the config (kind={config.kind!r}, n_features={n_features}, "
            f"n_components={config.n_components}). The file is damaged; train the run again.")
    if arch.get("output_activation") != manifest["output_activation"]:
        raise ValueError(f"{CONFIG_FILE} in {run_dir!r}: output_activation="
                         f"{manifest['output_activation']!r} disagrees with the architecture's "
                         f"{arch.get('output_activation')!r}.")
    training = manifest["training"]
    for key in ("n_epochs", "best_epoch"):
        if not isinstance(training.get(key), int) or training[key] < 0:
            raise ValueError(f"{CONFIG_FILE} in {run_dir!r}: training.{key}={training.get(key)!r} "
                             "must be a non-negative integer.")
    if training.get("stopped_reason") not in STOPPED_REASONS:
        raise ValueError(f"{CONFIG_FILE} in {run_dir!r}: training.stopped_reason="
                         f"{training.get('stopped_reason')!r} must be one of {list(STOPPED_REASONS)}.")
    names = manifest.get("feature_names_in")
    if names is not None and (not isinstance(names, list) or len(names) != n_features
                              or not all(isinstance(n, str) for n in names)):
        raise ValueError(f"{CONFIG_FILE} in {run_dir!r}: feature_names_in must be {n_features} "
                         "strings or null.")
    metrics = _read_json(run_dir, METRICS_FILE, dict)
    return RunInfo(path=run_dir, name=os.path.basename(os.path.normpath(run_dir)),
                   dataset=manifest["dataset"], kind=config.kind,
                   n_components=int(config.n_components), created=manifest["created"],
                   metrics=metrics, n_features=n_features, image_shape=image_shape, config=config,
                   architecture=arch, aecore_version=manifest["aecore_version"],
                   has_codes=os.path.isfile(os.path.join(run_dir, CODES_FILE)))


def _read_json(run_dir: str, name: str, kind: type):
    """Read one of a run's JSON files, refusing huge or malformed ones."""
    path = os.path.join(run_dir, name)
    size = os.path.getsize(path)
    if size > MAX_JSON_BYTES:
        raise ValueError(f"{name} in {run_dir!r} is {size / 1e6:.1f} MB; run files are small. "
                         "It is not a file written by aecore.")
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{name} in {run_dir!r} is not valid JSON ({exc}); the run is damaged. "
                         "Train it again.") from exc
    if not isinstance(data, kind):
        raise ValueError(f"{name} in {run_dir!r} holds a {type(data).__name__}; expected a JSON "
                         "object. The run is damaged; train it again.")
    return data


def _read_history(run_dir: str, n_epochs: int) -> dict:
    """Read history.json: lists of numbers, one per epoch run."""
    history = _read_json(run_dir, HISTORY_FILE, dict)
    for key, values in history.items():
        if not isinstance(values, list) or not all(
                isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
            raise ValueError(f"{HISTORY_FILE} in {run_dir!r}: {key!r} must be a list of numbers.")
        if len(values) != n_epochs:
            raise ValueError(f"{HISTORY_FILE} in {run_dir!r}: {key!r} has {len(values)} value(s) but "
                             f"the run trained {n_epochs} epoch(s). The run is damaged.")
    return history


def _check_weight_shapes(path: str, model) -> None:
    """Compare the arrays stored in a weights file with the rebuilt model's variables."""
    import h5py

    stored = []
    try:
        with h5py.File(path, "r") as f:
            f.visititems(lambda name, obj: stored.append((name, tuple(obj.shape)))
                         if isinstance(obj, h5py.Dataset) else None)
    except OSError as exc:
        raise ValueError(f"{WEIGHTS_FILE} at {path!r} is not a readable HDF5 weights file ({exc}); "
                         "the run is damaged. Train it again.") from exc
    foreign = [name for name, _ in stored if not name.startswith("layers/")]
    if foreign:
        raise ValueError(f"{WEIGHTS_FILE} at {path!r} holds arrays outside the model's layers "
                         f"({foreign[:3]}); it was not written by save_run. Train the run again.")
    expected = [tuple(int(d) for d in w.shape) for w in model.weights]
    if sorted(shape for _, shape in stored) != sorted(expected):
        raise ValueError(
            f"{WEIGHTS_FILE} at {path!r} holds {len(stored)} array(s) whose shapes do not match the "
            f"architecture in {CONFIG_FILE} ({len(expected)} array(s) expected); the files come "
            "from different models. Train the run again.")


def load_run(run_dir, *, root=None, budget=None):
    """Rebuild a fitted reducer from a run directory.

    The architecture is rebuilt in code from ``config.json`` and only the weights are read
    (after their shapes were checked), so a foreign file cannot run code. Its parameters are
    counted from the JSON (see :class:`aecore.budget.NetworkShape`) and checked against the budget
    before the model is built.

    Parameters
    ----------
    run_dir : str or path
    root : str or path, optional
        The only folder runs may come from (the app's runs folder): a ``run_dir`` or a run file
        that resolves outside it (``..``, a symbolic link) is refused. ``None`` (the library and
        the command line) allows any path.
    budget : aecore.budget.Budget, optional
        Limits the model's parameters; ``None`` uses :meth:`Budget.default`. Pass
        ``Budget.unlimited()`` to load a model larger than the default budget.

    Returns
    -------
    reducer : AutoencoderReducer
        Fitted: ``transform``, ``inverse_transform``, ``reconstruct`` and ``score_samples``
        work and give the same results as before saving.
    info : RunInfo

    Examples
    --------
    >>> reducer, info = load_run("runs/digits-dense")  # doctest: +SKIP
    >>> codes = reducer.transform(X)  # doctest: +SKIP
    """
    from . import models

    if root is not None:
        _check_contained(run_dir, root)
    info = read_run_info(run_dir)
    run_dir = info.path
    manifest = _read_json(run_dir, CONFIG_FILE, dict)
    training = manifest["training"]
    history = _read_history(run_dir, training["n_epochs"])
    arch = architecture_from_dict(manifest["architecture"])
    check_size(arch, budget, name=info.name)
    autoencoder, encoder, decoder = models.build(arch)
    weights_path = os.path.join(run_dir, WEIGHTS_FILE)
    _check_weight_shapes(weights_path, autoencoder)
    try:
        with warnings.catch_warnings():
            # Keras warns before it raises on mismatches; the shapes were checked above.
            warnings.simplefilter("ignore")
            autoencoder.load_weights(weights_path)
    except (ValueError, OSError, KeyError) as exc:
        raise ValueError(f"Could not load {WEIGHTS_FILE} from {run_dir!r} into the rebuilt model "
                         f"({str(exc).splitlines()[0]}); the run is damaged. Train it again.") from exc
    reducer = info.config.to_reducer(image_shape=arch.image_shape)
    attach_fitted(reducer, arch, autoencoder, encoder, decoder, history=history,
                  n_epochs=training["n_epochs"], best_epoch=training["best_epoch"],
                  stopped_reason=training["stopped_reason"],
                  feature_names_in=manifest.get("feature_names_in"))
    if info.has_codes:
        load_codes(run_dir, info)  # Validates the file now, not when someone first reads it.
    return reducer, info


def load_codes(run_dir, info: Optional[RunInfo] = None) -> Optional[np.ndarray]:
    """The run's ``codes.npy`` (n_samples, n_components), or ``None`` when it saved none."""
    info = info or read_run_info(run_dir)
    path = os.path.join(info.path, CODES_FILE)
    if not os.path.isfile(path):
        return None
    try:
        codes = np.load(path, allow_pickle=False)
    except ValueError as exc:
        raise ValueError(f"{CODES_FILE} in {info.path!r} is not a plain numeric .npy file ({exc}); "
                         "the run is damaged.") from exc
    if not isinstance(codes, np.ndarray) or codes.dtype.kind != "f" or codes.ndim != 2 \
            or codes.shape[1] != info.n_components:
        raise ValueError(f"{CODES_FILE} in {info.path!r} has shape {getattr(codes, 'shape', None)} and "
                         f"dtype {getattr(codes, 'dtype', None)}; expected floats of shape "
                         f"(n_samples, {info.n_components}). The run is damaged.")
    return codes


def check_size(architecture, budget=None, name: str = "run") -> int:
    """The parameters of the model ``architecture`` describes, counted without building it;
    ``ValueError`` when they are over ``budget.max_parameters`` (default: the default budget)."""
    from .budget import NetworkShape, resolve

    try:
        shape = NetworkShape.of(architecture, architecture.n_features, architecture.image_shape)
        parameters = shape.parameters()
    except (TypeError, ValueError, AttributeError) as exc:
        raise ValueError(f"{CONFIG_FILE} of the run {name!r}: the architecture is damaged ({exc}); "
                         "train the run again.") from exc
    sizes = (*shape.hidden_units, *shape.filters, shape.kernel_size, shape.n_components)
    if min(sizes) < 1:
        raise ValueError(f"{CONFIG_FILE} of the run {name!r}: layer sizes {sizes} must be positive; "
                         "the file is damaged. Train the run again.")
    limit = resolve(budget).max_parameters
    if parameters > limit:
        raise ValueError(f"The run {name!r} holds a model of {parameters:,} parameters; the limit is "
                         f"{limit:,.0f}. Train a smaller model, or load it from Python with a larger "
                         "budget (load_run(path, budget=Budget.unlimited())).")
    return parameters


# --------------------------------------------------------------------------- the runs folder


def runs_root() -> str:
    """The app's runs folder as an absolute path: ``$AECORE_RUNS_ROOT``, else ``./runs``.

    Only the server's owner sets it; a person using the app picks runs from a list of the
    folders directly inside it (see :func:`resolve_run`).
    """
    return os.path.abspath(os.environ.get(RUNS_ROOT_ENV) or DEFAULT_RUNS_ROOT)


def is_within(path, root) -> bool:
    """Whether ``path`` resolves (``..`` and symbolic links followed) to a place inside ``root``."""
    real_root = os.path.realpath(root)
    real = os.path.realpath(path)
    return real != real_root and os.path.commonpath([real_root, real]) == real_root


def resolve_run(root, name: str) -> str:
    """The run directory called ``name`` directly inside ``root``, refusing any other place.

    Parameters
    ----------
    root : str or path
        The runs folder.
    name : str
        A folder name as :func:`list_runs` reports it (``RunInfo.name``): no path separators,
        not ``..``, not hidden.

    Returns
    -------
    str
        The run directory (inside the real path of ``root``).

    Raises
    ------
    ValueError
        When ``name`` is a path rather than a name, when the folder resolves outside ``root``
        (a symbolic link), or when there is no such folder. The message never names ``root``.
    """
    if (not isinstance(name, str) or not name or name.startswith(".")
            or any(char in name for char in ("/", "\\", "\0"))):
        raise ValueError(f"The run name {name!r} must be the name of a folder in the runs folder, not "
                         "a path; choose a run from the list.")
    path = os.path.join(os.path.realpath(root), name)
    if not is_within(path, root):
        raise ValueError(f"The run {name!r} leads outside the runs folder (a symbolic link); refusing "
                         "to open it.")
    if not os.path.isdir(path):
        raise ValueError(f"There is no run named {name!r} in the runs folder; choose a run from the list.")
    return path


def _check_contained(run_dir, root) -> None:
    """Refuse a run folder, or one of its files, that resolves outside ``root``."""
    name = os.path.basename(os.path.normpath(os.fspath(run_dir)))
    if not is_within(run_dir, root):
        raise ValueError(f"The run {name!r} is outside the runs folder; open runs from that folder only.")
    for file_name in REQUIRED_FILES + (CODES_FILE,):
        path = os.path.join(run_dir, file_name)
        if os.path.lexists(path) and not is_within(path, root):
            raise ValueError(f"{file_name} of the run {name!r} leads outside the runs folder (a "
                             "symbolic link); refusing the run.")


# --------------------------------------------------------------------------- listing


def list_runs(root="runs", on_skip: Optional[Callable[[str, str], None]] = None, *,
              contained: bool = False) -> list[RunInfo]:
    """Every valid run directory directly under ``root``, newest first.

    Broken folders are skipped; each is reported with its reason to ``on_skip(path, reason)``
    (default: a ``UserWarning``). Reasons name a folder by its name inside ``root``, never by the
    server path. A missing ``root`` gives an empty list.

    Parameters
    ----------
    root : str or path, default="runs"
    on_skip : callable, optional
    contained : bool, default=False
        Skip folders that resolve outside ``root`` (symbolic links), as the app does.

    Returns
    -------
    list of RunInfo
    """
    root = os.fspath(root)
    if not os.path.isdir(root):
        return []
    runs = []
    for entry in sorted(os.scandir(root), key=lambda e: e.name):
        if not entry.is_dir() or entry.name.startswith("."):
            continue
        try:
            if contained and not is_within(entry.path, root):
                raise ValueError(f"The folder {entry.name!r} leads outside the runs folder (a symbolic "
                                 "link); it is not listed.")
            runs.append(read_run_info(entry.path))
        except ValueError as exc:
            reason = str(exc).replace(entry.path, entry.name)
            if on_skip is None:
                warnings.warn(f"Skipped {entry.path}: {reason}", UserWarning, stacklevel=2)
            else:
                on_skip(entry.path, reason)
    return sorted(runs, key=lambda r: r.created, reverse=True)
