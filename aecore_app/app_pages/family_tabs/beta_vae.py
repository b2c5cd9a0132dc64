"""The β of a β-VAE, on the Family page's VAE tab: a slider over the measured βs shows each one's
held-out reconstruction error and KL, where held-out digits land on its 2-D latent plane and what
that plane decodes to (the MNIST sample's shipped comparison, made by ``python -m
aecore.experiments.beta_vae``)."""

import streamlit as st

from aecore.experiments import beta_vae
from aecore.figures import builders as figures
from aecore.figures.beta_vae import WORDS, beta_tradeoff_chart, latent_plane
from aecore_app.family_ui import FamilyData
from aecore_app.i18n import t
from aecore_app.layout import metric_row


def section_ui(data: FamilyData) -> None:
    st.subheader(t("family.beta.title"))
    st.markdown(t("family.beta.intro"))
    result = beta_vae.shipped_result()
    if result is None or data.key != result["dataset"]:
        st.info(t("family.beta.only_mnist"))
        return
    betas = [float(b) for b in result["betas"]]
    beta = st.select_slider(t("family.beta.slider"), betas, value=1.0 if 1.0 in betas else betas[0],
                            format_func="{:g}".format, key="family.beta.value", help=t("family.beta.slider_help"))
    i = betas.index(beta)
    metric_row([(t("family.beta.mse"), f"{result['reconstruction_mse'][i]:.4f}", None),
                (t("family.beta.kl"), f"{result['kl'][i]:.2f}", t("family.beta.kl_help"))])
    words = {name: t(f"family.beta.word_{name}") for name in WORDS}
    st.plotly_chart(beta_tradeoff_chart(result["betas"], result["reconstruction_mse"], result["kl"], chosen=beta,
                                        words=words, title=t("family.beta.chart")), key="family.beta.tradeoff")
    left, right = st.columns(2)
    limit = result["map_limit"] * 1.05
    labels = result["labels"] if len(result["labels"]) else None
    fig = figures.codings_scatter(result["codes"][i], color=labels, categorical=labels is not None,
                                  title=t("family.beta.map", beta=f"{beta:g}"))
    fig.update_xaxes(range=[-limit, limit]).update_yaxes(range=[-limit, limit])
    left.plotly_chart(fig, key="family.beta.map")
    right.plotly_chart(latent_plane(result["manifold"][i], result["grid"], data.dataset.image_shape, words=words,
                                    title=t("family.beta.plane", beta=f"{beta:g}")), key="family.beta.plane")
    settings = result["settings"]
    st.caption(t("family.beta.used", preset=settings["preset"], epochs=settings["epochs"],
                 train=beta_vae.TRAIN_ROWS, test=data.n_test, seconds=float(sum(result["seconds"]))))
