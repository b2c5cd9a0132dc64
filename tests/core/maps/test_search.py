"""Finding points by a label or a column: a typed query read strictly (values, comparisons, ranges,
words), bounded, refused in plain words; the rows a selection isolates."""

import numpy as np
import pytest

from aecore.maps.search import MAX_QUERY_CHARS, MAX_TERMS, find_rows, isolation_rows


@pytest.mark.parametrize("query, expected", [
    ("5", [False, True, False, False, False]),
    ("3, 5", [True, True, False, False, False]),
    (">=7", [False, False, True, True, False]),
    ("<3", [False, False, False, False, True]),
    ("2..5", [True, True, False, False, True]),
    ("5..2", [True, True, False, False, True]),
    ("=9", [False, False, False, True, False]),
    ("  ", [False] * 5),
])
def test_numbers_match_values_comparisons_and_ranges(query, expected):
    assert find_rows(np.array([3, 5, 7, 9, 2]), query).tolist() == expected


def test_floats_match_within_rounding_and_nan_never_matches():
    values = np.array([0.1 + 0.2, 0.05, np.nan, 1e-3])
    assert find_rows(values, "0.3").tolist() == [True, False, False, False]
    assert find_rows(values, ">0.01").tolist() == [True, True, False, False]
    assert find_rows(values, "<=1e-3").tolist() == [False, False, False, True]


def test_words_match_in_any_case_and_a_word_finds_the_names_holding_it():
    names = np.array(["T-shirt/top", "Shirt", "Sandal", "Sneaker"])
    assert find_rows(names, "shirt").tolist() == [False, True, False, False]  # an exact name first
    assert find_rows(names, "SANDAL, sneak").tolist() == [False, False, True, True]
    assert find_rows(names, "t-shirt").tolist() == [True, False, False, False]


@pytest.mark.parametrize("query, message", [
    ("five", r"'five' is not a number, a comparison or a range; write e\.g\. '0\.5', '>0\.05'"),
    ("1; import os", r"'1; import os' is not a number"),
    ("x" * (MAX_QUERY_CHARS + 1), rf"{MAX_QUERY_CHARS + 1} characters; the limit is {MAX_QUERY_CHARS}"),
    (",".join(["1"] * (MAX_TERMS + 1)), rf"{MAX_TERMS + 1} terms; the limit is {MAX_TERMS}"),
    ("3\n5", "control characters"),
    (None, "must be text"),
])
def test_a_query_it_cannot_read_is_refused_in_plain_words(query, message):
    with pytest.raises(ValueError, match=message):
        find_rows(np.arange(5), query)


def test_numbers_can_be_read_as_text_for_labels_without_names():
    assert find_rows(np.array([3, 13]), "3", numeric=False).tolist() == [True, False]


def test_isolated_rows_are_sorted_distinct_in_range_and_enough():
    assert isolation_rows([12, 3, 3, *range(40, 68)], 100).tolist() == [3, 12, *range(40, 68)]
    with pytest.raises(ValueError, match="29 point\\(s\\) are too few to map on their own; the least is 30"):
        isolation_rows(range(29), 100)
    with pytest.raises(ValueError, match=r"outside 0\.\.99"):
        isolation_rows(range(75, 105), 100)
