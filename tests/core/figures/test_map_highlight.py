"""A map rings the points a search found, on top of every colour, carrying their row ids."""

import numpy as np

from aecore.figures.builders import codings_scatter


def test_found_points_are_ringed_on_top_with_their_row_ids():
    points = np.arange(40, dtype=float).reshape(20, 2)
    found = np.zeros(20, dtype=bool)
    found[[2, 7]] = True
    fig = codings_scatter(points, np.arange(20) % 3, categorical=True, customdata=np.arange(100, 120),
                          highlight=found, highlight_name="found")
    ring = fig.data[-1]
    assert ring.name == "found" and ring.marker.symbol == "circle-open" and ring.showlegend
    assert list(ring.customdata) == [102, 107] and list(ring.x) == [4.0, 14.0]
    assert len(codings_scatter(points, highlight=np.zeros(20, dtype=bool)).data) == 1  # nothing found: no ring
