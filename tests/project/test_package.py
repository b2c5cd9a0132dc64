"""The core stays a plain library: importable from a notebook without Streamlit or TensorFlow."""

import subprocess
import sys

from tests.builders import ROOT


def _imported_after(statement: str) -> set[str]:
    code = f"import sys; {statement}; print(' '.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def test_import_aecore_does_not_import_streamlit_or_tensorflow():
    modules = _imported_after("import aecore")
    assert "streamlit" not in modules
    assert "tensorflow" not in modules


def test_core_modules_never_import_streamlit_nor_the_app():
    for path in (ROOT / "aecore").glob("*.py"):
        text = path.read_text()
        assert "import streamlit" not in text and "from streamlit" not in text, path.name
        assert "aecore_app" not in text and "app_pages" not in text, path.name  # the app imports the core, not back


def test_the_core_holds_no_app_only_modules():
    """Link state, the guided tour, UI strings and the job queue are the app's (``aecore_app``)."""
    for name in ("ui.py", "share.py", "tour.py", "i18n.py", "slots.py", "locales"):
        assert not (ROOT / "aecore" / name).exists(), name
