"""Generate: walk the latent space (interpolation, traversal), sample a VAE, and denoise images."""

import numpy as np
import streamlit as st

from aecore import figures
from aecore.noise import corrupt
from aecore.ui import codes_of, current_model_ui

st.title("Generate and denoise")
with st.expander("What am I looking at?"):
    st.markdown(
        "Seed 004: walking **in latent space** between two samples and decoding each step gives "
        "meaningful in-between images, while blending pixels only cross-fades. The decoder is a "
        "*generative network*: a **VAE** (train one with the `vae_2d` preset) can also draw new samples "
        "from N(0, I) and lay out its 2D latent manifold. A **denoising** autoencoder learned to map "
        "corrupted inputs back to clean ones.")

loaded = current_model_ui()
if loaded is None:
    st.stop()
ds, reducer = loaded.dataset, loaded.reducer
if not ds.is_image:
    st.info("These views draw images; train a model on an image dataset to use them.")
    st.stop()
codes = codes_of(loaded.id, reducer, ds.X)
tab_walk, tab_traverse, tab_vae, tab_denoise = st.tabs(
    ["Interpolation", "Latent traversal", "VAE samples", "Denoising"])

with tab_walk:
    c1, c2, c3 = st.columns(3)
    start = c1.number_input("From sample #", 0, ds.n_samples - 1, 0, key="generate.from")
    end = c2.number_input("To sample #", 0, ds.n_samples - 1, min(1, ds.n_samples - 1), key="generate.to")
    steps = c3.slider("Steps", 3, 15, 9, key="generate.steps")
    weights = np.linspace(0.0, 1.0, steps)[:, None]
    path = (1 - weights) * codes[start] + weights * codes[end]
    latent_walk = reducer.inverse_transform(path.astype(np.float32))
    pixel_blend = (1 - weights) * ds.X[start] + weights * ds.X[end]
    st.plotly_chart(figures.reconstruction_grid(
        [latent_walk, pixel_blend], ["latent path", "pixel blend"], ds.image_shape,
        f"Sample #{start} → sample #{end}", [f"{w:.2f}" for w in weights.ravel()]), key="generate.walk")

with tab_traverse:
    sample = st.number_input("Around sample #", 0, ds.n_samples - 1, 0, key="generate.around")
    k = codes.shape[1]
    spread = codes.std(axis=0)
    shown = min(k, 8)
    st.caption(f"Sliders move the first {shown} of {k} code dimensions, in units of their standard deviation.")
    offsets = np.zeros(k, dtype=np.float32)
    columns = st.columns(4)
    for d in range(shown):
        offsets[d] = columns[d % 4].slider(f"z{d + 1}", -3.0, 3.0, 0.0, 0.25, key=f"generate.z{d}")
    moved = (codes[sample] + offsets * spread)[None, :].astype(np.float32)
    st.plotly_chart(figures.reconstruction_grid(
        [ds.X[sample][None], reducer.inverse_transform(codes[sample][None].astype(np.float32)),
         reducer.inverse_transform(moved)], ["original", "decoded", "moved"], ds.image_shape),
        key="generate.traverse")

with tab_vae:
    if loaded.config.kind != "vae":
        st.info("Train a VAE (Train page → preset `vae_2d`, or kind `vae`) to sample new images.")
    else:
        seed = st.number_input("Seed", 0, 10_000, 0, key="generate.seed")
        samples = reducer.sample(24, random_state=int(seed))
        st.plotly_chart(figures.reconstruction_grid([samples[:12], samples[12:]], ["", ""], ds.image_shape,
                                                    "New samples decoded from N(0, I)"), key="generate.samples")
        if loaded.config.n_components >= 2:
            n = 12
            grid = reducer.manifold_grid(n=n)
            st.plotly_chart(figures.reconstruction_grid([grid[i * n:(i + 1) * n] for i in range(n)],
                                                        [""] * n, ds.image_shape, "Decoded 2D latent manifold"),
                            key="generate.manifold")

with tab_denoise:
    c1, c2 = st.columns(2)
    noise = c1.radio("Noise", ["gaussian", "dropout"], horizontal=True, key="generate.noise")
    level = c2.slider("Noise level", 0.0, 0.9, 0.3, 0.05, key="generate.level")
    rows = np.random.default_rng(0).choice(ds.n_samples, 12, replace=False)
    clean = ds.X[rows]
    noisy = corrupt(clean, noise, level, random_state=0).astype(np.float32)
    output = reducer.reconstruct(noisy)
    noisy_error = float(np.mean((noisy - clean) ** 2))
    output_error = float(np.mean((output - clean) ** 2))
    m1, m2 = st.columns(2)
    m1.metric("Noisy input vs clean (MSE)", f"{noisy_error:.4f}")
    m2.metric("Output vs clean (MSE)", f"{output_error:.4f}", f"{output_error / max(noisy_error, 1e-12):.2f}× the noise",
              delta_color="inverse")
    st.plotly_chart(figures.reconstruction_grid([clean, noisy, output], ["clean", "noisy", "output"],
                                                ds.image_shape), key="generate.denoise")
    if loaded.config.kind != "denoising":
        st.caption("This model was not trained to denoise; the `denoising` preset usually does much better.")
