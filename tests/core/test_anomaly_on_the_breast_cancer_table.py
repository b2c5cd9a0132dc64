"""Seed 003's anomaly detection on the breast-cancer table: the malignant tumours (the minority,
scikit-learn's label 0) are the anomalies, and the evaluation trains the seed-003 network, not
another one. (The tour step "tabular_anomalies" in the app: app/test_anomalies_page_tabular.py.)"""

import numpy as np
import pytest

from aecore import anomaly
from aecore.data.datasets import load_breast_cancer_table
from aecore.presets import preset


def test_the_rarest_class_is_the_anomaly_class():
    ds = load_breast_cancer_table()
    assert ds.label_names[anomaly.rarest_class(ds.y)] == "malignant"
    assert anomaly.rarest_class(np.repeat(np.arange(10), 5)) == 9  # equal classes: the last, as before
    with pytest.raises(ValueError, match="no labels"):
        anomaly.rarest_class([])


def test_the_evaluation_trains_the_network_of_the_current_model():
    params = anomaly.evaluation_params(preset("seed003_tabular"))
    assert params["hidden_units"] == (64, 32) and params["epochs"] == 20 and params["random_state"] == 0
    assert "n_components" not in params


@pytest.mark.slow
def test_malignant_tumours_score_as_anomalies_with_the_seed003_network():
    ds = load_breast_cancer_table()
    split = anomaly.holdout_split(ds.X, ds.y, [anomaly.rarest_class(ds.y)])
    report = anomaly.evaluate(split.X_train, split.X_test, split.is_anomaly, 10,
                              reducer_params=anomaly.evaluation_params(preset("seed003_tabular")))
    assert report.reducer.hidden_units == (64, 32)
    # Measured at seed 0: ROC AUC 0.93 (autoencoder), 0.91 (PCA), 0.95 (IsolationForest).
    assert report.methods["autoencoder"].roc_auc > 0.88
