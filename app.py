"""Autoencoder Lab: the page registry and the shared page setup. Nothing else."""

import streamlit as st

from aecore.ui import page_setup

page_setup()
navigation = st.navigation({
    "Autoencoder Lab": [
        st.Page("pages/home.py", title="Home", icon=":material/home:", default=True),
    ],
    "Learn": [
        st.Page("pages/linear_3d.py", title="3D → 2D: linear AE vs PCA", icon=":material/3d_rotation:"),
    ],
    "Train and inspect": [
        st.Page("pages/train.py", title="Train", icon=":material/model_training:"),
        st.Page("pages/reconstructions.py", title="Reconstructions", icon=":material/compare:"),
    ],
})
navigation.run()
