"""bench/beta_vae.py: its marked section of BENCHMARKS.md, written from
a comparison's numbers (the comparison itself is tested in tests/core/experiments)."""

from bench import beta_vae, run
from bench.harness.report import marked_sections, stamp_line

FIELDS = {"betas": [0.1, 1.0, 10.0], "reconstruction_mse": [0.0635, 0.0636, 0.0692], "kl": [11.26, 3.34, 0.05],
          "epochs": [15, 15, 15], "fit_seconds": [213.4, 159.6, 111.3], "estimated_seconds": 52.6, "n_train": 2000,
          "n_test": 1000, "max_epochs": 15, "sweep_seconds": 500.0}
REPORT = {**FIELDS, "command": "python -m bench.beta_vae", "date": "2026-12-07", "commit": "abc1234", "seconds": 510.0,
          "machine": {"processor": "x86_64", "cpus": 2}, "load_average": [9.0, 12.0]}


def test_it_is_a_section_of_aecore_bench():
    assert "beta_vae" in run.SECTIONS


def test_the_section_is_marked_stamped_and_tables_every_beta():
    text = beta_vae.markdown(REPORT)
    assert marked_sections(text) == [text]
    assert stamp_line(REPORT, load=True) in text
    assert "| 0.1 | 0.06350 | 11.260 | 15 | 213 |" in text and "| 10 | 0.06920 | 0.050 | 15 | 111 |" in text
    assert "2,000 rows" in text and "1,000 held-out rows" in text
