"""Command line: start the dashboard, train a run, encode new data with it, export it for the
Embedding Projector, list runs, run the benchmarks.

    aecore app

    aecore train --dataset digits --n-components 8 --epochs 20 --out runs/digits-k8
    aecore encode runs/digits-k8 new_digits.npy --out codes.csv
    aecore export runs/digits-k8 --projector projector/
    aecore runs
    aecore bench --quick

``python -m aecore`` is the same command. Every option is typed and bounded, so a bad value fails
in the parser, before TensorFlow is imported: importing this module (and ``--help``, ``--version``
or any usage error) imports neither TensorFlow nor scikit-learn. TensorFlow's C++ log lines are
hidden unless ``--verbose`` is given.

Exit status: 0 done, 2 the command line is wrong (an unknown option or value, a missing file, an
output that exists), 1 the work failed (data a model cannot take, a damaged run, the resource
budget), 130 interrupted (Ctrl+C).
"""

from __future__ import annotations

import argparse
import os
import sys
from contextlib import contextmanager
from typing import Iterator, Optional

from .. import __version__, params
from . import options as cli_options
from .commands import (
    UsageError,
    encode_command,
    export_command,
    runs_command,
    train_command,
)
from .launch import app_command, bench_command
from ..data.datasets import BUILTIN_DATASETS
from ..presets import PRESETS
from ..data.upload_limits import MAX_UPLOAD_BYTES

#: Exit statuses.
EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


# --------------------------------------------------------------------------- parsing


