"""AutoencoderReducer as a scikit-learn or UMAP user expects it: verbose and Keras callbacks,
save and load, outlier scores with scikit-learn's sign, and a readable ``dir(aecore)``."""

import pickle
import subprocess
import sys

import numpy as np
import pytest

import aecore
from aecore import AutoencoderReducer


@pytest.fixture(scope="module")
def small_digits(digits):
    return digits.X[:300]


@pytest.fixture(scope="module")
def fitted(digits):
    return AutoencoderReducer(3, epochs=2, batch_size=64, random_state=0, hidden_units=(16,),
                              contamination=0.1).fit(digits.X[:300])


# --------------------------------------------------------------------------- verbose, callbacks


@pytest.mark.slow
def test_verbose_0_writes_nothing(small_digits, tiny, capsys):
    AutoencoderReducer(2, **tiny).fit(small_digits)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_verbose_1_draws_one_bar_with_the_losses_on_stderr(small_digits, tiny, capsys):
    AutoencoderReducer(2, verbose=1, **tiny).fit(small_digits)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "training" in captured.err and "2/2" in captured.err
    assert "loss=" in captured.err and "val_loss=" in captured.err


def test_verbose_2_writes_one_line_per_epoch(small_digits, tiny, capsys):
    reducer = AutoencoderReducer(2, verbose=2, **{**tiny, "early_stopping": False}).fit(small_digits)
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == reducer.n_epochs_ == 2
    assert lines[0].startswith("epoch 1/2 - loss ") and " - val_loss " in lines[0]


def test_verbose_out_of_range_names_the_value_and_the_limits(small_digits):
    with pytest.raises(ValueError, match=r"verbose=3 must be an integer in \[0, 2\].*e\.g\. verbose=1"):
        AutoencoderReducer(2, verbose=3).fit(small_digits)


