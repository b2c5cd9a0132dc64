"""The autoencoder family (issue #4): what makes each member different, measured on built-in data."""

import pandas as pd
import streamlit as st

from aecore import family, figures
from aecore.share import Param
from aecore.ui import (builtin_dataset, family_action, family_parameter_counts, family_reusable_model,
                       coded_tabs, escape_markdown, metric_row, split_indices, stop, t, url_state)

DATASETS = ("mnist_sample", "digits")
#: Kinds whose encoder a few-label classifier reuses as it is (a sparse or WTA encoder would carry its
#: training-time penalty or winner rule into the classifier).
PRETRAIN_KINDS = ("dense", "tied", "denoising")
TAB_CODES = ("tied", "greedy", "sparse", "gan", "pretraining", "more")
LABEL_OPTIONS = (5, 10, 20, 50, 100, 200, 500, 1000, 2000, 3000)
MAX_UNITS, MAX_LAYERS = 2048, 4

st.title(t("family.title"))
st.caption(t("family.intro"))

url_state("family", {"family.dataset": Param("dataset", "choice", choices=DATASETS),
                     "family.tab": Param("tab", "choice", choices=TAB_CODES)})
c1, c2 = st.columns([2, 1])
# Start on the dataset the other pages use when it is one of ours.
# Labels are built here: AppTest calls format_func outside the session, where t() cannot see the language.
dataset_names = {name: t(f"family.dataset_{name}") for name in DATASETS}
data_key = c1.selectbox(t("family.dataset"), DATASETS, format_func=dataset_names.get,
                        index=DATASETS.index(st.session_state.get("active_dataset", DATASETS[0]))
                        if st.session_state.get("active_dataset") in DATASETS else 0, key="family.dataset")
hidden_text = c2.text_input(t("family.hidden_units"), "512,256", key="family.hidden",
                            help=t("family.hidden_units_help"))
try:
    hidden = tuple(int(v) for v in hidden_text.replace(" ", "").split(",") if v)
    if not hidden or len(hidden) > MAX_LAYERS or min(hidden) < 1 or max(hidden) > MAX_UNITS:
        raise ValueError
except ValueError:
    st.error(t("family.bad_hidden", text=escape_markdown(hidden_text, 40), layers=MAX_LAYERS, units=MAX_UNITS))
    hidden = (512, 256)

try:
    ds = builtin_dataset(data_key)
except ValueError as exc:
    st.error(str(exc))
    stop()
train_idx, test_idx = split_indices(data_key, ds.n_samples, ds)
X_train, X_test = ds.X[train_idx], ds.X[test_idx]
y_train, y_test = ds.y[train_idx], ds.y[test_idx]
small = ds.n_samples < 3000  # scikit-learn's digits: more epochs cost only seconds
jit = not small  # XLA's compilation costs more than it saves on small data
st.caption(t("family.data_caption", train=len(train_idx), test=len(test_idx), features=ds.n_features))


def stored(tab: str):
    """This session's last result of a tab on the current dataset (it survives reruns)."""
    return st.session_state.get("_family.results", {}).get((tab, data_key))


def run(tab: str, settings: dict, work) -> None:
    """Run (or fetch) one action and keep its result in the session."""
    outcome = family_action((tab, data_key, tuple(sorted(settings.items()))), work)
    if outcome is not None:
        result, seconds = outcome
        st.session_state.setdefault("_family.results", {})[(tab, data_key)] = {
            "settings": settings, "result": result, "seconds": seconds}


def timing_caption(entry: dict, own_seconds: float) -> None:
    """How long the action took, or that another session had already computed it."""
    if entry["seconds"] > 0:
        st.caption(t("family.took", seconds=entry["seconds"]))
    else:
        st.caption(t("family.shared_result", seconds=own_seconds))


def latent_input(tab: str, default: int):
    return st.number_input(t("family.latent_size"), 1, ds.n_features - 1, min(default, ds.n_features - 1),
                           key=f"family.{tab}.k.{data_key}")


def theory(name: str) -> None:
    with st.expander(t("family.what"), expanded=False):
        st.markdown(t(f"family.{name}_theory"))


tab_tied, tab_greedy, tab_sparse, tab_gan, tab_pre, tab_more = coded_tabs("family.tab", {
    "tied": t("family.tab_tied"), "greedy": t("family.tab_greedy"), "sparse": t("family.tab_sparse"),
    "gan": t("family.tab_gan"), "pretraining": t("family.tab_pretraining"), "more": t("family.tab_denoising_vae")}
)

