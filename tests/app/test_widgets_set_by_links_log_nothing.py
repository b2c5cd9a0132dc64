"""A link sets widgets before they exist; Streamlit's warning that their defaults were overridden
through the Session State API stays out of the server's log for those widgets only."""

import logging

from aecore_app import page_link

MESSAGE = ('The widget with key "{key}" was created with a default value but also had its value set via '
           "the Session State API.")


def _kept(key: str) -> bool:
    record = logging.LogRecord("streamlit.elements.lib.policies", logging.WARNING, __file__, 1,
                               MESSAGE.format(key=key), None, None)
    return logging.getLogger("streamlit.elements.lib.policies").filter(record)


def test_the_warning_is_dropped_for_a_widget_a_link_set_and_kept_for_others(monkeypatch):
    monkeypatch.setattr(page_link, "_LINK_SET", {"clusters.space"})
    assert not _kept("clusters.space")
    assert _kept("clusters.method")  # never set by a link: a real mistake, still reported
    assert _kept("clusters.spaces")
