"""The Generate page's denoising view: corrupt rows, feed them to the model, and compare the noisy
input and the output with the clean rows — images side by side, tables feature by feature."""

from __future__ import annotations

import numpy as np
import streamlit as st

from aecore.figures import builders as figures
from aecore.anomaly import per_feature_errors
from aecore.metrics import reconstruction_mse
from aecore.models.noise import NOISE_TYPES, corrupt

from .i18n import t
from .page_link import sync_url

#: Rows corrupted: a grid of images, or enough table rows for stable per-feature errors.
IMAGE_ROWS, TABLE_ROWS = 12, 500


def _lower_is_better(ratio: float) -> dict:
    """Colour and arrow of a "×" change in an error: the text has no sign, so Streamlit would read
    every ratio as a rise (a red up arrow for an output a quarter as wrong as its input)."""
    if np.isclose(ratio, 1.0, rtol=0.005):
        return dict(delta_color="gray", delta_arrow="off")
    return dict(delta_color="green", delta_arrow="down") if ratio < 1 else dict(delta_color="red", delta_arrow="up")


@st.fragment
def denoise_ui(ds, reducer, kind: str) -> None:
    """Noise type and level; the error of the noisy input and of the output against the clean rows."""
    c1, c2 = st.columns(2)
    noise_names = {name: t(f"generate.noise_{name}") for name in NOISE_TYPES}
    noise = c1.radio(t("common.noise"), NOISE_TYPES, format_func=noise_names.get, horizontal=True,
                     key="generate.noise", persist_state="page")
    level = c2.slider(t("generate.noise_level"), 0.0, 0.9, 0.3, 0.05, key="generate.level", persist_state="page")
    n_rows = min(ds.n_samples, IMAGE_ROWS if ds.is_image else TABLE_ROWS)
    clean = ds.X[np.random.default_rng(0).choice(ds.n_samples, n_rows, replace=False)]
    noisy = corrupt(clean, noise, level, random_state=0).astype(np.float32)
    output = reducer.reconstruct(noisy)
    noisy_error, output_error = reconstruction_mse(clean, noisy), reconstruction_mse(clean, output)
    m1, m2 = st.columns(2)
    m1.metric(t("generate.noisy_mse"), f"{noisy_error:.4f}")
    ratio = output_error / max(noisy_error, 1e-12)
    m2.metric(t("generate.output_mse"), f"{output_error:.4f}", t("generate.output_delta", ratio=ratio),
              **_lower_is_better(ratio))
    if ds.is_image:
        st.plotly_chart(figures.reconstruction_grid([clean, noisy, output],
                                                    [t("generate.clean"), t("generate.noisy"), t("generate.output")],
                                                    ds.image_shape), key="generate.denoise")
    else:
        st.plotly_chart(figures.feature_errors(
            ds.feature_names, {t("generate.noisy"): per_feature_errors(clean, noisy).mean(axis=0),
                               t("generate.output"): per_feature_errors(clean, output).mean(axis=0)},
            title=t("generate.table_denoise_title", n=n_rows)), key="generate.denoise_table")
        st.caption(t("generate.table_denoise_caption"))
    if kind != "denoising":
        st.caption(t("generate.not_denoising"))
    sync_url()
