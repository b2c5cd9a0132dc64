"""AppTest for the Family page's "How many dimensions?" tab: the MNIST sample's shipped sweep opens at
once (no button, no training); other data or settings state their estimate first and run on a click."""

import json

import pytest
from streamlit.testing.v1 import AppTest

from aecore.experiments import dimensions
from aecore_app import i18n

from tests.builders import APP

pytestmark = pytest.mark.slow  # the page imports TensorFlow and draws every Family tab

TIMEOUT = 180
PAGE = "aecore_app/app_pages/family.py"


def en(key: str, **values) -> str:
    return i18n.translate(key, "en", **values)


def _open(dataset: str, hidden: str | None = None) -> AppTest:
    import streamlit as st

    st.cache_resource.clear()
    st.cache_data.clear()
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["family.dataset"] = dataset
    if hidden:
        at.session_state["family.hidden"] = hidden
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _sweep_chart(at) -> dict | None:
    for chart in at.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        if (spec["layout"].get("title") or {}).get("text", "").startswith("Autoencoder vs PCA over latent sizes"):
            return spec
    return None


def _captions(at) -> list[str]:
    return [c.value for c in at.caption]


def test_the_mnist_samples_sweep_opens_at_once_from_the_shipped_result():
    at = _open("mnist_sample")
    shipped = dimensions.shipped_result()
    spec = _sweep_chart(at)
    assert spec is not None
    assert spec["layout"]["title"]["text"] == en("family.dims.chart", rows=shipped["n_test"])
    traces = {(t.get("xaxis", "x"), t.get("name")): t for t in spec["data"]}
    assert traces[("x", "autoencoder")]["y"] == pytest.approx(shipped["autoencoder"]["mse"])
    assert traces[("x", "PCA")]["y"] == pytest.approx(shipped["pca"]["mse"])
    assert traces[("x2", "PCA")]["y"] == pytest.approx(shipped["pca"]["trustworthiness"])
    # Nothing to press and nothing trained: the result is the shipped one, said so.
    assert not any(b.key == "family.dims.go" for b in at.button)
    assert en("family.dims.shipped", seconds=shipped["seconds"]) in _captions(at)
    found = dimensions.summary(shipped)
    # 64 components keep less than 90% of the MNIST sample's variance: the caption says how much they keep.
    assert found["components_for_share"] is None
    assert en("family.dims.reading_variance_short", k=64, share=found["variance_at_largest"],
              target=0.9) in _captions(at)
    assert en("family.dims.reading_both", ae=", ".join(map(str, found["autoencoder_better"])),
              pca=", ".join(map(str, found["pca_better"]))) in _captions(at)


def test_other_settings_on_the_mnist_sample_state_their_estimate_before_running():
    at = _open("mnist_sample")
    at.slider(key="family.dims.epochs.mnist_sample").set_value(5).run()
    assert not at.exception
    estimate = dimensions.check_sweep(dimensions.SweepSettings(epochs=5), 4000, 1000, 784)
    assert en("family.dims.estimate", n=6, epochs=5, rows=4000, seconds=estimate.seconds) in _captions(at)
    assert not at.button(key="family.dims.go").disabled
    assert _sweep_chart(at) is None  # not run until pressed


def test_digits_run_in_a_slot_on_a_click_and_bad_choices_are_plain_errors():
    at = _open("digits", hidden="32")
    # 64 features: the 64-wide code is left out, and said so.
    assert at.multiselect(key="family.dims.sizes.digits").options == ["2", "4", "8", "16", "32"]
    assert en("family.dims.dropped", sizes="64", features=64) in _captions(at)
    at.multiselect(key="family.dims.sizes.digits").set_value([]).run()
    assert not at.exception
    assert en("family.dims.no_sizes") in [e.value for e in at.error]
    assert at.button(key="family.dims.go").disabled

    at.multiselect(key="family.dims.sizes.digits").set_value([8, 2]).run()
    at.slider(key="family.dims.epochs.digits").set_value(1).run()
    estimate = dimensions.check_sweep(dimensions.SweepSettings(sizes=(2, 8), hidden_units=(32,), epochs=1),
                                      1437, 360, 64)
    assert en("family.dims.estimate", n=2, epochs=1, rows=1437, seconds=estimate.seconds) in _captions(at)
    at.button(key="family.dims.go").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    spec = _sweep_chart(at)
    assert spec is not None and spec["layout"]["title"]["text"] == en("family.dims.chart", rows=360)
    assert [t for t in spec["data"] if t.get("name") == "autoencoder"][0]["x"] == [2, 8]
    assert any(c.startswith("Ran in ") for c in _captions(at))
    assert any(c.startswith(en("family.dims.used", epochs=1, hidden="32", train=1437, test=360, neighbours=10)[:40])
               for c in _captions(at))
