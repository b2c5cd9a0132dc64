"""The guided tour's steps show what their text talks about on arrival (AppTest): a step whose link
asks for work (a small training, an evaluation, a measure) does it without a click; the same link
with a setting added or changed, or a later rerun, waits for the buttons as every link does."""

import pytest

from aecore_app import tour
from tests.builders import open_page

pytestmark = pytest.mark.slow  # each opens a page that trains or evaluates (seconds, more than ~2 s)

HOSTILE_HIDDEN = "4096,4096,4096,4096,4096,4096,4096,4096"


@pytest.fixture(autouse=True)
def _fresh_caches():
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()
    yield


def _open_step(step_id: str, **extra):
    index = [s.id for s in tour.STEPS].index(step_id)
    return open_page(tour.STEPS[index].page, {**tour.link_params(index), **extra})


def _metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_the_linear_step_trains_on_arrival_and_a_changed_setting_waits_for_train():
    at = _open_step("linear")
    assert "AE / PCA" in _metrics(at), _metrics(at)
    at.slider(key="linear3d.m").set_value(100).run()  # a new cloud: the tour's request is spent
    assert not at.exception, [e.value for e in at.exception]
    assert "AE / PCA" not in _metrics(at)


def test_the_breast_cancer_step_trains_and_evaluates_on_arrival():
    at = _open_step("tabular_anomalies")
    assert "link.train" not in [b.key for b in at.button]
    table = at.dataframe[-1].value
    assert {"Autoencoder", "PCA", "IsolationForest"} <= set(table.index), table
    assert table.loc["Autoencoder", "ROC AUC"] > 0.85


def test_the_neighbours_step_measures_on_arrival():
    at = _open_step("neighbours")
    assert any("nearest neighbours in code space share" in i.value for i in at.info), [i.value for i in at.info]


def test_a_tour_link_with_a_setting_added_trains_nothing(monkeypatch):
    from aecore.reducer import AutoencoderReducer

    def refuse(*args, **kwargs):
        raise AssertionError("a model was trained")

    monkeypatch.setattr(AutoencoderReducer, "fit", refuse)
    at = _open_step("tabular_anomalies", hidden=HOSTILE_HIDDEN, epochs="1000")
    assert any("limit" in e.value for e in at.error), [e.value for e in at.error]
    at = _open_step("seed003", epochs="19")  # harmless, but not the step's own link: it waits
    assert "link.train" in [b.key for b in at.button]
