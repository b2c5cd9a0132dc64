"""The posts' datasets and experiments in the app (AppTest): the Train page's picker lists the new
datasets; post 003's whole experiment (KMeans(5) on the codes, a PCA map) from its tour link; a table
denoised and generated samples exported on the Generate page; an untrained link's view parameters
wait in the URL, bounded."""

import numpy as np
import pytest

from aecore.data import datasets as data
from tests.builders import open_page

NEW = ("breast_cancer", "seed003_random", "balls")


def test_the_train_page_picker_lists_the_new_datasets():
    at = open_page("aecore_app/app_pages/train.py", {})
    options = at.selectbox(key="train.dataset").options
    for name in NEW:
        assert data.BUILTIN_DATASETS[name] in options, options


@pytest.mark.slow
def test_seed003_tour_link_trains_its_model_and_draws_kmeans_5_on_a_pca_map():
    from aecore_app import tour

    index = [s.id for s in tour.STEPS].index("seed003")
    at = open_page(tour.STEPS[index].page, tour.link_params(index))  # trains on arrival: no click
    assert at.selectbox(key="clusters.space").value == "codes"
    assert at.selectbox(key="clusters.method").value == "kmeans"
    assert at.number_input(key="clusters.k").value == 5
    assert at.radio(key="clusters.map").value == "pca"
    found = {m.label: m.value for m in at.metric}
    assert any(value == "5" for value in found.values()), found  # clusters found


@pytest.mark.slow
def test_a_table_denoises_feature_by_feature_on_the_generate_page():
    """Post 003's tabular denoising: noise on breast-cancer rows, the denoising AE's output closer
    to the clean rows than the noisy input, feature by feature."""
    at = open_page("aecore_app/app_pages/generate.py", {"data": "breast_cancer", "preset": "denoising", "epochs": "30",
                                                   "level": "0.3"})
    at.button(key="link.train").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("table" in i.value for i in at.info)
    metrics = [float(m.value) for m in at.metric]
    noisy, output = metrics[:2]
    assert output < 0.5 * noisy, (noisy, output)


@pytest.mark.slow
def test_generate_offers_the_generated_samples_as_an_npz_made_on_click():
    from aecore.runs import demo
    from aecore.experiments.augment import generate_like, samples_npz

    at = open_page("aecore_app/app_pages/generate.py", {"data": "mnist_sample", "preset": "vae_2d", "tab": "vae"})
    assert any("Export generated samples" in e.label for e in at.expander)
    at.number_input(key="generate.augment_per_row").set_value(2).run()
    assert not at.exception
    assert any("400 new rows" in c.value for c in at.caption)
    # What the download holds: the shipped VAE's rows, loadable without pickle.
    import io

    reducer = {(d, p): r for d, p, _, r in demo.load_all()}[("mnist_sample", "vae_2d")]
    ds = data.load_dataset("mnist_sample")
    X_new, y_new = generate_like(reducer, ds.X[:10], ds.y[:10], 2, random_state=0)
    with np.load(io.BytesIO(samples_npz(X_new, y_new, ds.image_shape)), allow_pickle=False) as stored:
        assert stored["X"].shape == (20, 784) and stored["y"].tolist() == np.repeat(ds.y[:10], 2).tolist()
        assert tuple(stored["image_shape"]) == (28, 28)


def test_an_untrained_links_view_parameters_wait_in_the_url_bounded():
    """While a link's model waits for Train, the URL keeps the link's view parameters (so they
    apply after training), but no more than 32 of them and none longer than 512 characters."""
    junk = {f"junk{i}": "x" for i in range(40)}
    at = open_page("aecore_app/app_pages/clusters.py", {"data": "seed003_random", "preset": "seed003_tabular",
                                             "space": "codes", "huge": "y" * 600, **junk})
    kept = {name: at.query_params[name] for name in at.query_params}
    assert kept.get("space") == "codes" and "huge" not in kept
    assert len([name for name in kept if name.startswith("junk")]) <= 31
