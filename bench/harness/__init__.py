"""The one harness every benchmark uses: server (``streamlit run`` on a free port), browser (Debian's
Chromium through Playwright), apptest (the app's pages in AppTest), report (rows, stamp, tables,
BENCHMARKS.md sections, ``rows_main`` and ``section_main``), memory (/proc readings), data
(MNIST-shaped rows, scikit-learn's t-SNE, the growth exponent)."""
