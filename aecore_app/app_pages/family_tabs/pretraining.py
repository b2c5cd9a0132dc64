"""Unsupervised pretraining: a classifier on a few labels, from a pretrained encoder or from scratch."""

import pandas as pd
import streamlit as st

from aecore.experiments import family
from aecore.figures import family as figures_family
from aecore_app.family_ui import (FamilyData, family_reusable_model, latent_input, press_button_or, run_action,
                              theory, timing_caption)
from aecore_app.i18n import t

#: Kinds whose encoder a few-label classifier reuses as it is (a sparse or WTA encoder would carry its
#: training-time penalty or winner rule into the classifier).
PRETRAIN_KINDS = ("dense", "tied", "denoising")
LABEL_OPTIONS = (5, 10, 20, 50, 100, 200, 500, 1000, 2000, 3000)


def _label_problem(wanted, n_train: int, n_classes: int):
    """The usable label counts, and what is wrong with the choice in plain words (or None)."""
    usable, too_many, too_few = family.usable_label_counts(wanted, n_train, n_classes)
    if not wanted:
        return usable, t("family.pre_none")
    if too_few:
        return usable, t("family.pre_too_few", n=too_few[0], classes=n_classes)
    if too_many:
        return usable, t("family.pre_too_many", n=too_many[0], available=n_train)
    return usable, None


def tab_ui(data: FamilyData) -> None:
    theory("pretraining")
    reusable = family_reusable_model(data.key, PRETRAIN_KINDS)
    source = "fresh"
    if reusable is not None:
        config = reusable.config
        session_label = t("family.pre_demo" if reusable.demo else "family.pre_session", kind=config.kind,
                          k=config.n_components)
        source = st.radio(t("family.pre_source"), ["session", "fresh"], horizontal=True, key="family.pre.source",
                          format_func={"session": session_label, "fresh": t("family.pre_fresh")}.get)
    else:
        st.caption(t("family.pre_no_session_model"))
    c1, c2, c3 = st.columns(3)
    if source == "fresh":
        with c1:
            k = latent_input("pre", data, 10)
        ae_epochs = c2.slider(t("family.pre_ae_epochs"), 1, 50, 10 if data.small else 5,
                              key=f"family.pre.ae_epochs.{data.key}")
    steps = c3.slider(t("family.pre_steps"), 50, 1000, 200, 50, key="family.pre.steps",
                      help=t("family.pre_steps_help"))
    default_counts = [n for n in family.LABEL_COUNTS if n <= data.n_train]
    wanted = st.multiselect(t("family.pre_counts"), LABEL_OPTIONS, default_counts,
                            key=f"family.pre.counts.{data.key}")
    usable, problem = _label_problem(wanted, data.n_train, data.n_classes)
    if problem:
        st.error(problem, icon=":material/error:")
    if st.button(t("family.pre_go"), type="primary", key="family.pre.go", disabled=problem is not None):
        X_train, y_train, X_test, y_test = data.X_train, data.y_train, data.X_test, data.y_test
        if source == "session":
            reducer = reusable.reducer
            settings = dict(model=reusable.id, demo=reusable.demo, kind=config.kind,
                            k=int(config.n_components), label_counts=tuple(usable), steps=int(steps))
            work = lambda progress: family.pretraining_curve(  # noqa: E731
                X_train, y_train, X_test, y_test, label_counts=usable, reducer=reducer, steps=int(steps),
                progress=progress)
        else:
            settings = dict(n_components=int(k), hidden_units=data.hidden_units, ae_epochs=int(ae_epochs),
                            label_counts=tuple(usable), steps=int(steps))
            work = lambda progress: family.pretraining_curve(  # noqa: E731
                X_train, y_train, X_test, y_test, label_counts=usable, n_components=int(k),
                hidden_units=data.hidden_units, ae_epochs=int(ae_epochs), steps=int(steps), jit_compile=data.jit,
                progress=progress)
        run_action("pretraining", data, settings, work)
    entry = press_button_or("pretraining", data)
    if entry is None:
        return
    result = entry["result"]
    modes = {"frozen": t("family.mode_frozen"), "finetune": t("family.mode_finetune"),
             "scratch": t("family.mode_scratch")}
    ordered = sorted(result["rows"], key=lambda r: list(modes).index(r["mode"]))
    st.plotly_chart(figures_family.accuracy_vs_labels(
        ordered, mode_names=modes, title=t("family.pre_chart"), xaxis_title=t("family.pre_x"),
        yaxis_title=t("family.pre_y")), key="family.pre.chart")
    table = (pd.DataFrame(result["rows"]).pivot(index="n_labels", columns="mode", values="accuracy")
             .reindex(columns=list(modes)).rename(columns=modes))
    table.index.name = t("family.pre_x")
    st.dataframe(table, width="stretch", key="family.pre.table",
                 column_config={name: st.column_config.NumberColumn(format="percent") for name in modes.values()})
    if result["reused"]:
        used = entry["settings"]
        st.caption(t("family.pre_used_session", steps=result["steps"], test=data.n_test, model=t(
            "family.pre_demo" if used["demo"] else "family.pre_session", kind=used["kind"], k=used["k"])))
    else:
        st.caption(t("family.pre_used_fresh", epochs=result["ae_epochs"], seconds=result["ae_seconds"],
                     steps=result["steps"], test=data.n_test))
    timing_caption(entry, result["ae_seconds"] + sum(r["seconds"] for r in result["rows"]))
