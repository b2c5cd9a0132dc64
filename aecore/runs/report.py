"""Reports: a trained model's config, metrics, loss curves and key figures as one HTML file, and
its figures as PNG images.

The HTML embeds plotly.js once, so the file opens offline in any browser with every chart
interactive (zoom, hover, the toolbar's own PNG download). PNG export renders the same figures
server-side with kaleido, which drives a Chromium-family browser (Debian's ``chromium`` here; add it
to ``packages.txt`` on Streamlit Community Cloud); without one, :func:`png_available` says why.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import json
import re
import shutil
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import plotly.graph_objects as go

from ..figures import builders as figures
from ..metrics import pca_baseline, reconstruction_mse

#: Most training rows the report fits its PCA baseline on, and most held-out rows it scores: at
#: 200,000 rows the full PCA took 3-6 s of a click on 2 cores, a 20,000-row one under 1 s (issue
#: 29's download measurements). Larger data are seeded random samples, counted in the metrics.
MAX_FIT_ROWS, MAX_TEST_ROWS = 20_000, 5_000


def model_figures(reducer, X: np.ndarray, y: np.ndarray | None = None, *, image_shape=None,
                  train_idx: np.ndarray | None = None, test_idx: np.ndarray | None = None,
                  max_points: int = 3000, seed: int = 0, max_fit_rows: int | None = None,
                  max_test_rows: int | None = None) -> tuple[dict[str, go.Figure], dict[str, float]]:
    """The key figures of a fitted reducer on its data, and the metrics they show.

    Figures: loss curves; held-out reconstructions against PCA's (images) or per-feature errors
    (tables); a 2D map of the codes (raw when the code is 2D, else its PCA view) coloured by label;
    the distribution of per-sample reconstruction errors against PCA's. PCA is fitted on at most
    ``max_fit_rows`` training rows and the errors are measured on at most ``max_test_rows``
    held-out rows (default :data:`MAX_FIT_ROWS`, :data:`MAX_TEST_ROWS`; seeded samples, and
    ``pca_fit_rows`` and ``test_rows`` in the metrics say how many).
    """
    max_fit_rows = MAX_FIT_ROWS if max_fit_rows is None else max_fit_rows
    max_test_rows = MAX_TEST_ROWS if max_test_rows is None else max_test_rows
    rng = np.random.default_rng(seed)
    n = len(X)
    if train_idx is None or test_idx is None:
        order = rng.permutation(n)
        test_idx, train_idx = order[: max(1, n // 5)], order[max(1, n // 5):]
    train_idx, test_idx = _at_most(train_idx, max_fit_rows, seed), _at_most(test_idx, max_test_rows, seed)
    X_train, X_test = X[train_idx], X[test_idx]
    k = int(reducer.n_components)
    pca = pca_baseline(X_train, k, X_test)
    ae_test = reducer.reconstruct(X_test)
    metrics = {"test_mse": reconstruction_mse(X_test, ae_test), "pca_test_mse": pca.mse,
               "pca_fit_rows": len(train_idx), "test_rows": len(test_idx)}
    metrics["ae_over_pca"] = metrics["test_mse"] / metrics["pca_test_mse"]
    out = {"Loss per epoch": figures.loss_curves(reducer.history_, "Loss per epoch")}
    if image_shape is not None:
        shown = test_idx[:12]
        out["Reconstructions (held out)"] = figures.reconstruction_grid(
            [X[shown], ae_test[:12], pca.reconstruction[:12]], ["original", "autoencoder", "PCA"], image_shape)
    else:
        names = [f"x{i}" for i in range(X.shape[1])]
        out["Per-feature error (held out)"] = figures.feature_errors(
            names, {"autoencoder": ((X_test - ae_test) ** 2).mean(axis=0),
                    "PCA": ((X_test - pca.reconstruction) ** 2).mean(axis=0)})
    shown = rng.permutation(n)[: min(n, max_points)]
    codes = reducer.transform(X[shown])
    if k > 2:
        from sklearn.decomposition import PCA

        points, axes, title = PCA(2, random_state=seed).fit_transform(codes), ("PC1", "PC2"), "PCA of the codes"
    else:
        points = codes if k == 2 else np.column_stack([codes[:, 0], np.zeros(len(codes))])
        axes, title = ("z1", "z2"), "The codes"
    labels = None if y is None else np.asarray(y)[shown]
    out["Latent map"] = figures.codings_scatter(points, labels, title, axes, "label",
                                                categorical=labels is not None)
    out["Reconstruction error"] = figures.error_histogram(
        {"autoencoder": ((X_test - ae_test) ** 2).mean(axis=1),
         "PCA": ((X_test - pca.reconstruction) ** 2).mean(axis=1)})
    return out, metrics


def _at_most(index: np.ndarray, n: int, seed: int) -> np.ndarray:
    """``index``, or a seeded random ``n`` of its entries in their order."""
    index = np.asarray(index)
    if len(index) <= n:
        return index
    return index[np.sort(np.random.default_rng(seed).choice(len(index), n, replace=False))]


def html_report(title: str, config: dict, metrics: dict, figs: dict[str, go.Figure],
                notes: list[str] = ()) -> str:
    """One self-contained HTML page: settings and metrics tables, then every figure, interactive."""
    created = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")

    def table(data: dict) -> str:
        rows = "".join(f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(_fmt(v))}</td></tr>"
                       for k, v in data.items())
        return f"<table>{rows}</table>"

    charts = []
    for i, (name, fig) in enumerate(figs.items()):
        body = fig.to_html(full_html=False, include_plotlyjs=i == 0, div_id=f"fig{i}",
                           config={"displaylogo": False, "toImageButtonOptions": {"filename": _slug(name)}})
        charts.append(f'<section class="chart"><h2>{html.escape(name)}</h2>{body}</section>')
    note_html = "".join(f"<p>{html.escape(n)}</p>" for n in notes)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<meta name="generator" content="Autoencoder Lab">
<style>
body {{ font-family: system-ui, sans-serif; max-width: 1100px; margin: 2rem auto; padding: 0 1rem; color: #222; }}
table {{ border-collapse: collapse; margin: .5rem 0 1.5rem; }}
th, td {{ border: 1px solid #ddd; padding: .25rem .6rem; text-align: left; font-size: .9rem; }}
th {{ background: #f5f5f5; font-weight: 600; }}
.cols {{ display: flex; gap: 2rem; flex-wrap: wrap; }}
.chart {{ margin: 1.5rem 0; }}
footer {{ color: #777; font-size: .8rem; margin-top: 2rem; }}
</style></head><body>
<h1>{html.escape(title)}</h1>
<p>Autoencoder Lab report · {created}</p>
{note_html}
<div class="cols"><div><h2>Metrics</h2>{table(metrics)}</div><div><h2>Settings</h2>{table(config)}</div></div>
{''.join(charts)}
<footer>Every chart is interactive: hover, zoom, and its toolbar's camera icon saves it as PNG.</footer>
</body></html>"""


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value))
    return str(value)


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "figure"


