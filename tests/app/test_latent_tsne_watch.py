"""The Latent space page's "Watch t-SNE converge" (AppTest): the default demo's checkpoints open at
once from the files shipped with it (no job asked for); other settings run in a job slot with the
estimate said, and the animation's last frame is the map the page drew; the toggle is in the link."""

import base64
import json

import numpy as np
import pytest

from aecore.maps import tsne_steps
from tests.builders import open_page, readable, record_slots

PAGE = "aecore_app/app_pages/latent.py"


@pytest.fixture(autouse=True)
def _fresh_caches():
    import streamlit as st

    from aecore_app import caches

    st.cache_data.clear()
    caches.map_views.clear()
    yield


def _animation(at) -> dict:
    charts = [c for c in at.get("plotly_chart") if c.proto.id.endswith("-latent.watch_chart")]
    assert len(charts) == 1
    return json.loads(charts[0].proto.spec)


def _decoded(array) -> np.ndarray:
    if isinstance(array, dict):
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"])
    return np.asarray(array)


@pytest.mark.slow
def test_the_default_demo_s_convergence_opens_from_the_shipped_checkpoints(monkeypatch):
    from aecore.runs import demo

    asked = record_slots(monkeypatch)
    at = open_page(PAGE, {"view": "tsne", "watch": "1"})
    assert at.toggle(key="latent.watch").value and at.query_params["watch"] == "1"
    shipped = demo.shipped_tsne_checkpoints(demo.TSNE_DEMO, 5000)
    assert not any("checkpoints" in what for what in asked), asked  # read, not computed
    spec = _animation(at)
    frames, steps = spec["frames"], spec["layout"]["sliders"][0]["steps"]
    assert len(frames) == len(steps) == tsne_steps.DEFAULT_CHECKPOINTS
    for step, frame, kl in zip(steps, frames, shipped.kl_divergence):
        # The title follows the slider: each step shows its frame, titled with its iteration and KL.
        assert step["args"][0] == [frame["name"]] and step["args"][1]["frame"]["redraw"] is True
        assert frame["layout"]["title"]["text"].startswith(f"t-SNE after {step['label']} iterations: "
                                                           f"KL divergence {kl:.3f}")
    assert "(early exaggeration)" in frames[0]["layout"]["title"]["text"]
    assert len(_decoded(frames[0]["data"][0]["x"])) == 2000  # each frame draws a stated 2,000 points
    caption = next(readable(c.value) for c in at.caption if "checkpoints" in c.value)
    assert (f"t-SNE of 5,000 of the 5,000 codes, kept at 15 checkpoints (each frame draws 2,000 of its points): "
            f"its KL divergence fell from {shipped.kl_divergence[0]:.3f} to {shipped.kl_divergence[-1]:.3f}") in caption


@pytest.mark.slow
def test_other_settings_run_in_a_job_slot_and_end_on_the_map_drawn(monkeypatch):
    from aecore_app import caches

    asked = record_slots(monkeypatch)
    at = open_page(PAGE, {"view": "tsne", "perplexity": "5", "watch": "1"})
    assert "t-SNE with checkpoints" in asked
    registry = caches.map_views()
    watched = [registry.get(key) for key in registry.keys() if key[0] == "tsne-watch"]
    maps = [registry.get(key) for key in registry.keys() if key[1] == "tsne"]
    assert len(watched) == 1 and len(maps) == 1 and watched[0].complete
    np.testing.assert_array_equal(watched[0].points[-1], maps[0].points)  # the last checkpoint is the map
    assert watched[0].kl_divergence[-1] < watched[0].kl_divergence[0]
    assert len(_animation(at)["frames"]) == tsne_steps.DEFAULT_CHECKPOINTS


@pytest.mark.slow
def test_checkpoints_over_the_budget_are_refused_in_plain_words(monkeypatch):
    from aecore.budget import Budget
    from aecore_app import tsne_watch_ui

    # A sample of the rows (not the shipped demo's map) and a budget holding no 15 copies of it.
    monkeypatch.setattr(tsne_watch_ui, "WATCH_ROWS", 300)
    monkeypatch.setattr(Budget, "default", classmethod(lambda cls: Budget(max_checkpoint_bytes=10_000)))
    at = open_page(PAGE, {"view": "tsne", "watch": "1"})
    errors = [readable(e.value) for e in at.error]
    assert len(errors) == 1 and errors[0].startswith("t-SNE cannot be watched here: n_checkpoints=15 of 300 rows "
                                                     "would hold 0.036 MB; the limit is 0.01 MB. Keep at most 4")
    assert not [c for c in at.get("plotly_chart") if c.proto.id.endswith("-latent.watch_chart")]


def test_watching_is_offered_for_a_2d_t_sne_map_only():
    at = open_page(PAGE, {"view": "pca", "watch": "1"})
    assert not [w for w in at.toggle if w.key == "latent.watch"]
