"""How many dimensions? An autoencoder against PCA over latent sizes: held-out error, trustworthiness
and PCA's explained variance. The MNIST sample's sweep ships with the package and opens at once;
other data or settings run in a job slot, their estimate stated first."""

from dataclasses import asdict

import streamlit as st

from aecore.experiments import dimensions
from aecore.figures.dimensions import WORDS, latent_size_curves
from aecore_app.family_ui import FamilyData, press_button_or, run_action, timing_caption
from aecore_app.i18n import t
from aecore_app.layout import escape_markdown

EPOCH_RANGE = (1, 50)


def _settings_ui(data: FamilyData) -> dimensions.SweepSettings:
    """The latent sizes and epochs (kept per dataset); sizes the data cannot take are said, not offered."""
    defaults = dimensions.SweepSettings()
    usable = dimensions.usable_sizes(dimensions.SIZES, data.dataset.n_features, data.n_train)
    left, right = st.columns([3, 1])
    sizes = left.multiselect(t("family.dims.sizes"), usable, usable, key=f"family.dims.sizes.{data.key}")
    epochs = right.slider(t("family.dims.epochs"), *EPOCH_RANGE, defaults.epochs, key=f"family.dims.epochs.{data.key}")
    dropped = [k for k in dimensions.SIZES if k not in usable]
    if dropped:
        st.caption(t("family.dims.dropped", sizes=", ".join(map(str, dropped)), features=data.dataset.n_features))
    return dimensions.SweepSettings(sizes=tuple(sorted(int(k) for k in sizes)), hidden_units=data.hidden_units,
                                    epochs=int(epochs))


def _run_ui(data: FamilyData, settings: dimensions.SweepSettings) -> None:
    """The sweep's estimate, then its button (disabled with a plain reason when it cannot run)."""
    estimate = None
    if not settings.sizes:
        st.error(t("family.dims.no_sizes"), icon=":material/error:")
    else:
        try:
            estimate = dimensions.check_sweep(settings, data.n_train, data.n_test,
                                              data.dataset.n_features)
        except ValueError as exc:
            st.error(t("family.failed", reason=escape_markdown(exc)), icon=":material/error:")
    if estimate is not None:
        st.caption(t("family.dims.estimate", n=len(estimate.sizes), epochs=settings.epochs,
                     rows=data.n_train, seconds=estimate.seconds))
    if st.button(t("family.dims.go"), type="primary", key="family.dims.go", disabled=estimate is None):
        X_train, X_test = data.X_train, data.X_test
        run_action("dims", data, asdict(settings), lambda progress: dimensions.latent_size_sweep(
            X_train, X_test, settings, progress=progress, jit_compile=data.jit))


def tab_ui(data: FamilyData) -> None:
    with st.expander(t("family.what"), expanded=False):
        st.markdown(t("family.dims.theory"))
    settings = _settings_ui(data)
    shipped = dimensions.shipped_result(data.key, settings)
    if shipped is not None:
        result = shipped
    else:
        _run_ui(data, settings)
        entry = press_button_or("dims", data)
        if entry is None:
            return
        result = entry["result"]
    words = {name: t(f"family.dims.{name}") for name in WORDS}
    st.plotly_chart(latent_size_curves(result, words, title=t("family.dims.chart", rows=result["n_test"])),
                    key="family.dims.chart")
    found = dimensions.summary(result)
    ae, pca = (", ".join(map(str, found[name])) for name in ("autoencoder_better", "pca_better"))
    if ae and pca:
        st.caption(t("family.dims.reading_both", ae=ae, pca=pca))
    elif ae:
        st.caption(t("family.dims.reading_ae", ae=ae))
    else:
        st.caption(t("family.dims.reading_pca", pca=pca))
    if found["components_for_share"] is not None:
        st.caption(t("family.dims.reading_variance", k=found["components_for_share"], share=found["share"]))
    else:
        st.caption(t("family.dims.reading_variance_short", k=found["largest_size"],
                     share=found["variance_at_largest"], target=found["share"]))
    used = result["settings"]
    st.caption(t("family.dims.used", epochs=used["epochs"], hidden=",".join(map(str, used["hidden_units"])),
                 train=result["n_train"], test=result["n_test"], neighbours=used["n_neighbors"]))
    if shipped is not None:
        st.caption(t("family.dims.shipped", seconds=shipped["seconds"]))
    else:
        timing_caption(entry, sum(result["autoencoder"]["seconds"]))

