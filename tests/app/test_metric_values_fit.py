"""Metric cards show short values: a long value is cut off in a narrow column ("97% of sam…"),
so the words belong in the label and the value stays a number."""

import pytest

from tests.builders import open_page

pytestmark = pytest.mark.slow  # AppTest on the shipped model's pages

#: Characters a metric value may have before a four-column row cuts it off on a laptop screen.
MAX_VALUE_CHARS = 12


@pytest.mark.parametrize("page", ["aecore_app/app_pages/reconstructions.py", "aecore_app/app_pages/train.py"])
def test_every_metric_value_on_the_shipped_model_is_short(page):
    at = open_page(page, {"data": "mnist_sample", "preset": "recommended"})
    assert not at.exception, [e.value for e in at.exception]
    values = [m.value for m in at.metric]
    assert values, "no metric on the page"
    assert all(len(v) <= MAX_VALUE_CHARS for v in values), values


def test_the_family_pages_tied_weights_metrics_are_short():
    """The tab that opens first: its decoder card held "536,592 → 1,082" and was cut off."""
    at = open_page("aecore_app/app_pages/family.py", {"dataset": "digits", "tab": "tied"})
    values = [m.value for m in at.metric]
    assert len(values) >= 4 and all(len(v) <= MAX_VALUE_CHARS for v in values), values
