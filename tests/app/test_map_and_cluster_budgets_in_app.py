"""Clustering and maps in the pages stay within the resource budget (issue 14, cases 3 and 9;
AppTest): a hostile clustering link gets a plain error instead of hours of work and queues
nothing, clustering runs in a job slot, and a t-SNE map above its row limit is embedded on a
stated subsample (the other rows placed, in 2-D)."""

import base64
import json

import numpy as np
import pytest

from aecore import budget as aebudget
from aecore.budget import Budget
from tests.builders import open_page, record_slots

TIMEOUT = 180
HOSTILE = {"data": "mnist_sample", "preset": "recommended", "space": "raw", "method": "gmm",
           "clusters": "50", "n_init": "50"}


def _forbid(monkeypatch, target: str):
    """Make ``target`` (a dotted path to a method) fail the test when it is called."""
    def called(*args, **kwargs):
        raise AssertionError(f"{target} ran although the budget should have refused the work")

    monkeypatch.setattr(target, called)


@pytest.fixture()
def slots_entered(monkeypatch):
    """Record what asks for one of the server's job slots (``aecore_app.session.exclusive``), granting it."""
    return record_slots(monkeypatch)


def _open(page, params):
    return open_page(page, params, timeout=TIMEOUT)


@pytest.mark.timeout(120)  # the whole test, TensorFlow's import and the demo models' loading included
def test_the_hostile_clustering_link_shows_an_error_quickly_and_queues_nothing(monkeypatch, slots_entered):
    _forbid(monkeypatch, "sklearn.mixture.GaussianMixture.fit")
    at = _open("aecore_app/app_pages/clusters.py", HOSTILE)
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and "limit is 5e\\+11" in errors[0], errors  # escaped Markdown
    assert "n\\_init\\=50" in errors[0]
    assert at.session_state["clusters.space"] == "raw" and at.session_state["clusters.k"] == 50
    assert slots_entered == []  # refused before queuing for a slot


@pytest.mark.slow
def test_clustering_runs_in_a_job_slot_and_comparing_skips_spaces_over_the_budget(slots_entered):
    from aecore_app import caches, i18n

    caches.cluster_results.clear()  # nothing cached: the clustering must really run
    at = _open("aecore_app/app_pages/clusters.py", {"space": "codes", "method": "gmm", "clusters": "10", "n_init": "1"})
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


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_latent_tsne_over_the_budget_places_the_other_rows(monkeypatch, slots_entered):
    from aecore_app import analyses, caches, i18n

    monkeypatch.setattr(aebudget, "DEFAULT", Budget(max_tsne_rows=500))
    monkeypatch.setattr(analyses, "MAP_SLOT_ROWS", 400)  # so that this small map is a "large" one
    caches.map_views.clear()
    at = _open("aecore_app/app_pages/latent.py", {"view": "tsne"})
    assert at.session_state["latent.method"] == "tsne"
    assert slots_entered == [i18n.translate("ui.job_map", "en")]  # drawn in a job slot
    ids, title = _map_ids(at)
    # 500 of the 5,000 demo rows embedded, the other 4,500 placed: every row is drawn, and said so.
    assert sorted(ids) == list(range(5000)) and "random" not in title, title
    assert any("a seeded random 500 were embedded and the other 4,500 placed" in c.value for c in at.caption), \
        [c.value for c in at.caption]

    at.session_state["latent.tab"] = "quality"  # the tab a click opens (only the open tab is drawn)
    at.run()
    at.button(key="latent.quality").click().run()
    assert not at.exception, [e.value for e in at.exception]
    table = at.dataframe[-1].value.set_index("view")
    assert table.loc["t-SNE", "rows"] == 5000 and table.loc["t-SNE", "trustworthiness"] > 0.9


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_latent_3d_tsne_over_the_budget_is_drawn_on_a_stated_subsample(monkeypatch, slots_entered):
    from aecore_app import caches

    monkeypatch.setattr(aebudget, "DEFAULT", Budget(max_tsne_rows=300))
    caches.map_views.clear()
    at = _open("aecore_app/app_pages/latent.py", {"view": "tsne", "dims": "3"})
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["latent.dims"] == 3
    # openTSNE places rows in 2-D only: a 3-D t-SNE map is scikit-learn's, on a stated subsample.
    assert any("random 300 of 5,000 rows" in c.value for c in at.caption), [c.value for c in at.caption]
