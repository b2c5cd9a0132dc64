"""Your own digit: draw, photograph or upload a digit and see what the current model makes of it."""

import streamlit as st

from aecore_app.app_pages import page_file
from aecore_app import digit_ui
from aecore_app.i18n import t
from aecore_app.layout import escape_markdown
from aecore_app.model_ui import current_model_ui
from aecore_app.page import stop

st.title(t("digit.title"))
st.caption(t("digit.intro"))
with st.expander(t("common.what")):
    st.markdown(t("digit.explain"))
loaded = current_model_ui()
if loaded is None:
    stop()
if not digit_ui.fits_model(loaded.dataset):
    st.info(t("digit.not_mnist", data=escape_markdown(loaded.active.key)), icon=":material/info:")
    st.page_link(page_file("train.py"), label=t("digit.go_train"), icon=":material/model_training:")
    stop()

digit = digit_ui.digit_input_ui()
if digit is None:
    stop()
report, reference = digit_ui.report_of(loaded, digit)

digit_ui.input_and_reconstructions_ui(report, loaded.config.n_components)
digit_ui.code_and_map_ui(report, reference)
digit_ui.neighbours_ui(report, loaded)
digit_ui.cluster_ui(report, reference, loaded.dataset)
