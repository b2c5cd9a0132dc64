"""aecore.compare and aecore.figures.compare: the settings two models differ in, and yardsticks of two
tiny models measured on the same rows."""

import math

import numpy as np
import pytest

from aecore import compare
from aecore.figures import compare as figures_compare
from aecore.params import CONFIG_SETTINGS
from aecore.presets import TrainConfig
from aecore.reducer import AutoencoderReducer

SEED = 0


def _other_value(setting):
    """A valid value of ``setting`` that differs from its default."""
    if setting.type is bool:
        return not setting.default
    if setting.type is str:
        return next(c for c in setting.choices if c != setting.default)
    if setting.type is tuple:
        return (7,) if setting.default != (7,) else (8,)
    if setting.example is not None and setting.example != setting.default:
        return setting.example
    low = setting.low if setting.low is not None else 0
    value = setting.type(low + 1) if setting.type is int else (low + setting.high) / 2
    return value if value != setting.default else setting.type(low + 2)


@pytest.mark.parametrize("setting", CONFIG_SETTINGS, ids=lambda s: s.name)
def test_settings_diff_names_exactly_the_changed_setting(setting):
    base = TrainConfig()
    changed = base.replace(**{setting.name: setting.check(_other_value(setting))})
    assert compare.settings_diff(base, changed) == [(setting.name, getattr(base, setting.name),
                                                     getattr(changed, setting.name))]


def test_settings_diff_lists_several_in_declared_order_and_nothing_for_equal_configs():
    a = TrainConfig(n_components=2, epochs=1, dropout=0.1)
    b = TrainConfig(kind="tied", n_components=2, epochs=1, dropout=0.2)
    assert compare.settings_diff(a, b) == [("kind", "dense", "tied"), ("dropout", 0.1, 0.2)]
    assert compare.settings_diff(a, TrainConfig(n_components=2, epochs=1, dropout=0.1)) == []


def test_settings_diff_rejects_something_else_than_a_config():
    with pytest.raises(ValueError, match="config_b=.*TrainConfig"):
        compare.settings_diff(TrainConfig(), {"kind": "dense"})


def test_sample_rows_is_seeded_sorted_and_bounded():
    rows = compare.sample_rows(5000, 2000, random_state=SEED)
    assert len(rows) == 2000 and np.all(np.diff(rows) > 0) and rows.max() < 5000
    np.testing.assert_array_equal(rows, compare.sample_rows(5000, 2000, random_state=SEED))
    assert compare.sample_rows(3, 8).tolist() == [0, 1, 2]
    with pytest.raises(ValueError, match="n_samples=0"):
        compare.sample_rows(0, 8)


def test_map_points_keeps_small_codes_and_projects_larger_ones(rng):
    points, method = compare.map_points(rng.normal(size=(50, 2)))
    assert method == "codes" and points.shape == (50, 2)
    points, method = compare.map_points(rng.normal(size=(50, 1)))
    assert method == "codes" and points.shape == (50, 2) and np.all(points[:, 1] == 0)
    points, method = compare.map_points(rng.normal(size=(50, 6)))
    assert method == "pca" and points.shape == (50, 2)
    with pytest.raises(ValueError, match="codes of shape"):
        compare.map_points(np.zeros(5))


@pytest.fixture(scope="module")
def two_tiny_models():
    """Two models trained for one epoch on the digits' first 1,200 rows; the rest held out."""
    from aecore.data.datasets import load_digits_8x8

    ds = load_digits_8x8()
    X_train, X_test = ds.X[:1200], ds.X[1200:]
    settings = dict(epochs=1, batch_size=64, hidden_units=(16,), random_state=SEED, jit_compile=False)
    a = AutoencoderReducer(n_components=2, **settings).fit(X_train)
    b = AutoencoderReducer(n_components=5, kind="tied", **settings).fit(X_train)
    return a, b, X_train, X_test


@pytest.mark.slow
def test_metrics_rows_are_finite_and_in_range(two_tiny_models):
    a, b, X_train, X_test = two_tiny_models
    X_map = X_test[:300]
    maps = {name: compare.map_points(model.transform(X_map))[0] for name, model in (("A", a), ("B", b))}
    rows = compare.metrics_rows({"A": a, "B": b}, X_test, X_train=X_train, X_map=X_map, maps=maps)
    assert [(r.name, r.kind, r.n_components, r.epochs) for r in rows] == [("A", "dense", 2, 1), ("B", "tied", 5, 1)]
    for row in rows:
        assert 0 < row.test_mse < 1 and 0 < row.pca_mse < 1 and row.parameters > 0
        assert math.isfinite(row.mse_ratio) and row.mse_ratio > 0
        assert 0.4 <= row.trustworthiness <= 1
    # A given PCA baseline is used as it is; without X_train nor a map, those stay NaN.
    given = compare.metrics_rows({"A": a}, X_test, pca_mse={2: 0.5})[0]
    assert given.pca_mse == 0.5 and math.isnan(given.trustworthiness)
    bare = compare.metrics_rows({"B": b}, X_test)[0]
    assert math.isnan(bare.pca_mse) and math.isnan(bare.mse_ratio)


def test_metrics_rows_reject_rows_of_another_width(two_tiny_models):
    a, _, _, X_test = two_tiny_models
    with pytest.raises(ValueError, match=r"X_test of shape \(597, 10\).*64 features"):
        compare.metrics_rows({"A": a}, X_test[:, :10])


def test_estimate_grows_with_the_map_rows():
    assert 0 < compare.estimate_seconds(784, 500) < compare.estimate_seconds(784, 2000, 4000) < 10


def test_paired_loss_curves_give_each_model_its_colour():
    fig = figures_compare.paired_loss_curves(
        {"A": {"loss": [0.3, 0.2], "val_loss": [0.4, 0.3]}, "B": {"loss": [0.5, 0.4, 0.35]}},
        train_name="train", validation_name="validation")
    assert [trace.name for trace in fig.data] == ["A: train", "A: validation", "B: train"]
    colours = [trace.line.color for trace in fig.data]
    assert len(set(colours)) == 3 and fig.data[1].line.dash == "dash"
    assert fig.layout.yaxis.type == "log"
