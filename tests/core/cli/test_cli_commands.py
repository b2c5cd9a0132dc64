"""The command line: aecore (python -m aecore) train / runs / bench. Its conventions (version,
exit statuses, early errors, quiet TensorFlow) and ``encode``: test_cli_conventions.py."""

import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from aecore.cli import parser as cli
from aecore.runs.format import read_run_info
from aecore.runs.loading import load_codes, load_run

from tests.builders import ROOT

TINY = ["--n-components", "3", "--hidden-units", "16", "--epochs", "2", "--batch-size", "64",
        "--seed", "0"]


def _env():
    return {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3"}


def test_help_documents_every_option_without_importing_tensorflow():
    code = ("import sys\nfrom aecore.cli.parser import main\n"
            "for argv in (['--help'], ['train', '--help'], ['runs', '--help']):\n"
            "    assert main(argv) == 0\n"
            "print('HEAVY', sorted(m for m in ('tensorflow', 'keras') if m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=_env(),
                         cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "HEAVY []" in out.stdout
    for option in ("--dataset", "--kind", "--n-components", "--epochs", "--batch-size",
                   "--learning-rate", "--hidden-units", "--preset", "--seed", "--out",
                   "--strategy", "--test-fraction", "--stream", "--root", "mnist_sample"):
        assert option in out.stdout, option


def test_python_dash_m_aecore_runs(tmp_path):
    out = subprocess.run([sys.executable, "-m", "aecore", "runs", "--root", str(tmp_path / "none")],
                         capture_output=True, text=True, env=_env(), cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "No runs" in out.stdout


@pytest.mark.slow
def test_train_writes_a_run_with_pca_metrics_and_lists_it(tmp_path, capsys, digits):
    out = tmp_path / "runs" / "digits-k3"
    assert cli.main(["train", "--dataset", "digits", *TINY, "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert "saved" in captured.out and "vs PCA" in captured.out
    assert "epoch" in captured.err  # The tqdm bar, one tick per epoch.
    reducer, info = load_run(out)
    assert info.dataset == "digits" and info.n_components == 3 and reducer.n_epochs_ == 2
    metrics = info.metrics
    assert metrics["n_train"] + metrics["n_test"] == 1797 and metrics["n_test"] == 360
    assert metrics["test_mse"] > 0 and metrics["pca_test_mse"] > 0
    assert metrics["mse_ratio"] == pytest.approx(metrics["test_mse"] / metrics["pca_test_mse"])
    np.testing.assert_array_equal(load_codes(out), reducer.transform(digits.X))

    assert cli.main(["runs", "--root", str(tmp_path / "runs")]) == 0
    table = capsys.readouterr().out
    assert "digits-k3" in table and "test MSE" in table and "dense" in table


@pytest.mark.slow
def test_train_from_a_csv_path_with_a_preset(tmp_path, capsys, rng):
    frame = pd.DataFrame(rng.normal(size=(120, 6)), columns=list("abcdef"))
    frame["label"] = rng.integers(0, 2, size=120)
    path = tmp_path / "table.csv"
    frame.to_csv(path, index=False)
    out = tmp_path / "run"
    assert cli.main(["train", "--dataset", str(path), "--label-column", "label", "--preset",
                     "seed003_tabular", "--n-components", "2", "--epochs", "2", "--quiet",
                     "--out", str(out)]) == 0
    info = read_run_info(out)
    assert info.dataset == "table" and info.n_features == 6
    assert info.config.hidden_units == (64, 32) and info.config.batch_size == 64  # From the preset.


def test_train_streams_a_npy_file(tmp_path, capsys, digits):
    path = tmp_path / "rows.npy"
    np.save(path, digits.X[:400])
    out = tmp_path / "run"
    assert cli.main(["train", "--dataset", str(path), "--stream", *TINY, "--quiet",
                     "--out", str(out)]) == 0
    info = read_run_info(out)
    assert info.metrics["n_train"] == 320 and info.metrics["n_test"] == 80
    assert load_codes(out).shape == (400, 3)


def test_unknown_dataset_is_a_clear_error(tmp_path, capsys):
    assert cli.main(["train", "--dataset", "nope", "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert "'nope' is neither a built-in dataset" in err and "mnist_sample" in err


def test_existing_out_fails_before_training(tmp_path, capsys):
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "file.txt").write_text("x")
    assert cli.main(["train", "--dataset", "digits", "--out", str(tmp_path / "taken")]) == 2
    assert "already exists" in capsys.readouterr().err


def test_stream_needs_a_npy_file(tmp_path, capsys):
    path = tmp_path / "t.csv"
    path.write_text("a,b\n1,2\n")
    assert cli.main(["train", "--dataset", str(path), "--stream"]) == 2
    assert "--stream reads .npy files only" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["--hidden-units", "512,x"], ["--test-fraction", "1.5"],
                                  ["--strategy", "teleport"]])
def test_bad_options_are_rejected_by_the_parser(argv, capsys):
    assert cli.main(["train", "--dataset", "digits", *argv]) == 2
    assert argv[0] in capsys.readouterr().err


def test_multi_worker_without_tf_config_is_a_clear_error(monkeypatch, capsys):
    monkeypatch.delenv("TF_CONFIG", raising=False)
    assert cli.main(["train", "--dataset", "digits", "--strategy", "multi-worker"]) == 2
    assert "TF_CONFIG" in capsys.readouterr().err


def test_bench_delegates_to_bench_run_in_its_own_process(monkeypatch):
    import subprocess

    seen = []
    monkeypatch.setattr(subprocess, "call", lambda command: seen.append(command) or 0)
    assert cli.main(["bench", "--quick", "--only", "speed"]) == 0
    assert seen == [[sys.executable, "-m", "bench.run", "--quick", "--only", "speed"]]


class _Replaced(Exception):
    """Stands for os.execv's never returning: this process would have become Streamlit."""


def test_app_runs_streamlit_on_the_installed_apps_script(monkeypatch):
    import os
    import subprocess

    from tests.builders import ROOT

    seen = []

    def execv(path, command):
        seen.append(command)
        raise _Replaced

    # Never the real ones: execv would turn this test's process into a Streamlit server.
    monkeypatch.setattr(os, "execv", execv)
    monkeypatch.setattr(subprocess, "call", lambda command: seen.append(command) or 0)
    if os.name == "posix":  # `aecore app` becomes the server (a SIGTERM then stops Streamlit itself)
        with pytest.raises(_Replaced):
            cli.main(["app", "--server.port", "8502"])
    else:
        assert cli.main(["app", "--server.port", "8502"]) == 0
    assert seen == [[sys.executable, "-m", "streamlit", "run", str(ROOT / "aecore_app" / "app.py"),
                     "--server.port", "8502"]]


def test_app_without_streamlit_says_what_to_install(monkeypatch, capsys):
    import importlib.util
    import os
    import subprocess

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "streamlit" else real(name, *a))
    monkeypatch.setattr(subprocess, "call", lambda command: pytest.fail(f"ran {command}"))
    monkeypatch.setattr(os, "execv", lambda path, command: pytest.fail(f"ran {command}"))
    assert cli.main(["app"]) == 2
    assert 'pip install "autoencoder-lab[app]"' in capsys.readouterr().err


def test_the_library_never_imports_the_benchmarks():
    import subprocess

    code = ("import sys, aecore, aecore.cli.parser; aecore.cli.parser.build_parser(); "
            "sys.exit(any(n == 'bench' or n.startswith('bench.') for n in sys.modules))")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_bench_outside_the_repository_is_a_clear_error(monkeypatch, capsys):
    import subprocess

    monkeypatch.setitem(sys.modules, "bench", None)  # As if bench/ were not importable,
    monkeypatch.delitem(sys.modules, "bench.run", raising=False)  # also after another test imported it.
    monkeypatch.setattr(subprocess, "call", lambda command: pytest.fail(f"ran {command}"))
    assert cli.main(["bench", "--quick"]) == 2
    assert "repository root" in capsys.readouterr().err


#: The posts' datasets the command line lists alongside the others.
NEW = ("breast_cancer", "seed003_random", "balls")


def test_the_cli_lists_the_new_datasets():
    out = subprocess.run([sys.executable, "-m", "aecore", "train", "--help"], capture_output=True, text=True,
                         check=True).stdout
    for name in NEW:
        assert name in out
