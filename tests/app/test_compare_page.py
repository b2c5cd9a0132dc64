"""The Compare page: a link with two models reopens their comparison (settings diff, yardsticks,
loss curves, reconstructions and two maps); a tampered choice is dropped with the usual notice;
models of different data are refused in plain words; runs of the runs folder and models trained
in this session are compared too, without changing the session's current model."""

import pytest
from streamlit.testing.v1 import AppTest

from tests.builders import APP, open_page, readable, record_slots

from aecore.data.datasets import load_digits_8x8
from aecore.presets import TrainConfig
from aecore.runs.saving import save_run
from aecore_app.caches import ModelRegistry
from aecore_app.session import ModelKey

TIMEOUT = 300
PAGE = "aecore_app/app_pages/compare.py"


def _no_exception(at):
    assert not at.exception, [e.value for e in at.exception]


@pytest.mark.slow
def test_a_link_reopens_two_mnist_demos_side_by_side():
    at = open_page(PAGE, {"a": "demo:mnist-recommended", "b": "demo:mnist-vae-2d"}, timeout=TIMEOUT)
    assert not at.error, [e.value for e in at.error]
    assert at.selectbox(key="compare.a").value == "demo:mnist-recommended"
    assert at.selectbox(key="compare.b").value == "demo:mnist-vae-2d"
    diff, metrics = at.dataframe[0].value, at.dataframe[1].value
    assert diff.iloc[:, 1:].values.tolist() == [["10", "2"], ["dense", "vae"], ["mse", "binary_crossentropy"]]
    assert list(metrics.columns) == ["A", "B"] and metrics.loc["Latent size"].tolist() == ["10", "2"]
    assert "–" not in metrics.values.ravel().tolist()  # every yardstick was measured
    assert len(at.get("plotly_chart")) >= 4
    assert (at.query_params["a"], at.query_params["b"]) == ("demo:mnist-recommended", "demo:mnist-vae-2d")
    assert "current_model" not in at.session_state  # comparing never changes the current model


def test_a_tampered_choice_is_dropped_and_the_defaults_take_its_place():
    at = open_page(PAGE, {"a": "run:../../etc", "b": "demo:mnist-denoising"}, timeout=TIMEOUT)
    assert any("run:../../etc" in readable(i.value) for i in at.info), [i.value for i in at.info]
    assert at.selectbox(key="compare.a").value == "demo:mnist-recommended"
    assert at.selectbox(key="compare.b").value == "demo:mnist-denoising"
    assert not at.error and len(at.get("plotly_chart")) >= 4


def test_models_of_different_data_are_refused_in_plain_words():
    at = open_page(PAGE, {"a": "demo:mnist-recommended", "b": "demo:balls-seed004"}, timeout=TIMEOUT)
    errors = [readable(e.value) for e in at.error]
    assert any("different data (mnist_sample and balls)" in e for e in errors), errors
    assert not at.get("plotly_chart")
    at.selectbox(key="compare.b").set_value("demo:mnist-denoising").run()
    _no_exception(at)
    assert not at.error and len(at.get("plotly_chart")) >= 4


@pytest.mark.slow
def test_a_run_of_the_runs_folder_against_a_model_trained_in_this_session(tmp_path, monkeypatch):
    taken = record_slots(monkeypatch)
    ds = load_digits_8x8()
    settings = dict(epochs=1, batch_size=64, hidden_units=(16,), random_state=0, jit_compile=False)
    run_config, trained_config = TrainConfig(n_components=2, **settings), TrainConfig(n_components=3, **settings)
    save_run(tmp_path / "tiny-digits", run_config.to_reducer().fit(ds.X[:800]), run_config, "digits")
    monkeypatch.setenv("AECORE_RUNS_ROOT", str(tmp_path))
    key = ModelKey.trained("digits", trained_config)
    mine = ModelRegistry(max_entries=4)
    mine.put(key, trained_config.to_reducer().fit(ds.X[:800]))

    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["session_models"] = mine
    at.query_params["a"] = "run:tiny-digits"
    at.query_params["b"] = f"model:{key.id}"
    at.switch_page(PAGE).run()
    _no_exception(at)
    assert not at.error, [e.value for e in at.error]
    assert at.selectbox(key="compare.b").value == f"model:{key.id}"
    assert at.dataframe[0].value.iloc[:, 1:].values.tolist() == [["2", "3"]]
    assert len(at.get("plotly_chart")) >= 4
    assert "model loading" in taken and "comparison" in taken  # the run's load and the measures queue
