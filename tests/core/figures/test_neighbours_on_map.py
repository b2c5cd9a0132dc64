"""The neighbours panel's map: the sample and its nearest rows marked where they lie on the page's
2-D view, code-space and input-space neighbours apart; rows a sampled map lacks left out."""

import numpy as np

from aecore.figures import builders as figures


def test_the_sample_and_its_neighbours_are_marked_at_their_map_positions():
    points = np.arange(20, dtype=float).reshape(10, 2)
    ids = np.array([5, 7, 9, 11, 13, 15, 17, 19, 21, 23])  # row ids of a sampled view
    fig = figures.neighbours_on_map(points, ids, row=13, code_rows=np.array([11, 15]),
                                    input_rows=np.array([21, 99]))  # row 99 is not on the map
    background, inputs, codes, sample = fig.data
    assert len(background.x) == 10
    assert list(sample.customdata) == [13] and list(sample.x) == [points[4, 0]]
    assert list(codes.customdata) == [11, 15] and list(codes.y) == [points[3, 1], points[5, 1]]
    assert list(inputs.customdata) == [21]
    assert sample.marker.symbol == "star" and codes.marker.symbol != inputs.marker.symbol
