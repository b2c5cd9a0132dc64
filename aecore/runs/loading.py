"""Runs: a fitted reducer rebuilt from a run directory, and the runs found in the runs folder.

Loading never unpickles anything and never deserialises an architecture from a file: the
model is rebuilt by :func:`aecore.models.builders.build` from the JSON fields (validated by
:func:`aecore.runs.format.read_run_info`) and only weight arrays are read, after their shapes were
checked against the rebuilt model. Every file is validated and any problem raises ``ValueError``
naming the file, what was found and what to do. The runs folder is the server owner's choice
(:func:`runs_root`); :func:`resolve_run` and :func:`list_runs` never reach outside it. Saving is
:mod:`aecore.runs.saving`.

Importing this module does not import TensorFlow; loading does.
"""

from __future__ import annotations

import dataclasses
import os
import warnings
import zipfile
import zlib
from typing import Callable, NamedTuple, Optional

import numpy as np

from .format import (
    CODES_FILE,
    CONFIG_FILE,
    F16_WEIGHTS_FILE,
    HISTORY_FILE,
    LATENT_HISTORY_FILE,
    OPTIONAL_FILES,
    REQUIRED_FILES,
    WEIGHTS_FILE,
    WEIGHTS_FILES,
    RunInfo,
    _read_json,
    read_run_info,
)

#: Environment variable with which the server's owner chooses the app's runs folder.
RUNS_ROOT_ENV = "AECORE_RUNS_ROOT"
#: The app's runs folder when ``AECORE_RUNS_ROOT`` is not set, relative to the working directory.
DEFAULT_RUNS_ROOT = "runs"


# --------------------------------------------------------------------------- fitted state


def attach_fitted(reducer, architecture, autoencoder, encoder, decoder, *, history: dict,
                  n_epochs: int, best_epoch: int, stopped_reason: str,
                  feature_names_in=None):
    """Give an unfitted reducer the learned state that ``fit`` would have set, and return it.

    Used by :func:`load_run` and by :func:`aecore.training.distributed.fit_streaming`, which build
    their models outside :meth:`AutoencoderReducer.fit`.

    Parameters
    ----------
    reducer : AutoencoderReducer
        Its parameters should match ``architecture`` (kind, n_components, ...).
    architecture : aecore.models.builders.Architecture
    autoencoder, encoder, decoder : keras.Model
        Built by :func:`aecore.models.builders.build` from ``architecture``, weights already in place.
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
    reducer.latent_history_ = None  # load_run reads a run's history when it saved one
    if feature_names_in is not None:
        reducer.feature_names_in_ = np.asarray(list(feature_names_in), dtype=object)
    return reducer


def architecture_from_dict(data: dict):
    """Rebuild an :class:`~aecore.models.builders.Architecture` from its JSON fields (lists become tuples)."""
    from ..models import builders as models

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


# --------------------------------------------------------------------------- loading


class LoadedRun(NamedTuple):
    """What :func:`load_run` returns: ``reducer, info = load_run(...)`` unpacks it."""

    #: The fitted :class:`~aecore.AutoencoderReducer`.
    reducer: object
    #: What the run says about itself (:class:`~aecore.runs.format.RunInfo`).
    info: RunInfo


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
    LoadedRun
        A named tuple: ``reducer`` (an :class:`~aecore.AutoencoderReducer`, fitted:
        ``transform``, ``inverse_transform``, ``reconstruct``, ``reconstruction_error`` and
        ``score_samples`` give the same results as before saving; ``predict`` and
        ``decision_function`` too when the run recorded its ``offset_``) and ``info``
        (:class:`~aecore.runs.format.RunInfo`).

    Examples
    --------
    >>> reducer, info = load_run("runs/digits-dense")  # doctest: +SKIP
    >>> codes = reducer.transform(X)  # doctest: +SKIP
    >>> load_run("runs/digits-dense").info.metrics["test_mse"]  # doctest: +SKIP
    """
    from ..models import builders as models

    if root is not None:
        _check_contained(run_dir, root)
    info = read_run_info(run_dir)
    run_dir = info.path
    manifest = _read_json(run_dir, CONFIG_FILE, dict)
    training = manifest["training"]
    history = _read_history(run_dir, training["n_epochs"])
    arch = architecture_from_dict(manifest["architecture"])
    check_size(arch, budget, name=info.name)
    try:
        autoencoder, encoder, decoder = models.build(arch)
    except (TypeError, ValueError) as exc:  # a field of the wrong type, e.g. "dropout": null
        raise ValueError(f"{CONFIG_FILE} of the run {info.name!r}: the architecture is damaged "
                         f"({str(exc)[:200]}); train the run again.") from exc
    if info.weights_file == F16_WEIGHTS_FILE:
        _load_f16_weights(os.path.join(run_dir, F16_WEIGHTS_FILE), autoencoder)
    else:
        _load_h5_weights(run_dir, autoencoder)
    reducer = info.config.to_reducer(image_shape=arch.image_shape)
    attach_fitted(reducer, arch, autoencoder, encoder, decoder, history=history,
                  n_epochs=training["n_epochs"], best_epoch=training["best_epoch"],
                  stopped_reason=training["stopped_reason"],
                  feature_names_in=manifest.get("feature_names_in"))
    offset = training.get("offset")
    if offset is not None:
        if isinstance(offset, bool) or not isinstance(offset, (int, float)) or not np.isfinite(offset):
            raise ValueError(f"{CONFIG_FILE} of the run {info.name!r}: training.offset={str(offset)[:40]!r} "
                             "must be a finite number; the file is damaged. Train the run again.")
        reducer.offset_ = float(offset)
    if info.has_codes:
        load_codes(run_dir, info)  # Validates the file now, not when someone first reads it.
    reducer.latent_history_ = load_latent_history(run_dir, info)
    return LoadedRun(reducer, info)