def test_keras_callbacks_hear_every_epoch_with_the_validation_loss(small_digits, tiny):
    import keras

    heard = []

    class Recorder(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            heard.append((epoch, dict(logs or {})))

    reducer = AutoencoderReducer(2, callbacks=[Recorder()], **{**tiny, "early_stopping": False})
    reducer.fit(small_digits)
    assert [epoch for epoch, _ in heard] == [0, 1]
    assert all("loss" in logs and "val_loss" in logs for _, logs in heard)


def test_callbacks_must_be_keras_callbacks(small_digits):
    with pytest.raises(ValueError, match=r"callbacks=.* must be a list of keras\.callbacks\.Callback"):
        AutoencoderReducer(2, callbacks=[print]).fit(small_digits)


def test_verbose_and_callbacks_are_parameters_not_model_settings():
    from aecore.presets import TrainConfig

    reducer = AutoencoderReducer(2, verbose=2, callbacks=[])
    assert reducer.get_params()["verbose"] == 2 and reducer.get_params()["callbacks"] == []
    assert "verbose" not in TrainConfig.__dataclass_fields__
    assert "callbacks" not in TrainConfig.__dataclass_fields__


# --------------------------------------------------------------------------- save and load


@pytest.mark.slow
def test_save_then_load_gives_the_same_codes_and_outlier_threshold(fitted, small_digits, tmp_path):
    path = fitted.save(tmp_path / "run", dataset_name="digits")
    loaded = AutoencoderReducer.load(path)
    np.testing.assert_allclose(loaded.transform(small_digits), fitted.transform(small_digits), atol=1e-6)
    assert loaded.offset_ == pytest.approx(fitted.offset_)
    np.testing.assert_array_equal(loaded.predict(small_digits), fitted.predict(small_digits))
    assert loaded.contamination == 0.1


def test_loading_never_unpickles(fitted, tmp_path, monkeypatch):
    fitted.save(tmp_path / "run")

    def refuse(*args, **kwargs):
        raise AssertionError("load unpickled something")

    monkeypatch.setattr(pickle, "load", refuse)
    monkeypatch.setattr(pickle, "loads", refuse)
    monkeypatch.setattr(pickle, "Unpickler", refuse)
    assert AutoencoderReducer.load(tmp_path / "run").n_components == 3
    assert not [p for p in (tmp_path / "run").iterdir() if p.suffix in (".pkl", ".pickle", ".joblib")]


def test_load_run_returns_a_named_result_that_still_unpacks(fitted, tmp_path):
    from aecore.runs.loading import load_run

    fitted.save(tmp_path / "run", dataset_name="digits")
    result = load_run(tmp_path / "run")
    reducer, info = result
    assert result.reducer is reducer and result.info is info and info.dataset == "digits"


def test_save_refuses_an_existing_run_without_overwrite(fitted, tmp_path):
    fitted.save(tmp_path / "run")
    with pytest.raises(ValueError, match="overwrite=True"):
        fitted.save(tmp_path / "run")
    fitted.save(tmp_path / "run", overwrite=True)


# --------------------------------------------------------------------------- outlier scores


def test_score_samples_is_higher_for_normal_rows(fitted, small_digits):
    errors = fitted.reconstruction_error(small_digits)
    np.testing.assert_allclose(fitted.score_samples(small_digits), -errors)
    strange = np.full((1, small_digits.shape[1]), small_digits.max() * 3, dtype=np.float32)
    assert fitted.score_samples(strange)[0] < fitted.score_samples(small_digits).min()
    assert fitted.score(small_digits) == pytest.approx(-float(np.mean(errors)))


def test_predict_flags_the_contamination_share_of_the_training_rows(fitted, small_digits):
    decision = fitted.decision_function(small_digits)
    np.testing.assert_allclose(decision, fitted.score_samples(small_digits) - fitted.offset_)
    labels = fitted.predict(small_digits)
    assert set(np.unique(labels)) <= {-1, 1}
    np.testing.assert_array_equal(labels == -1, decision < 0)
    assert abs(np.mean(labels == -1) - 0.1) <= 0.02
    strange = np.full((1, small_digits.shape[1]), small_digits.max() * 3, dtype=np.float32)
    assert fitted.predict(strange).tolist() == [-1]


def test_auto_contamination_flags_about_five_percent(small_digits, tiny):
    reducer = AutoencoderReducer(2, **tiny).fit(small_digits)
    assert reducer.contamination == "auto"
    assert abs(np.mean(reducer.predict(small_digits) == -1) - 0.05) <= 0.02


@pytest.mark.parametrize("value", [0.0, 0.6, "most", -0.1])
def test_contamination_outside_its_range_names_the_value_and_the_fix(small_digits, value):
    with pytest.raises(ValueError, match=r"contamination=.* must be 'auto' or a number in \(0, 0\.5\].*"
                                         r"e\.g\. contamination=0\.05"):
        AutoencoderReducer(2, contamination=value).fit(small_digits)


# --------------------------------------------------------------------------- the package


def test_dir_lists_the_public_api_and_every_old_name_still_imports():
    names = dir(aecore)
    assert "AutoencoderReducer" in names and "__version__" in names and "runs" in names
    assert "annotations" not in names and "DISTRIBUTION" not in names
    assert set(aecore.__all__) <= set(names)
    from aecore import DISTRIBUTION, AutoencoderReducer as Reducer, __version__  # noqa: F401

    assert aecore.runs.loading.load_run is not None


def test_dir_and_submodule_attributes_stay_lazy():
    code = ("import sys, aecore; dir(aecore); "
            "print('tensorflow' in sys.modules, 'sklearn' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_a_run_without_a_threshold_says_so_when_asked_to_predict():
    from aecore.runs.demo import DEMO_DIR

    old = AutoencoderReducer.load(DEMO_DIR / "balls-seed004")
    with pytest.raises(ValueError, match=r"no outlier threshold \(offset_\).*reconstruction_error"):
        old.predict(np.zeros((1, old.n_features_in_), dtype=np.float32))
