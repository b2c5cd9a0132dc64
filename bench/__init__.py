"""Autoencoder Lab benchmarks: quality and speed against baselines measured in the same run.

Each module ``bench/<name>.py`` exposes ``run(quick: bool) -> list[dict]`` of
:func:`bench.harness.report.row`; ``python -m aecore bench [--quick]`` runs them all (bench/run.py).
Those with a BENCHMARKS.md section of their own run as ``python -m bench.<name>``
(:func:`bench.harness.report.section_main`); what they share is :mod:`bench.harness`."""
