"""The map settings a person may change (t-SNE's perplexity and learning rate, UMAP's n_neighbors and
min_dist): checked with plain-words errors, followed by the maps, counted by the budget."""

import numpy as np
import pytest

from aecore import metrics
from aecore.budget import Budget
from aecore.maps import map_settings
from aecore.maps.projection import DEFAULTS, estimate_seconds, project, project_placed, project_sample, row_cost

SEED = 0


@pytest.fixture(scope="module")
def few_digits(digits):
    """300 scikit-learn digits: enough structure for a map to change, small enough to be quick."""
    return digits.X[:300], digits.y[:300]


def test_the_defaults_are_todays_settings():
    # Post 002's t-SNE settings and umap-learn's own, as the maps were drawn before they could change.
    assert map_settings.defaults("tsne") == {"perplexity": 15.0, "learning_rate": 100.0}
    assert map_settings.defaults("umap") == {"n_neighbors": 15, "min_dist": 0.1}
    assert DEFAULTS["umap"]["n_epochs"] == 200 and DEFAULTS["pca"] == {}


@pytest.mark.parametrize("method, name, value, limits", [
    ("tsne", "perplexity", 1.0, r"\[2, 100\]"),
    ("tsne", "perplexity", 101.0, r"\[2, 100\]"),
    ("tsne", "perplexity", float("nan"), r"\[2, 100\]"),
    ("tsne", "perplexity", "30", r"\[2, 100\]"),
    ("tsne", "learning_rate", 0.0, r"'auto' or a number in \[10, 2000\]"),
    ("tsne", "learning_rate", "fast", r"'auto' or a number in \[10, 2000\]"),
    ("umap", "n_neighbors", 1, r"an integer in \[2, 200\]"),
    ("umap", "n_neighbors", 15.5, r"an integer in \[2, 200\]"),
    ("umap", "n_neighbors", True, r"an integer in \[2, 200\]"),
    ("umap", "min_dist", -0.1, r"\[0, 1\]"),
    ("umap", "min_dist", 1.5, r"\[0, 1\]"),
])
def test_a_bad_setting_names_the_value_the_limit_and_a_fix(method, name, value, limits):
    X = np.random.default_rng(SEED).normal(size=(50, 4))
    pattern = rf"{name}={value!r}".replace("[", r"\[").replace("(", r"\(") + rf" must be .*{limits}, e\.g\. {name}="
    for call in (lambda: project(X, method, **{name: value}),
                 lambda: project_sample(X, method, **{name: value}),
                 lambda: estimate_seconds(method, 50, **{name: value})):
        with pytest.raises(ValueError, match=pattern):
            call()
    if method == "tsne":
        with pytest.raises(ValueError, match=pattern):
            project_placed(X, **{name: value})


def test_the_cache_key_is_plain_values_with_every_default_written_out():
    assert map_settings.as_key("tsne", None) == map_settings.as_key("tsne", {"perplexity": 15.0}) == (
        ("perplexity", 15.0), ("learning_rate", 100.0))
    assert map_settings.as_key("umap", {"n_neighbors": np.int64(30)}) == (("n_neighbors", 30), ("min_dist", 0.1))
    assert type(map_settings.as_key("umap", {"n_neighbors": np.int64(30)})[0][1]) is int
    assert map_settings.as_key("pca", None) == ()
    with pytest.raises(ValueError, match="n_neighbors=1 must be"):
        map_settings.as_key("umap", {"n_neighbors": 1})


def test_costlier_settings_get_fewer_rows_and_a_longer_estimate():
    assert row_cost("tsne") == row_cost("umap") == row_cost("pca") == 1.0
    assert row_cost("tsne", perplexity=100.0) > row_cost("tsne", perplexity=30.0) > 1.0
    assert row_cost("umap", n_neighbors=50) > 1.0 > row_cost("umap", n_neighbors=5)
    # The learning rate and min_dist change no step's cost.
    assert row_cost("tsne", learning_rate=1000.0) == row_cost("umap", min_dist=0.9) == 1.0
    budget = Budget(max_tsne_rows=1000, max_umap_rows=1000)
    assert budget.projection_rows("tsne", row_cost("tsne", perplexity=100.0)) < 1000
    assert budget.projection_rows("umap", row_cost("umap", n_neighbors=5)) == 1000  # cheaper: no more rows
    assert Budget.unlimited().projection_rows("tsne", row_cost("tsne", perplexity=100.0)) == float("inf")
    assert estimate_seconds("umap", 5000, n_neighbors=50) > estimate_seconds("umap", 5000)
    X = np.random.default_rng(SEED).normal(size=(400, 4)).astype(np.float32)
    with pytest.raises(ValueError, match=r"400 rows with perplexity=100.0 \(4.1 times .* budget of 24[0-9] rows"
                                         r".*choose cheaper settings"):
        project(X, "tsne", budget=Budget(max_tsne_rows=1000), perplexity=100.0)


@pytest.mark.slow
def test_a_sample_of_a_costlier_map_holds_the_rows_its_cost_allows():
    X = np.random.default_rng(SEED).normal(size=(400, 4)).astype(np.float32)
    budget = Budget(max_umap_rows=300)
    embedding, rows = project_sample(X, "umap", budget=budget, n_neighbors=50)
    assert len(rows) == len(embedding) == budget.projection_rows("umap", row_cost("umap", n_neighbors=50)) < 300


@pytest.mark.slow
def test_the_defaults_reproduce_the_maps_drawn_with_todays_values_written_out(few_digits):
    X, _ = few_digits
    np.testing.assert_array_equal(project(X, "tsne", random_state=SEED),
                                  project(X, "tsne", random_state=SEED, perplexity=15.0, learning_rate=100.0))
    np.testing.assert_array_equal(project(X, "umap", random_state=SEED),
                                  project(X, "umap", random_state=SEED, n_neighbors=15, min_dist=0.1, n_epochs=200))


@pytest.mark.slow
def test_a_different_perplexity_changes_the_tsne_map(few_digits):
    X, y = few_digits
    default = project(X, "tsne", random_state=SEED)
    wide = project(X, "tsne", random_state=SEED, perplexity=50.0)
    assert not np.allclose(default, wide)
    # Both stay faithful maps (the threshold, not the number: PCA scores about 0.84 here).
    assert metrics.trustworthiness(X, wide) >= 0.9


@pytest.mark.slow
def test_a_different_number_of_neighbours_or_min_dist_changes_the_umap_map(few_digits):
    X, _ = few_digits
    default = project(X, "umap", random_state=SEED)
    assert not np.allclose(default, project(X, "umap", random_state=SEED, n_neighbors=40))
    spread = project(X, "umap", random_state=SEED, min_dist=0.9)
    assert not np.allclose(default, spread)
    # A larger minimum distance keeps points further apart: their nearest neighbour is further away.
    def nearest(points):
        distances = np.linalg.norm(points[:, None] - points[None], axis=-1) + np.eye(len(points)) * 1e9
        return np.median(distances.min(axis=1)) / np.ptp(points, axis=0).max()
    assert nearest(spread) > nearest(default)
