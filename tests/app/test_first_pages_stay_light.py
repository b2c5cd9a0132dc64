"""Pages whose first view needs no live model load no TensorFlow (772 MB, seconds on 2 cores) and
no openTSNE or PyTorch, and leave umap-learn and numba to the warm-up's background thread, so a
visitor's first page is not kept waiting by libraries it does not use (issue 31)."""

import json
import subprocess
import sys

import pytest

from tests.builders import APP, ROOT

#: Pages a link may open first that draw without a live model: Home, then 3D → 2D.
LIGHT_PAGES = ("aecore_app/app_pages/home.py", "aecore_app/app_pages/linear_3d.py")
#: Never imported by these pages' runs, in any thread.
NEVER = ("tensorflow", "keras", "openTSNE", "torch")
#: Imported only by UMAP's warm-up thread, after the page's run.
WARM_UP_ONLY = ("umap", "numba", "pynndescent")

# A fresh process, so sys.modules starts clean: a finder first in sys.meta_path writes down which
# thread imported each library first, then each page runs once with AppTest.
PROBE = """
import importlib.abc, json, sys, threading
from streamlit.testing.v1 import AppTest

WATCHED = {watched!r}
first = {{}}

class Spy(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        top = name.split(".")[0]
        if top in WATCHED and top not in first:
            first[top] = threading.current_thread().name
        return None

sys.meta_path.insert(0, Spy())
if {no_warm_up!r}:  # only the pages' own imports are watched
    import aecore_app.caches
    aecore_app.caches.start_umap_warmup = lambda approximate=False: None
at = AppTest.from_file({app!r}, default_timeout=300)
at.run()
seen = {{}}
for page in {pages!r}:
    if page != {pages!r}[0]:
        at.switch_page(page).run()
    seen[page] = {{"exceptions": [e.value for e in at.exception], "imported": dict(first)}}
print(json.dumps(seen))
"""


def _first_views(watched, pages, no_warm_up=False) -> dict:
    """Each of ``pages`` run once, in turn, by one visitor of a fresh process: its exceptions, and which
    thread first imported each of ``watched`` so far."""
    code = PROBE.format(watched=tuple(watched), app=APP, pages=tuple(pages), no_warm_up=no_warm_up)
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                            timeout=600, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def _assert_none_imported(seen: dict, pages) -> None:
    for page in pages:
        assert not seen[page]["exceptions"], (page, seen[page]["exceptions"])
        assert not seen[page]["imported"], f"{page} imported {seen[page]['imported']} on its first view"


@pytest.mark.slow
def test_home_and_3d_to_2d_import_no_tensorflow_on_their_first_run():
    seen = _first_views(NEVER + WARM_UP_ONLY, LIGHT_PAGES)
    for page, found in seen.items():
        assert not found["exceptions"], (page, found["exceptions"])
        imported = found["imported"]
        assert not set(NEVER) & set(imported), f"{page} imported {imported} on its first run"
        in_page = {name: thread for name, thread in imported.items() if not thread.startswith("umap-warmup-")}
        assert not in_page, f"{page} imported {in_page} in its own thread instead of the warm-up's"


#: Model pages whose first view of the default demo is shipped with it (aecore.runs.demo_views).
SHIPPED_PAGES = tuple(f"aecore_app/app_pages/{page}.py" for page in ("latent", "clusters", "anomalies",
                                                                       "reconstructions", "train", "generate",
                                                                       "compare"))


@pytest.mark.slow
def test_model_pages_draw_the_default_demo_from_its_shipped_views_without_tensorflow():
    # One fresh visitor: Home, then each page in turn; no model is trained, so the default demo is shown.
    seen = _first_views(("tensorflow", "keras"), ("aecore_app/app_pages/home.py",) + SHIPPED_PAGES)
    _assert_none_imported(seen, SHIPPED_PAGES)


#: Pages whose first view of the default demo needs no scikit-learn or SciPy (a second or more of a
#: cold server's first run): the warm-up imports them in a pause between runs (aecore_app/idle.py).
NO_SKLEARN_PAGES = tuple(f"aecore_app/app_pages/{page}.py" for page in ("home", "latent", "family"))


@pytest.mark.slow
def test_home_latent_space_and_family_draw_their_first_view_without_scikit_learn():
    _assert_none_imported(_first_views(("sklearn", "scipy"), NO_SKLEARN_PAGES, no_warm_up=True), NO_SKLEARN_PAGES)
