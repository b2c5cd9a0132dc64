"""The browser tests import one another as top-level modules (``from test_browser import ...``), so
this folder alone has no ``__init__.py``: pytest puts it on ``sys.path`` and imports ``test_browser``
once, under that name, for every file here.

``test_browser.ROOT`` is computed as its file's grandparent, which was the repository root while the
file sat in tests/; from tests/browser/ it is tests/. Until that line says ``parents[2]``, point it
(and the screenshots folder made from it) at the real root before any browser test imports them.
"""

import test_browser

from tests.builders import ROOT

if test_browser.ROOT != ROOT:
    test_browser.ROOT = ROOT
    test_browser.ARTIFACTS = ROOT / "test-artifacts"
