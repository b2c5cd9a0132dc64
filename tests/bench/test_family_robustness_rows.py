"""bench/family.py's robustness rows: plain, denoising and contractive codes under small input noise,
each against the plain autoencoder's, trained for the same epochs on the same rows."""

import pytest


@pytest.mark.slow
def test_the_robustness_rows_measure_each_member_against_the_plain_one(digits):
    from aecore.experiments.robustness import ROBUSTNESS_MEMBERS
    from bench.family import robustness_rows

    rows = robustness_rows(digits.X[:1000], digits.X[1000:1300], epochs=3)
    assert [r["name"].split(":")[0] for r in rows] == list(ROBUSTNESS_MEMBERS)
    assert all("(3 epochs)" in r["name"] and r["baseline"] == rows[0]["value"] > 0 for r in rows)
    assert rows[0]["ratio"] == 1 and all(r["ratio"] > 0 for r in rows)
    # The contractive penalty shrinks the code shift even after 3 epochs (measured 0.43x at seed 0).
    assert rows[2]["ratio"] < 0.8
