"""3D → 2D: train seed 000's linear autoencoder and compare its codings and plane with PCA's."""

import streamlit as st

from aecore import figures
from aecore.data import Dataset, generate_3d_data
from aecore.metrics import compare_linear_to_pca, pca_baseline
from aecore.presets import TrainConfig, preset
from aecore.ui import ActiveData, metric_row, reason_text, train_reducer

st.title("3D → 2D: a linear autoencoder against PCA")
st.markdown(
    "Seed 000 squeezes a noisy 3D cloud into a 2D code with one linear layer each way. Such an "
    "autoencoder can do **no better than PCA** (Eckart–Young): at best it finds the same plane. "
    "With the seed's settings (SGD, learning rate 1.5, 20 epochs) it stops short of it; trained to "
    "convergence it reaches it.")

with st.sidebar:
    st.subheader("Data (seed 000)")
    m = st.slider("Points m", 20, 2000, 60, step=10, key="linear3d.m")
    noise = st.slider("Noise", 0.0, 0.5, 0.1, step=0.01, key="linear3d.noise")
    w1 = st.slider("Plane slope w1", -1.0, 1.0, 0.1, step=0.05, key="linear3d.w1")
    w2 = st.slider("Plane slope w2", -1.0, 1.0, 0.3, step=0.05, key="linear3d.w2")
    seed = st.number_input("Data seed", 0, 10_000, 4, key="linear3d.seed")
    st.subheader("Training")
    converge = st.toggle("Train to convergence (Adam, early stopping)", False, key="linear3d.converge",
                         help="Off: the seed's SGD settings. On: our default linear settings, which "
                              "reach PCA's optimum.")
    seed_config = preset("seed000_linear")
    if converge:
        config = TrainConfig(kind="linear", n_components=2)
    else:
        optimizer = st.selectbox("Optimizer", ["sgd", "adam"], key="linear3d.optimizer")
        learning_rate = st.select_slider("Learning rate", [0.001, 0.01, 0.05, 0.1, 0.5, 1.0, 1.5, 2.0],
                                         value=1.5, key="linear3d.lr")
        epochs = st.slider("Epochs", 1, 500, 20, key="linear3d.epochs")
        config = seed_config.replace(optimizer=optimizer, learning_rate=learning_rate, epochs=epochs)

X = generate_3d_data(m, w1=w1, w2=w2, noise=noise, seed=int(seed))
active = ActiveData(f"3d-m{m}-n{noise}-w{w1},{w2}-s{seed}", Dataset("3d", X.astype("float32")), shared=True)
pca = pca_baseline(X, 2)

results = st.session_state.setdefault("linear3d.results", {})
if st.button("Train", type="primary", key="linear3d.train"):
    try:
        reducer = train_reducer(active, config, X)
    except ValueError as exc:
        st.error(f"Training failed: {exc}")
    else:
        results[active.key] = (config, reducer)

if active.key not in results:
    st.info("Press **Train** to fit the autoencoder on this cloud. Meanwhile, here is the data and "
            "PCA's answer.")
    left, right = st.columns(2)
    left.plotly_chart(figures.cloud_3d(X), key="linear3d.cloud0")
    right.plotly_chart(figures.codings_scatter(pca.codes, X[:, 2], "PCA projection", ("PC1", "PC2"), "x3"),
                       key="linear3d.pca0")
    st.stop()

config, reducer = results[active.key]
scores = compare_linear_to_pca(reducer, X)
metric_row([
    ("AE reconstruction MSE", f"{scores['ae_mse']:.5f}", "Mean squared error of decoder(encoder(x))."),
    ("PCA reconstruction MSE", f"{scores['pca_mse']:.5f}", "The best any 2D linear code can do."),
    ("AE / PCA", f"{scores['mse_ratio']:.3f}×", "1.000× is the Eckart–Young limit."),
    ("Largest principal angle", f"{scores['max_angle_deg']:.2f}°",
     "Between the decoder's plane and PCA's plane: 0° means the same plane."),
])
st.caption(f"{reducer.n_epochs_} epochs, {reason_text(reducer.stopped_reason_)}. "
           + ("Converged settings." if config.optimizer == "adam" and config.epochs is None
              else f"Optimizer {config.optimizer}, learning rate {config.learning_rate}."))

codes = reducer.transform(X)
reconstruction = reducer.reconstruct(X)
surface = figures.decoded_surface(reducer.inverse_transform, codes)
left, middle, right = st.columns([1.3, 1, 1])
left.plotly_chart(figures.cloud_3d(X, reconstruction, surface, "3D original, decoder plane, reconstructions"),
                  key="linear3d.cloud")
middle.plotly_chart(figures.codings_scatter(codes, X[:, 2], "Autoencoder codings", ("z1", "z2"), "x3"),
                    key="linear3d.codes")
right.plotly_chart(figures.codings_scatter(pca.codes, X[:, 2], "PCA projection", ("PC1", "PC2"), "x3"),
                   key="linear3d.pca")
st.plotly_chart(figures.loss_curves(reducer.history_, "Training loss, with PCA's MSE as the floor")
                .add_hline(y=scores["pca_mse"], line_dash="dash", annotation_text="PCA"),
                key="linear3d.loss")
