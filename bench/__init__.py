"""Autoencoder Lab benchmarks: quality and speed against baselines measured in the same run.

Each module ``bench/<name>.py`` exposes ``run(quick: bool) -> list[dict]`` of
:func:`bench.harness.report.row`; ``python -m aecore bench [--quick]`` runs them all (bench/run.py).
Those that write a section of BENCHMARKS.md of their own run as ``python -m bench.<name>`` through
:func:`bench.harness.report.main`. What they share (server, browser, AppTest, report, data) is
:mod:`bench.harness`.
"""
