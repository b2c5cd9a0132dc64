"""Walking the latent space (aecore.maps.latent_walk): interpolation and traversal, and their errors."""

import numpy as np
import pytest

from aecore.maps.latent_walk import interpolate, traverse


def test_interpolate_includes_both_ends_evenly():
    weights, path = interpolate(np.zeros(3), np.full(3, 4.0), 5)
    assert weights.tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert path.dtype == np.float32 and path.shape == (5, 3)
    np.testing.assert_allclose(path[:, 0], [0, 1, 2, 3, 4])


@pytest.mark.parametrize("steps", [1, 0, 2.5, True])
def test_interpolate_refuses_too_few_steps(steps):
    with pytest.raises(ValueError, match="steps="):
        interpolate([0.0], [1.0], steps)


def test_interpolate_refuses_points_of_two_spaces():
    with pytest.raises(ValueError, match="start has 2 values but end has 3"):
        interpolate([0.0, 1.0], [0.0, 1.0, 2.0], 3)


def test_traverse_moves_each_unit_by_its_spread():
    codes = np.array([[0.0, 10.0], [2.0, 10.0], [4.0, 10.0]])
    moved = traverse(codes, 1, [1.0, 3.0])
    assert moved.shape == (1, 2) and moved.dtype == np.float32
    np.testing.assert_allclose(moved[0], [2.0 + codes[:, 0].std(), 10.0])  # a unit with no spread stays


def test_traverse_refuses_a_wrong_offset_count_and_a_missing_row():
    with pytest.raises(ValueError, match="offsets has 1 values but the codes have 2 units"):
        traverse(np.zeros((3, 2)), 0, [1.0])
    with pytest.raises(ValueError, match="index=3 must be a row"):
        traverse(np.zeros((3, 2)), 3, [0.0, 0.0])
