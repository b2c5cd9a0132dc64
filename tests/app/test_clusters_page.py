"""The Clusters page on the shipped MNIST demo (clustered on its codes, drawn on PCA, so no UMAP):
every score comes with a reading, clusters are named by their majority label, and the decoded
centres follow the heatmap's column order."""

import json

import pytest
from streamlit.testing.v1 import AppTest

from tests.builders import APP

TIMEOUT = 180  # TensorFlow's import alone can take longer than AppTest's 3 s default.


@pytest.fixture(scope="module")
def clusters():
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params["space"] = "codes"
    at.query_params["map"] = "pca"
    at.switch_page("aecore_app/app_pages/clusters.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _specs(at) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def test_every_score_has_a_reading(clusters):
    from aecore.metrics import score_level
    from aecore_app.i18n import strings

    words = strings("en")
    values = {metric.label: float(metric.value) for metric in clusters.metric}
    shown = [caption.value for caption in clusters.caption]
    for name, label in [("silhouette", "silhouette"), ("acc", "accuracy (matched)"), ("nmi", "NMI"), ("ari", "ARI")]:
        reading = words[f"clusters.reading.{name}_{score_level(name, values[label], n_classes=10)}"]
        assert reading.format(chance=0.1, k=10) in shown, (name, shown)


def test_clusters_are_named_by_their_majority_label(clusters):
    cluster_map = next(spec for spec in _specs(clusters)
                       if any(str(d.get("name", "")).startswith("cluster") for d in spec["data"]))
    names = [d["name"] for d in cluster_map["data"] if str(d.get("name", "")).startswith("cluster")]
    assert len(names) == 10 and all("(mostly " in name and name.endswith("s)") for name in names)
    majorities = {name.split("mostly ")[1][:-2] for name in names}
    assert majorities <= set("0123456789") and len(majorities) >= 7  # the demo's clusters are mostly distinct digits


def test_decoded_centres_follow_the_heatmap_order(clusters):
    specs = _specs(clusters)
    heatmap = next(s for s in specs if s["data"][0].get("type") == "heatmap" and "texttemplate" in s["data"][0])
    grid = next(s for s in specs if s["layout"].get("xaxis", {}).get("ticktext"))
    columns = heatmap["data"][0]["x"]
    centres = [text.split(" ")[0] for text in grid["layout"]["xaxis"]["ticktext"]]
    assert centres == columns


def test_a_shipped_clustering_says_its_time_was_taken_when_the_demo_was_made(clusters):
    # The codes-space clustering above is computed here: its time is this server's.
    assert "seconds" in [metric.label for metric in clusters.metric]
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.switch_page("aecore_app/app_pages/clusters.py").run()  # the default: the demo's shipped clustering
    assert not at.exception, [e.value for e in at.exception]
    labels = [metric.label for metric in at.metric]
    assert "seconds, when the demo was made" in labels and "seconds" not in labels, labels
