"""The one harness every benchmark uses.

- :mod:`bench.harness.server`: start ``streamlit run`` on a free port, wait until healthy, stop it.
- :mod:`bench.harness.browser`: Debian's Chromium through Playwright, and the app's run-state selectors.
- :mod:`bench.harness.apptest`: the AppTest page walker: the pages app.py registers, a session, its
  problems, the script's own seconds.
- :mod:`bench.harness.report`: rows, the date/commit/machine stamp, tables, BENCHMARKS.md sections,
  and the two ``main`` shapes: ``rows_main`` (print ``run(quick)``'s rows) and ``section_main`` (a
  benchmark that writes its own section and results JSON).
- :mod:`bench.harness.memory`: /proc readings: a call's added peak memory, a server's resident memory.
- :mod:`bench.harness.data`: MNIST-shaped synthetic rows, scikit-learn's t-SNE, the growth exponent.
"""
