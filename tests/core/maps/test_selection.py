"""selected_ids: events shaped like what st.plotly_chart(on_select="rerun") returns."""

from types import SimpleNamespace

import numpy as np
import pytest

from aecore.maps.selection import rows_in_regions, selected_ids


class ReadOnlyAttributeDict(dict):
    """Stands in for Streamlit's PlotlyState: a dict whose keys are also attributes."""

    def __getattr__(self, key):
        try:
            value = self[key]
        except KeyError as err:
            raise AttributeError(key) from err
        return ReadOnlyAttributeDict(value) if isinstance(value, dict) else value


def point(curve, index, customdata="absent", **extra):
    """One selected point as Streamlit reports it (snake_case keys)."""
    p = {"curve_number": curve, "point_number": index, "point_index": index, "x": 0.1 * index,
         "y": -0.2 * index, **extra}
    if customdata != "absent":
        p["customdata"] = customdata
    return p


def event(*points, box=(), lasso=()):
    return {"selection": {"points": list(points), "point_indices": [p["point_index"] for p in points],
                          "box": list(box), "lasso": list(lasso)}}


def test_empty_and_missing_selections_give_an_empty_int_array():
    for value in (None, event(), {"selection": {"points": None}}, {"selection": {}}):
        ids = selected_ids(value)
        assert ids.dtype == np.int64 and ids.shape == (0,)


def test_ids_come_from_customdata_not_from_per_trace_point_indices():
    # Two traces (two colours): point_index 0 appears in both, but the rows differ.
    ev = event(point(0, 0, [10]), point(1, 0, [250]), point(1, 3, [253]))
    assert selected_ids(ev).tolist() == [10, 250, 253]


def test_scalar_and_list_customdata_with_extra_fields():
    ev = event(point(0, 2, 7), point(1, 5, [11, "digit 3", 0.9]), point(0, 4, (12, "x")))
    assert selected_ids(ev).tolist() == [7, 11, 12]


def test_duplicates_are_dropped_and_order_is_kept():
    # Clicking a point that a box already selected reports it twice.
    ev = event(point(0, 1, [5]), point(0, 0, [3]), point(0, 1, [5]), point(2, 9, [1]), point(0, 0, 3))
    assert selected_ids(ev).tolist() == [5, 3, 1]


def test_box_and_lasso_selections_read_points_the_same_way():
    box = [{"xref": "x", "yref": "y", "x": [0, 1], "y": [0, 1]}]
    lasso = [{"xref": "x", "yref": "y", "x": [0, 1, 1], "y": [0, 0, 1]}]
    ev = event(point(0, 0, [4]), point(0, 1, [9]), box=box, lasso=lasso)
    assert selected_ids(ev).tolist() == [4, 9]


def test_points_without_customdata_are_skipped():
    # Cluster centres or thumbnail traces carry no row ids.
    ev = event(point(0, 0, [4]), point(3, 0), point(3, 1, None), point(3, 2, []), point(0, 1, [6]))
    assert selected_ids(ev).tolist() == [4, 6]


def test_json_numbers_and_numpy_values_become_ints():
    ev = event(point(0, 0, [3.0]), point(0, 1, "8"), point(0, 2, np.int32(2)), point(0, 3, [np.float64(5)]))
    ids = selected_ids(ev)
    assert ids.tolist() == [3, 8, 2, 5] and ids.dtype == np.int64


def test_attribute_access_like_streamlits_state_object():
    ev = ReadOnlyAttributeDict(event(point(0, 0, [21]), point(1, 0, 22)))
    assert selected_ids(ev).tolist() == [21, 22]
    plain = SimpleNamespace(selection=SimpleNamespace(points=[SimpleNamespace(customdata=[30]),
                                                            SimpleNamespace(point_index=1)]))
    assert selected_ids(plain).tolist() == [30]


def test_the_selection_alone_is_accepted():
    assert selected_ids({"points": [point(0, 0, [1])]}).tolist() == [1]


@pytest.mark.parametrize("bad", [[-1], [2.5], ["digit"], [float("nan")], [True]])
def test_customdata_that_is_not_a_row_id_raises(bad):
    with pytest.raises(ValueError, match="customdata=.*row id"):
        selected_ids(event(point(0, 0, bad)))


def test_an_object_that_is_not_an_event_raises():
    with pytest.raises(ValueError, match="neither 'selection' nor 'points'"):
        selected_ids({"rows": [1, 2]})


# --------------------------------------------------------------------------- regions (thinned maps)


def _region_event(box=(), lasso=()):
    return {"selection": {"points": [], "point_indices": [], "box": list(box), "lasso": list(lasso)}}


def test_a_box_selects_every_point_inside_it_drawn_or_not():
    grid = np.array([[x, y] for x in range(10) for y in range(10)], dtype=float)
    ids = np.arange(1000, 1100)
    event = _region_event(box=[{"xref": "x", "yref": "y", "x": [6.5, 2.5], "y": [-1, 1.5]}])  # either order
    chosen = rows_in_regions(event, grid, ids)
    assert chosen.tolist() == [1000 + 10 * x + y for x in (3, 4, 5, 6) for y in (0, 1)]


