"""The guided tour: the source posts' story in order, each step a page with the settings to show.

The steps are plain data (:data:`STEPS`, :func:`link_params`, :func:`step_from_params`): the home
page lists them (:func:`tour_ui`), and each page shows the step it was opened for (``?tour=N``)
with what to look at and links to the previous and next steps (:func:`tour_banner`). Titles and
explanations are the ``tour.<id>.title`` / ``tour.<id>.look`` strings in ``aecore_app/locales``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import streamlit as st

from aecore.anomaly import POST_ANOMALY_CLASSES

from .app_pages import page_file
from .i18n import t

DEMO = {"data": "mnist_sample", "preset": "recommended"}
#: Longest ``tour`` value read from a URL: a step number has one or two digits.
MAX_STEP_DIGITS = 3


@dataclass(frozen=True)
class Step:
    id: str
    page: str  # the page file it opens (aecore_app/app_pages/)
    params: dict = field(default_factory=dict)  # query parameters: the model and the view
    #: What the step's own link asks the page to do on arrival, so that what its text talks about is
    #: shown without a click: "train" (the link's small model), "evaluate" (the Anomalies page's
    #: evaluation with labels), "measure" (the neighbours' agreement). Each job is seconds long and
    #: fixed by the step's settings (cached for the next visitor).
    work: tuple[str, ...] = ()


#: The MNIST sample holds 500 digits of each class in order: #500 is its first 1, #3500 its first 7.
#: The balls' rows 0 and 1 hold the ball on the left and on the right (``aecore.data.datasets.make_balls``).
#: The steps follow the source posts (post 000 to 004); each title names its post.
SEED002 = {"data": "mnist_sample", "preset": "seed002_cnn_elu"}
SEED003 = {"data": "seed003_random", "preset": "seed003_tabular"}
#: Post 003's anomalies in the breast-cancer table (the malignant tumours), spelled out in the
#: link so that the step opens on them whatever the page's default becomes.
BREAST_CANCER_ANOMALIES = ",".join(str(c) for c in POST_ANOMALY_CLASSES["breast_cancer"])
STEPS = (
    Step("linear", page_file("linear_3d.py"), {"converge": "0"}, work=("train",)),
    Step("seed002_compare", page_file("reconstructions.py"), {**SEED002, "show": "random"}),
    Step("seed002_tsne", page_file("latent.py"), {**SEED002, "view": "tsne", "dims": "2", "color": "label"}),
    Step("seed002_kmeans", page_file("clusters.py"), {**SEED002, "space": "codes", "method": "kmeans",
                                                     "clusters": "10", "n_init": "10", "map": "tsne"}),
    Step("latent", page_file("latent.py"), {**DEMO, "view": "umap", "dims": "2", "color": "label"}),
    Step("clusters", page_file("clusters.py"), {**DEMO, "space": "umap", "method": "gmm", "clusters": "10",
                                               "map": "umap"}),
    Step("family", page_file("family.py"), {"dataset": "digits", "tab": "tied"}),
    Step("denoising", page_file("generate.py"), {"data": "mnist_sample", "preset": "denoising", "tab": "denoise",
                                                "level": "0.5"}),
    Step("vae", page_file("generate.py"), {"data": "mnist_sample", "preset": "vae_2d", "tab": "walk",
                                          "from": "500", "to": "3500"}),
    Step("seed003", page_file("clusters.py"), {**SEED003, "space": "codes", "method": "kmeans", "clusters": "5",
                                              "n_init": "10", "map": "pca"}, work=("train",)),
    Step("anomalies", page_file("anomalies.py"), {**DEMO, "tab": "evaluate"}, work=("evaluate",)),
    Step("tabular_anomalies", page_file("anomalies.py"), {"data": "breast_cancer", "preset": "seed003_tabular",
                                                         "classes": BREAST_CANCER_ANOMALIES, "tab": "evaluate"},
         work=("train", "evaluate")),
    Step("balls", page_file("generate.py"), {"data": "balls", "preset": "seed004_balls", "tab": "walk",
                                            "from": "0", "to": "1", "steps": "7"}),
    # Beyond the posts: what a person can do with the same models.
    Step("animation", page_file("train.py"), {**DEMO, "anim": "1"}),
    Step("neighbours", page_file("latent.py"), {**DEMO, "view": "pca", "dims": "2", "color": "label",
                                               "sel": ",".join(str(i) for i in range(3500, 3512))}, work=("measure",)),
    Step("digit", page_file("digit.py"), {**DEMO}),
    Step("compare", page_file("compare.py"), {"a": "demo:mnist-recommended", "b": "demo:mnist-denoising"}),
)


def link_params(index: int) -> dict[str, str]:
    """The query parameters that open step ``index`` (0-based) of the tour."""
    return {**STEPS[index].params, "tour": str(index + 1)}


def step_from_params(params) -> int | None:
    """The 0-based step a URL's ``tour`` parameter names, or None (absent or invalid)."""
    text = params.get("tour")
    # Only ASCII digits: str.isdigit() also accepts "²" (which int() refuses) and "٣" (which
    # int() reads as 3); a link has no business spelling a step number either way.
    if not (isinstance(text, str) and 0 < len(text) <= MAX_STEP_DIGITS
            and text.isascii() and text.isdigit()):
        return None
    index = int(text) - 1
    return index if 0 <= index < len(STEPS) else None


