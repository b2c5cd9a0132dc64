"""Generate: walk the latent space (interpolation, traversal), sample a VAE, and denoise images or tables."""

import streamlit as st

from aecore.figures import builders as figures
from aecore.maps.latent_walk import DEFAULT_STEPS, interpolate
from aecore.maps.selection import walk_ends
from aecore.params import NOISE_TYPES
from aecore_app.augment_ui import augment_ui
from aecore_app.denoise_ui import denoise_ui
from aecore_app.i18n import t
from aecore_app.layout import coded_tabs
from aecore_app.model_ui import current_model_ui
from aecore_app.page import stop
from aecore_app.passes import codes_of, decoded as decode
from aecore_app.page_link import sync_url, url_state
from aecore_app.traverse_ui import traverse_ui
from aecore_app.url import Param
from aecore_app.vae_ui import vae_draws_ui

# A tab's widgets change only that tab's chart: each tab is an st.fragment, so moving a slider reruns it alone.


@st.fragment
def walk_ui(model_id: str, ds, reducer, codes) -> None:
    last = ds.n_samples - 1
    picked = [i for i in st.session_state.get("latent.sel", ()) if i <= last]
    if len(picked) >= 2:  # samples selected on the Latent space page's map, of two digits if it can
        a, b = walk_ends(picked, ds.y)
        st.button(t("generate.use_selection", a=a, b=b), key="generate.use_selection",
                  icon=":material/ads_click:", on_click=st.session_state.update,
                  kwargs={"generate.from": a, "generate.to": b})
    else:
        st.caption(t("generate.selection_hint"))
    first, other = walk_ends(range(ds.n_samples), ds.y)  # two different digits when labels say which
    c1, c2, c3 = st.columns(3)
    start = c1.number_input(t("generate.from_sample"), 0, last, first, key="generate.from", persist_state="page")
    end = c2.number_input(t("generate.to_sample"), 0, last, other, key="generate.to", persist_state="page")
    steps = c3.slider(t("generate.steps"), 3, 15, DEFAULT_STEPS, key="generate.steps", persist_state="page")
    weights, path = interpolate(codes[start], codes[end], steps)
    _, pixel_blend = interpolate(ds.X[start], ds.X[end], steps)
    st.plotly_chart(figures.reconstruction_grid(
        [decode(model_id, reducer, path), pixel_blend], [t("generate.latent_path"), t("generate.pixel_blend")],
        ds.image_shape, t("generate.walk_title", start=start, end=end), [f"{w:.2f}" for w in weights]),
        key="generate.walk")
    sync_url()


@st.fragment
def vae_samples_ui(ds, reducer) -> None:
    seed = st.number_input(t("common.seed"), 0, 10_000, 0, key="generate.seed", persist_state="page")
    samples = reducer.sample(24, random_state=int(seed))
    st.plotly_chart(figures.reconstruction_grid([samples[:12], samples[12:]], ["", ""], ds.image_shape,
                                                t("generate.samples_title")), key="generate.samples")
    sync_url()


st.title(t("generate.title"))
with st.expander(t("common.what")):
    st.markdown(t("generate.explain"))

loaded = current_model_ui()
if loaded is None:
    stop()
ds, reducer = loaded.dataset, loaded.reducer
codes = codes_of(loaded.id, reducer, ds.X)
TABS = {"walk": t("generate.tab_interpolation"), "traverse": t("generate.tab_traversal"),
        "vae": t("generate.tab_vae"), "denoise": t("generate.tab_denoising")}
last = ds.n_samples - 1
url_state("generate", {
    "generate.tab": Param("tab", "choice", choices=tuple(TABS)),
    "generate.from": Param("from", "int", 0, last), "generate.to": Param("to", "int", 0, last),
    "generate.steps": Param("steps", "int", 3, 15), "generate.around": Param("around", "int", 0, last),
    "generate.seed": Param("sample_seed", "int", 0, 10_000), "generate.draw_row": Param("draw_row", "int", 0, last),
    "generate.draw_seed": Param("draw_seed", "int", 0, 10_000),
    "generate.noise": Param("noise", "choice", choices=NOISE_TYPES),
    "generate.level": Param("level", "float", 0.0, 0.9)})


def vae_tab_ui(loaded, ds, reducer) -> None:
    if loaded.config.kind != "vae":
        st.info(t("generate.train_a_vae"))
        return
    vae_samples_ui(ds, reducer)
    vae_draws_ui(ds, reducer)
    if loaded.config.n_components >= 2:
        grid = reducer.manifold_grid(n=12)
        st.plotly_chart(figures.reconstruction_grid([grid[i * 12:(i + 1) * 12] for i in range(12)],
                                                    [""] * 12, ds.image_shape, t("generate.manifold_title")),
                        key="generate.manifold")


@st.fragment
def tabs_ui(loaded, ds, reducer, codes) -> None:
    """The tabs, as one fragment: switching tabs reruns them, not the page. A table has one: denoising."""
    if not ds.is_image:
        st.info(t("generate.images_only"))
        denoise_ui(ds, reducer, loaded.config.kind)
        return
    tab_walk, tab_traverse, tab_vae, tab_denoise = coded_tabs("generate.tab", TABS)
    # Only the open tab is drawn: the closed ones' decoding and figures would delay the one shown.
    if tab_walk.open:
        with tab_walk:
            walk_ui(loaded.id, ds, reducer, codes)
    if tab_traverse.open:
        with tab_traverse:
            traverse_ui(ds, reducer, codes)
    if tab_vae.open:
        with tab_vae:
            vae_tab_ui(loaded, ds, reducer)
    if tab_denoise.open:
        with tab_denoise:
            denoise_ui(ds, reducer, loaded.config.kind)
    sync_url()


tabs_ui(loaded, ds, reducer, codes)
augment_ui(ds, reducer, loaded.config.kind)