# --------------------------------------------------------------------------- tied weights
with tab_tied:
    theory("tied")
    with st.columns(4)[0]:
        k = latent_input("tied", 10)
    counts = family_parameter_counts(ds.n_features, int(k), hidden)
    dense, tied = counts["dense"], counts["tied"]
    metric_row([
        (t("family.tied_dense_params"), f"{dense['total']:,}", None),
        (t("family.tied_tied_params"), f"{tied['total']:,}", None),
        (t("family.tied_ratio"), f"{tied['total'] / dense['total']:.3f}×", t("family.tied_ratio_help")),
        (t("family.tied_decoder_params"), f"{dense['decoder']:,} → {tied['decoder']:,}",
         t("family.tied_decoder_help")),
    ])
    st.plotly_chart(figures.parameter_bars(
        {t("family.model_dense"): dense, t("family.model_tied"): tied},
        part_names={"encoder": t("family.encoder"), "decoder": t("family.decoder")},
        title=t("family.tied_chart", shape=" → ".join(map(str, (ds.n_features, *hidden, int(k))))),
        yaxis_title=t("family.parameters")), key="family.tied.chart")
    st.caption(t("family.tied_caption"))

# --------------------------------------------------------------------------- greedy layer-wise
with tab_greedy:
    theory("greedy")
    c1, c2, c3 = st.columns(3)
    with c1:
        k = latent_input("greedy", 10)
    per_stage = c2.slider(t("family.greedy_epochs"), 1, 20, 5 if small else 3, key=f"family.greedy.epochs.{data_key}")
    finetune = c3.slider(t("family.greedy_finetune"), 0, 20, 2, key="family.greedy.finetune")
    budget = per_stage * (len(hidden) + 1) + finetune
    st.caption(t("family.greedy_budget", stages=len(hidden) + 1, per_stage=per_stage, finetune=finetune,
                 budget=budget))
    if st.button(t("family.greedy_go"), type="primary", key="family.greedy.go"):
        settings = dict(n_components=int(k), hidden_units=hidden, epochs_per_stage=int(per_stage),
                        finetune_epochs=int(finetune))
        run("greedy", settings, lambda progress: family.compare_greedy(
            X_train, X_test, **settings, jit_compile=jit, progress=progress))
    entry = stored("greedy")
    if entry is None:
        st.info(t("family.press_button"))
    else:
        result = entry["result"]
        greedy, e2e = result["greedy"], result["end_to_end"]
        left, right = st.columns(2)
        left.metric(t("family.greedy_mse_greedy"), f"{greedy['test_mse']:.5f}",
                    t("family.seconds", seconds=greedy["seconds"]), delta_color="off")
        right.metric(t("family.greedy_mse_e2e"), f"{e2e['test_mse']:.5f}",
                     t("family.seconds", seconds=e2e["seconds"]), delta_color="off")
        st.caption(t("family.greedy_result", ratio=greedy["test_mse"] / e2e["test_mse"],
                     pca=result["pca_test_mse"], k=entry["settings"]["n_components"], budget=result["budget"]))
        st.plotly_chart(figures.loss_comparison(
            {t("family.model_greedy"): greedy["val_loss"], t("family.model_e2e"): e2e["val_loss"]},
            stages=greedy.get("stage"), title=t("family.greedy_chart"), xaxis_title=t("family.epoch"),
            yaxis_title=t("family.validation_loss"), stage_label=t("family.stage")), key="family.greedy.chart")
        if entry["settings"]["finetune_epochs"] > 0:
            st.caption(t("family.greedy_finetune_note", phase=result["n_stages"] + 1))
        timing_caption(entry, greedy["seconds"] + e2e["seconds"])

