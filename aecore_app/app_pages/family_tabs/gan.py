"""A small GAN: its two losses, and what the generator draws epoch by epoch."""

import streamlit as st

from aecore.experiments import family
from aecore.figures import builders as figures, family as figures_family
from aecore_app.family_ui import FamilyData, press_button_or, run_action, theory, timing_caption
from aecore_app.i18n import t


def tab_ui(data: FamilyData) -> None:
    theory("gan")
    c1, c2 = st.columns(2)
    gan_epochs = c1.slider(t("family.epochs"), 1, 100, 30, key="family.gan.epochs")
    latent_dim = c2.select_slider(t("family.gan_noise"), [8, 16, 32, 64], 32, key="family.gan.latent")
    if st.button(t("family.gan_go"), type="primary", key="family.gan.go"):
        settings, X_train = dict(epochs=int(gan_epochs), latent_dim=int(latent_dim)), data.X_train
        run_action("gan", data, settings, lambda progress: family.gan_progression(X_train, **settings,
                                                                                  progress=progress))
    entry = press_button_or("gan", data)
    if entry is None:
        return
    result = entry["result"]
    st.plotly_chart(figures_family.gan_losses(
        result["d_loss"], result["g_loss"], names=(t("family.discriminator"), t("family.generator")),
        title=t("family.gan_losses"), xaxis_title=t("family.epoch"), yaxis_title=t("family.loss")),
        key="family.gan.losses")
    n_epochs = result["epochs"]
    epoch = n_epochs
    if n_epochs > 1:
        epoch = st.slider(t("family.gan_epoch"), 1, n_epochs, n_epochs, key=f"family.gan.step.{n_epochs}")
    samples = result["samples"][epoch - 1]
    half = (len(samples) + 1) // 2
    st.plotly_chart(figures.reconstruction_grid(
        [samples[:half], samples[half:], data.dataset.X[data.train_idx[:half]]], [t("family.gan_generated"), "", t("family.gan_real")],
        data.dataset.image_shape, t("family.gan_samples_title", epoch=epoch, total=n_epochs)),
        key="family.gan.grid")
    timing_caption(entry, result["seconds"])
