"""The browser tests import one another as top-level modules (``from test_browser import ...``), so
this folder alone has no ``__init__.py``: pytest puts it on ``sys.path`` and imports ``test_browser``
once, under that name, for every file here."""
