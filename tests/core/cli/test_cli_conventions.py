"""The command line follows the conventions: ``--version``, typed and bounded options that fail
before TensorFlow is imported, quiet TensorFlow unless ``--verbose``, exit statuses 0 / 2 / 1 / 130,
``runs`` listing the shipped demo runs, ``encode`` for new data and ``export`` for the Projector."""

import json
import os
import signal
import subprocess
import sys
import threading
import time
import tomllib

import numpy as np
import pandas as pd
import pytest

import aecore
from aecore.cli import parser as cli
from aecore.runs.loading import load_run

from tests.builders import ROOT

TINY = ["--n-components", "3", "--hidden-units", "16", "--epochs", "2", "--batch-size", "64", "--seed", "0"]

#: Bad command lines and a word each error must name. Every one must fail with status 2 before
#: TensorFlow (or scikit-learn, which the parser does not need) is imported.
BAD = [
    (["train", "--dataset", "digits", "--kind", "bogus"], "--kind"),
    (["train", "--dataset", "digits", "--n-components", "-3"], "--n-components -3 must be"),
    (["train", "--dataset", "digits", "--n-components", "abc"], "--n-components abc must be"),
    (["train", "--dataset", "digits", "--test-fraction", "abc"], "--test-fraction 'abc' is not a number"),
    (["train", "--dataset", "digits", "--test-fraction", "0.95"], "--test-fraction"),
    (["train", "--dataset", "digits", "--epochs", "0"], "--epochs 0 must be"),
    (["train", "--dataset", "digits", "--learning-rate", "-1"], "--learning-rate -1 must be"),
    (["train", "--dataset", "digits", "--batch-size", "1e9"], "--batch-size 1e9 must be"),
    (["train", "--dataset", "digits", "--hidden-units", "512,x"], "--hidden-units 512,x must be"),
    (["train", "--dataset", "digits", "--budget-scale", "0"], "--budget-scale"),
    (["train", "--dataset", "digits", "--cpu-devices", "0"], "--cpu-devices"),
    (["train", "--dataset", "digits", "--strategy", "teleport"], "--strategy"),
    (["train", "--dataset", "digits", "--preset", "nope"], "--preset"),
    (["train", "--dataset", "nope"], "'nope' is neither a built-in dataset"),
    (["train"], "--dataset"),
    (["teleport"], "invalid choice"),
    (["encode", "mnist-recommended", "digits"], "--out"),
    (["encode", "no-such-run", "digits", "--out", "c.npy"], "RUN 'no-such-run'"),
    (["encode", "mnist-recommended", "no-such-file.npy", "--out", "c.npy"], "DATA 'no-such-file.npy'"),
    (["encode", "mnist-recommended", "digits", "--out", "codes.txt"], "must end in .npy, .csv, .parquet"),
    (["runs", "--colour", "red"], "unrecognized arguments"),
    (["export", "mnist-recommended"], "--projector"),
    (["export", "mnist-recommended", "--projector", "p", "--max-rows", "0"], "--max-rows"),
    (["export", "mnist-recommended", "--projector", "p", "--data", "nope"], "--data 'nope'"),
]


def _env(**extra):
    env = {**os.environ, "PYTHONPATH": str(ROOT), **extra}
    return env


def test_version_comes_from_pyproject(capsys):
    with open(ROOT / "pyproject.toml", "rb") as f:
        version = tomllib.load(f)["project"]["version"]
    assert aecore.__version__ == version
    assert cli.main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"aecore {version} (Autoencoder Lab)"


def test_bad_values_fail_with_status_2_before_tensorflow_is_imported(tmp_path):
    """Each case runs in one fresh process; after all of them TensorFlow, Keras and scikit-learn
    are still not imported, and each answered at once (the seconds are printed, not asserted)."""
    code = (
        "import json, sys, time\n"
        "from aecore.cli.parser import main\n"
        f"cases = {json.dumps([argv for argv, _ in BAD])}\n"
        "results = []\n"
        "for argv in cases:\n"
        "    started = time.perf_counter()\n"
        "    status = main(argv)\n"
        "    results.append([status, round(time.perf_counter() - started, 3)])\n"
        "heavy = sorted(m for m in ('tensorflow', 'keras', 'sklearn') if m in sys.modules)\n"
        "print('RESULT ' + json.dumps({'results': results, 'heavy': heavy}))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=_env(),
                         cwd=tmp_path, timeout=300)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.split("RESULT ", 1)[1])
    assert result["heavy"] == [], result["heavy"]
    print("seconds per bad command line:", [seconds for _, seconds in result["results"]])
    for (argv, word), (status, _) in zip(BAD, result["results"]):
        assert status == 2, (argv, status)
        assert word in out.stderr, (argv, word)
    assert "Traceback" not in out.stderr


