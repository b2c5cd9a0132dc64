"""A clustering score read in one word, against documented thresholds; clusters named by their majority."""

import math

import pytest

from aecore.metrics import SCORE_LEVELS, SCORE_THRESHOLDS, majority_labels, score_level


@pytest.mark.parametrize("value,level", [(0.1, "none"), (0.25, "weak"), (0.49, "weak"), (0.5, "moderate"),
                                         (0.683, "moderate"), (0.7, "strong"), (0.95, "strong"), (-0.3, "none")])
def test_silhouette_follows_kaufman_and_rousseeuw(value, level):
    assert score_level("silhouette", value) == level


@pytest.mark.parametrize("name", ["nmi", "ari"])
def test_nmi_and_ari_near_zero_read_as_chance(name):
    assert score_level(name, 0.01) == "none"
    assert score_level(name, -0.02) == "none"
    assert score_level(name, 0.95) == "strong"


def test_ari_follows_steinley():
    assert [score_level("ari", v) for v in (0.3, 0.7, 0.85)] == ["weak", "moderate", "strong"]


def test_accuracy_is_read_against_chance():
    assert score_level("acc", 0.1, n_classes=10) == "none"  # 1 / k
    assert score_level("acc", 0.5, n_classes=2) == "none"
    assert score_level("acc", 0.52, n_classes=10) == "weak"  # KMeans on raw MNIST pixels
    assert score_level("acc", 0.912, n_classes=10) == "strong"  # the shipped N2D demo
    assert score_level("acc", 0.75, n_classes=2) == "moderate"


def test_levels_rise_with_the_score():
    for name in SCORE_THRESHOLDS:
        levels = [score_level(name, v / 100, n_classes=10) for v in range(-20, 101)]
        ranks = [SCORE_LEVELS.index(level) for level in levels]
        assert ranks == sorted(ranks) and set(levels) == set(SCORE_LEVELS), name


def test_an_undefined_silhouette_reads_as_undefined():
    assert score_level("silhouette", math.nan) == "undefined"


def test_accuracy_without_the_number_of_classes_is_refused():
    with pytest.raises(ValueError, match="n_classes=None"):
        score_level("acc", 0.8)


def test_an_unknown_score_is_refused():
    with pytest.raises(ValueError, match="name='f1'"):
        score_level("f1", 0.8)


def test_majority_labels_skip_noise_and_name_each_cluster():
    assert majority_labels([6, 6, 1, 1, 1, 2], [3, 3, 3, 0, -1, 0]) == {0: 1, 3: 6}
