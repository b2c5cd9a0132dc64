"""bench/growth.py's figure: seconds and added peak memory against rows, log-log, one line per
method (the three t-SNEs in one colour family: ours solid, the app's large-n path dotted,
scikit-learn's dashed), written to ``bench/growth.html`` (self-contained) and, where kaleido can
export it, ``docs/growth.png``."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HTML = ROOT / "bench" / "growth.html"
PNG = ROOT / "docs" / "growth.png"
#: Colour and dash of each method's line.
STYLE = {"train": ("#1f77b4", "solid"), "epoch": ("#1f77b4", "dot"), "encode": ("#17becf", "solid"),
         "pca_pixels": ("#7f7f7f", "solid"), "pca": ("#7f7f7f", "dot"), "umap": ("#2ca02c", "solid"),
         "tsne": ("#d62728", "solid"), "tsne_placed": ("#d62728", "dot"), "tsne_sklearn": ("#ff7f0e", "dash"),
         "kmeans": ("#9467bd", "solid"), "gmm": ("#9467bd", "dash"), "hdbscan": ("#8c564b", "solid")}


def figure(data: dict):
    """Two log-log panels, seconds and added MB against rows; one legend entry per method."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    from bench.growth import METHODS, _memory_tail, exponent

    fig = make_subplots(rows=2, cols=1, vertical_spacing=0.1,
                        subplot_titles=("seconds per call", "added peak memory per call (MB; values of "
                                                            "1 MB or less not drawn)"))
    for method, label in METHODS.items():
        colour, dash = STYLE.get(method, (None, "solid"))
        seconds = sorted(data["seconds"][method].items())
        memory = _memory_tail(sorted((n, mb) for n, mb in data["memory_mb"][method].items() if mb is not None))
        shown = False
        for panel, points, unit in ((1, seconds, "s"), (2, memory, "MB")):
            if not points:
                continue
            sizes, values = zip(*points)
            slope = exponent(list(sizes), list(values))
            name = label + (f" (slope {slope:.2f})" if len(sizes) > 1 and panel == 1 else "")
            fig.add_trace(go.Scatter(x=sizes, y=values, mode="lines+markers", name=name, legendgroup=method,
                                     showlegend=not shown, line=dict(color=colour, dash=dash),
                                     hovertemplate="%{x:,} rows: %{y:.3g} " + unit + f"<extra>{label}"
                                                   + (f", slope {slope:.2f}" if len(sizes) > 1 else "")
                                                   + "</extra>"),
                          row=panel, col=1)
            shown = True
    sizes = sorted(data["sizes"])
    for panel, title in ((1, "seconds"), (2, "MB added")):
        fig.update_xaxes(type="log", title="samples (rows)", tickvals=sizes, ticktext=[f"{n:,}" for n in sizes],
                         row=panel, col=1)
        fig.update_yaxes(type="log", title=title, row=panel, col=1)
    fig.update_layout(title="How cost grows: seconds and added peak memory against samples (log-log), "
                            "MNIST-shaped rows, 2-core CPU",
                      template="plotly_white", height=980, width=1200,
                      legend=dict(x=1.02, y=1, xanchor="left", title="method (slope of seconds)"))
    return fig


def write_figures(data: dict, note: str) -> list[str]:
    """Write the HTML (always) and the PNG (where kaleido works); returns what happened, in words."""
    fig = figure(data)
    fig.add_annotation(text=note, xref="paper", yref="paper", x=0, y=-0.08, showarrow=False,
                       font=dict(size=10), align="left")
    fig.update_layout(margin=dict(b=110))
    done = []
    fig.write_html(HTML, include_plotlyjs=True, full_html=True)  # offline: plotly.js inlined
    done.append(f"wrote {HTML.relative_to(ROOT)}")
    try:
        PNG.parent.mkdir(exist_ok=True)
        fig.write_image(PNG, scale=2)
        done.append(f"wrote {PNG.relative_to(ROOT)}")
    except Exception as exc:  # noqa: BLE001  (no kaleido, or no browser for it: the HTML is enough)
        done.append(f"no PNG ({type(exc).__name__}: {str(exc).splitlines()[0][:120] if str(exc) else ''})")
    return done
