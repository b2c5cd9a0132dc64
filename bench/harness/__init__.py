"""The one harness every benchmark uses.

- :mod:`bench.harness.server`: start ``streamlit run`` on a free port, wait until healthy, stop it.
- :mod:`bench.harness.browser`: Debian's Chromium for Playwright, and the app's run-state selectors.
- :mod:`bench.harness.apptest`: the pages app.py registers, and AppTest's problems and script clock.
- :mod:`bench.harness.report`: rows, the date/commit/machine stamp, tables, BENCHMARKS.md sections and
  the one ``main`` of a benchmark that writes its own section.
- :mod:`bench.harness.memory`: /proc readings: a call's added peak memory, a server's resident memory.
- :mod:`bench.harness.data`: MNIST-shaped synthetic rows, scikit-learn's t-SNE, the growth exponent.
"""
