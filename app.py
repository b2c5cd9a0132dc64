"""Autoencoder Lab: the page registry and the shared page setup. Nothing else."""

import streamlit as st

from app_ui.i18n import t
from app_ui.page import APP_NAME, page_done, page_setup
from app_ui.tour import tour_banner
from app_ui.page_link import write_url

page_setup()
navigation = st.navigation({
    APP_NAME: [
        st.Page("app_pages/home.py", title=t("nav.home"), icon=":material/home:", default=True),
    ],
    t("nav.learn"): [
        st.Page("app_pages/linear_3d.py", title=t("nav.linear3d"), icon=":material/3d_rotation:"),
        st.Page("app_pages/family.py", title=t("family.nav"), icon=":material/family_history:"),
    ],
    t("nav.train_and_inspect"): [
        st.Page("app_pages/train.py", title=t("nav.train"), icon=":material/model_training:"),
        st.Page("app_pages/reconstructions.py", title=t("nav.recon"), icon=":material/compare:"),
    ],
    t("nav.explore"): [
        st.Page("app_pages/latent.py", title=t("nav.latent"), icon=":material/scatter_plot:"),
        st.Page("app_pages/clusters.py", title=t("nav.clusters"), icon=":material/bubble_chart:"),
        st.Page("app_pages/anomalies.py", title=t("nav.anomalies"), icon=":material/crisis_alert:"),
        st.Page("app_pages/generate.py", title=t("nav.generate"), icon=":material/auto_awesome:"),
        st.Page("app_pages/digit.py", title=t("digit.nav"), icon=":material/draw:"),
        st.Page("app_pages/compare.py", title=t("compare.nav"), icon=":material/compare_arrows:"),
    ],
    t("nav.runs"): [
        st.Page("app_pages/runs.py", title=t("nav.runs"), icon=":material/folder_open:"),
    ],
})
tour_banner()  # on a page opened from the guided tour: the step, what to look at, next/previous
try:
    navigation.run()
finally:
    write_url()  # the page's state into the URL (also after st.stop), and the Share box
    page_done()
