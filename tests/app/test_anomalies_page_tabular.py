"""Seed 003's anomaly detection in the app (AppTest): the tour step "tabular_anomalies" opens the
Anomalies page with malignant as the anomaly class, and its evaluation reaches the post's quality."""

import pytest

pytestmark = pytest.mark.slow  # every test here takes more than ~2 s (see pytest.ini)


def test_the_tour_link_opens_malignant_as_the_anomaly_class():
    from aecore_app.tour import STEPS
    from tests.builders import open_page

    step = next(s for s in STEPS if s.id == "tabular_anomalies")
    at = open_page(step.page, step.params)
    at.button(key="link.train").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.multiselect(key="anomalies.classes").value == [0]  # malignant
    assert at.number_input(key="anomalies.k").value == 10
    at.button(key="anomalies.go").click().run()
    assert not at.exception, [e.value for e in at.exception]
    table = at.dataframe[-1].value
    assert table.loc["Autoencoder", "ROC AUC"] > 0.88