def test_a_lasso_selects_the_points_inside_its_polygon_and_regions_add_up():
    points = np.array([[0.0, 0.0], [1.0, 1.0], [3.0, 0.5], [5.0, 5.0], [9.0, 9.0]])
    triangle = {"x": [-1, 4, -1], "y": [-1, 0.5, 3]}
    assert rows_in_regions(_region_event(lasso=[triangle]), points).tolist() == [0, 1, 2]
    both = _region_event(box=[{"x": [8, 10], "y": [8, 10]}], lasso=[triangle])
    assert rows_in_regions(both, points).tolist() == [0, 1, 2, 4]


def test_no_region_selects_nothing_and_bad_points_are_refused():
    points = np.zeros((3, 2))
    for event in (None, {"selection": {"points": []}}, _region_event(), {"selection": None},
                  _region_event(box=[{"x": [], "y": []}], lasso=[{"x": [1, 2], "y": [1, 2]}])):
        assert rows_in_regions(event, points).tolist() == []
    with pytest.raises(ValueError, match=r"shape \(n_points, 2\)"):
        rows_in_regions(_region_event(), np.zeros(3))
    with pytest.raises(ValueError, match="one id per point"):
        rows_in_regions(_region_event(), points, ids=[1, 2])


def test_a_hostile_selection_is_refused_before_any_pass_over_the_points():
    # The event comes from the browser: a lasso of a million vertices would cost a million passes.
    from aecore.maps.selection import MAX_LASSO_VERTICES, MAX_REGIONS

    points = np.zeros((10, 2))
    huge = {"x": list(range(MAX_LASSO_VERTICES + 1)), "y": list(range(MAX_LASSO_VERTICES + 1))}
    with pytest.raises(ValueError, match=r"5,001 vertices; the limit is 5,000"):
        rows_in_regions(_region_event(lasso=[huge]), points)
    many = [{"x": [0, 1], "y": [0, 1]}] * (MAX_REGIONS + 1)
    with pytest.raises(ValueError, match="51 regions; the limit is 50"):
        rows_in_regions(_region_event(box=many), points)
    junk = _region_event(box=[{"x": "a", "y": None}, {}], lasso=[{"x": [["no"]], "y": 3}])
    assert rows_in_regions(junk, points).tolist() == []


# The image strip beside the map: a sample of the whole selection, not its first rows.

from aecore.maps.selection import strip_rows  # noqa: E402


def test_the_strip_samples_the_whole_selection_in_proportion_to_its_labels():
    # Digits stored by label, a box holding 73 fives, 159 sixes and 92 nines in row order: the
    # strip's first 24 rows by index would all be fives.
    labels = np.repeat(np.arange(10), 500)
    selected = np.concatenate([np.arange(2500, 2573), np.arange(3000, 3159), np.arange(4500, 4592)])
    rows = strip_rows(selected, labels, n=24, seed=0)
    assert len(rows) == 24 and len(set(rows.tolist())) == 24
    assert set(rows.tolist()) <= set(selected.tolist())
    counts = {int(k): int(v) for k, v in zip(*np.unique(labels[rows], return_counts=True))}
    expected = {5: 73 * 24 / 324, 6: 159 * 24 / 324, 9: 92 * 24 / 324}
    assert counts.keys() == expected.keys()
    assert all(abs(counts[k] - expected[k]) < 1 for k in expected), counts


def test_the_strip_is_seeded_and_spreads_over_the_selection():
    labels = np.zeros(1000, dtype=int)
    selected = np.arange(1000)
    rows = strip_rows(selected, labels, n=24, seed=3)
    assert np.array_equal(rows, strip_rows(selected, labels, n=24, seed=3))
    assert rows.max() > 500  # not the first 24 rows


def test_every_label_of_the_selection_is_seen_even_a_rare_one():
    labels = np.array([0] * 98 + [1, 2])
    rows = strip_rows(np.arange(100), labels, n=3)
    assert sorted(labels[rows].tolist()) == [0, 1, 2]


def test_a_small_selection_is_shown_whole_and_no_labels_still_samples():
    assert strip_rows([7, 3, 5], np.arange(10), n=24).tolist() == [7, 3, 5]
    rows = strip_rows(np.arange(100), None, n=10)
    assert len(set(rows.tolist())) == 10 and rows.max() >= 10


@pytest.mark.parametrize("n", [0, -1, 2.5, True])
def test_strip_rows_refuses_a_bad_n(n):
    with pytest.raises(ValueError, match="positive integer"):
        strip_rows(np.arange(10), None, n=n)


def test_a_walk_between_selected_rows_joins_two_labels_where_it_can():
    from aecore.maps.selection import walk_ends

    labels = [0] * 100 + [6] * 100
    assert walk_ends([55, 20, 179, 3], labels) == (55, 179)  # not the first two, both 0s
    assert walk_ends([55, 20], labels) == (55, 20)  # only 0s selected: the first two
    assert walk_ends([55, 179]) == (55, 179)
    with pytest.raises(ValueError, match="at least 2 rows"):
        walk_ends([55], labels)