def load_latent_history(run_dir, info: Optional[RunInfo] = None):
    """The run's :class:`~aecore.training.snapshots.LatentHistory` (``latent_history.npz``), or ``None``
    for a run saved without one (runs written before it existed, the shipped demos)."""
    from ..training.snapshots import LatentHistory

    info = info or read_run_info(run_dir)
    path = os.path.join(info.path, LATENT_HISTORY_FILE)
    if not os.path.isfile(path):
        return None
    try:
        return LatentHistory.load(path, n_components=info.n_components)
    except ValueError as exc:
        raise ValueError(f"{exc} (in {info.path!r})") from exc
    except zlib.error as exc:  # a compressed member whose data are damaged
        raise ValueError(f"{LATENT_HISTORY_FILE} in {info.path!r} is damaged ({exc}); the run is damaged. "
                         "Train it again.") from exc


def _load_h5_weights(run_dir: str, autoencoder) -> None:
    """Read ``model.weights.h5`` into the rebuilt model, after checking its arrays' shapes."""
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


def _load_f16_weights(path: str, autoencoder) -> None:
    """Read float16 weight arrays (``weights.f16.npz``, plain arrays only, no pickles) into the
    rebuilt model, after checking their shapes."""
    try:
        with np.load(path, allow_pickle=False) as stored:
            arrays = [stored[key] for key in sorted(stored.files)]
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
        raise ValueError(f"Could not read {F16_WEIGHTS_FILE} at {path!r} ({exc}); the run is damaged. "
                         "Train it again.") from exc
    expected = [tuple(w.shape) for w in autoencoder.get_weights()]
    if [tuple(a.shape) for a in arrays] != expected or any(a.dtype.kind != "f" for a in arrays):
        raise ValueError(f"{F16_WEIGHTS_FILE} at {path!r} does not match the architecture in "
                         f"{CONFIG_FILE} ({len(arrays)} array(s), {len(expected)} expected); the files "
                         "come from different models.")
    autoencoder.set_weights([a.astype(np.float32) for a in arrays])


def load_codes(run_dir, info: Optional[RunInfo] = None) -> Optional[np.ndarray]:
    """The run's ``codes.npy`` (n_samples, n_components), or ``None`` when it saved none."""
    info = info or read_run_info(run_dir)
    path = os.path.join(info.path, CODES_FILE)
    if not os.path.isfile(path):
        return None
    try:
        codes = np.load(path, allow_pickle=False)
    except (ValueError, EOFError, OSError, zipfile.BadZipFile, zlib.error) as exc:  # EOFError: an empty file
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
    from ..budget import NetworkShape, resolve

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
    for file_name in REQUIRED_FILES + WEIGHTS_FILES + OPTIONAL_FILES:
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
