"""Command line: train a run, list runs, run the benchmarks.

    python -m aecore train --dataset digits --n-components 8 --epochs 20 --out runs/digits-k8
    python -m aecore runs
    python -m aecore bench --quick

Importing this module (and ``python -m aecore --help``) does not import TensorFlow; it is
imported only once a command needs a model.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from typing import Optional

from . import params
from .data import BUILTIN_DATASETS
from .presets import PRESETS, TrainConfig, preset
from .upload_limits import MAX_UPLOAD_BYTES

#: Rows of a streamed file used to measure held-out errors and fit the PCA baseline, at most.
MAX_EVAL_ROWS = 20_000


# --------------------------------------------------------------------------- parsing


def _fraction(text: str) -> float:
    value = float(text)
    if not 0.0 < value < 1.0:
        raise argparse.ArgumentTypeError(f"--test-fraction {text} must be between 0 and 1, e.g. 0.2")
    return value


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not (value > 0 and value != float("inf")):
        raise argparse.ArgumentTypeError(f"{text!r} must be a positive number, e.g. 4")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The ``python -m aecore`` argument parser."""
    parser = argparse.ArgumentParser(
        prog="python -m aecore",
        description="Autoencoder Lab from the command line: train autoencoders into run "
                    "directories, list them, and run the benchmarks.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    train = commands.add_parser(
        "train", help="train an autoencoder and save it as a run directory",
        description="Train an autoencoder and save it as a run directory (config.json, "
                    "model.weights.h5, history.json, metrics.json, codes.npy). Options left out "
                    "come from --preset, else from the kind's defaults.")
    train.add_argument("--dataset", required=True, metavar="NAME_OR_PATH",
                       help="a built-in dataset (" + ", ".join(BUILTIN_DATASETS) + ") or a path to a "
                            ".csv table, a .npy/.npz array or a .zip of PNG/JPEG images")
    train.add_argument("--preset", default=None, choices=sorted(PRESETS), metavar="NAME",
                       help="start from a named preset: " + ", ".join(sorted(PRESETS)))
    # One option per setting declared for the command line in aecore.params.
    params.add_arguments(train)
    train.add_argument("--label-column", default=None, help="CSV column holding labels (kept out "
                       "of the features)")
    train.add_argument("--test-fraction", type=_fraction, default=0.2,
                       help="share of rows held out to measure the test MSE against PCA (default: 0.2)")
    train.add_argument("--out", default=None, metavar="RUN_DIR",
                       help="run directory to write (default: runs/DATASET-KIND-kK-TIME)")
    train.add_argument("--overwrite", action="store_true", help="replace an existing run in --out")
    train.add_argument("--strategy", default="none", choices=["none", "mirrored", "multi-worker"],
                       help="tf.distribute strategy: none (one device), mirrored (all GPUs of this "
                            "machine, or --cpu-devices logical CPUs), multi-worker (machines listed "
                            "in the TF_CONFIG environment variable); default: none")
    train.add_argument("--cpu-devices", type=int, default=None, metavar="N",
                       help="split the CPU into N logical devices (to try --strategy mirrored "
                            "without GPUs)")
    train.add_argument("--stream", action="store_true",
                       help="train straight from a .npy file on disk (memory-mapped, values used as "
                            "stored, the last --test-fraction rows held out); automatic for .npy "
                            f"files over {MAX_UPLOAD_BYTES // 2**20} MB")
    train.add_argument("--quiet", action="store_true", help="no progress bar")
    train.add_argument("--budget-scale", type=_positive, default=1.0, metavar="FACTOR",
                       help="multiply every limit of the resource budget (aecore.budget.Budget) by "
                            "FACTOR on a machine that can afford more (default: 1)")

    runs = commands.add_parser("runs", help="list saved runs as a table",
                               description="List the run directories under --root, newest first; "
                                           "broken folders are reported and skipped.")
    runs.add_argument("--root", default="runs", help="folder holding run directories (default: runs)")

    commands.add_parser("bench", help="run the benchmarks (bench/run.py; from the repository root)",
                        description="Run the benchmark suite; every option is passed on to "
                                    "bench.run (see python -m aecore bench --help).",
                        add_help=False)
    return parser


