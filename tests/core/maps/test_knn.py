"""Neighbours found once per array and shared between UMAP views (issue 18): the same result as a
search of its own, whichever view asked first."""

import numpy as np
import pytest
from sklearn.neighbors import NearestNeighbors

from aecore.maps import cluster, knn, projection


@pytest.fixture(autouse=True)
def empty_store():
    knn.clear()
    yield
    knn.clear()


@pytest.fixture(scope="module")
def codes():
    rng = np.random.default_rng(0)
    centres = rng.normal(scale=4.0, size=(6, 5))
    return (centres[rng.integers(0, 6, 600)] + rng.normal(size=(600, 5))).astype(np.float32)


def test_fewer_neighbours_are_the_first_columns_of_one_exact_search(codes):
    indices, distances = knn.neighbours(codes, 10, approximate=False)
    expected_d, expected_i = NearestNeighbors(n_neighbors=10).fit(codes).kneighbors(codes)
    np.testing.assert_array_equal(indices, expected_i)
    np.testing.assert_allclose(distances, expected_d, rtol=1e-5, atol=1e-5)
    assert indices.dtype == np.int32 and distances.dtype == np.float32
    assert (indices[:, 0] == np.arange(len(codes))).all()  # each row first


def test_a_second_view_is_served_from_the_store(codes, monkeypatch):
    first = knn.neighbours(codes, 15, approximate=False)
    monkeypatch.setattr(knn, "_search", lambda *args: pytest.fail("searched again"))
    again = knn.neighbours(codes, 10, approximate=False)
    np.testing.assert_array_equal(again[0], first[0][:, :10])
    again[0][:] = -1  # a caller's copy: UMAP marks disconnected neighbours in place
    np.testing.assert_array_equal(knn.neighbours(codes, 15, approximate=False)[0], first[0])


@pytest.mark.slow
def test_what_a_view_gets_does_not_depend_on_which_view_asked_first(codes):
    alone = cluster.n2d(codes, n_clusters=6, random_state=0)
    knn.clear()
    projection.project(codes, "umap", random_state=0)  # the Latent page's map first (15 neighbours)
    after_the_map = cluster.n2d(codes, n_clusters=6, random_state=0)
    np.testing.assert_array_equal(alone[0].labels, after_the_map[0].labels)
    np.testing.assert_array_equal(alone[1], after_the_map[1])


def test_the_store_is_bounded_and_keys_on_the_content(codes, monkeypatch):
    monkeypatch.setattr(knn, "MAX_ENTRIES", 2)
    for shift in range(3):
        knn.neighbours(codes + shift, 5, approximate=False)
    assert len(knn._found) == 2
    knn.neighbours(codes.copy() + 2, 5, approximate=False)  # same values, another array: found
    assert len(knn._found) == 2


def test_impossible_neighbour_counts_are_refused(codes):
    with pytest.raises(ValueError, match="between 1 and the number of rows"):
        knn.neighbours(codes[:5], 6, approximate=False)
