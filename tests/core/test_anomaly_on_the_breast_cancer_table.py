"""Post 003's anomaly detection on the breast-cancer table: the malignant tumours (the minority,
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


def test_the_post_names_malignant_as_the_anomaly_class_of_the_breast_cancer_table():
    ds = load_breast_cancer_table()
    declared = anomaly.anomaly_classes("breast_cancer", ds.y)
    assert [ds.label_names[c] for c in declared] == ["malignant"]
    assert set(declared) <= set(ds.y.tolist())
    # A person's file (None) with labels of its own gets the rarest class, never the post's choice.
    assert anomaly.anomaly_classes(None, [0, 1, 1]) == (0,)
    assert anomaly.anomaly_classes(None, [0, 0, 1]) == (1,)


def test_the_evaluation_trains_the_network_of_the_current_model():
    params = anomaly.evaluation_params(preset("seed003_tabular"))
    assert params["hidden_units"] == (64, 32) and params["epochs"] == 20 and params["random_state"] == 0
    assert "n_components" not in params


@pytest.mark.slow
def test_malignant_tumours_score_as_anomalies_with_the_seed003_network():
    ds = load_breast_cancer_table()
    config = preset("seed003_tabular")
    split = anomaly.holdout_split(ds.X, ds.y, anomaly.anomaly_classes("breast_cancer", ds.y))
    assert split.is_anomaly.sum() == (ds.y == 0).sum() == 212  # every malignant tumour, no benign one
    report = anomaly.evaluate(split.X_train, split.X_test, split.is_anomaly, config.n_components,
                              reducer_params=anomaly.evaluation_params(config))
    # The network scored is the post's, setting for setting (not a second, default one).
    fitted = report.reducer.get_params()
    assert {name: fitted[name] for name in config.to_dict()} == config.to_dict()
    # Measured at seed 0: ROC AUC 0.93 (autoencoder), 0.91 (PCA), 0.95 (IsolationForest).
    assert report.methods["autoencoder"].roc_auc > 0.88
