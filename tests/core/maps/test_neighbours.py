"""Neighbours in code space vs input space (aecore.maps.neighbours) and the Embedding Projector files
(aecore.runs.projector). The Latent page's panel: app/test_latent_page_neighbours.py."""

import io
import zipfile

import numpy as np
import pytest
from sklearn.decomposition import PCA
from sklearn.neighbors import NearestNeighbors

from aecore.runs import projector
from aecore.data.datasets import load_dataset
from aecore.maps.neighbours import MAX_NEIGHBOURS, label_agreement, nearest_rows, neighbours_of


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