def png_available() -> str | None:
    """None when PNG export works here, else the reason in plain words."""
    try:
        import kaleido  # noqa: F401
    except ImportError:
        return "PNG export needs the kaleido package (pip install kaleido)."
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        if shutil.which(name):
            return None
    return ("PNG export needs a Chromium-family browser on the server (Debian/Ubuntu: "
            "apt-get install chromium; Streamlit Community Cloud: add chromium to packages.txt).")


def png_zip(figs: dict[str, go.Figure], width: int = 1000, height: int = 560) -> bytes:
    """Every figure as a PNG image, zipped; ``ValueError`` when PNG export is not available."""
    problem = png_available()
    if problem:
        raise ValueError(problem)
    import kaleido

    folder = Path(tempfile.mkdtemp(prefix="aecore-png-"))
    try:
        jobs = [{"fig": fig, "path": str(folder / f"{i:02d}-{_slug(name)}.png"),
                 "opts": {"format": "png", "width": width, "height": height}}
                for i, (name, fig) in enumerate(figs.items())]
        kaleido.write_fig_from_object_sync(jobs)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for job in jobs:
                archive.write(job["path"], Path(job["path"]).name)
        return buffer.getvalue()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def config_table(config) -> dict:
    """A TrainConfig (or dict) as a flat, JSON-safe dict for the report's settings table."""
    data = config.to_dict() if hasattr(config, "to_dict") else dict(config)
    return json.loads(json.dumps(data, default=str))
