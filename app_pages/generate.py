"""Generate: walk the latent space (interpolation, traversal), sample a VAE, and denoise images."""

import numpy as np
import streamlit as st

from aecore import figures
from aecore.noise import corrupt
from aecore.share import Param
from aecore.ui import codes_of, coded_tabs, current_model_ui, stop, t, url_state

st.title(t("generate.title"))
with st.expander(t("common.what")):
    st.markdown(t("generate.explain"))

loaded = current_model_ui()
if loaded is None:
    stop()
ds, reducer = loaded.dataset, loaded.reducer
if not ds.is_image:
    st.info(t("generate.images_only"))
    stop()
codes = codes_of(loaded.id, reducer, ds.X)
TABS = {"walk": t("generate.tab_interpolation"), "traverse": t("generate.tab_traversal"),
        "vae": t("generate.tab_vae"), "denoise": t("generate.tab_denoising")}
last = ds.n_samples - 1
url_state("generate", {
    "generate.tab": Param("tab", "choice", choices=tuple(TABS)),
    "generate.from": Param("from", "int", 0, last), "generate.to": Param("to", "int", 0, last),
    "generate.steps": Param("steps", "int", 3, 15), "generate.around": Param("around", "int", 0, last),
    "generate.seed": Param("sample_seed", "int", 0, 10_000),
    "generate.noise": Param("noise", "choice", choices=("gaussian", "dropout")),
    "generate.level": Param("level", "float", 0.0, 0.9)})
tab_walk, tab_traverse, tab_vae, tab_denoise = coded_tabs("generate.tab", TABS)

with tab_walk:
    picked = [i for i in st.session_state.get("latent.sel", ()) if i <= last]
    if len(picked) >= 2:  # samples selected on the Latent space page's map
        st.button(t("generate.use_selection", a=picked[0], b=picked[1]), key="generate.use_selection",
                  icon=":material/ads_click:", on_click=st.session_state.update,
                  kwargs={"generate.from": picked[0], "generate.to": picked[1]})
    else:
        st.caption(t("generate.selection_hint"))
    c1, c2, c3 = st.columns(3)
    start = c1.number_input(t("generate.from_sample"), 0, ds.n_samples - 1, 0, key="generate.from")
    end = c2.number_input(t("generate.to_sample"), 0, ds.n_samples - 1, min(1, ds.n_samples - 1),
                          key="generate.to")
    steps = c3.slider(t("generate.steps"), 3, 15, 9, key="generate.steps")
    weights = np.linspace(0.0, 1.0, steps)[:, None]
    path = (1 - weights) * codes[start] + weights * codes[end]
    latent_walk = reducer.inverse_transform(path.astype(np.float32))
    pixel_blend = (1 - weights) * ds.X[start] + weights * ds.X[end]
    st.plotly_chart(figures.reconstruction_grid(
        [latent_walk, pixel_blend], [t("generate.latent_path"), t("generate.pixel_blend")], ds.image_shape,
        t("generate.walk_title", start=start, end=end), [f"{w:.2f}" for w in weights.ravel()]),
        key="generate.walk")

with tab_traverse:
    sample = st.number_input(t("generate.around_sample"), 0, ds.n_samples - 1, 0, key="generate.around")
    k = codes.shape[1]
    spread = codes.std(axis=0)
    shown = min(k, 8)
    st.caption(t("generate.sliders_caption", shown=shown, k=k))
    offsets = np.zeros(k, dtype=np.float32)
    columns = st.columns(4)
    for d in range(shown):
        offsets[d] = columns[d % 4].slider(f"z{d + 1}", -3.0, 3.0, 0.0, 0.25, key=f"generate.z{d}")
    moved = (codes[sample] + offsets * spread)[None, :].astype(np.float32)
    st.plotly_chart(figures.reconstruction_grid(
        [ds.X[sample][None], reducer.inverse_transform(codes[sample][None].astype(np.float32)),
         reducer.inverse_transform(moved)], [t("common.original"), t("generate.decoded"), t("generate.moved")],
        ds.image_shape),
        key="generate.traverse")

with tab_vae:
    if loaded.config.kind != "vae":
        st.info(t("generate.train_a_vae"))
    else:
        seed = st.number_input(t("common.seed"), 0, 10_000, 0, key="generate.seed")
        samples = reducer.sample(24, random_state=int(seed))
        st.plotly_chart(figures.reconstruction_grid([samples[:12], samples[12:]], ["", ""], ds.image_shape,
                                                    t("generate.samples_title")), key="generate.samples")
        if loaded.config.n_components >= 2:
            n = 12
            grid = reducer.manifold_grid(n=n)
            st.plotly_chart(figures.reconstruction_grid([grid[i * n:(i + 1) * n] for i in range(n)],
                                                        [""] * n, ds.image_shape, t("generate.manifold_title")),
                            key="generate.manifold")

with tab_denoise:
    c1, c2 = st.columns(2)
    noise_names = {"gaussian": t("generate.noise_gaussian"), "dropout": t("generate.noise_dropout")}
    noise = c1.radio(t("common.noise"), list(noise_names), format_func=noise_names.get, horizontal=True,
                     key="generate.noise")
    level = c2.slider(t("generate.noise_level"), 0.0, 0.9, 0.3, 0.05, key="generate.level")
    rows = np.random.default_rng(0).choice(ds.n_samples, 12, replace=False)
    clean = ds.X[rows]
    noisy = corrupt(clean, noise, level, random_state=0).astype(np.float32)
    output = reducer.reconstruct(noisy)
    noisy_error = float(np.mean((noisy - clean) ** 2))
    output_error = float(np.mean((output - clean) ** 2))
    m1, m2 = st.columns(2)
    m1.metric(t("generate.noisy_mse"), f"{noisy_error:.4f}")
    m2.metric(t("generate.output_mse"), f"{output_error:.4f}",
              t("generate.output_delta", ratio=output_error / max(noisy_error, 1e-12)), delta_color="inverse")
    st.plotly_chart(figures.reconstruction_grid([clean, noisy, output],
                                                [t("generate.clean"), t("generate.noisy"), t("generate.output")],
                                                ds.image_shape), key="generate.denoise")
    if loaded.config.kind != "denoising":
        st.caption(t("generate.not_denoising"))
