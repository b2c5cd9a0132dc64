"""The app's pages: scripts Streamlit runs by path (see aecore_app/app.py); they only lay out.

Links between pages name a page's file by its absolute path (:func:`page_file`): Streamlit resolves a
relative one against the main script's folder, which is the checkout's root for ``app.py`` and this
package's folder for the installed ``aecore_app/app.py`` (``aecore app``)."""

from pathlib import Path

#: This folder, wherever the app is installed.
PAGES_DIR = Path(__file__).resolve().parent


def page_file(name: str) -> str:
    """The absolute path of page ``name`` (``"train.py"``), for ``st.page_link`` and the tour."""
    return str(PAGES_DIR / name)
