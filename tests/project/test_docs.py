"""The documentation site builds without a warning: every page, link, anchor and API entry."""

import os
import subprocess
import sys

import pytest

from tests.builders import ROOT

pytestmark = pytest.mark.slow  # every test here takes more than ~2 s (see pytest.ini)


def test_the_docs_site_builds_strictly(tmp_path):
    # --strict turns every warning (a broken link or anchor, an API object mkdocstrings cannot
    # find, a docstring it cannot parse) into a failure.
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert result.returncode == 0, result.stdout + result.stderr
    api = (tmp_path / "site" / "api" / "index.html").read_text(encoding="utf-8")
    # Each object the API page documents rendered, with its anchor.
    for path in ("aecore.reducer.AutoencoderReducer", "aecore.reducer.AutoencoderReducer.fit",
                 "aecore.budget.Budget", "aecore.data.uploads.read_upload", "aecore.maps.projection.project",
                 "aecore.maps.cluster.cluster", "aecore.maps.cluster.n2d"):
        assert f'id="{path}"' in api, path
    # The reducer's Parameters are filled in from aecore.params, not left as a template slot.
    assert "{parameters}" not in api and "n_components" in api


def test_the_notebook_page_runs_cell_by_cell(capsys):
    """docs/notebook.md's Python cells, run in order in one namespace: the pipeline under
    GridSearchCV, save and load, and the outlier convention, as the page shows them."""
    import re

    page = (ROOT / "docs" / "notebook.md").read_text(encoding="utf-8")
    cells = re.findall(r"```python\n(.*?)```", page, re.S)
    assert len(cells) == 4
    namespace: dict = {}
    for cell in cells:
        exec(compile(cell, "docs/notebook.md", "exec"), namespace)
    assert namespace["search"].best_params_["autoencoderreducer__n_components"] in (4, 12)
    assert namespace["search"].score(namespace["X_test"], namespace["y_test"]) > 0.8
    flagged, y_test = namespace["flagged"], namespace["y_test"]
    assert flagged[y_test == 0].mean() > flagged[y_test != 0].mean()  # the unseen digit stands out


@pytest.mark.parametrize("page", ["README.md", "docs/getting-started.md"])
def test_the_pages_that_list_the_kinds_name_every_kind_the_schema_declares(page):
    from aecore.params import KINDS

    text = " ".join((ROOT / page).read_text(encoding="utf-8").split())
    assert [kind for kind in KINDS if f'`"{kind}"`' not in text] == []
