"""The dark theme in a real browser: Chromium asks for a dark colour scheme, Streamlit picks the
app's dark theme, and no Plotly figure on any page (charts waited for on Home, 3D -> 2D, Clusters and
Latent space) draws a white background (paper, plot area, 3D scene walls, the low end of a heatmap of
counts); the thumbnail map's digits are inked light. Screenshots of every page:
test-artifacts/themes/<page>-dark.png."""

import base64
import io

import numpy as np
import pytest

from test_browser import ARTIFACTS, _assert_no_exception, _open

pytestmark = pytest.mark.browser

# Each figure's backgrounds as Plotly resolved them (template, Streamlit's theme and the figure's own).
BACKGROUNDS = """() => Array.from(document.querySelectorAll('[data-testid="stPlotlyChart"] .js-plotly-plot')).map(p => {
  const layout = p._fullLayout, scenes = Object.keys(layout).filter(k => /^scene\\d*$/.test(k));
  return {svg: getComputedStyle(p.querySelector('.main-svg')).backgroundColor,
          paper: layout.paper_bgcolor, plot: layout.plot_bgcolor,
          walls: scenes.flatMap(s => ['xaxis', 'yaxis', 'zaxis'].filter(a => layout[s][a].showbackground)
                                                            .map(a => layout[s][a].backgroundcolor)),
          // The low end of every annotated heatmap (a table of counts; image mosaics are images).
          lows: p._fullData.filter(d => d.type === 'heatmap' && d.texttemplate).map(d => d.colorscale[0][1])};
})"""
WHITE = {"white", "#fff", "#ffffff", "rgb(255,255,255)", "rgba(255,255,255,1)",
         "rgb(247,251,255)", "#f7fbff"}  # and "Blues"' near-white end


@pytest.fixture()
def dark_page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 2000}, color_scheme="dark")
    page = context.new_page()
    page.set_default_timeout(120_000)
    yield page
    context.close()


def _white(colour) -> bool:
    return str(colour).replace(" ", "").lower() in WHITE


# Clusters on the codes and drawn on PCA: the page's default UMAP would add ~30 s of compilation.
# The other pages: whatever figures they draw on arrival (none waited for), and a screenshot of each.
@pytest.mark.parametrize("path,charts", [("", 0), ("linear_3d", 2), ("clusters?space=codes&map=pca", 3),
                                         ("latent", 2), ("family", 0), ("train", 0), ("reconstructions", 0),
                                         ("anomalies", 0), ("generate", 0), ("digit", 0), ("compare", 0),
                                         ("runs", 0)])
def test_no_figure_is_white_in_the_dark_theme(server, dark_page, path, charts):
    _open(dark_page, f"{server}/{path}")
    _assert_no_exception(dark_page)
    app_background = dark_page.evaluate(
        "getComputedStyle(document.querySelector('[data-testid=\"stApp\"]')).backgroundColor")
    assert not _white(app_background), "Chromium's dark colour scheme did not give the app its dark theme"
    if charts:
        dark_page.wait_for_function(
            f"document.querySelectorAll('[data-testid=\"stPlotlyChart\"] .main-svg').length >= {charts}")
    figures = dark_page.evaluate(BACKGROUNDS)
    assert len(figures) >= charts
    for figure in figures:
        assert not any(_white(figure[part]) for part in ("svg", "paper", "plot")), (path, figure)
        assert not any(_white(wall) for wall in figure["walls"] + figure["lows"]), (path, figure)
    (ARTIFACTS / "themes").mkdir(parents=True, exist_ok=True)
    name = path.split("?")[0] or "home"
    dark_page.screenshot(path=str(ARTIFACTS / "themes" / f"{name}-dark.png"), full_page=True)


def test_thumbnails_are_inked_light_in_the_dark_theme(server, dark_page):
    from PIL import Image

    _open(dark_page, f"{server}/latent")
    dark_page.wait_for_function("Array.from(document.querySelectorAll('.js-plotly-plot'))"
                                ".some(p => (p._fullLayout.images || []).length > 0)")
    source = dark_page.evaluate("Array.from(document.querySelectorAll('.js-plotly-plot'))"
                                ".find(p => (p._fullLayout.images || []).length > 0)._fullLayout.images[0].source")
    gray, alpha = np.asarray(Image.open(io.BytesIO(base64.b64decode(source.split(",", 1)[1]))).convert("LA")
                             ).transpose(2, 0, 1)
    assert gray[alpha > 0].mean() > 192, "the thumbnails' strokes are dark on a dark page"
