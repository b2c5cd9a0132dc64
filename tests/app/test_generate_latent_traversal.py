"""Latent traversal: the grid of a code moved along each unit alone (rows = units, columns = offsets),
and the Generate page's traversal tab, where every unit can be chosen and the pictures sit beside
their sliders at a height that fits them."""

import json

import numpy as np
import pytest

from aecore.maps.latent_walk import traversal_grid, traverse
from tests.builders import open_page


def test_each_grid_row_moves_one_unit_alone_by_each_offset():
    rng = np.random.default_rng(0)
    codes = rng.normal(size=(50, 4))
    grid = traversal_grid(codes, 7, [2, 0], [-1.0, 0.0, 2.0])
    assert grid.shape == (6, 4) and grid.dtype == np.float32
    for i, unit in enumerate([2, 0]):
        for j, offset in enumerate([-1.0, 0.0, 2.0]):
            step = np.zeros(4)
            step[unit] = offset
            np.testing.assert_allclose(grid[i * 3 + j], traverse(codes, 7, step)[0], rtol=1e-6)


@pytest.mark.parametrize("units", [[], [4], [-1]])
def test_units_outside_the_code_are_refused_with_the_range(units):
    with pytest.raises(ValueError, match="between 0 and 3"):
        traversal_grid(np.zeros((5, 4)), 0, units, [1.0])


@pytest.mark.slow
def test_the_generate_page_reaches_every_unit_and_draws_the_grid_beside_the_sliders():
    at = open_page("aecore_app/app_pages/generate.py", {"tab": "traverse"}, timeout=300)
    assert not at.exception, [e.value for e in at.exception]
    units = at.multiselect(key="generate.units")
    k = len(units.options)
    assert k >= 10 and len(units.value) == 8  # the shipped demo's 10 units; 8 chosen at first
    units.set_value([0, k - 1]).run()  # the last unit is as reachable as the first
    at.slider(key=f"generate.z{k - 1}").set_value(2.0).run()
    assert not at.exception, [e.value for e in at.exception]
    charts = {c.proto.id.rsplit("-", 1)[-1]: json.loads(c.proto.spec) for c in at.get("plotly_chart")}
    grid = next(spec for key, spec in charts.items() if key.endswith("generate.traverse_grid"))
    assert grid["layout"]["yaxis"]["ticktext"] == ["z1", f"z{k}"]
    picture = next(spec for key, spec in charts.items() if key.endswith("generate.traverse"))
    assert picture["layout"]["height"] < 500  # one row of three images, not three tall rows
