"""The Generate page's VAE draws: one input, its mean-code reconstruction and codes drawn from the
encoder's Gaussian, decoded side by side (post 001: a VAE's output stays partly random)."""

from __future__ import annotations

import numpy as np
import streamlit as st

from aecore.figures import builders as figures
from aecore.experiments.vae_draws import sample_reconstructions
from aecore_app.i18n import t
from .page_link import sync_url

N_DRAWS = 6


@st.fragment
def vae_draws_ui(ds, reducer) -> None:
    """Number inputs for the row and the draws' seed; the input, its mean reconstruction and draws."""
    c1, c2 = st.columns(2)
    row = int(c1.number_input(t("generate.draws_row"), 0, ds.n_samples - 1, 0, key="generate.draw_row",
                              persist_state="page"))
    seed = int(c2.number_input(t("generate.draws_seed"), 0, 10_000, 0, key="generate.draw_seed", persist_state="page"))
    x = ds.X[row][None].astype(np.float32)
    mean = reducer.reconstruct(x)
    draws = sample_reconstructions(reducer, x, N_DRAWS, random_state=seed)[0]
    spread = float(np.mean((draws - mean) ** 2))
    captions = [t("common.original"), t("generate.draws_mean")] + [
        t("generate.draws_draw", i=i + 1) for i in range(N_DRAWS)]
    st.plotly_chart(figures.reconstruction_grid([np.vstack([x, mean, draws])], [""], ds.image_shape,
                                                t("generate.draws_title", row=row, n=N_DRAWS), captions),
                    key="generate.draws")
    st.caption(t("generate.draws_caption", n=N_DRAWS, spread=spread,
                 error=float(np.mean((mean - x) ** 2))))
    sync_url()
