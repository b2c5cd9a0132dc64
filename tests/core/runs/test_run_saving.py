"""Saving runs: what save_run refuses (metrics that are not plain numbers, a config of another
model, folders it must not replace, an unfitted reducer). Round trips are in test_runs.py."""

import os

import pytest

from aecore import AutoencoderReducer
from aecore.presets import TrainConfig
from aecore.runs.format import read_run_info
from aecore.runs.saving import save_run

SEED = 0


@pytest.fixture(scope="module")
def X(digits):
    return digits.X[:300]


@pytest.fixture(scope="module")
def fitted(X):
    config = TrainConfig(n_components=3, hidden_units=(16,), epochs=2, batch_size=64, random_state=SEED)
    return config, config.to_reducer(image_shape=(8, 8)).fit(X)


@pytest.fixture()
def run_dir(tmp_path, fitted, X):
    config, reducer = fitted
    return save_run(tmp_path / "run", reducer, config, "digits", metrics={"test_mse": 0.5},
                    codes=reducer.transform(X))


@pytest.mark.slow
def test_metrics_must_be_plain_numbers(tmp_path, fitted):
    config, reducer = fitted
    with pytest.raises(ValueError, match=r"metrics\['curve'\]"):
        save_run(tmp_path / "run", reducer, config, "digits", metrics={"curve": [1, 2]})
    assert not os.path.exists(tmp_path / "run")


def test_config_of_another_model_is_refused(tmp_path, fitted):
    _, reducer = fitted
    with pytest.raises(ValueError, match="does not match the fitted model"):
        save_run(tmp_path / "run", reducer, TrainConfig(n_components=9), "digits")


def test_existing_folders_are_protected(tmp_path, run_dir, fitted):
    config, reducer = fitted
    with pytest.raises(ValueError, match="already exists"):
        save_run(run_dir, reducer, config, "digits")
    save_run(run_dir, reducer, config, "digits-again", overwrite=True)
    assert read_run_info(run_dir).dataset == "digits-again"
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "thesis.txt").write_text("do not delete")
    with pytest.raises(ValueError, match="refusing to delete"):
        save_run(precious, reducer, config, "digits", overwrite=True)
    assert (precious / "thesis.txt").exists()


def test_unfitted_reducer_is_refused(tmp_path):
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        save_run(tmp_path / "run", AutoencoderReducer(), TrainConfig(), "digits")
