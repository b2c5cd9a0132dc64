"""The commands that start another program with the rest of the command line: ``aecore app`` (the
dashboard, ``streamlit run`` on the installed package's script) and ``aecore bench`` (the benchmarks of a
checkout). Neither imports what it starts: the library never imports the app."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

from .commands import UsageError

#: The app's package and its script, shipped in the same distribution as aecore (``pip install ".[app]"``).
APP_PACKAGE = "aecore_app"
APP_SCRIPT = "app.py"


def app_script() -> Path:
    """Where the installed app's script is; :class:`UsageError` saying what to install when Streamlit
    or the app is missing."""
    if importlib.util.find_spec("streamlit") is None:
        raise UsageError("the dashboard needs Streamlit, which is not installed here; install the app "
                         "extra: pip install \"autoencoder-lab[app]\" (or pip install \".[app]\" in a "
                         "checkout), then run aecore app again.")
    spec = importlib.util.find_spec(APP_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise UsageError(f"the app's package {APP_PACKAGE!r} is not installed beside aecore; reinstall "
                         "Autoencoder Lab with its app extra (pip install \"autoencoder-lab[app]\").")
    return Path(next(iter(spec.submodule_search_locations))) / APP_SCRIPT


def app_command(argv: list[str]) -> int:
    """``aecore app [streamlit run options]``: the dashboard in this terminal, on the offline default
    data. The runs folder stays the current directory's ``runs/`` (or ``$AECORE_RUNS_ROOT``), as in a
    checkout; Streamlit reads the app's settings beside its script."""
    command = [sys.executable, "-m", "streamlit", "run", str(app_script()), *argv]
    if os.name == "posix":
        # Become the server rather than its parent: a SIGTERM to `aecore app` (a service manager, a
        # test's terminate()) then stops Streamlit itself instead of leaving it running orphaned.
        os.execv(sys.executable, command)
    return subprocess.call(command)


def bench_command(argv: list[str]) -> int:
    """``aecore bench``: run ``python -m bench.run`` with the options, in its own process.

    The benchmarks are not part of the library: they live in the repository's bench/ folder.
    """
    try:
        found = importlib.util.find_spec("bench.run") is not None
    except ModuleNotFoundError:
        found = False
    if not found:
        raise UsageError(
            "The benchmarks live in the bench/ folder of the Autoencoder Lab repository, which is "
            f"not importable from here ({os.getcwd()}); cd to the repository root and run "
            "python -m aecore bench again.")
    return subprocess.call([sys.executable, "-m", "bench.run", *argv])
