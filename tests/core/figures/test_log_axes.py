"""Log axes read as numbers: every log axis of aecore's figures ticks whole values, not Plotly's
"2 1 5 2 0.1 5" (the 2s and 5s between decades labelled by their first digit)."""

import pathlib
import re

import numpy as np
import pytest

from aecore.figures import anomaly as figures_anomaly, builders as figures, compare as figures_compare, family as figures_family
from aecore.figures.builders import log_axis

LOSSES = list(np.geomspace(0.4, 0.011, 30))

FIGURES = {
    "loss_curves": lambda: figures.loss_curves({"loss": LOSSES, "val_loss": LOSSES[1:]}),
    "score_histogram": lambda: figures_anomaly.score_histogram(np.random.default_rng(0).gamma(2, 0.01, 5000), 0.05),
    "loss_comparison": lambda: figures_family.loss_comparison({"a": LOSSES, "b": LOSSES[:10]},
                                                       stages=[1] * 15 + [2] * 15),
    "paired_loss_curves": lambda: figures_compare.paired_loss_curves({"A": {"loss": LOSSES}, "B": {"loss": LOSSES[3:]}}),
    "accuracy_vs_labels": lambda: figures_family.accuracy_vs_labels(
        [{"n_labels": n, "mode": "frozen", "accuracy": 0.5 + n / 2000} for n in (10, 100, 1000)]),
}


def _log_axes(fig):
    layout = fig.to_plotly_json()["layout"]
    return [axis for name, axis in layout.items() if re.fullmatch(r"[xy]axis\d*", name) and axis.get("type") == "log"]


@pytest.mark.parametrize("name", FIGURES)
def test_every_log_axis_ticks_whole_numbers(name):
    axes = _log_axes(FIGURES[name]())
    assert axes, f"{name} has no log axis"
    for axis in axes:
        values, texts = axis.get("tickvals"), axis.get("ticktext")
        assert values is not None and texts is not None and len(values) == len(texts)
        assert [float(text.replace(",", "")) for text in texts] == pytest.approx(list(values))


def test_every_log_axis_in_the_figure_modules_goes_through_the_helper():
    # A new figure with type="log" of its own would bring Plotly's digit ticks back.
    for path in pathlib.Path(figures.__file__).parent.glob("*.py"):
        for line in path.read_text().splitlines():
            if re.search(r"""[(,]\s*type\s*=\s*["']log["']""", line):
                assert "tickvals=" in line, f"{path.name}: {line.strip()}"


@pytest.mark.parametrize("values, shown", [
    ([0.4, 0.011], ["0.02", "0.05", "0.1", "0.2"]),   # under two decades: 1-2-5
    ([1e-4, 0.3], ["0.0001", "0.001", "0.01", "0.1"]),  # several decades: the decades
    ([0.0112, 0.0135], ["0.012", "0.013"]),  # narrower than a digit step: what there is
])
def test_log_ticks_within_the_values(values, shown):
    axis = log_axis(values)
    low, high = min(values), max(values)
    inside = [text for value, text in zip(axis["tickvals"], axis["ticktext"]) if low <= value <= high]
    assert inside[:len(shown)] == shown or inside == shown, inside


def test_log_axis_without_positive_values_still_ticks():
    axis = log_axis([0, -1, np.nan])
    assert axis["type"] == "log" and axis["ticktext"][:3] == ["1", "2", "5"]
