"""Reconstructions: originals against the autoencoder's and PCA's reconstructions, best and worst."""

import numpy as np
import pandas as pd
import streamlit as st

from aecore.figures import builders as figures
from aecore.anomaly import per_feature_errors
from aecore.metrics import per_sample_mse
from aecore.presets import POST002_PRESETS
from aecore_app import post002_ui
from aecore_app.caches import pca_baseline_of, split_indices
from aecore_app.i18n import t
from aecore_app.layout import metric_row
from aecore_app.model_ui import current_model_ui
from aecore_app.page import stop
from aecore_app.passes import held_out_errors, held_out_reconstruction, reconstructed_rows
from aecore_app.session import current_model
from aecore_app.page_link import url_state
from aecore_app.url import Param

st.title(t("recon.title"))
with st.expander(t("common.what")):
    st.markdown(t("recon.explain"))
loaded = current_model_ui()
if loaded is None:
    stop()
active, config, reducer = loaded.active, loaded.config, loaded.reducer
ds = active.dataset
train_idx, test_idx = split_indices(active.key, ds.n_samples, ds)
X_test = ds.X[test_idx]
# A shipped demo's errors and the rows it shows first come with it: its network is built for other rows.
ae_err = held_out_errors(loaded.id, reducer, X_test)
pca = pca_baseline_of(active.key, config.n_components, ds.X, train_idx, test_idx)
pca_err = per_sample_mse(X_test, pca.reconstruction)

st.caption(t("recon.caption", kind=config.kind, k=config.n_components, data=active.key, n=len(test_idx)))
post002 = post002_ui.applies(current_model())  # post 002's three networks side by side, below
if not post002 and getattr(current_model(), "preset", None) in POST002_PRESETS:
    st.caption(t("recon.seed002_note"))  # measured by bench/seed002.py: the three post-002 networks compared
metric_row([
    (t("recon.ae_mse"), f"{ae_err.mean():.5f}", None),
    (t("recon.pca_mse", k=config.n_components), f"{pca_err.mean():.5f}", None),
    (t("common.ae_pca"), f"{ae_err.mean() / pca_err.mean():.3f}×", t("recon.ratio_help")),
    (t("recon.ae_better"), t("recon.ae_better_value", share=(ae_err < pca_err).mean()), None),
])

c1, c2 = st.columns([2, 1])
shows = {"random": t("recon.show_random"), "best": t("recon.show_best"), "worst": t("recon.show_worst")}
url_state("recon", {"recon.which": Param("show", "choice", choices=tuple(shows)),
                    "recon.count": Param("count", "int", 4, 24)})
which = c1.radio(t("recon.show"), list(shows), format_func=shows.get, horizontal=True, key="recon.which")
count = c2.slider(t("recon.how_many"), 4, 24, 12, key="recon.count")
order = {"random": np.random.default_rng(0).permutation(len(test_idx)),
         "best": np.argsort(ae_err),
         "worst": np.argsort(ae_err)[::-1]}[which][:count]

if ds.is_image and post002:
    post002_ui.comparison_ui(X_test, order, pca.reconstruction, config.n_components, ds.image_shape)
elif ds.is_image:
    captions = [f"{ae_err[i]:.3f}" for i in order]
    st.plotly_chart(figures.reconstruction_grid(
        [X_test[order], reconstructed_rows(loaded.id, reducer, X_test, order, held_out=True),
         pca.reconstruction[order]],
        [t("common.original"), t("common.autoencoder"), "PCA"], ds.image_shape, t("recon.grid_title"), captions),
        key="recon.grid")
else:
    ae_recon = held_out_reconstruction(loaded.id, reducer, X_test)
    feature_ae = per_feature_errors(X_test, ae_recon).mean(axis=0)
    feature_pca = per_feature_errors(X_test, pca.reconstruction).mean(axis=0)
    st.plotly_chart(figures.feature_errors(ds.feature_names,
                                           {t("common.autoencoder"): feature_ae, "PCA": feature_pca},
                                           title=t("recon.feature_errors_title")),
                    key="recon.features")
    rows = []
    for i in order[:8]:
        rows.append(pd.Series(X_test[i], index=ds.feature_names, name=f"#{test_idx[i]} {t('common.original')}"))
        rows.append(pd.Series(ae_recon[i], index=ds.feature_names, name=f"#{test_idx[i]} {t('common.autoencoder')}"))
    st.dataframe(pd.DataFrame(rows).iloc[:, :30].round(3), width="stretch")

st.plotly_chart(figures.error_histogram({t("common.autoencoder"): ae_err, "PCA": pca_err},
                                        title=t("recon.error_histogram_title")), key="recon.hist")
