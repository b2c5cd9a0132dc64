"""Autoencoder Lab: the page registry and the shared page setup. Nothing else.

``streamlit run`` runs this file when the app is installed (``aecore app``); in a checkout and on
Community Cloud the root's ``app.py`` calls :func:`run`. Pages are named by absolute paths, so the
same registry serves both."""

import streamlit as st

from aecore_app import idle
from aecore_app.app_pages import PAGES_DIR as PAGES
from aecore_app.i18n import t
from aecore_app.page import APP_NAME, page_done, page_setup
from aecore_app.page_link import write_url
from aecore_app.tour import end_arrival, tour_banner


def run() -> None:
    """Set the page up, show the navigation and run the chosen page."""
    with idle.script_run():  # background work (UMAP's warm-up) waits for a pause between runs
        _run()


def _run() -> None:
    page_setup()
    navigation = st.navigation({
        APP_NAME: [
            st.Page(PAGES / "home.py", title=t("nav.home"), icon=":material/home:", default=True),
        ],
        t("nav.learn"): [
            st.Page(PAGES / "linear_3d.py", title=t("nav.linear3d"), icon=":material/3d_rotation:"),
            st.Page(PAGES / "family.py", title=t("family.nav"), icon=":material/family_history:"),
        ],
        t("nav.train_and_inspect"): [
            st.Page(PAGES / "train.py", title=t("nav.train"), icon=":material/model_training:"),
            st.Page(PAGES / "reconstructions.py", title=t("nav.recon"), icon=":material/compare:"),
        ],
        t("nav.explore"): [
            st.Page(PAGES / "latent.py", title=t("nav.latent"), icon=":material/scatter_plot:"),
            st.Page(PAGES / "clusters.py", title=t("nav.clusters"), icon=":material/bubble_chart:"),
            st.Page(PAGES / "anomalies.py", title=t("nav.anomalies"), icon=":material/crisis_alert:"),
            st.Page(PAGES / "generate.py", title=t("nav.generate"), icon=":material/auto_awesome:"),
            st.Page(PAGES / "digit.py", title=t("digit.nav"), icon=":material/draw:"),
            st.Page(PAGES / "compare.py", title=t("compare.nav"), icon=":material/compare_arrows:"),
        ],
        t("nav.runs"): [
            st.Page(PAGES / "runs.py", title=t("nav.runs"), icon=":material/folder_open:"),
        ],
    })
    tour_banner()  # on a page opened from the guided tour: the step, what to look at, next/previous
    try:
        navigation.run()
        end_arrival()  # a tour step's jobs are for the run(s) its link started, not for later clicks
    finally:
        write_url()  # the page's state into the URL (also after st.stop), and the Share box
        page_done()


if __name__ == "__main__":  # streamlit run aecore_app/app.py (what ``aecore app`` starts)
    run()
