"""Figures leave room above the plot for their subplot titles (the ROC / precision-recall pair's
titles were cut off at the top of the Anomalies page's evaluation)."""

import numpy as np

from aecore.anomaly import MethodResult
from aecore.figures import anomaly as figures_anomaly


def test_subplot_titles_get_a_top_margin():
    result = MethodResult(name="autoencoder", scores=np.array([0.1, 0.9]), roc_auc=1.0, average_precision=1.0,
                          fpr=np.array([0, 0, 1]), tpr=np.array([0, 1, 1]),
                          precision=np.array([1.0, 1.0]), recall=np.array([1.0, 0.0]))
    fig = figures_anomaly.roc_pr_curves({"autoencoder": result})
    assert [a.text for a in fig.layout.annotations][:2] == ["ROC curve", "Precision-recall curve"]
    assert fig.layout.margin.t >= 30
