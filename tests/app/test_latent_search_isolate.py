"""The Latent space page's search and isolation (AppTest): a link's search rings its matches and says
"n of N match"; what a person typed is shown escaped; the matches or a selection are mapped on their
own, in the link, and "Back to every point" returns to the whole map."""

import base64
import json

import numpy as np
import pytest

from aecore.data.datasets import load_mnist_sample
from tests.builders import open_page, readable

PAGE = "aecore_app/app_pages/latent.py"


@pytest.fixture(autouse=True)
def _fresh_caches():
    import streamlit as st

    st.cache_data.clear()
    yield


def _plain(value):
    """Plotly's base64-encoded arrays ({"dtype", "bdata"}) decoded into lists, everywhere in ``value``."""
    if isinstance(value, dict):
        if set(value) >= {"dtype", "bdata"}:
            return np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"]).tolist()
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def _map(at) -> dict:
    """The map's figure as plain lists."""
    charts = [c for c in at.get("plotly_chart") if c.proto.id.endswith(("-latent.map", "-latent.map_iso"))]
    return _plain(json.loads(charts[0].proto.spec))


def _ringed(at) -> list:
    return [trace for trace in _map(at)["data"] if trace.get("name") == "found"]


def test_a_link_s_search_rings_its_matches_and_counts_them():
    at = open_page(PAGE, {"view": "pca", "find_col": "label", "find": "3, 5"})
    y = load_mnist_sample().y
    n = int(np.isin(y, [3, 5]).sum())
    assert any(readable(c.value).startswith(f"{n:,} of 5,000 rows match \"3, 5\"") for c in at.caption)
    ring = _ringed(at)
    assert len(ring) == 1 and sorted(ring[0]["customdata"]) == np.flatnonzero(np.isin(y, [3, 5])).tolist()
    assert at.query_params["find"] == "3, 5" and at.query_params["find_col"] == "label"
    assert at.button(key="latent.iso_find").label == f"Map only the {n:,} matches"


def test_a_query_it_cannot_read_is_said_in_plain_words_and_shown_escaped():
    at = open_page(PAGE, {"view": "pca", "find_col": "error", "find": "<b>[x](http://e.com)"})
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and "is not a number, a comparison or a range" in readable(errors[0])
    assert "<b>" not in errors[0] and "](" not in errors[0]  # escaped: no tag, no link
    assert "<b>[x](http://e.com)" in readable(errors[0])
    assert not _ringed(at)


def test_a_search_longer_than_a_link_may_hold_is_ignored_with_a_reason():
    at = open_page(PAGE, {"view": "pca", "find": "1," * 60})
    assert any("find" in i.value and "more than 100 characters" in i.value for i in at.info)
    assert "find" not in at.query_params


def test_the_matches_mapped_on_their_own_then_back_to_every_point():
    at = open_page(PAGE, {"view": "pca", "find_col": "label", "find": "7"})
    n = int((load_mnist_sample().y == 7).sum())
    at.button(key="latent.iso_find").click().run()
    assert not at.exception, [e.value for e in at.exception]
    title = _map(at)["layout"]["title"]["text"]
    assert title.startswith(f"PCA of {n:,} of the 5,000 codes, mapped on their own")
    assert at.query_params["iso"] == "find" and at.query_params["iso_view"] == "pca"
    assert len(_map(at)["data"][0]["x"]) == n  # only the sevens are on the map
    assert not _ringed(at) and any(readable(c.value).endswith('match "7": this map shows them alone.') for c in at.caption)
    assert not [b for b in at.button if b.key == "latent.iso_find"]  # no second isolation of the same matches
    at.radio(key="latent.iso_view").set_value("umap").run()
    assert _map(at)["layout"]["title"]["text"].startswith(f"UMAP of {n:,} of the 5,000 codes")
    assert at.query_params["iso_view"] == "umap"

    at.button(key="latent.iso_back").click().run()
    assert "iso" not in at.query_params and "iso_view" not in at.query_params
    assert _map(at)["layout"]["title"]["text"].startswith("PCA of the codes")


def test_a_link_isolates_the_selected_rows_it_names():
    rows = list(range(100, 3100, 100))  # 30 rows, 3 of each digit
    at = open_page(PAGE, {"view": "pca", "iso": "sel", "iso_rows": ",".join(map(str, rows)), "iso_view": "pca"})
    spec = _map(at)
    assert spec["layout"]["title"]["text"].startswith("PCA of 30 of the 5,000 codes, mapped on their own")
    assert sorted(v for trace in spec["data"] for v in trace.get("customdata", [])) == rows
    assert at.query_params["iso_rows"] == ",".join(map(str, rows))
    # Row 3000 is the only 6: no kNN accuracy with a one-point label, the trustworthiness still.
    scores = {m.label: m.value for m in at.metric}
    assert scores["kNN accuracy"] == "–" and 0 < float(scores["trustworthiness"]) <= 1


def test_a_link_isolating_a_selection_it_does_not_name_falls_back_to_the_whole_map():
    at = open_page(PAGE, {"view": "pca", "iso": "sel"})
    assert any("no longer known" in e.value for e in at.error)
    assert "iso" not in at.query_params
    assert _map(at)["layout"]["title"]["text"].startswith("PCA of the codes")
