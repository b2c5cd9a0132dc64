"""The Generate page's export of generated samples: new rows decoded near the codes of a seeded
sample of the data, labels copied, as an NPZ a person can add to a training set (post 004's
"decoder as data augmentation"), with what the benchmark measured of it."""

from __future__ import annotations

import numpy as np
import streamlit as st

from aecore.experiments.augment import generate_like, samples_npz

from .i18n import t

#: Rows of the data the generated samples are made around (a seeded random sample).
SOURCE_ROWS = 200


@st.fragment
def augment_ui(ds, reducer, kind: str) -> None:
    """How many new rows per source row; a download that makes them only when clicked."""
    with st.expander(t("generate.augment_title"), icon=":material/download:"):
        per_row = int(st.number_input(t("generate.augment_per_row"), 1, 10, 5, key="generate.augment_per_row"))
        rows = np.sort(np.random.default_rng(0).choice(ds.n_samples, min(SOURCE_ROWS, ds.n_samples), replace=False))
        st.caption(t("generate.augment_caption", n=len(rows) * per_row, rows=len(rows),
                     how=t("generate.augment_vae") if kind == "vae" else t("generate.augment_noise")))

        def make() -> bytes:  # runs only when the person clicks (deferred download)
            X_new, y_new = generate_like(reducer, ds.X[rows], None if ds.y is None else ds.y[rows], per_row,
                                         random_state=0)
            return samples_npz(X_new, y_new, ds.image_shape)

        st.download_button(t("generate.augment_download", n=len(rows) * per_row), make,
                           f"{ds.name}_generated_{len(rows) * per_row}.npz", "application/octet-stream",
                           key="generate.augment_dl", on_click="ignore", icon=":material/download:")