#: What TensorFlow prints on CPUs where oneDNN is on, straight to file descriptor 2 while it is
#: imported (before TF_CPP_MIN_LOG_LEVEL applies). A sitecustomize prints it on every machine, so
#: the quiet test does not depend on this machine's instruction set.
NATIVE_LINE = "I0000 port.cc:153] oneDNN custom operations are on (simulated native log line)"
SITECUSTOMIZE = f"""
import importlib.abc, os, sys

class _NativeLogOnImport(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "tensorflow":
            os.write(2, {(NATIVE_LINE + chr(10)).encode()!r})
        return None

sys.meta_path.insert(0, _NativeLogOnImport())
"""


@pytest.mark.slow
def test_tensorflow_logs_are_quiet_unless_verbose(tmp_path):
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "sitecustomize.py").write_text(SITECUSTOMIZE)
    env = _env(PYTHONPATH=os.pathsep.join([str(tmp_path / "site"), str(ROOT)]))
    env.pop("TF_CPP_MIN_LOG_LEVEL", None)
    quiet = subprocess.run([sys.executable, "-m", "aecore", "train", "--dataset", "digits", *TINY,
                            "--out", str(tmp_path / "quiet")],
                           capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
    assert quiet.returncode == 0, quiet.stderr
    assert NATIVE_LINE not in quiet.stderr and "I0000" not in quiet.stderr, quiet.stderr
    assert "training" in quiet.stderr, quiet.stderr  # Python's own stderr (the bar) still shows.
    verbose = subprocess.run([sys.executable, "-m", "aecore", "train", "--dataset", "digits", *TINY,
                              "--quiet", "--verbose", "--out", str(tmp_path / "verbose")],
                             capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
    assert verbose.returncode == 0, verbose.stderr
    assert NATIVE_LINE in verbose.stderr, verbose.stderr


@pytest.mark.slow
def test_an_error_still_reaches_the_terminal_when_native_logs_are_silenced(tmp_path):
    (tmp_path / "empty.csv").write_text("")
    out = subprocess.run([sys.executable, "-m", "aecore", "train", "--dataset", str(tmp_path / "empty.csv"),
                          *TINY, "--out", str(tmp_path / "run")],
                         capture_output=True, text=True, env=_env(), cwd=ROOT, timeout=300)
    assert out.returncode == 1, out.stderr
    assert "aecore: error:" in out.stderr, out.stderr


#: A training that cannot finish before the signal, whatever the machine: 3,000 epochs of
#: 256-256 layers in batches of 16 (about 270,000 steps; the budget allows 300,000).
ENDLESS = ["--dataset", "digits", "--n-components", "3", "--hidden-units", "256,256", "--epochs", "3000",
           "--batch-size", "16", "--no-early-stopping"]


@pytest.mark.slow
def test_ctrl_c_during_training_exits_130_and_writes_no_run(tmp_path):
    out_dir = tmp_path / "run"
    process = subprocess.Popen(
        [sys.executable, "-m", "aecore", "train", *ENDLESS, "--out", str(out_dir)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env(TF_CPP_MIN_LOG_LEVEL="3"), cwd=ROOT)
    seen = []

    def read():  # The progress bar redraws with \r: read what comes, not lines.
        while chunk := process.stderr.read1(256):
            seen.append(chunk.decode(errors="replace"))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    deadline = time.monotonic() + 240
    try:
        while "val_loss" not in "".join(seen):  # An epoch is done: training is under way.
            assert process.poll() is None, "".join(seen)[-2000:]
            assert time.monotonic() < deadline, "training never started: " + "".join(seen)[-2000:]
            time.sleep(0.05)
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=120) == 130
    finally:
        process.kill()
    reader.join(timeout=10)
    err = "".join(seen)
    assert "interrupted" in err and "Traceback" not in err, err[-2000:]
    assert not out_dir.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".aecore-run-")]


def _interrupt_self(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGINT)


class _InterruptsWhenCollected:
    """Sends the signal from a finaliser, as when Ctrl+C lands while TensorFlow frees an object:
    a KeyboardInterrupt raised there is printed and dropped by Python."""

    def __del__(self):
        _interrupt_self()


