"""The home page shows before it tells: the shipped demo's latent space forming, read without
building the model, drawn above the tour."""

import json

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from aecore.data import datasets as aedata
from aecore.runs import demo
from tests.builders import APP


@pytest.mark.slow
def test_the_forming_history_labels_are_the_demo_training_rows_labels():
    history, labels = demo.forming_history()
    assert history.points.shape[1:] == (len(labels), 2) and history.n_frames >= 10
    ds = aedata.load_dataset(demo.DEMOS[demo.FORMING_DEMO][0])
    train, _ = aedata.train_test_split(ds, test_fraction=0.2, seed=0)
    assert np.array_equal(labels, ds.y[np.asarray(train)[history.indices]])
    assert set(np.unique(labels)) == set(range(10))  # every digit is in the picture


def test_the_forming_history_is_read_without_the_dataset(monkeypatch):
    """The labels ship with the demo: the home page never loads MNIST or scikit-learn for them."""
    def refuse(name):
        raise AssertionError(f"the home picture loaded the dataset {name!r}")

    monkeypatch.setattr(aedata, "load_dataset", refuse)
    history, labels = demo.forming_history.__wrapped__()
    assert len(labels) == history.n_rows


def test_the_forming_history_is_none_without_the_demo(tmp_path):
    assert demo.forming_history.__wrapped__(root=tmp_path / "nowhere") is None


@pytest.mark.slow
def test_home_opens_on_the_picture_above_the_tour():
    import streamlit as st

    st.cache_resource.clear()
    at = AppTest.from_file(APP, default_timeout=180).run()
    assert not at.exception, [e.value for e in at.exception]
    charts = at.get("plotly_chart")
    assert charts, "the home page has no picture"
    figure = json.loads(charts[0].proto.spec)
    assert len(figure["frames"]) >= 10 and figure["layout"]["updatemenus"]  # a Play button
    # The caption says how many of the epochs the picture plays (not "each of its epochs").
    history, _ = demo.forming_history()
    caption = next(c.value for c in at.caption if "▶" in c.value)
    assert f"at {len(figure['frames'])} of its {int(history.epochs[-1])} epochs" in caption, caption
