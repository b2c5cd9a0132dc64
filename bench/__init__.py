"""Autoencoder Lab benchmarks: quality and speed against baselines measured in the same run.

Each module ``bench/<name>.py`` exposes ``run(quick: bool) -> list[dict]``; every row is a
:func:`bench.common.row`. ``python -m aecore bench [--quick]`` runs them all (see bench/run.py).
"""
