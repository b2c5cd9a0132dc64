"""Autoencoder Lab: the page registry and the shared page setup. Nothing else."""

import streamlit as st

from aecore.ui import page_setup

page_setup()
navigation = st.navigation({
    "Autoencoder Lab": [
        st.Page("app_pages/home.py", title="Home", icon=":material/home:", default=True),
    ],
    "Learn": [
        st.Page("app_pages/linear_3d.py", title="3D → 2D: linear AE vs PCA", icon=":material/3d_rotation:"),
    ],
    "Train and inspect": [
        st.Page("app_pages/train.py", title="Train", icon=":material/model_training:"),
        st.Page("app_pages/reconstructions.py", title="Reconstructions", icon=":material/compare:"),
    ],
    "Explore": [
        st.Page("app_pages/latent.py", title="Latent space", icon=":material/scatter_plot:"),
        st.Page("app_pages/clusters.py", title="Clusters", icon=":material/bubble_chart:"),
        st.Page("app_pages/anomalies.py", title="Anomalies", icon=":material/crisis_alert:"),
        st.Page("app_pages/generate.py", title="Generate and denoise", icon=":material/auto_awesome:"),
    ],
    "Runs": [
        st.Page("app_pages/runs.py", title="Runs", icon=":material/folder_open:"),
    ],
})
navigation.run()