#: Session key: ``(step index, the jobs its link asked for and no page has done yet)``.
_ARRIVAL = "_tour.arrival"
#: Session key: the last link that arrived as a tour step (an arrival counts once, not at every rerun).
_SEEN = "_tour.seen"


def _incoming() -> dict[str, str]:
    return {name: st.query_params[name] for name in st.query_params}


def _note_arrival(params: dict[str, str], index: int) -> None:
    """Remember the jobs of step ``index`` when this run is its own link, newly arrived."""
    step = STEPS[index]
    # Only the step's own link, unchanged: a setting added or changed (a hostile link dressed as a
    # tour step, or a person's edit) makes it an ordinary link, which never starts work by itself.
    own = set(params) <= {*step.params, "tour", "lang"} and all(
        params.get(name) == value for name, value in step.params.items())
    if own and params != st.session_state.get(_SEEN):
        st.session_state[_SEEN] = params
        st.session_state[_ARRIVAL] = (index, set(step.work))


def asks_for(job: str) -> bool:
    """True once when the tour step this page was opened for asked for ``job`` on arrival
    (see :attr:`Step.work`). Call it once per run, before the button that does the job."""
    arrival = st.session_state.get(_ARRIVAL)
    if arrival is None or arrival[0] != step_from_params(_incoming()) or job not in arrival[1]:
        return False
    arrival[1].discard(job)
    return True


def end_arrival() -> None:
    """Drop the jobs of the last arrival that no page has done: called once a page's run completes."""
    st.session_state.pop(_ARRIVAL, None)


def tour_ui() -> None:
    """The home page's guided tour: each step, what it shows, and a link that opens it."""
    st.subheader(t("tour.heading"), anchor="tour")
    st.caption(t("tour.intro"))
    for i, step in enumerate(STEPS):
        with st.container(border=True):
            text, link = st.columns([4, 1], vertical_alignment="center")
            text.markdown(f"**{i + 1}. {t(f'tour.{step.id}.title')}**  \n{t(f'tour.{step.id}.look')}")
            link.page_link(step.page, label=t("tour.open"), icon=":material/play_arrow:",
                           query_params=link_params(i))


def tour_banner() -> None:
    """On a page opened from the tour (``?tour=N``): the step, what to look at, previous/next."""
    params = _incoming()
    index = step_from_params(params)
    if index is None:
        return
    _note_arrival(params, index)
    step = STEPS[index]
    with st.container(border=True):
        st.markdown(f":material/tour: **{t('tour.step', n=index + 1, total=len(STEPS))} · "
                    f"{t(f'tour.{step.id}.title')}**  \n{t(f'tour.{step.id}.look')}")
        back, forward, done = st.columns(3)
        if index > 0:
            back.page_link(STEPS[index - 1].page, label=t("tour.previous"), icon=":material/arrow_back:",
                           query_params=link_params(index - 1))
        if index + 1 < len(STEPS):
            forward.page_link(STEPS[index + 1].page, label=t("tour.next"),
                              icon=":material/arrow_forward:", query_params=link_params(index + 1))
        done.page_link(page_file("home.py"), label=t("tour.end"), icon=":material/close:")
