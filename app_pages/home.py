"""Home: what Autoencoder Lab is and where to go next."""

import streamlit as st

st.title("Autoencoder Lab")
st.markdown(
    "Train **Keras autoencoders** on real data and *see* what they learn: 3D clouds against their "
    "2D codings, reconstructions next to PCA's, and honest numbers against the baselines. "
    "Everything runs on the CPU of a laptop; the default data ship with the app, so it works offline.")

left, right = st.columns(2)
with left:
    st.subheader("Start here")
    st.page_link("app_pages/linear_3d.py", label="3D → 2D: a linear autoencoder against PCA", icon=":material/3d_rotation:")
    st.caption("Seed 000's experiment: squeeze a 3D cloud into 2 numbers. A linear autoencoder "
               "can at best match PCA (Eckart–Young); watch it get there.")
with right:
    st.subheader("Images and tables")
    st.page_link("app_pages/train.py", label="Train an autoencoder", icon=":material/model_training:")
    st.page_link("app_pages/reconstructions.py", label="Compare reconstructions with PCA", icon=":material/compare:")
    st.caption("5,000 real MNIST digits offline, scikit-learn's digits, MNIST/Fashion-MNIST through "
               "Keras, or your own CSV, NPY/NPZ or ZIP of images.")

st.divider()
st.markdown(
    "**How it works.** An *encoder* compresses each sample into a short *latent code*; a *decoder* "
    "rebuilds the sample from it. Training minimises the reconstruction error, so the code keeps what "
    "matters. With linear layers this is PCA; with non-linear layers it can beat PCA at the same size.")
st.caption("Built on `aecore` — usable from a notebook: `from aecore import AutoencoderReducer`.")
