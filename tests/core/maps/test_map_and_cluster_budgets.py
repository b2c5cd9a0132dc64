"""Issue 14, cases 3 and 9: clustering and maps are checked against the resource budget before
anything is fitted. A hostile clustering link gets a plain error instead of hours of work, and
t-SNE / UMAP above their row limit embed a stated random subsample (library and Latent page)."""

import base64
import json

import numpy as np
import pytest

from aecore import budget as aebudget
from tests.builders import open_page, record_slots
from aecore.budget import Budget
from aecore.cluster import cluster, n2d
from aecore.projection import project, project_sample

TIMEOUT = 180
HOSTILE = {"data": "mnist_sample", "preset": "recommended", "space": "raw", "method": "gmm",
           "clusters": "50", "n_init": "50"}


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
    _forbid(monkeypatch, "aecore.cluster.project")
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


def test_the_default_budget_applies_when_none_is_given(monkeypatch, rng):
    monkeypatch.setattr(aebudget, "DEFAULT", Budget(max_tsne_rows=40))
    X = rng.normal(size=(120, 4))
    with pytest.raises(ValueError, match="over the budget of 40 rows"):
        project(X, "tsne")
    embedding, rows = project_sample(X, "tsne")
    assert embedding.shape == (40, 2) and len(rows) == 40


# --------------------------------------------------------------------------- app


@pytest.fixture()
def slots_entered(monkeypatch):
    """Record what asks for one of the server's job slots (``app_ui.session.exclusive``), granting it."""
    return record_slots(monkeypatch)


def _open(page, params):
    return open_page(page, params, timeout=TIMEOUT)


@pytest.mark.timeout(120)  # the whole test, TensorFlow's import and the demo models' loading included
def test_the_hostile_clustering_link_shows_an_error_quickly_and_queues_nothing(monkeypatch, slots_entered):
    _forbid(monkeypatch, "sklearn.mixture.GaussianMixture.fit")
    at = _open("app_pages/clusters.py", HOSTILE)
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and "limit is 5e\\+11" in errors[0], errors  # escaped Markdown
    assert "n\\_init\\=50" in errors[0]
    assert at.session_state["clusters.space"] == "raw" and at.session_state["clusters.k"] == 50
    assert slots_entered == []  # refused before queuing for a slot


def test_clustering_runs_in_a_job_slot_and_comparing_skips_spaces_over_the_budget(slots_entered):
    from app_ui import caches, i18n

    caches.cluster_results.clear()  # nothing cached: the clustering must really run
    at = _open("app_pages/clusters.py", {"space": "codes", "method": "gmm", "clusters": "10", "n_init": "1"})
    assert not at.error, [e.value for e in at.error]
    assert slots_entered == [i18n.translate("ui.job_clustering", "en")]

    at.button(key="clusters.compare").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    table = at.dataframe[-1].value
    assert len(table) == 3 and "raw inputs" not in set(table.iloc[:, 0])  # raw pixels with a mixture
    skipped = [c.value for c in at.caption if c.value.startswith("Skipped")]
    assert len(skipped) == 1 and "limit is" in skipped[0], skipped


def _map_ids(at, key="latent.map"):
    """Row ids (customdata) of every point of a Plotly chart shown by an AppTest run."""
    chart = next(c for c in at.get("plotly_chart") if key in c.proto.id)
    spec = json.loads(chart.proto.spec)
    ids = [_plotly_array(trace.get("customdata", [])) for trace in spec["data"]]
    return np.concatenate(ids).astype(int), spec["layout"]["title"]["text"]


def _plotly_array(value) -> np.ndarray:
    """An array from Plotly's JSON: a list, or ``{"dtype": ..., "bdata": base64}``."""
    if isinstance(value, dict):
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
    return np.ravel(value)


@pytest.mark.timeout(300)
def test_latent_tsne_over_the_budget_places_the_other_rows(monkeypatch, slots_entered):
    from app_ui import analyses, caches, i18n

    monkeypatch.setattr(aebudget, "DEFAULT", Budget(max_tsne_rows=500))
    monkeypatch.setattr(analyses, "MAP_SLOT_ROWS", 400)  # so that this small map is a "large" one
    caches.map_views.clear()
    at = _open("app_pages/latent.py", {"view": "tsne"})
    assert at.session_state["latent.method"] == "tsne"
    assert slots_entered == [i18n.translate("ui.job_map", "en")]  # drawn in a job slot
    ids, title = _map_ids(at)
    # 500 of the 5,000 demo rows embedded, the other 4,500 placed: every row is drawn, and said so.
    assert sorted(ids) == list(range(5000)) and "random" not in title, title
    assert any("a seeded random 500 were embedded and the other 4,500 placed" in c.value for c in at.caption), \
        [c.value for c in at.caption]

    at.button(key="latent.quality").click().run()
    assert not at.exception, [e.value for e in at.exception]
    table = at.dataframe[-1].value.set_index("view")
    assert table.loc["t-SNE", "rows"] == 5000 and table.loc["t-SNE", "trustworthiness"] > 0.9


@pytest.mark.timeout(300)
def test_latent_3d_tsne_over_the_budget_is_drawn_on_a_stated_subsample(monkeypatch, slots_entered):
    from app_ui import caches

    monkeypatch.setattr(aebudget, "DEFAULT", Budget(max_tsne_rows=300))
    caches.map_views.clear()
    at = _open("app_pages/latent.py", {"view": "tsne", "dims": "3"})
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["latent.dims"] == 3
    # openTSNE places rows in 2-D only: a 3-D t-SNE map is scikit-learn's, on a stated subsample.
    assert any("random 300 of 5,000 rows" in c.value for c in at.caption), [c.value for c in at.caption]


def test_the_csv_of_a_subsampled_view_leads_with_the_original_row_ids():
    from aecore.export import codes_csv

    text = codes_csv(np.array([[0.5, 1.0], [2.0, 3.0]]), np.array([7, 1]), row_ids=np.array([12, 1_234_567]))
    assert text.decode().splitlines() == ["row,z1,z2,label", "12,0.5,1,7", "1234567,2,3,1"]
    assert codes_csv(np.ones((1, 2))).decode().splitlines() == ["z1,z2", "1,1"]
