"""Home: what Autoencoder Lab is and where to go next."""

import streamlit as st

from aecore_app.app_pages import page_file
from aecore_app.home_ui import forming_picture_ui
from aecore_app.i18n import t
from aecore_app.page import APP_NAME
from aecore_app.tour import tour_ui

st.title(APP_NAME)
st.markdown(t("home.intro"))
forming_picture_ui()
st.markdown(t("home.posts"))  # the five source posts, named once: every page calls them post 000 to 004

left, right = st.columns(2)
with left:
    st.subheader(t("home.start_here"))
    st.page_link(page_file("linear_3d.py"), label=t("linear3d.title"), icon=":material/3d_rotation:")
    st.caption(t("home.linear3d_caption"))
with right:
    st.subheader(t("home.images_and_tables"))
    st.page_link(page_file("train.py"), label=t("train.title"), icon=":material/model_training:")
    st.page_link(page_file("reconstructions.py"), label=t("home.compare_link"), icon=":material/compare:")
    st.caption(t("home.data_caption"))

st.subheader(t("home.more.heading"))
for column, (page, label, icon, caption) in zip(st.columns(4), [
        (page_file("digit.py"), "digit.title", ":material/draw:", "home.more.digit"),
        (page_file("train.py"), "home.more.animation_link", ":material/animation:", "home.more.animation"),
        (page_file("latent.py"), "home.more.neighbours_link", ":material/hub:", "home.more.neighbours"),
        (page_file("compare.py"), "compare.title", ":material/compare_arrows:", "home.more.compare")]):
    column.page_link(page, label=t(label), icon=icon)
    column.caption(t(caption))

st.divider()
tour_ui()
st.divider()
st.markdown(t("home.how_it_works"))
st.caption(t("home.footer"))
