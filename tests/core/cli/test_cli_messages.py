"""The command line as its users expect: a bad value is one line and a pointer to --help, `aecore
runs` looks where the app looks and says where, encode keeps labels, and flat images are images."""

import shutil

import numpy as np
import pandas as pd
import pytest

from aecore.cli import parser as cli
from aecore.runs.demo import DEMO_DIR
from aecore.runs.loading import RUNS_ROOT_ENV

TINY = ["--n-components", "3", "--hidden-units", "16", "--epochs", "2", "--batch-size", "64",
        "--seed", "0", "--quiet"]


@pytest.mark.parametrize("argv, said", [
    (["--epochs", "-1"], "--epochs -1 must be a whole number from 1 to 5,000; e.g. --epochs 100"),
    (["--seed", "1e20"], "must be a whole number from 0 to 2,147,483,647"),
    (["--hidden-units", "512,x"], "--hidden-units 512,x must be whole numbers separated by commas"),
    (["--test-fraction", "1.5"], "--test-fraction 1.5 must be above 0 and at most 0.9"),
    (["--kind", "magic"], "invalid choice: 'magic'"),
])
def test_a_bad_value_is_one_line_and_where_to_read_more(argv, said, capsys):
    assert cli.main(["train", "--dataset", "digits", *argv]) == 2
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) <= 3, err
    assert said in lines[0] and lines[0].startswith("aecore train: error: "), err
    assert lines[-1] == "see `aecore train --help`"
    assert "usage:" not in err


def test_help_shows_real_defaults_and_readable_bounds(capsys):
    assert cli.main(["train", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "default: None" not in text and "e+09" not in text
    assert "0 to 2,147,483,647" in text


def test_runs_looks_in_aecore_runs_root_from_anywhere_and_says_where(tmp_path, monkeypatch, capsys):
    root = tmp_path / "server-runs"
    shutil.copytree(DEMO_DIR / "mnist-recommended", root / "kept")
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    monkeypatch.setenv(RUNS_ROOT_ENV, str(root))
    assert cli.main(["runs", "--no-demos"]) == 0
    out = capsys.readouterr().out
    assert f"Runs in {root} (${RUNS_ROOT_ENV})" in out and "kept" in out

    monkeypatch.setenv(RUNS_ROOT_ENV, str(tmp_path / "missing"))
    assert cli.main(["runs", "--no-demos"]) == 0
    out = capsys.readouterr().out
    assert f"No runs: {tmp_path / 'missing'} (${RUNS_ROOT_ENV}) does not exist" in out

    monkeypatch.delenv(RUNS_ROOT_ENV)
    assert cli.main(["runs", "--no-demos"]) == 0
    assert f"{tmp_path / 'elsewhere' / 'runs'} (the default; set ${RUNS_ROOT_ENV}" in capsys.readouterr().out


@pytest.fixture(scope="module")
def digits_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "digits-k3"
    assert cli.main(["train", "--dataset", "digits", *TINY, "--out", str(out)]) == 0
    return out


def test_encode_reads_images_given_flat_as_the_run_trained_on_them(digits_run, digits, tmp_path):
    images = np.rint(digits.X[:40] * 16).astype(np.uint8).reshape(-1, 8, 8)
    np.save(tmp_path / "square.npy", images)
    np.save(tmp_path / "flat.npy", images.reshape(len(images), 64))
    for name in ("square", "flat"):
        assert cli.main(["encode", str(digits_run), str(tmp_path / f"{name}.npy"),
                         "--out", str(tmp_path / f"{name}-codes.npy")]) == 0
    np.testing.assert_array_equal(np.load(tmp_path / "flat-codes.npy"), np.load(tmp_path / "square-codes.npy"))


@pytest.mark.slow
def test_encode_keeps_the_label_column_out_of_the_features_and_writes_it(tmp_path, rng, capsys):
    frame = pd.DataFrame(rng.normal(size=(120, 6)), columns=list("abcdef"))
    frame["kind"] = rng.choice(["cat", "dog"], size=120)
    frame.to_csv(tmp_path / "table.csv", index=False)
    run = tmp_path / "run"
    assert cli.main(["train", "--dataset", str(tmp_path / "table.csv"), "--label-column", "kind", *TINY,
                     "--out", str(run)]) == 0
    assert cli.main(["encode", str(run), str(tmp_path / "table.csv"), "--label-column", "kind",
                     "--out", str(tmp_path / "codes.csv")]) == 0
    table = pd.read_csv(tmp_path / "codes.csv")
    assert list(table.columns) == ["code_0", "code_1", "code_2", "reconstruction_error", "label"]
    assert set(table["label"].astype(str)) <= {"cat", "dog", "0", "1"}
