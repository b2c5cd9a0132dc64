"""Tied weights: the decoder reuses the encoder's transposed kernels; count what that saves."""

import streamlit as st

from aecore.figures import family as figures_family
from aecore_app.caches import family_parameter_counts
from aecore_app.family_ui import FamilyData, latent_input, theory
from aecore_app.i18n import t
from aecore_app.layout import metric_row


def tab_ui(data: FamilyData) -> None:
    theory("tied")
    with st.columns(4)[0]:
        k = latent_input("tied", data, 10)
    n_features, hidden = data.dataset.n_features, data.hidden_units
    counts = family_parameter_counts(n_features, int(k), hidden)
    dense, tied = counts["dense"], counts["tied"]
    metric_row([
        (t("family.tied_dense_params"), f"{dense['total']:,}", None),
        (t("family.tied_tied_params"), f"{tied['total']:,}", None),
        (t("family.tied_ratio"), f"{tied['total'] / dense['total']:.3f}×", t("family.tied_ratio_help")),
        (t("family.tied_decoder_params", untied=f"{dense['decoder']:,}"), f"{tied['decoder']:,}",
         t("family.tied_decoder_help")),
    ])
    st.plotly_chart(figures_family.parameter_bars(
        {t("family.model_dense"): dense, t("family.model_tied"): tied},
        part_names={"encoder": t("family.encoder"), "decoder": t("family.decoder")},
        title=t("family.tied_chart", shape=" → ".join(map(str, (n_features, *hidden, int(k))))),
        yaxis_title=t("family.parameters")), key="family.tied.chart")
    st.caption(t("family.tied_caption"))
    st.caption(t("family.tied_measured"))
