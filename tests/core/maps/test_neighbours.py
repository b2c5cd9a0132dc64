"""Neighbours in code space vs input space (aecore.neighbours), the Latent page's neighbours panel
(AppTest) and its Embedding Projector download."""

import io
import re
import zipfile

import numpy as np
import pytest
from sklearn.decomposition import PCA
from sklearn.neighbors import NearestNeighbors

from aecore import projector
from aecore.data import load_dataset
from aecore.neighbours import MAX_NEIGHBOURS, label_agreement, nearest_rows, neighbours_of
from tests.builders import open_page


@pytest.fixture(scope="module")
def digits():
    ds = load_dataset("digits")
    return ds.X[:600], ds.y[:600]


def test_nearest_rows_match_scikit_learn(digits):
    X, _ = digits
    expected = NearestNeighbors(n_neighbors=6).fit(X).kneighbors(X[[17]], return_distance=False)[0]
    found = nearest_rows(X, X[17], 5, exclude=17)
    assert 17 not in found and len(found) == 5
    assert set(found) == set(expected[expected != 17][:5])


def test_neighbours_of_one_sample_and_the_share_of_its_label(digits):
    X, y = digits
    codes = PCA(16, random_state=0).fit_transform(X)
    found = neighbours_of(5, codes, X, k=8, labels=y)
    assert found.row == 5 and len(found.code_rows) == len(found.input_rows) == 8
    assert found.code_share == np.mean(y[found.code_rows] == y[5])
    assert found.input_share == np.mean(y[found.input_rows] == y[5])
    assert neighbours_of(5, codes, X, k=8).code_share is None


def test_label_agreement_is_high_for_digits_and_low_for_shuffled_codes(digits):
    X, y = digits
    codes = PCA(16, random_state=0).fit_transform(X)
    in_codes, in_inputs = label_agreement(codes, X, y, k=5, n_queries=200)
    assert in_codes > 0.85 and in_inputs > 0.85  # digits' classes are well apart in pixels and in PCA-16
    shuffled = codes[np.random.default_rng(0).permutation(len(codes))]
    assert label_agreement(shuffled, X, y, k=5, n_queries=200)[0] < 0.3  # chance is about 0.1


@pytest.mark.parametrize("k", [0, -1, MAX_NEIGHBOURS + 1, 2.5, True])
def test_bad_neighbour_counts_are_refused_with_the_range(digits, k):
    X, _ = digits
    with pytest.raises(ValueError, match="k="):
        neighbours_of(0, X, X, k=k)


def test_a_row_outside_the_data_is_refused(digits):
    X, _ = digits
    with pytest.raises(ValueError, match="row=600 is not a row"):
        neighbours_of(600, X, X)


def test_projector_zip_holds_the_projectors_files_for_the_chosen_rows(digits):
    X, y = digits
    codes = PCA(4, random_state=0).fit_transform(X)
    payload = projector.projector_zip(codes, y, X, (8, 8), max_rows=100)
    with zipfile.ZipFile(io.BytesIO(payload)) as archive:
        names = set(archive.namelist())
        assert {"tensors.tsv", "metadata.tsv", "sprite.png", "projector_config.pbtxt"} <= names
        tensors = np.loadtxt(io.StringIO(archive.read("tensors.tsv").decode()), delimiter="\t")
        metadata = archive.read("metadata.tsv").decode().splitlines()
    assert tensors.shape == (100, 4)
    rows = [int(line.split("\t")[1]) for line in metadata[1:]]
    assert rows == sorted(rows) and len(set(rows)) == 100
    np.testing.assert_allclose(tensors, codes[rows], rtol=1e-4, atol=1e-4)
    assert [int(line.split("\t")[0]) for line in metadata[1:]] == list(y[rows])


def test_the_latent_page_shows_a_selected_samples_neighbours_and_the_projector_download():
    at = open_page("app_pages/latent.py", {"view": "pca", "sel": "3500,3501"}, timeout=300)
    assert any("Neighbours in code space" in h.value for h in at.subheader), [h.value for h in at.subheader]
    shares = [m.value for m in at.markdown if "share its label" in m.value]
    assert len(shares) == 2, shares  # code space and input space
    same = [int(re.search(r"(\d+) of 8 share", text).group(1)) for text in shares]
    assert same[0] >= 6  # sample #3500 is a 7 of the MNIST sample; its code-space neighbours are mostly 7s
    at.selectbox(key="latent.nb_point").set_value(3501).run()
    assert not at.exception
    at.button(key="latent.nb_measure").click().run()
    assert not at.exception
    agreement = [i.value for i in at.info if "random samples" in i.value]
    assert agreement and re.search(r"\d+% of the 8 nearest", agreement[0])
    assert [b for b in at.get("download_button") if b.proto.id.endswith("latent.dl.projector")] or \
        any("Projector" in b.proto.label for b in at.get("download_button"))
