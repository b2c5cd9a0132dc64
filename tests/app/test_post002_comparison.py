"""Post 002's comparison (the tour step and the Reconstructions page): the three shipped networks
rebuild the same held-out digits side by side, and every figure the page shows (parameters,
held-out MSE, reconstructions) is what the shipped models compute."""

import base64
import json

import numpy as np
import pytest

from aecore.data import datasets as aedata
from aecore.metrics import reconstruction_mse
from aecore.presets import POST002_PRESETS
from aecore.runs import demo
from aecore_app import post002_ui, tour
from tests.builders import open_page

STEP = [s.id for s in tour.STEPS].index("seed002_compare")
GAP = 2  # reconstruction_grid's gap between 28x28 tiles
SIDE = 28


@pytest.fixture(scope="module")
def shipped():
    """Post 002's shipped networks (loaded here, apart from the app) and the held-out digits."""
    ds = aedata.load_dataset(post002_ui.POST002_DATA)
    _, test = aedata.train_test_split(ds, test_fraction=0.2, seed=0)
    names = {preset_name: name for name, (_, preset_name) in demo.DEMOS.items()}
    models = {p: demo.load(demo.DEMO_DIR / names[p])[0] for p in POST002_PRESETS}
    return models, ds.X[test]


def _tiles(mosaic: np.ndarray, row: int) -> np.ndarray:
    """The flattened images of one row of a reconstruction grid's mosaic."""
    top = row * (SIDE + GAP)
    n_cols = (mosaic.shape[1] + GAP) // (SIDE + GAP)
    return np.stack([mosaic[top:top + SIDE, c * (SIDE + GAP):c * (SIDE + GAP) + SIDE].ravel() for c in range(n_cols)])


def _grid(at) -> np.ndarray:
    """The grid's mosaic from Plotly's JSON: nested lists, or ``{"dtype", "bdata", "shape"}``."""
    chart = next(c for c in at.get("plotly_chart") if "recon.post002.grid" in c.proto.id)
    z = json.loads(chart.proto.spec)["data"][0]["z"]
    if isinstance(z, dict):
        shape = tuple(int(n) for n in str(z["shape"]).split(","))
        return np.frombuffer(base64.b64decode(z["bdata"]), dtype=z["dtype"]).reshape(shape).astype(float)
    return np.asarray(z, dtype=float)


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_tour_step_shows_the_three_networks_as_they_compute(lang, shipped):
    models, X_test = shipped
    at = open_page(tour.STEPS[STEP].page, {**tour.link_params(STEP), "lang": lang})
    assert at.query_params["tour"] == str(STEP + 1) and at.query_params["preset"] == "seed002_cnn_elu"
    cards = [m for m in at.metric if "MSE" in m.label and "·" in m.label]
    assert len(cards) == 3, [m.label for m in at.metric]
    for card, preset_name in zip(cards, POST002_PRESETS):
        model = models[preset_name]
        assert f"{model.count_params():,}" in card.label
        assert card.value == f"{reconstruction_mse(X_test, model.reconstruct(X_test)):.4f}", card.label
    assert [c.label.split(" ·")[0] for c in cards] == ["Dense", "CNN", "CNN-ELU"]
    mosaic = _grid(at)
    originals = _tiles(mosaic, 0)
    nearest = ((originals[:, None, :] - X_test[None, :, :]) ** 2).sum(axis=-1).min(axis=1)
    assert len(originals) == 12 and np.allclose(nearest, 0, atol=1e-8)  # held-out digits, as shown
    for row, preset_name in enumerate(POST002_PRESETS, start=1):
        np.testing.assert_allclose(_tiles(mosaic, row), models[preset_name].reconstruct(originals), atol=1e-4)
    mse = [reconstruction_mse(X_test, models[p].reconstruct(X_test)) for p in POST002_PRESETS]
    ratios = f"{mse[1] / mse[0]:.2f}", f"{mse[2] / mse[0]:.2f}"
    assert any(all(r in m.value for r in ratios) for m in at.markdown), (ratios, [m.value for m in at.markdown])
    assert any("bench.seed002" in c.value for c in at.caption)


def test_the_parameter_counts_are_the_posts():
    # The cards read the counts from the shipped models; these are the post's printed summaries.
    models = {p: demo.load(demo.DEMO_DIR / name)[0] for name, (_, p) in demo.DEMOS.items() if p in POST002_PRESETS}
    assert {p: m.count_params() for p, m in models.items()} == {
        "seed002_dense": 716_640, "seed002_cnn": 421_377, "seed002_cnn_elu": 421_377}


def _measured(*mse):
    return [post002_ui.Measured(p, 0, np.zeros((1, 1)), np.array([v])) for p, v in zip(POST002_PRESETS, mse)]


@pytest.mark.parametrize("mse, verdict", [((0.017, 0.033, 0.018), "none"), ((0.018, 0.033, 0.017), "some"),
                                          ((0.033, 0.018, 0.017), "all")])
def test_the_verdict_on_the_claim_follows_the_errors(mse, verdict):
    assert post002_ui.claim_key(_measured(*mse)) == verdict


def test_another_model_on_the_page_keeps_the_usual_grid():
    at = open_page(tour.STEPS[STEP].page, {"data": "mnist_sample", "preset": "recommended"})
    keys = [c.proto.id for c in at.get("plotly_chart")]
    assert any("recon.grid" in k for k in keys) and not any("post002" in k for k in keys)
