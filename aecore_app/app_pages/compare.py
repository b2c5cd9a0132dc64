"""Compare two models: their settings, errors, loss curves, reconstructions and latent maps side by side."""

import streamlit as st

from aecore_app.app_pages import page_file
from aecore_app.compare_ui import (comparison_ui, default_pair_ui, load_model_ui, loss_chart_ui, maps_ui,
                               metrics_table_ui, model_choices, pair_data_ui, reconstructions_ui,
                               settings_table_ui)
from aecore_app.i18n import t
from aecore_app.page import stop
from aecore_app.page_link import url_state
from aecore_app.url import Param

st.title(t("compare.title"))
with st.expander(t("common.what")):
    st.markdown(t("compare.explain"))

choices = model_choices()
if len(choices) < 2:
    st.info(t("compare.too_few"))
    st.page_link(page_file("train.py"), label=t("ui.go_to_train"), icon=":material/model_training:")
    stop()

# A link such as ?a=demo:mnist-recommended&b=demo:mnist-denoising reopens the comparison; a value
# that names no listed model is dropped with a notice, and the defaults below fill its place.
url_state("compare", {"compare.a": Param("a", "choice", choices=tuple(choices)),
                      "compare.b": Param("b", "choice", choices=tuple(choices))})
default_pair_ui(choices)
left, right = st.columns(2)
a_id = left.selectbox(t("compare.model_a"), list(choices), format_func=lambda c: choices[c].label, key="compare.a")
b_id = right.selectbox(t("compare.model_b"), list(choices), format_func=lambda c: choices[c].label, key="compare.b")
if a_id == b_id:
    st.info(t("compare.same_model"))

a, b = load_model_ui(choices[a_id]), load_model_ui(choices[b_id])
if a is None or b is None:
    stop()
active = pair_data_ui(a, b)
if active is None:
    stop()
comparison = comparison_ui(a, b, active)

st.subheader(t("compare.settings_heading"))
settings_table_ui(a, b)
st.subheader(t("compare.metrics_heading"))
metrics_table_ui(comparison)
st.subheader(t("compare.loss_heading"))
loss_chart_ui(a, b)
st.subheader(t("compare.recon_heading"))
reconstructions_ui(comparison)
st.subheader(t("compare.maps_heading"))
maps_ui(comparison, a, b)
