"""examples/embeddings.py (post 003's "compress embeddings before clustering") runs end to end."""

import json
import math

import numpy as np
import pytest

from examples import embeddings


@pytest.mark.slow
def test_quick_run_structure_and_scores():
    result = embeddings.run(seeds=(0,), n_train=400, n_bank=400, cnn_epochs=1,
                            ae_params={"epochs": 3, "hidden_units": (32,)})
    assert result["bank"]["bank_rows"] == 400 and result["bank"]["classifier_rows"] == 400
    assert set(result["summary"]) == set(embeddings.SPACES)
    for space in embeddings.SPACES:
        (scores,) = result["per_seed"][space]
        for key in ("acc", "nmi", "ari"):
            assert 0.0 <= scores[key] <= 1.0, (space, key, scores[key])
        assert scores["seconds"] > 0 and not math.isnan(scores["silhouette"])
        assert result["summary"][space]["acc"]["mean"] == scores["acc"]
    # The CNN's embeddings carry digit structure: far above chance (0.1) after one epoch.
    assert result["per_seed"]["raw"][0]["acc"] > 0.2
    table = embeddings.markdown_table(result)
    assert table.count("\n") == 4 and "AutoencoderReducer" in table
    json.dumps(result)  # the results file can be written


def test_bank_rows_are_unseen_by_the_classifier(mnist_sample):
    fit_rows, bank_rows = embeddings.split_rows(mnist_sample)
    assert len(fit_rows) == 2000 and len(bank_rows) == 3000
    assert np.intersect1d(fit_rows, bank_rows).size == 0
    # Every digit is in both halves (the sample is sorted by digit; a literal first half is not).
    assert np.bincount(mnist_sample.y[fit_rows]).tolist() == [200] * 10
    assert np.bincount(mnist_sample.y[bank_rows]).tolist() == [300] * 10