def main(argv: Optional[list[str]] = None) -> int:
    """Run the command line; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if argv and argv[0] == "bench":
            return bench_command(argv[1:])
        args = build_parser().parse_args(argv)
        if args.command == "train":
            return train_command(args)
        return runs_command(args)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


# --------------------------------------------------------------------------- train


def config_from_args(args) -> TrainConfig:
    """The TrainConfig for parsed ``train`` options: the preset, then explicit options."""
    config = preset(args.preset) if args.preset else TrainConfig()
    changes = {s.name: getattr(args, s.name) for s in params.SETTINGS if s.cli}
    return config.replace(**{k: v for k, v in changes.items() if v is not None})


def _dataset_source(name: str, stream: bool) -> tuple[str, str]:
    """Say how to read ``--dataset``: ("builtin" | "file" | "stream", name or path)."""
    if name in BUILTIN_DATASETS:
        return "builtin", name
    if os.path.isfile(name):
        ext = os.path.splitext(name.lower())[1]
        if ext not in (".csv", ".tsv", ".txt", ".npy", ".npz", ".zip"):
            raise ValueError(f"--dataset {name!r} ends in {ext or '(no extension)'!r}; use a .csv, "
                             ".npy, .npz or .zip file.")
        if ext == ".npy" and (stream or os.path.getsize(name) > MAX_UPLOAD_BYTES):
            return "stream", name
        if stream:
            raise ValueError(f"--stream reads .npy files only; got {name!r}. Save the array with "
                             "np.save or leave out --stream.")
        return "file", name
    raise ValueError(f"--dataset {name!r} is neither a built-in dataset ({', '.join(BUILTIN_DATASETS)}) "
                     "nor an existing .csv/.npy/.npz/.zip file; check the name or the path.")


class EpochBar:
    """A tqdm progress bar, one tick per epoch, showing loss and val_loss."""

    def __init__(self, total: int, disable: bool = False):
        from tqdm import tqdm

        self.bar = tqdm(total=total, unit="epoch", desc="training", file=sys.stderr,
                        disable=disable, dynamic_ncols=True)

    def __call__(self, epoch: int, logs: dict) -> None:
        self.bar.set_postfix({k: f"{logs[k]:.4g}" for k in ("loss", "val_loss") if k in logs},
                             refresh=False)
        self.bar.update(1)

    def close(self) -> None:
        self.bar.close()


def train_command(args) -> int:
    """``python -m aecore train``: train, measure against PCA, save the run."""
    from .run_saving import check_run_dir

    if args.cpu_devices is not None:
        from .distributed import split_cpu

        split_cpu(args.cpu_devices)
    strategy = None
    if args.strategy != "none":
        from .distributed import make_strategy

        # MultiWorkerMirroredStrategy must exist before other TensorFlow work in the process.
        strategy = make_strategy(args.strategy)
    config = config_from_args(args)
    source, name = _dataset_source(args.dataset, args.stream)
    dataset_name = name if source == "builtin" else os.path.splitext(os.path.basename(name))[0]
    out = args.out or os.path.join("runs", f"{dataset_name}-{config.kind}-k{config.n_components}-"
                                           f"{dt.datetime.now():%Y%m%d-%H%M%S}")
    check_run_dir(out, args.overwrite)
    resolved = config.to_reducer().resolved_params()
    bar = EpochBar(int(resolved.get("total_epochs", resolved["epochs"])), disable=args.quiet)
    started = time.perf_counter()
    try:
        if source == "stream":
            reducer, metrics, codes = _train_streamed(name, config, strategy, args, bar)
        else:
            reducer, metrics, codes = _train_in_memory(source, name, config, strategy, args, bar)
    finally:
        bar.close()
    metrics = {**metrics, "train_seconds": round(time.perf_counter() - started, 2),
               "epochs_run": reducer.n_epochs_, "best_epoch": reducer.best_epoch_,
               "stopped_reason": reducer.stopped_reason_, "strategy": args.strategy,
               "replicas": 1 if strategy is None else int(strategy.num_replicas_in_sync)}
    from .distributed import is_chief

    if args.strategy == "multi-worker" and not is_chief():
        print(f"worker finished after {reducer.n_epochs_} epoch(s); the chief writes the run.")
        return 0
    from .run_saving import save_run

    save_run(out, reducer, config, dataset_name, metrics=metrics, codes=codes,
             overwrite=args.overwrite)
    print(f"saved {out}: test MSE {metrics['test_mse']:.5g} vs PCA {metrics['pca_test_mse']:.5g} at "
          f"{config.n_components} components (AE/PCA {metrics['mse_ratio']:.3f}); "
          f"{reducer.n_epochs_} epoch(s), best {reducer.best_epoch_} ({reducer.stopped_reason_}), "
          f"{metrics['train_seconds']:.1f} s")
    return 0


def _budget(args):
    """The resource budget of this command: the default one, scaled by ``--budget-scale``."""
    from .budget import Budget

    return Budget.default().scaled(args.budget_scale)


def _train_in_memory(source: str, name: str, config: TrainConfig, strategy, args, bar):
    """Load a dataset into memory, hold out a test split, train, and measure it against PCA."""
    import numpy as np

    from . import data, uploads
    from .metrics import pca_baseline, reconstruction_mse

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
        reducer.set_params(budget=_budget(args)).fit(X_train, progress=bar)
    else:
        import tempfile

        from .distributed import fit_streaming

        # The distributed path always streams from disk; a small dataset takes a detour through
        # a temporary .npy file so that there is only one distributed training loop.
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "train.npy")
            np.save(path, X_train)
            reducer = fit_streaming(path, config, strategy, image_shape=dataset.image_shape,
                                    progress=bar, budget=_budget(args))
    bar.close()  # Before measuring, so the bar's clock shows the training time only.
    test_mse = reconstruction_mse(X_test, reducer.reconstruct(X_test))
    pca = pca_baseline(X_train, config.n_components, X_test, random_state=config.random_state or 0)
    return reducer, _quality(test_mse, pca.mse, len(X_train), len(X_test)), reducer.transform(dataset.X)


def _train_streamed(path: str, config: TrainConfig, strategy, args, bar):
    """Train from a memory-mapped .npy; the last rows are the test set."""
    import numpy as np

    from .distributed import fit_streaming, open_npy
    from .metrics import pca_baseline, reconstruction_mse

    rows, _ = open_npy(path)
    n = rows.shape[0]
    n_test = max(1, int(round(n * args.test_fraction)))
    reducer = fit_streaming(path, config, strategy, rows=(0, n - n_test), progress=bar,
                            budget=_budget(args))
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
    """A plain-text table of :class:`~aecore.run_format.RunInfo` rows."""
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
    """``python -m aecore runs``: list the runs under ``--root``."""
    from .runs import list_runs

    def skipped(path: str, reason: str) -> None:
        print(f"skipped {path}: {reason}", file=sys.stderr)

    runs = list_runs(args.root, on_skip=skipped)
    if not runs:
        where = "does not exist" if not os.path.isdir(args.root) else "holds no valid run"
        print(f"No runs: {args.root!r} {where}. Train one with: python -m aecore train --dataset "
              f"digits --out {os.path.join(args.root, 'digits')}")
        return 0
    print(runs_table(runs))
    return 0


def bench_command(argv: list[str]) -> int:
    """``python -m aecore bench``: run ``python -m bench.run`` with the options, in its own process.

    The benchmarks are not part of the library: they live in the repository's bench/ folder.
    """
    import importlib.util
    import subprocess

    try:
        found = importlib.util.find_spec("bench.run") is not None
    except ModuleNotFoundError:
        found = False
    if not found:
        raise ValueError(
            "The benchmarks live in the bench/ folder of the Autoencoder Lab repository, which is "
            f"not importable from here ({os.getcwd()}); cd to the repository root and run "
            "python -m aecore bench again.")
    return subprocess.call([sys.executable, "-m", "bench.run", *argv])