class Parser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose errors are the message and where to read more, not the usage.

    argparse prints the whole usage (twenty lines for ``train``) before the one line that says
    what was wrong; a person then has to search for it.
    """

    def error(self, message: str):
        # "argument --epochs: --epochs -1 must be ..." says the option twice; keep the second.
        head, _, rest = message.partition(": ")
        if head.startswith("argument ") and rest.startswith(head[len("argument "):].split("/")[0]):
            message = rest
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\nsee `{self.prog} --help`\n")


def _number(kind: type, option: str, low: float, high: float, example: str, *, low_open: bool = False):
    """An argparse ``type`` for a number of ``kind`` within ``low``..``high`` (``low_open``: > low)."""

    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{option} {text!r} is not {'a whole number' if kind is int else 'a number'}; "
                f"e.g. {option} {example}") from None
        if not (value > low if low_open else value >= low) or not value <= high:
            low_text, high_text = params.number_text(low), params.number_text(high)
            interval = (f"above {low_text} and at most {high_text}" if low_open
                        else f"from {low_text} to {high_text}")
            raise argparse.ArgumentTypeError(f"{option} {text} must be {interval}; e.g. "
                                             f"{option} {example}")
        return value

    parse.__name__ = option  # argparse names the type in some messages.
    return parse


def _short_text(option: str, limit: int = 200):
    def parse(text: str) -> str:
        if not text or len(text) > limit:
            raise argparse.ArgumentTypeError(f"{option} must be 1-{limit} characters; got "
                                             f"{len(text)}.")
        return text

    parse.__name__ = option
    return parse


def _common(verbose_only: bool = False) -> argparse.ArgumentParser:
    """Options every command has: ``--verbose`` (and ``--quiet``, ``--budget-scale``)."""
    common = Parser(add_help=False)
    common.add_argument("--verbose", action="store_true",
                        help="show TensorFlow's own log lines (hidden by default)")
    if not verbose_only:
        common.add_argument("--quiet", action="store_true", help="no progress bar")
        common.add_argument("--budget-scale", type=_number(float, "--budget-scale", 0, 1000, "4",
                                                           low_open=True),
                            default=1.0, metavar="FACTOR",
                            help="multiply every limit of the resource budget (aecore.budget.Budget) "
                                 "by FACTOR on a machine that can afford more (default: 1; at most "
                                 "1000)")
    return common


def build_parser() -> argparse.ArgumentParser:
    """The ``aecore`` (``python -m aecore``) argument parser."""
    parser = Parser(
        prog="aecore",
        description="Autoencoder Lab from the command line: start the dashboard, train autoencoders into run "
                    "directories, encode new data with them, export them for the Embedding Projector, "
                    "list them, and run the benchmarks.",
        epilog="Exit status: 0 done, 2 usage error, 1 failure, 130 interrupted.")
    parser.add_argument("--version", action="version",
                        version=f"aecore {__version__} (Autoencoder Lab)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    common = _common()

    commands.add_parser("app", help="start the dashboard (streamlit run on the installed app; options "
                                    "go to streamlit run, e.g. --server.port 8502)",
                        description="Start Autoencoder Lab in the browser; every option is passed "
                                    "on to streamlit run.", add_help=False)

    train = commands.add_parser(
        "train", parents=[common], help="train an autoencoder and save it as a run directory",
        description="Train an autoencoder and save it as a run directory (config.json, "
                    "model.weights.h5, history.json, metrics.json, codes.npy). Options left out "
                    "come from --preset, else from the kind's defaults.")
    train.add_argument("--dataset", required=True, metavar="NAME_OR_PATH",
                       help="a built-in dataset (" + ", ".join(BUILTIN_DATASETS) + ") or a path to a "
                            ".csv table, a .npy/.npz array or a .zip of PNG/JPEG images")
    train.add_argument("--preset", default=None, choices=sorted(PRESETS), metavar="NAME",
                       help="start from a named preset: " + ", ".join(sorted(PRESETS)))
    # One option per setting declared for the command line in aecore.params.
    cli_options.add_arguments(train)
    train.add_argument("--label-column", default=None, type=_short_text("--label-column"),
                       help="CSV column holding labels (kept out of the features)")
    train.add_argument("--test-fraction", type=_number(float, "--test-fraction", 0, 0.9, "0.2",
                                                       low_open=True), default=0.2,
                       help="share of rows held out to measure the test MSE against PCA, in (0, 0.9] "
                            "(default: 0.2)")
    train.add_argument("--out", default=None, metavar="RUN_DIR",
                       help="run directory to write (default: DATASET-KIND-kK-TIME in $AECORE_RUNS_ROOT "
                            "when set, else in ./runs)")
    train.add_argument("--overwrite", action="store_true", help="replace an existing run in --out")
    train.add_argument("--strategy", default="none", choices=["none", "mirrored", "multi-worker"],
                       help="tf.distribute strategy: none (one device), mirrored (all GPUs of this "
                            "machine, or --cpu-devices logical CPUs), multi-worker (machines listed "
                            "in the TF_CONFIG environment variable); default: none")
    train.add_argument("--cpu-devices", type=_number(int, "--cpu-devices", 1, 64, "2"), default=None,
                       metavar="N", help="split the CPU into N logical devices, 1-64 (to try "
                                         "--strategy mirrored without GPUs)")
    train.add_argument("--stream", action="store_true",
                       help="train straight from a .npy file on disk (memory-mapped, values used as "
                            "stored, the last --test-fraction rows held out); automatic for .npy "
                            f"files over {MAX_UPLOAD_BYTES // 2**20} MB")

    encode = commands.add_parser(
        "encode", parents=[common], help="encode new data with a trained run",
        description="Encode new data with a trained run: the codes (and, in .csv and .parquet, each "
                    "row's reconstruction error and label). The data must have the run's number of "
                    "features, its image size and the same scaling as its training data.")
    encode.add_argument("run", metavar="RUN",
                        help="a run directory (aecore train --out ...), or the name of a shipped "
                             "demo run (aecore runs lists them)")
    encode.add_argument("data", metavar="DATA",
                        help="a built-in dataset (" + ", ".join(BUILTIN_DATASETS) + ") or a path to "
                             "a .csv, .npy, .npz or .zip of images")
    encode.add_argument("--out", required=True, metavar="FILE",
                        help="where to write the codes: a .npy (codes only), .csv or .parquet file")
    encode.add_argument("--label-column", default=None, type=_short_text("--label-column"),
                        help="CSV column holding labels (kept out of the features, written out)")
    encode.add_argument("--overwrite", action="store_true", help="replace an existing --out file")

    export = commands.add_parser(
        "export", parents=[common], help="export a run's codes for TensorBoard's Embedding Projector",
        description="Write a run's codes in the Embedding Projector's format (tensors.tsv, "
                    "metadata.tsv, sprite.png for images, projector_config.pbtxt) and as "
                    "codes.parquet. Open the folder's files at https://projector.tensorflow.org "
                    "(Load) or in TensorBoard.")
    export.add_argument("run", metavar="RUN", help="a run directory or a shipped demo run's name")
    export.add_argument("--projector", required=True, metavar="OUT_DIR",
                        help="folder to write the files into")
    export.add_argument("--data", default=None, metavar="NAME_OR_PATH",
                        help="the data to encode (default: the run's built-in dataset)")
    export.add_argument("--label-column", default=None, type=_short_text("--label-column"),
                        help="CSV column holding labels")
    export.add_argument("--max-rows", type=_number(int, "--max-rows", 1, 100_000, "10000"),
                        default=10_000, help="export a seeded random sample of at most this many rows, "
                                             "1-100000 (default: 10000)")
    export.add_argument("--seed", type=_number(int, "--seed", 0, 2**31 - 1, "0"), default=0,
                        help="seed of that sample (default: 0)")
    export.add_argument("--overwrite", action="store_true", help="replace files already in OUT_DIR")

    runs = commands.add_parser("runs", parents=[_common(verbose_only=True)],
                               help="list saved runs and the shipped demo runs as a table",
                               description="List the run directories under --root, newest first, "
                                           "then the demo runs shipped with aecore; broken folders "
                                           "are reported and skipped.")
    runs.add_argument("--root", default=None,
                      help="folder holding run directories (default: $AECORE_RUNS_ROOT when set, as "
                           "for the app, else ./runs)")
    runs.add_argument("--no-demos", dest="demos", action="store_false",
                      help="leave out the demo runs shipped with aecore")

    commands.add_parser("bench", help="run the benchmarks (bench/run.py; from the repository root)",
                        description="Run the benchmark suite; every option is passed on to "
                                    "bench.run (see aecore bench --help).",
                        add_help=False)
    return parser


def _quiet_tensorflow(verbose: bool) -> None:
    """Ask TensorFlow's C++ logging for errors only unless ``--verbose``; an explicit
    ``TF_CPP_MIN_LOG_LEVEL`` in the environment wins. Must run before TensorFlow is imported."""
    if verbose:
        os.environ["TF_CPP_MIN_LOG_LEVEL"] = "0"
    else:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


@contextmanager
def _native_stderr_silenced(silence: bool) -> Iterator[None]:
    """Send what native libraries write to file descriptor 2 to /dev/null for the ``with`` block,
    while Python's ``sys.stderr`` (our messages, the progress bar, tracebacks) still reaches the
    terminal through a copy of the descriptor.

    ``TF_CPP_MIN_LOG_LEVEL`` is not enough: on CPUs where oneDNN is on (e.g. with AVX-512),
    TensorFlow prints "oneDNN custom operations are on" before its logging reads the variable, so
    a quiet command was quiet on one machine and not on the next.
    """
    if not silence:
        yield
        return
    try:
        sys.stderr.flush()
        python_uses_fd2 = sys.stderr.fileno() == 2
    except (AttributeError, OSError, ValueError):  # replaced by a capture (pytest, a notebook)
        python_uses_fd2 = False
    saved = os.dup(2)
    try:
        original = sys.stderr
        if python_uses_fd2:
            sys.stderr = open(os.dup(saved), "w", buffering=1, encoding=original.encoding,
                              errors=original.errors)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.close(devnull)
        try:
            yield
        finally:
            if sys.stderr is not original:
                sys.stderr.close()
                sys.stderr = original
            os.dup2(saved, 2)
    finally:
        os.close(saved)


def main(argv: Optional[list[str]] = None) -> int:
    """Run the command line; returns the exit status (0 done, 2 usage, 1 failure, 130
    interrupted)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if argv and argv[0] == "bench":
            return bench_command(argv[1:])
        if argv and argv[0] == "app":
            return app_command(argv[1:])
        try:
            args = build_parser().parse_args(argv)
        except SystemExit as exc:  # --help and --version (0), usage errors (2)
            return exc.code if isinstance(exc.code, int) else EXIT_USAGE
        verbose = getattr(args, "verbose", False)
        _quiet_tensorflow(verbose)
        with _native_stderr_silenced(not verbose):
            if args.command == "train":
                return train_command(args)
            if args.command == "encode":
                return encode_command(args)
            if args.command == "export":
                return export_command(args)
            return runs_command(args)
    except UsageError as exc:
        print(f"aecore: usage error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (ValueError, OSError) as exc:
        print(f"aecore: error: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        print("aecore: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
