"""The command line's commands: ``train``, ``encode``, ``export``, ``runs`` and ``bench`` (the parser and the
exit statuses are :mod:`aecore.cli.parser`). Heavy modules are imported inside the commands, so the parser
answers without them.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import sys
import threading
import time
from contextlib import contextmanager
from typing import Iterator

from .. import params
from ..data.datasets import BUILTIN_DATASETS
from ..presets import TrainConfig, preset
from ..progress import EpochBar
from ..data.upload_limits import MAX_UPLOAD_BYTES

#: Rows of a streamed file used to measure held-out errors and fit the PCA baseline, at most.
MAX_EVAL_ROWS = 20_000
#: How ``--stream`` treats a file's values (recorded in the run, see aecore.runs.encoding.check_fits).
STREAMED_SCALING = "none (values used as stored)"
#: Data file types the commands read (see :func:`aecore.data.uploads.read_upload`).
DATA_EXTENSIONS = (".csv", ".tsv", ".txt", ".npy", ".npz", ".zip")


class UsageError(ValueError):
    """The command line itself is wrong (exit status 2), as opposed to the work failing (1)."""


# --------------------------------------------------------------------------- train


def config_from_args(args) -> TrainConfig:
    """The TrainConfig for parsed ``train`` options: the preset, then explicit options."""
    config = preset(args.preset) if args.preset else TrainConfig()
    changes = {s.name: getattr(args, s.name) for s in params.SETTINGS if s.cli}
    return config.replace(**{k: v for k, v in changes.items() if v is not None})


def _dataset_source(name: str, stream: bool = False, option: str = "--dataset") -> tuple[str, str]:
    """Say how to read a dataset argument: ("builtin" | "file" | "stream", name or path);
    :class:`UsageError` when it names neither a built-in dataset nor a readable file."""
    if name in BUILTIN_DATASETS:
        return "builtin", name
    if os.path.isfile(name):
        ext = os.path.splitext(name.lower())[1]
        if ext not in DATA_EXTENSIONS:
            raise UsageError(f"{option} {name!r} ends in {ext or '(no extension)'!r}; use a .csv, "
                             ".npy, .npz or .zip file.")
        if ext == ".npy" and (stream or os.path.getsize(name) > MAX_UPLOAD_BYTES):
            return "stream", name
        if stream:
            raise UsageError(f"--stream reads .npy files only; got {name!r}. Save the array with "
                             "np.save or leave out --stream.")
        return "file", name
    raise UsageError(f"{option} {name!r} is neither a built-in dataset ({', '.join(BUILTIN_DATASETS)}) "
                     "nor an existing .csv/.npy/.npz/.zip file; check the name or the path.")


@contextmanager
def ctrl_c_stops(stop: threading.Event) -> Iterator[None]:
    """While the block runs, a first Ctrl+C sets ``stop`` (the fit ends after the current batch)
    instead of raising; a second one raises ``KeyboardInterrupt`` at once.

    A ``KeyboardInterrupt`` raised while TensorFlow runs a finaliser is printed and dropped by
    Python ("Exception ignored in ..."), so an interrupted training could run on to its end and
    exit 0; an event the fit polls cannot be lost that way. Outside the main thread (a notebook's
    worker, a test runner's) signals cannot be handled and the block runs as it is.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_interrupt(signum, frame):
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()

    previous = signal.signal(signal.SIGINT, on_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def train_command(args) -> int:
    """``aecore train``: train, measure against PCA, save the run."""
    from ..runs.saving import check_run_dir

    # Everything the command line says is checked before TensorFlow is imported, and a given
    # --out first of all: resolving the settings imports scikit-learn (about 1.5 s).
    source, name = _dataset_source(args.dataset, args.stream)
    if args.out:
        try:
            check_run_dir(args.out, args.overwrite)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    try:
        config = config_from_args(args)
        resolved = config.to_reducer().resolved_params()  # Settings that do not go together fail here.
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    dataset_name = name if source == "builtin" else os.path.splitext(os.path.basename(name))[0]
    from ..runs.loading import DEFAULT_RUNS_ROOT, RUNS_ROOT_ENV

    # Into the folder `aecore runs` and the app list (AECORE_RUNS_ROOT when set).
    folder = os.environ.get(RUNS_ROOT_ENV) or DEFAULT_RUNS_ROOT
    out = args.out or os.path.join(folder, f"{dataset_name}-{config.kind}-k{config.n_components}-"
                                           f"{dt.datetime.now():%Y%m%d-%H%M%S}")
    try:
        check_run_dir(out, args.overwrite)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if args.strategy == "multi-worker":
        from ..training.distributed import read_tf_config

        if read_tf_config() is None:
            raise UsageError("--strategy multi-worker needs the TF_CONFIG environment variable on "
                             'every worker, e.g. TF_CONFIG=\'{"cluster": {"worker": ["host1:12345", '
                             '"host2:12345"]}, "task": {"type": "worker", "index": 0}}\'.')
    if args.cpu_devices is not None:
        from ..training.distributed import split_cpu

        split_cpu(args.cpu_devices)
    strategy = None
    if args.strategy != "none":
        from ..training.distributed import make_strategy

        # MultiWorkerMirroredStrategy must exist before other TensorFlow work in the process.
        strategy = make_strategy(args.strategy)
    bar = EpochBar(int(resolved.get("total_epochs", resolved["epochs"])), disable=args.quiet)
    started = time.perf_counter()
    stop = threading.Event()
    try:
        with ctrl_c_stops(stop):
            if source == "stream":
                reducer, metrics, codes = _train_streamed(name, config, strategy, args, bar, stop)
                scaling = STREAMED_SCALING
            else:
                reducer, metrics, codes, scaling = _train_in_memory(source, name, config, strategy, args,
                                                                    bar, stop)
    finally:
        bar.close()
    if stop.is_set():  # Ctrl+C during the training or its measurement: no run is written.
        raise KeyboardInterrupt
    metrics = {**metrics, "train_seconds": round(time.perf_counter() - started, 2),
               "epochs_run": reducer.n_epochs_, "best_epoch": reducer.best_epoch_,
               "stopped_reason": reducer.stopped_reason_, "strategy": args.strategy,
               "replicas": 1 if strategy is None else int(strategy.num_replicas_in_sync)}
    from ..training.distributed import is_chief

    if args.strategy == "multi-worker" and not is_chief():
        print(f"worker finished after {reducer.n_epochs_} epoch(s); the chief writes the run.")
        return 0
    from ..runs.saving import save_run

    save_run(out, reducer, config, dataset_name, metrics=metrics, codes=codes,
             overwrite=args.overwrite, scaling=scaling)
    print(f"saved {out}: test MSE {metrics['test_mse']:.5g} vs PCA {metrics['pca_test_mse']:.5g} at "
          f"{config.n_components} components (AE/PCA {metrics['mse_ratio']:.3f}); "
          f"{reducer.n_epochs_} epoch(s), best {reducer.best_epoch_} ({reducer.stopped_reason_}), "
          f"{metrics['train_seconds']:.1f} s")
    return 0


def _budget(args):
    """The resource budget of this command: the default one, scaled by ``--budget-scale``."""
    from ..budget import Budget

    return Budget.default().scaled(args.budget_scale)


def _train_in_memory(source: str, name: str, config: TrainConfig, strategy, args, bar,
                     stop: threading.Event):
    """Load a dataset into memory, hold out a test split, train, and measure it against PCA."""
    import numpy as np

    from ..data import datasets as data, uploads
    from ..metrics import pca_baseline, reconstruction_mse

    if source == "builtin":
        dataset = data.load_dataset(name)
    else:
        with open(name, "rb") as f:
            dataset = uploads.read_upload(f.read(), os.path.basename(name),
                                          label_column=args.label_column, budget=_budget(args))
    train_index, test_index = data.train_test_split(dataset, args.test_fraction, seed=config.random_state or 0)
    X_train, X_test = dataset.X[train_index], dataset.X[test_index]
    if strategy is None:
        reducer = config.to_reducer(image_shape=dataset.image_shape)
        reducer.set_params(budget=_budget(args)).fit(X_train, progress=bar, stop_event=stop)
    else:
        import tempfile

        from ..training.distributed import fit_streaming

        # The distributed path always streams from disk; a small dataset takes a detour through
        # a temporary .npy file so that there is only one distributed training loop.
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "train.npy")
            np.save(path, X_train)
            reducer = fit_streaming(path, config, strategy, image_shape=dataset.image_shape,
                                    progress=bar, stop_event=stop, budget=_budget(args))
    bar.close()  # Before measuring, so the bar's clock shows the training time only.
    test_mse = reconstruction_mse(X_test, reducer.reconstruct(X_test))
    pca = pca_baseline(X_train, config.n_components, X_test, random_state=config.random_state or 0)
    return (reducer, _quality(test_mse, pca.mse, len(X_train), len(X_test)), reducer.transform(dataset.X),
            dataset.scaling)


def _train_streamed(path: str, config: TrainConfig, strategy, args, bar, stop: threading.Event):
    """Train from a memory-mapped .npy; the last rows are the test set."""
    import numpy as np

    from ..training.distributed import fit_streaming, open_npy
    from ..metrics import pca_baseline, reconstruction_mse

    rows, _ = open_npy(path)
    n = rows.shape[0]
    n_test = max(1, int(round(n * args.test_fraction)))
    reducer = fit_streaming(path, config, strategy, rows=(0, n - n_test), progress=bar,
                            stop_event=stop, budget=_budget(args))
    bar.close()
    rng = np.random.default_rng(config.random_state or 0)
    # Errors are measured on (at most) MAX_EVAL_ROWS rows so that memory stays bounded.
    test_rows = np.sort(n - n_test + rng.choice(n_test, min(n_test, MAX_EVAL_ROWS), replace=False))
    fit_rows = np.sort(rng.choice(n - n_test, min(n - n_test, MAX_EVAL_ROWS), replace=False))
    X_test = np.asarray(rows[test_rows], dtype=np.float32)
    test_mse = reconstruction_mse(X_test, reducer.reconstruct(X_test))
    pca = pca_baseline(np.asarray(rows[fit_rows], dtype=np.float32), config.n_components, X_test,
                       random_state=config.random_state or 0)
    codes = np.concatenate([reducer.transform(np.asarray(rows[i:i + 65536], dtype=np.float32))
                            for i in range(0, n, 65536)])
    return reducer, _quality(test_mse, pca.mse, n - n_test, n_test), codes


def _quality(test_mse: float, pca_mse: float, n_train: int, n_test: int) -> dict:
    return {"test_mse": float(test_mse), "pca_test_mse": float(pca_mse),
            "mse_ratio": float(test_mse / pca_mse) if pca_mse > 0 else None,
            "n_train": int(n_train), "n_test": int(n_test)}


# --------------------------------------------------------------------------- runs and bench


def _fmt(value, spec: str = ".4g") -> str:
    if value is None:
        return "-"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return format(value, spec)
    return str(value)


def runs_table(runs) -> str:
    """A plain-text table of :class:`~aecore.runs.format.RunInfo` rows."""
    header = ["name", "dataset", "kind", "k", "test MSE", "PCA MSE", "AE/PCA", "epochs", "created"]
    rows = [[r.name, r.dataset, r.kind, str(r.n_components), _fmt(r.metrics.get("test_mse")),
             _fmt(r.metrics.get("pca_test_mse")), _fmt(r.metrics.get("mse_ratio"), ".3f"),
             _fmt(r.metrics.get("epochs_run"), "d"), r.created.replace("T", " ")[:19]]
            for r in runs]
    widths = [max(len(row[i]) for row in [header] + rows) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip()
             for row in [header] + rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def runs_command(args) -> int:
    """``aecore runs``: list the runs under ``--root``, then the shipped demo runs."""
    from ..runs.demo import DEMO_DIR
    from ..runs.loading import RUNS_ROOT_ENV, list_runs, runs_root

    def skipped(path: str, reason: str) -> None:
        print(f"skipped {path}: {reason}", file=sys.stderr)

    # The app's own rule (aecore.runs.loading.runs_root): a server owner who set AECORE_RUNS_ROOT finds
    # the same runs here as in the app, from any working directory.
    root = args.root or runs_root()
    source = ("--root" if args.root else f"${RUNS_ROOT_ENV}" if os.environ.get(RUNS_ROOT_ENV)
              else f"the default; set ${RUNS_ROOT_ENV} or pass --root to look elsewhere")
    where = f"{os.path.abspath(root)} ({source})"
    runs = list_runs(root, on_skip=skipped)
    if runs:
        print(f"Runs in {where}:\n{runs_table(runs)}")
    else:
        state = "does not exist" if not os.path.isdir(root) else "holds no valid run"
        print(f"No runs: {where} {state}. Train one with: aecore train --dataset "
              f"digits --out {os.path.join(root, 'digits')}")
    if args.demos and os.path.realpath(root) != os.path.realpath(DEMO_DIR):
        demos = list_runs(DEMO_DIR, on_skip=skipped)
        if demos:
            print(f"\nDemo runs shipped with aecore (use their names as RUN in aecore encode):\n"
                  f"{runs_table(demos)}")
    return 0


def _run_dir(name: str) -> str:
    """The run directory a ``RUN`` argument names: a folder, or a shipped demo run's name."""
    from ..runs.demo import DEMO_DIR, DEMOS

    if os.path.isdir(name):
        return name
    if name in DEMOS and (DEMO_DIR / name).is_dir():
        return str(DEMO_DIR / name)
    raise UsageError(f"RUN {name!r} is neither a run directory nor a shipped demo run "
                     f"({', '.join(DEMOS)}); check the path (aecore runs lists the runs).")


def encode_command(args) -> int:
    """``aecore encode RUN DATA --out FILE``: codes (and reconstruction errors) of new data."""
    from ..runs import encoding
    from ..runs.format import read_run_info

    # The command line first (exit status 2), before any data are read or TensorFlow imported.
    run_dir = _run_dir(args.run)
    source, name = _dataset_source(args.data, option="DATA")
    try:
        fmt = encoding.output_format(args.out)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if os.path.exists(args.out) and not args.overwrite:
        raise UsageError(f"--out {args.out!r} already exists; choose another file or pass --overwrite.")
    if os.path.isdir(args.out):
        raise UsageError(f"--out {args.out!r} is a folder; give a file name ending in {fmt}.")
    info = read_run_info(run_dir)  # A damaged run is a failure (1), not a usage error.
    dataset = _read_dataset(source, name, args, image_shape=info.image_shape)
    notes = encoding.check_fits(dataset, n_features=info.n_features, image_shape=info.image_shape,
                                scaling=info.scaling, model_name=f"the run {info.name!r}")
    from ..runs.loading import load_run

    reducer, _ = load_run(run_dir, budget=_budget(args))
    encoded = encoding.encode(reducer, dataset.X, budget=_budget(args))
    payload = encoding.codes_bytes(encoded, fmt, labels=dataset.y)
    _write_atomically(args.out, payload)
    for note in notes + encoded.notes:
        print(f"note: {note}", file=sys.stderr)
    test_mse = info.metrics.get("test_mse")
    compare = f" (the run's held-out MSE: {test_mse:.4g})" if isinstance(test_mse, float) else ""
    print(f"encoded {len(encoded.codes)} row(s) of {args.data} with {info.name} -> {args.out}: codes "
          f"{encoded.codes.shape[0]} x {encoded.codes.shape[1]}, mean reconstruction error "
          f"{float(encoded.errors.mean()) if len(encoded.errors) else float('nan'):.4g}{compare}")
    return 0


def export_command(args) -> int:
    """``aecore export RUN --projector OUT_DIR``: the run's codes in the Embedding Projector's
    format (with a sprite of the images) and as Parquet."""
    from ..runs import encoding, projector
    from ..runs.format import read_run_info

    run_dir = _run_dir(args.run)
    try:
        projector.check_folder(args.projector, args.overwrite)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    info = read_run_info(run_dir)
    data_name = args.data or info.dataset
    if args.data is None and info.dataset not in BUILTIN_DATASETS:
        raise UsageError(f"The run {info.name!r} was trained on {info.dataset!r}, not a built-in dataset; "
                         "say which data to encode with --data PATH.")
    source, name = _dataset_source(data_name, option="--data")
    dataset = _read_dataset(source, name, args, image_shape=info.image_shape)
    encoding.check_fits(dataset, n_features=info.n_features, image_shape=info.image_shape,
                        scaling=info.scaling, model_name=f"the run {info.name!r}")
    rows = projector.choose_rows(len(dataset.X), args.max_rows, seed=args.seed)
    if dataset.image_shape:
        projector.check_sprite(len(rows), dataset.image_shape)  # Before the model is built.
    from ..runs.loading import load_run

    reducer, _ = load_run(run_dir, budget=_budget(args))
    encoded = encoding.encode(reducer, dataset.X[rows], budget=_budget(args))
    images = dataset.X[rows] if dataset.image_shape else None
    files = projector.projector_files(encoded.codes, None if dataset.y is None else dataset.y[rows], rows,
                                      images, dataset.image_shape, dataset.label_names)
    projector.write_projector(args.projector, files, overwrite=args.overwrite)
    print(f"wrote {', '.join(sorted(files))} to {args.projector}: {len(rows)} of {len(dataset.X)} row(s) of "
          f"{data_name} through {info.name}. Open them at https://projector.tensorflow.org (Load) or "
          "in TensorBoard's Projector tab.")
    return 0


def _read_dataset(source: str, name: str, args, image_shape=None):
    """Load a built-in dataset or read a data file, through the resource budget; a run trained on
    ``image_shape`` images also reads them flattened (:func:`aecore.runs.encoding.read_data`)."""
    from ..data import datasets as data
    from ..runs import encoding

    if source == "builtin":
        return data.load_dataset(name)
    if source == "stream":
        raise ValueError(f"{name!r} is larger than {MAX_UPLOAD_BYTES // 2**20} MB; encode it in parts "
                         "of at most that size.")
    with open(name, "rb") as f:
        return encoding.read_data(f.read(), os.path.basename(name), image_shape=image_shape,
                                  label_column=args.label_column, budget=_budget(args))


def _write_atomically(path: str, payload: bytes) -> None:
    """Write a file through a temporary sibling, so an interrupted write leaves no partial file."""
    import tempfile

    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    handle, staging = tempfile.mkstemp(prefix=".aecore-", dir=folder)
    try:
        with os.fdopen(handle, "wb") as f:
            f.write(payload)
        os.replace(staging, path)
    finally:
        if os.path.exists(staging):
            os.remove(staging)
