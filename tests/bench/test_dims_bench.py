"""bench/dims.py: the "how many dimensions?" section and its Markdown table, written from a sweep's
result (the sweep itself is tested in tests/core/experiments)."""

from bench import dims, run
from bench.harness.report import marked_sections

RESULT = {"sizes": [2, 64], "n_train": 4000, "n_test": 1000, "n_features": 784,
          "autoencoder": {"mse": [0.048, 0.0123], "trustworthiness": [0.818, 0.995], "epochs": [20, 20],
                          "seconds": [30.0, 25.0]},
          "pca": {"mse": [0.0565, 0.0095], "trustworthiness": [0.741, 0.999], "explained_variance": [0.17, 0.867]},
          "explained_variance_curve": [0.1] * 40 + [0.9] * 24,
          "settings": {"sizes": [2, 64], "hidden_units": [512, 256], "epochs": 20, "batch_size": 128,
                       "n_neighbors": 10, "random_state": 0}}
FIELDS = {"settings": RESULT["settings"], "estimated_seconds": 95.0, "sweep_seconds": 197.0, "result": RESULT}
REPORT = {**FIELDS, "command": "python -m bench.dims", "date": "2026-12-06", "commit": "abc1234", "seconds": 200.0,
          "machine": {"processor": "x86_64", "cpus": 2}, "load_average": [1.0, 2.0]}


def test_it_is_a_section_of_aecore_bench():
    assert "dims" in run.SECTIONS


def test_the_section_is_marked_and_tables_every_size():
    text = dims.markdown(REPORT)
    assert [s == text for s in marked_sections(text)] == [True]
    assert "| 2 | 0.04800 | 0.05650 | 0.85 | 0.818 | 0.741 | 17.0% | 20 | 30 |" in text
    assert "| 64 | 0.01230 | 0.00950 | 1.29 |" in text
    assert "below PCA's at k = 2; PCA's is at most the autoencoder's at k = 64" in text
    assert "PCA needs 41 components for 90% of the variance" in text
    assert "`python -m bench.dims`" in text and "784-512-256-k" in text
