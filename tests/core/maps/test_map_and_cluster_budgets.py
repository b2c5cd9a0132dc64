"""Clustering and maps are checked against the resource budget before anything is fitted (issue 14,
cases 3 and 9): a mixture on raw pixels or HDBSCAN over its row limit is refused in plain words, and
t-SNE / UMAP above their row limit embed a stated random subsample. In the pages:
app/test_map_and_cluster_budgets_in_app.py."""

import numpy as np
import pytest

from aecore import budget as aebudget
from aecore.budget import Budget
from aecore.maps.cluster import cluster, n2d
from aecore.maps.projection import project, project_sample


def _forbid(monkeypatch, target: str):
    """Make ``target`` (a dotted path to a method) fail the test when it is called."""
    def called(*args, **kwargs):
        raise AssertionError(f"{target} ran although the budget should have refused the work")

    monkeypatch.setattr(target, called)


# --------------------------------------------------------------------------- library: clustering


def test_a_mixture_on_raw_pixels_is_refused_before_fitting_and_kmeans_on_codes_runs(monkeypatch, rng):
    _forbid(monkeypatch, "sklearn.mixture.GaussianMixture.fit")
    pixels = rng.random((5000, 784), dtype=np.float32)  # the shape of the MNIST sample
    with pytest.raises(ValueError, match=r"limit is 5e\+11") as refused:
        cluster(pixels, "gmm", n_clusters=50, n_init=50)
    message = str(refused.value)
    assert "5,000 rows x 784 features" in message and "n_init=50" in message  # the estimate's inputs
    assert "KMeans" in message or "codes" in message  # and what to change

    codes = rng.normal(size=(5000, 10))
    result = cluster(codes, "kmeans", n_clusters=10, n_init=10)
    assert result.labels.shape == (5000,) and result.n_clusters == 10


def test_cluster_takes_an_explicit_budget(monkeypatch, rng):
    _forbid(monkeypatch, "sklearn.cluster.KMeans.fit")
    with pytest.raises(ValueError, match="operations; the limit is 1e\\+03"):
        cluster(rng.normal(size=(100, 4)), "kmeans", n_clusters=3, budget=Budget(max_cluster_compute=1e3))


def test_n2d_checks_umap_rows_and_the_clustering_before_any_embedding(monkeypatch, rng):
    _forbid(monkeypatch, "aecore.maps.cluster.project")
    codes = rng.normal(size=(300, 6))
    with pytest.raises(ValueError, match="method='umap' on 300 rows is over the budget of 100 rows"):
        n2d(codes, n_clusters=3, budget=Budget(max_umap_rows=100))
    with pytest.raises(ValueError, match="method='gmm' on 300 rows x 10 features"):
        n2d(codes, n_clusters=3, umap_components=10, budget=Budget(max_cluster_compute=1e6))


def test_hdbscan_over_its_row_limit_is_refused_with_the_rows_it_may_cluster(monkeypatch, rng):
    # 200,000 rows would take HDBSCAN's pairwise spanning tree ~8 minutes; the message says how
    # many rows fit (and those do).
    _forbid(monkeypatch, "sklearn.cluster.HDBSCAN.fit")
    budget = Budget()
    most = budget.max_hdbscan_rows(10)
    assert 20_000 < most < 60_000
    budget.check_clustering("hdbscan", most, 10, 10, 10)
    with pytest.raises(ValueError, match=f"at most about {most:,} rows") as refused:
        cluster(np.zeros((most + 1, 10), np.float32), "hdbscan")
    assert "HDBSCAN's cost" in str(refused.value)  # names kept as written, not lower-cased


@pytest.mark.slow
def test_hdbscan_neighbour_tables_stay_linear_in_the_rows(monkeypatch, rng):
    from sklearn.cluster import HDBSCAN

    seen = {}
    fit = HDBSCAN.fit

    def spy(self, X, y=None):
        seen.update(min_cluster_size=self.min_cluster_size, min_samples=self.min_samples)
        return fit(self, X, y)

    monkeypatch.setattr(HDBSCAN, "fit", spy)
    cluster(rng.normal(size=(6_000, 2)), "hdbscan", n_clusters=10)
    assert seen == {"min_cluster_size": 120, "min_samples": 100}
    cluster(rng.normal(size=(600, 2)), "hdbscan", n_clusters=10)
    assert seen == {"min_cluster_size": 12, "min_samples": 12}  # small data: scikit-learn's default
    cluster(rng.normal(size=(600, 2)), "hdbscan", n_clusters=10, min_samples=3)
    assert seen["min_samples"] == 3


# --------------------------------------------------------------------------- library: maps


def test_tsne_over_its_row_limit_is_refused_before_embedding(monkeypatch, rng):
    _forbid(monkeypatch, "sklearn.manifold.TSNE.fit_transform")
    with pytest.raises(ValueError, match="22,000 rows is over the budget of 20,000 rows.*project_sample"):
        project(rng.normal(size=(22_000, 4)), "tsne")


@pytest.mark.slow
def test_project_sample_embeds_a_seeded_subsample_and_returns_its_rows(rng):
    X = rng.normal(size=(12_000, 4)).astype(np.float32)
    small = Budget(max_tsne_rows=300, max_rows=200)

    embedding, rows = project_sample(X, "tsne", budget=small)
    assert embedding.shape == (300, 2) and np.isfinite(embedding).all()
    assert rows.shape == (300,) and rows.dtype == np.int64
    assert np.all(np.diff(rows) > 0) and rows[0] >= 0 and rows[-1] < len(X)  # sorted, distinct, in range

    # PCA (limit: max_rows) shows that embedding[i] is the map of X[rows[i]], with seeded rows.
    pca, pca_rows = project_sample(X, "pca", budget=small, random_state=3)
    np.testing.assert_array_equal(pca_rows, project_sample(X, "pca", budget=small, random_state=3)[1])
    np.testing.assert_allclose(pca, project(X[pca_rows], "pca", budget=small), atol=1e-5)

    within, none = project_sample(X[:150], "pca", budget=small)
    assert none is None and within.shape == (150, 2)


@pytest.mark.slow
def test_the_default_budget_applies_when_none_is_given(monkeypatch, rng):
    monkeypatch.setattr(aebudget, "DEFAULT", Budget(max_tsne_rows=40))
    X = rng.normal(size=(120, 4))
    with pytest.raises(ValueError, match="over the budget of 40 rows"):
        project(X, "tsne")
    embedding, rows = project_sample(X, "tsne")
    assert embedding.shape == (40, 2) and len(rows) == 40


def test_the_csv_of_a_subsampled_view_leads_with_the_original_row_ids():
    from aecore.runs.export import codes_csv

    text = codes_csv(np.array([[0.5, 1.0], [2.0, 3.0]]), np.array([7, 1]), row_ids=np.array([12, 1_234_567]))
    assert text.decode().splitlines() == ["row,z1,z2,label", "12,0.5,1,7", "1234567,2,3,1"]
    assert codes_csv(np.ones((1, 2))).decode().splitlines() == ["z1,z2", "1,1"]