@pytest.mark.slow
@pytest.mark.parametrize("phase", ["loading the data", "an epoch's end", "a finaliser", "measuring against PCA"])
def test_ctrl_c_in_any_phase_exits_130_and_writes_no_run(tmp_path, monkeypatch, capsys, phase):
    """The signal lands in each phase of ``aecore train`` (sent from inside it, so the phase is
    certain): the status is 130 and no run is written, also when a finaliser would have dropped a
    KeyboardInterrupt (the handler only sets an event the fit polls)."""
    from aecore.cli import commands as cli_commands
    from aecore import metrics
    from aecore.data import datasets as data

    if phase == "loading the data":
        real = data.load_dataset
        monkeypatch.setattr(data, "load_dataset", lambda name: (_interrupt_self(), real(name))[1])
    elif phase == "an epoch's end":
        real_call = cli_commands.EpochBar.__call__
        monkeypatch.setattr(cli_commands.EpochBar, "__call__",
                            lambda self, epoch, logs: (_interrupt_self(), real_call(self, epoch, logs)))
    elif phase == "a finaliser":
        real_call = cli_commands.EpochBar.__call__
        monkeypatch.setattr(cli_commands.EpochBar, "__call__",
                            lambda self, epoch, logs: (_InterruptsWhenCollected(), real_call(self, epoch, logs)))
    else:
        real_pca = metrics.pca_baseline
        monkeypatch.setattr(metrics, "pca_baseline",
                            lambda *a, **k: (_interrupt_self(), real_pca(*a, **k))[1])
    out_dir = tmp_path / "run"
    assert cli.main(["train", "--dataset", "digits", "--n-components", "3", "--hidden-units", "16",
                     "--epochs", "50", "--batch-size", "64", "--no-early-stopping", "--quiet",
                     "--out", str(out_dir)]) == 130
    assert "interrupted" in capsys.readouterr().err
    assert not out_dir.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".aecore-run-")]


def test_runs_lists_the_shipped_demo_runs(tmp_path, capsys):
    assert cli.main(["runs", "--root", str(tmp_path / "none")]) == 0
    captured = capsys.readouterr()
    assert "No runs" in captured.out and "skipped" not in captured.err
    for name in ("mnist-recommended", "mnist-vae-2d", "balls-seed004"):
        assert name in captured.out
    assert cli.main(["runs", "--root", str(tmp_path / "none"), "--no-demos"]) == 0
    assert "mnist-recommended" not in capsys.readouterr().out


@pytest.fixture(scope="module")
def digits_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "digits-k3"
    assert cli.main(["train", "--dataset", "digits", *TINY, "--quiet", "--out", str(out)]) == 0
    return out


def test_a_run_records_how_its_data_were_scaled(digits_run):
    _, info = load_run(digits_run)
    assert info.scaling == "values divided by 16 (range 0-1)"


@pytest.mark.slow
def test_encode_writes_codes_and_errors(digits_run, digits, tmp_path, capsys):
    rows = tmp_path / "new.npy"
    images = np.rint(digits.X[:50] * 16).astype(np.uint8).reshape(-1, 8, 8)
    assert images.min() == 0 and images.max() == 16  # Read back as values / 16, like the training data.
    np.save(rows, images)
    reducer, _ = load_run(digits_run)
    assert cli.main(["encode", str(digits_run), str(rows), "--out", str(tmp_path / "c.npy")]) == 0
    assert "encoded 50 row(s)" in capsys.readouterr().out
    codes = np.load(tmp_path / "c.npy")
    np.testing.assert_allclose(codes, reducer.transform(digits.X[:50]), rtol=1e-4, atol=1e-5)

    assert cli.main(["encode", str(digits_run), "digits", "--out", str(tmp_path / "c.csv")]) == 0
    table = pd.read_csv(tmp_path / "c.csv")
    assert list(table.columns) == ["code_0", "code_1", "code_2", "reconstruction_error", "label"]
    np.testing.assert_allclose(table["reconstruction_error"], reducer.reconstruction_error(digits.X), rtol=1e-3,
                               atol=1e-6)
    np.testing.assert_array_equal(table["label"], digits.y)

    assert cli.main(["encode", str(digits_run), "digits", "--out", str(tmp_path / "c.parquet")]) == 0
    assert pd.read_parquet(tmp_path / "c.parquet").shape == (len(digits.X), 5)
    # An existing output is kept unless --overwrite.
    assert cli.main(["encode", str(digits_run), "digits", "--out", str(tmp_path / "c.csv")]) == 2
    assert cli.main(["encode", str(digits_run), "digits", "--out", str(tmp_path / "c.csv"),
                     "--overwrite"]) == 0


@pytest.mark.slow
def test_encode_refuses_data_the_model_cannot_take_with_status_1(digits_run, tmp_path, capsys, rng):
    assert cli.main(["encode", str(digits_run), "mnist_sample", "--out", str(tmp_path / "a.npy")]) == 1
    err = capsys.readouterr().err
    assert "784 features" in err and "trained on 64" in err
    table = tmp_path / "table.csv"
    pd.DataFrame(rng.normal(size=(30, 64))).to_csv(table, index=False)  # Standardised on reading.
    assert cli.main(["encode", str(digits_run), str(table), "--out", str(tmp_path / "b.npy")]) == 1
    assert "scaled as 'values divided by 16 (range 0-1)'" in capsys.readouterr().err
    assert not (tmp_path / "a.npy").exists() and not (tmp_path / "b.npy").exists()