# --------------------------------------------------------------------------- sparse and winner-take-all
with tab_sparse:
    theory("sparse")
    c1, c2, c3, c4 = st.columns(4)
    with c1:
        k = latent_input("sparse", min(64, ds.n_features // 2))
    epochs = c2.slider(t("family.epochs"), 1, 30, 10 if small else 5, key=f"family.sparse.epochs.{data_key}",
                       help=t("family.epochs_help"))
    target = c3.select_slider(t("family.sparse_target"), [0.02, 0.05, 0.1, 0.2, 0.3], 0.1,
                              key="family.sparse.target")
    rate = c4.select_slider(t("family.wta_rate"), [0.01, 0.02, 0.05, 0.1, 0.2], 0.05, key="family.sparse.rate",
                            format_func=lambda r: f"{r:.0%}")
    if st.button(t("family.sparse_go"), type="primary", key="family.sparse.go"):
        settings = dict(n_components=int(k), hidden_units=hidden, epochs=int(epochs),
                        sparsity_target=float(target), wta_rate=float(rate))
        run("sparse", settings, lambda progress: family.compare_sparsity(
            X_train, X_test, **settings, jit_compile=jit, progress=progress))
    entry = stored("sparse")
    if entry is None:
        st.info(t("family.press_button"))
    else:
        result = entry["result"]
        found = result["models"]
        threshold = st.slider(t("family.threshold"), 0.0, 1.0, 0.1, 0.05, key="family.sparse.threshold",
                              help=t("family.threshold_help"))
        codes = {"plain": found["plain"]["codes"], "sparse": found["sparse"]["codes"],
                 "wta": found["wta"]["codes"],
                 "wta_rule": family.winner_take_all(found["wta"]["codes"], result["wta_rate"],
                                                    result["batch_size"])}
        names = {"plain": t("family.model_plain"), "sparse": t("family.model_sparse"),
                 "wta": t("family.model_wta"), "wta_rule": t("family.model_wta_rule")}
        profiles = {name: family.activation_profile(values, threshold) for name, values in codes.items()}
        metric_row([(t("family.active_of", model=names[name]), f"{profiles[name]['fraction_active']:.1%}",
                     t("family.active_help", threshold=threshold)) for name in names])
        st.plotly_chart(figures.activation_bars(
            {names[name]: profiles[name]["mean_activation"] for name in names},
            targets={names["sparse"]: result["sparsity_target"]}, title=t("family.sparse_bars"),
            xaxis_title=t("family.unit_rank"), yaxis_title=t("family.mean_activation"),
            target_label=t("family.kl_target")), key="family.sparse.bars")
        st.plotly_chart(figures.active_fraction_histogram(
            {names[name]: profiles[name]["per_sample"] for name in names}, n_units=result["n_components"],
            title=t("family.sparse_hist"),
            xaxis_title=t("family.share_active"), yaxis_title=t("family.samples")), key="family.sparse.hist")
        table = pd.DataFrame([{
            t("family.col_model"): names[name],
            t("family.col_code_activation"): found[name.replace("_rule", "")]["code_activation"],
            t("family.col_active"): profiles[name]["fraction_active"],
            t("family.col_dead"): profiles[name]["dead_units"],
            t("family.col_test_mse"): found[name]["test_mse"] if name in found else None,
            t("family.col_seconds"): found[name]["seconds"] if name in found else None,
        } for name in names])
        st.dataframe(table, hide_index=True, width="stretch", key="family.sparse.table", column_config={
            t("family.col_active"): st.column_config.NumberColumn(format="percent"),
            t("family.col_test_mse"): st.column_config.NumberColumn(format="%.5f"),
            t("family.col_seconds"): st.column_config.NumberColumn(format="%.1f")})
        st.caption(t("family.sparse_caption", k=result["n_components"], epochs=result["epochs"],
                     batch=result["batch_size"]))
        timing_caption(entry, sum(m["seconds"] for m in found.values()))

# --------------------------------------------------------------------------- GAN
with tab_gan:
    theory("gan")
    c1, c2 = st.columns(2)
    gan_epochs = c1.slider(t("family.epochs"), 1, 100, 30, key="family.gan.epochs")
    latent_dim = c2.select_slider(t("family.gan_noise"), [8, 16, 32, 64], 32, key="family.gan.latent")
    if st.button(t("family.gan_go"), type="primary", key="family.gan.go"):
        settings = dict(epochs=int(gan_epochs), latent_dim=int(latent_dim))
        run("gan", settings, lambda progress: family.gan_progression(X_train, **settings, progress=progress))
    entry = stored("gan")
    if entry is None:
        st.info(t("family.press_button"))
    else:
        result = entry["result"]
        st.plotly_chart(figures.gan_losses(
            result["d_loss"], result["g_loss"], names=(t("family.discriminator"), t("family.generator")),
            title=t("family.gan_losses"), xaxis_title=t("family.epoch"), yaxis_title=t("family.loss")),
            key="family.gan.losses")
        n_epochs = result["epochs"]
        epoch = n_epochs
        if n_epochs > 1:
            epoch = st.slider(t("family.gan_epoch"), 1, n_epochs, n_epochs, key=f"family.gan.step.{n_epochs}")
        samples = result["samples"][epoch - 1]
        half = (len(samples) + 1) // 2
        real = X_train[:half]
        st.plotly_chart(figures.reconstruction_grid(
            [samples[:half], samples[half:], real], [t("family.gan_generated"), "", t("family.gan_real")],
            ds.image_shape, t("family.gan_samples_title", epoch=epoch, total=n_epochs)), key="family.gan.grid")
        timing_caption(entry, result["seconds"])

# --------------------------------------------------------------------------- unsupervised pretraining
with tab_pre:
    theory("pretraining")
    reusable = family_reusable_model(data_key, PRETRAIN_KINDS)
    source = "fresh"
    if reusable is not None:
        config = reusable["config"]
        session_label = t("family.pre_demo" if reusable["demo"] else "family.pre_session", kind=config.kind,
                          k=config.n_components)
        source = st.radio(t("family.pre_source"), ["session", "fresh"], horizontal=True, key="family.pre.source",
                          format_func={"session": session_label, "fresh": t("family.pre_fresh")}.get)
    else:
        st.caption(t("family.pre_no_session_model"))
    c1, c2, c3 = st.columns(3)
    if source == "fresh":
        with c1:
            k = latent_input("pre", 10)
        ae_epochs = c2.slider(t("family.pre_ae_epochs"), 1, 50, 10 if small else 5,
                              key=f"family.pre.ae_epochs.{data_key}")
    steps = c3.slider(t("family.pre_steps"), 50, 1000, 200, 50, key="family.pre.steps",
                      help=t("family.pre_steps_help"))
    default_counts = [n for n in family.LABEL_COUNTS if n <= len(X_train)]
    wanted = st.multiselect(t("family.pre_counts"), LABEL_OPTIONS, default_counts,
                            key=f"family.pre.counts.{data_key}")
    n_classes = len(set(y_train.tolist()))
    usable, too_many, too_few = family.usable_label_counts(wanted, len(X_train), n_classes)
    problem = None
    if not wanted:
        problem = t("family.pre_none")
    elif too_few:
        problem = t("family.pre_too_few", n=too_few[0], classes=n_classes)
    elif too_many:
        problem = t("family.pre_too_many", n=too_many[0], available=len(X_train))
    if problem:
        st.error(problem, icon=":material/error:")
    if st.button(t("family.pre_go"), type="primary", key="family.pre.go", disabled=problem is not None):
        if source == "session":
            reducer = reusable["reducer"]
            settings = dict(model=reusable["id"], demo=reusable["demo"], kind=config.kind,
                            k=int(config.n_components), label_counts=tuple(usable), steps=int(steps))
            work = lambda progress: family.pretraining_curve(  # noqa: E731
                X_train, y_train, X_test, y_test, label_counts=usable, reducer=reducer, steps=int(steps),
                progress=progress)
        else:
            settings = dict(n_components=int(k), hidden_units=hidden, ae_epochs=int(ae_epochs),
                            label_counts=tuple(usable), steps=int(steps))
            work = lambda progress: family.pretraining_curve(  # noqa: E731
                X_train, y_train, X_test, y_test, label_counts=usable, n_components=int(k), hidden_units=hidden,
                ae_epochs=int(ae_epochs), steps=int(steps), jit_compile=jit, progress=progress)
        run("pretraining", settings, work)
    entry = stored("pretraining")
    if entry is None:
        st.info(t("family.press_button"))
    else:
        result = entry["result"]
        modes = {"frozen": t("family.mode_frozen"), "finetune": t("family.mode_finetune"),
                 "scratch": t("family.mode_scratch")}
        ordered = sorted(result["rows"], key=lambda r: list(modes).index(r["mode"]))
        st.plotly_chart(figures.accuracy_vs_labels(
            ordered, mode_names=modes, title=t("family.pre_chart"), xaxis_title=t("family.pre_x"),
            yaxis_title=t("family.pre_y")), key="family.pre.chart")
        table = (pd.DataFrame(result["rows"]).pivot(index="n_labels", columns="mode", values="accuracy")
                 .reindex(columns=list(modes)).rename(columns=modes))
        table.index.name = t("family.pre_x")
        st.dataframe(table, width="stretch", key="family.pre.table",
                     column_config={name: st.column_config.NumberColumn(format="percent") for name in modes.values()})
        if result["reused"]:
            used = entry["settings"]
            st.caption(t("family.pre_used_session", steps=result["steps"], test=len(test_idx), model=t(
                "family.pre_demo" if used["demo"] else "family.pre_session", kind=used["kind"], k=used["k"])))
        else:
            st.caption(t("family.pre_used_fresh", epochs=result["ae_epochs"], seconds=result["ae_seconds"],
                         steps=result["steps"], test=len(test_idx)))
        timing_caption(entry, result["ae_seconds"] + sum(r["seconds"] for r in result["rows"]))

# --------------------------------------------------------------------------- denoising and VAE
with tab_more:
    theory("denoising_vae")
    st.markdown(t("family.denoising_line"))
    st.markdown(t("family.vae_line"))
    st.page_link("app_pages/generate.py", label=t("family.go_generate"), icon=":material/auto_awesome:")
    st.caption(t("family.more_caption"))
