"""3D → 2D: train post 000's linear autoencoder and compare its codings and plane with PCA's."""

import streamlit as st

from aecore.figures import builders as figures
from aecore.data.datasets import Dataset, generate_3d_data
from aecore.metrics import compare_linear_to_pca, pca_baseline
from aecore.presets import TrainConfig, preset
from aecore_app.animation_ui import plane_animation_ui
from aecore_app import tour
from aecore_app.i18n import t
from aecore_app.layout import metric_row, reason_text
from aecore_app.page import stop
from aecore_app.session import ActiveData, train_reducer
from aecore_app.page_link import url_state
from aecore_app.url import Param

st.title(t("linear3d.title"))
st.markdown(t("linear3d.intro"))
with st.expander(t("common.what")):
    st.markdown(t("linear3d.explain"))

OPTIMIZERS = ("sgd", "adam")  # post 000's SGD, and the optimizer that converges without tuning
LEARNING_RATES = (0.001, 0.01, 0.05, 0.1, 0.5, 1.0, 1.5, 2.0)
url_state("linear3d", {
    "linear3d.m": Param("m", "int", 20, 2000), "linear3d.noise": Param("noise", "float", 0.0, 0.5),
    "linear3d.w1": Param("w1", "float", -1.0, 1.0), "linear3d.w2": Param("w2", "float", -1.0, 1.0),
    "linear3d.seed": Param("data_seed", "int", 0, 10_000), "linear3d.converge": Param("converge", "bool"),
    "linear3d.optimizer": Param("optimizer", "choice", choices=OPTIMIZERS),
    "linear3d.lr": Param("learning_rate", "choice", choices=LEARNING_RATES),
    "linear3d.epochs": Param("n_epochs", "int", 1, 500)})

with st.sidebar:
    st.subheader(t("linear3d.data"))
    m = st.slider(t("linear3d.points"), 20, 2000, 60, step=10, key="linear3d.m")
    noise = st.slider(t("common.noise"), 0.0, 0.5, 0.1, step=0.01, key="linear3d.noise")
    w1 = st.slider(t("linear3d.slope", name="w1"), -1.0, 1.0, 0.1, step=0.05, key="linear3d.w1")
    w2 = st.slider(t("linear3d.slope", name="w2"), -1.0, 1.0, 0.3, step=0.05, key="linear3d.w2")
    seed = st.number_input(t("linear3d.data_seed"), 0, 10_000, 4, key="linear3d.seed")
    st.subheader(t("linear3d.training"))
    converge = st.toggle(t("linear3d.converge"), False, key="linear3d.converge",
                         help=t("linear3d.converge_help"))
    seed_config = preset("seed000_linear")
    if converge:
        config = TrainConfig(kind="linear", n_components=2, random_state=seed_config.random_state)
    else:
        optimizer = st.selectbox(t("common.optimizer"), OPTIMIZERS, key="linear3d.optimizer")
        learning_rate = st.select_slider(t("common.learning_rate"), LEARNING_RATES,
                                         value=1.5, key="linear3d.lr")
        epochs = st.slider(t("common.epochs"), 1, 500, 20, key="linear3d.epochs")
        config = seed_config.replace(optimizer=optimizer, learning_rate=learning_rate, epochs=epochs)

X = generate_3d_data(m, w1=w1, w2=w2, noise=noise, seed=int(seed))
active = ActiveData(f"3d-m{m}-n{noise}-w{w1},{w2}-s{seed}", Dataset("3d", X.astype("float32")), shared=True)
pca = pca_baseline(X, 2)

results = st.session_state.setdefault("linear3d.results", {})
# The tour's step trains on arrival (a second or two): its text talks about the trained plane.
asked = tour.asks_for("train")
if st.button(t("common.train"), type="primary", key="linear3d.train") or (asked and active.key not in results):
    try:
        reducer = train_reducer(active, config, X)
    except ValueError as exc:
        st.error(t("common.training_failed", error=exc))
    else:
        results[active.key] = (config, reducer)

if active.key not in results:
    st.info(t("linear3d.press_train"))
    left, right = st.columns(2)
    left.plotly_chart(figures.cloud_3d(X, title=t("linear3d.cloud_title")), key="linear3d.cloud0")
    right.plotly_chart(figures.codings_scatter(pca.codes, X[:, 2], t("linear3d.pca_projection"), ("PC1", "PC2"),
                                               "x3"),
                       key="linear3d.pca0")
    stop()

config, reducer = results[active.key]
scores = compare_linear_to_pca(reducer, X)
metric_row([
    (t("linear3d.ae_mse"), f"{scores['ae_mse']:.5f}", t("linear3d.ae_mse_help")),
    (t("linear3d.pca_mse"), f"{scores['pca_mse']:.5f}", t("linear3d.pca_mse_help")),
    (t("common.ae_pca"), f"{scores['mse_ratio']:.3f}×", t("linear3d.ratio_help")),
    (t("linear3d.angle"), f"{scores['max_angle_deg']:.2f}°", t("linear3d.angle_help")),
])
settings = (t("linear3d.converged") if config.optimizer == "adam" and config.epochs is None
            else t("linear3d.settings", optimizer=config.optimizer, learning_rate=config.learning_rate))
st.caption(t("linear3d.summary", n=reducer.n_epochs_, reason=reason_text(reducer.stopped_reason_),
             settings=settings))

codes = reducer.transform(X)
reconstruction = reducer.reconstruct(X)
surface = figures.decoded_surface(reducer.inverse_transform, codes)
left, middle, right = st.columns([1.3, 1, 1])
left.plotly_chart(figures.cloud_3d(X, reconstruction, surface, t("linear3d.trained_cloud_title")),
                  key="linear3d.cloud")
middle.plotly_chart(figures.codings_scatter(codes, X[:, 2], t("linear3d.codings_title"), ("z1", "z2"), "x3"),
                    key="linear3d.codes")
right.plotly_chart(figures.codings_scatter(pca.codes, X[:, 2], t("linear3d.pca_projection"), ("PC1", "PC2"), "x3"),
                   key="linear3d.pca")
st.plotly_chart(figures.loss_curves(reducer.history_, t("linear3d.loss_title"))
                .add_hline(y=scores["pca_mse"], line_dash="dash", annotation_text="PCA"),
                key="linear3d.loss")
st.subheader(t("animation.plane_heading"))
plane_animation_ui(reducer, X, pca)
