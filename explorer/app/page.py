"""What every page starts with: its title, its reading guidance, the sidebar's settings, and its
own URL parameters read into the session; then the trace it draws (from explorer.app.data)."""

from __future__ import annotations

import streamlit as st

from explorer.app import controls, data, guidance, url_state
from explorer.app.controls import Settings


def open_page(title: str, guide: str, params) -> Settings:
    """What every page starts with: its title, its reading guidance, the sidebar's settings, and
    its own URL parameters read into the session."""
    st.title(title)
    guidance.show(guide)
    settings = controls.current()
    url_state.seed(params)
    return settings


def trace_page(title: str, guide: str, params, view) -> None:
    """A page that draws one trace: open it, load the trace (or show why not), then view it."""
    settings = open_page(title, guide, params)
    trace = data.load_trace(settings)
    if trace is not None:
        view(settings, trace)


def default_params(params, prefix: str = "") -> None:
    """Give a view's widgets their defaults (prefixed keys when the lecture walk embeds the view)."""
    for param in params:
        st.session_state.setdefault(prefix + param.key, param.default)
