"""The autoencoder family (issue #4): what makes each member different, measured on built-in data."""

import streamlit as st

from aecore_app.app_pages import page_file
from aecore_app.app_pages.family_tabs import beta_vae, dimensions, gan, greedy, pretraining, robust, sparse, tied
from aecore_app.family_ui import DATASETS, family_data_ui, theory
from aecore_app.i18n import t
from aecore_app.layout import coded_tabs
from aecore_app.page_link import url_state
from aecore_app.url import Param

TAB_CODES = ("tied", "greedy", "sparse", "gan", "pretraining", "more", "dims")

st.title(t("family.title"))
st.caption(t("family.intro"))

url_state("family", {"family.dataset": Param("dataset", "choice", choices=DATASETS),
                     "family.tab": Param("tab", "choice", choices=TAB_CODES)})
data = family_data_ui()

tab_tied, tab_greedy, tab_sparse, tab_gan, tab_pre, tab_more, tab_dims = coded_tabs("family.tab", {
    "tied": t("family.tab_tied"), "greedy": t("family.tab_greedy"), "sparse": t("family.tab_sparse"),
    "gan": t("family.tab_gan"), "pretraining": t("family.tab_pretraining"), "more": t("family.tab_denoising_vae"),
    "dims": t("family.dims.tab")}
)
with tab_tied:
    tied.tab_ui(data)
with tab_greedy:
    greedy.tab_ui(data)
with tab_sparse:
    sparse.tab_ui(data)
with tab_gan:
    gan.tab_ui(data)
with tab_pre:
    pretraining.tab_ui(data)
with tab_more:
    theory("denoising_vae")
    st.markdown(t("family.denoising_line"))
    st.markdown(t("family.vae_line"))
    st.page_link(page_file("generate.py"), label=t("family.go_generate"), icon=":material/auto_awesome:")
    st.caption(t("family.more_caption"))
    beta_vae.section_ui(data)
    robust.tab_ui(data)
with tab_dims:
    dimensions.tab_ui(data)