def test_encode_with_a_damaged_run_fails_with_status_1(digits_run, tmp_path, capsys):
    import shutil

    broken = tmp_path / "broken"
    shutil.copytree(digits_run, broken)
    manifest = json.loads((broken / "config.json").read_text())
    manifest["n_features"] = "many"
    (broken / "config.json").write_text(json.dumps(manifest))
    assert cli.main(["encode", str(broken), "digits", "--out", str(tmp_path / "c.npy")]) == 1
    assert "'n_features' is 'many'" in capsys.readouterr().err


@pytest.mark.slow
def test_encode_with_a_shipped_demo_by_name(tmp_path, capsys):
    assert cli.main(["encode", "mnist-recommended", "mnist_sample", "--out", str(tmp_path / "c.npy")]) == 0
    assert np.load(tmp_path / "c.npy").shape == (5000, 10)


def test_export_writes_the_projector_files(digits_run, digits, tmp_path, capsys):
    from PIL import Image

    out = tmp_path / "projector"
    assert cli.main(["export", str(digits_run), "--projector", str(out), "--max-rows", "300"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["codes.parquet", "metadata.tsv", "projector_config.pbtxt",
                                                     "sprite.png", "tensors.tsv"]
    tensors = np.loadtxt(out / "tensors.tsv", delimiter="\t")
    assert tensors.shape == (300, 3)
    metadata = pd.read_csv(out / "metadata.tsv", sep="\t")
    assert list(metadata.columns) == ["label", "row"] and len(metadata) == 300
    rows = metadata["row"].to_numpy()
    np.testing.assert_array_equal(metadata["label"], digits.y[rows])
    reducer, _ = load_run(digits_run)
    np.testing.assert_allclose(tensors, reducer.transform(digits.X[rows]), rtol=1e-4, atol=1e-4)
    assert Image.open(out / "sprite.png").size == (18 * 8, 18 * 8)  # ceil(sqrt(300)) = 18 thumbnails a side
    config = (out / "projector_config.pbtxt").read_text()
    assert 'tensor_path: "tensors.tsv"' in config and "single_image_dim: 8" in config
    assert pd.read_parquet(out / "codes.parquet").shape == (300, 5)
    # Existing files are kept unless --overwrite.
    assert cli.main(["export", str(digits_run), "--projector", str(out)]) == 2
    assert "already holds" in capsys.readouterr().err


def test_export_of_a_run_on_uploaded_data_needs_data(digits_run, tmp_path, capsys):
    import shutil

    run = tmp_path / "run"
    shutil.copytree(digits_run, run)
    manifest = json.loads((run / "config.json").read_text())
    manifest["dataset"] = "my_upload"
    (run / "config.json").write_text(json.dumps(manifest))
    assert cli.main(["export", str(run), "--projector", str(tmp_path / "p")]) == 2
    assert "--data PATH" in capsys.readouterr().err


def test_a_sprite_too_large_for_the_projector_is_refused_before_encoding():
    from aecore.runs import projector

    assert projector.check_sprite(85_264, (28, 28)) == 292  # 292 thumbnails of 28 px: 8,176 px a side
    with pytest.raises(ValueError, match="at most 8192 a side. Export at most 85264 rows"):
        projector.check_sprite(85_265, (28, 28))


def test_an_existing_out_folder_is_refused_before_anything_heavy_is_imported(tmp_path):
    """The output check comes first: refusing an existing --out imports neither scikit-learn nor
    TensorFlow (resolving the settings imports scikit-learn, about 1.5 s)."""
    existing = tmp_path / "run"
    existing.mkdir()
    (existing / "notes.txt").write_text("mine")
    code = ("import json, sys\nfrom aecore.cli.parser import main\n"
            f"status = main(['train', '--dataset', 'digits', '--out', {str(existing)!r}])\n"
            "heavy = sorted(m for m in ('tensorflow', 'keras', 'sklearn') if m in sys.modules)\n"
            "print('RESULT ' + json.dumps({'status': status, 'heavy': heavy}))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=_env(),
                         cwd=tmp_path, timeout=300)
    result = json.loads(out.stdout.split("RESULT ", 1)[1])
    assert result == {"status": 2, "heavy": []}, (result, out.stderr)
    assert "already exists" in out.stderr and (existing / "notes.txt").read_text() == "mine"
