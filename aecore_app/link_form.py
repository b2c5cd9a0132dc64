"""Filling the Train page's form from a link: the link's dataset, preset and every setting go
into the form's widgets, and the model trains (or shows at once when it is cached)."""

from __future__ import annotations

import streamlit as st

from .model_links import MODEL_FIELDS, widget_values
from .page_link import linked_model, set_from_link, show_url_notice


def train_form_from_link() -> None:
    """On the Train page: a link that names a model fills in the form (dataset, preset, every
    setting) and trains it, or shows it at once when it is cached. Call before the widgets."""
    link = linked_model()
    if link is None:
        show_url_notice()
        return
    data_key, preset_name, config = link
    values = widget_values(preset_name, config)
    set_from_link({"train.dataset": data_key, "active_dataset": data_key, "train.preset": preset_name,
                   **{f"train.{param.name}.{preset_name}": values[field] for field, param in MODEL_FIELDS.items()}})
    st.session_state["_url.train_now"] = True
    st.rerun()


def train_requested_by_link() -> bool:
    """True once after :func:`train_form_from_link` filled in the form."""
    return bool(st.session_state.pop("_url.train_now", False))
