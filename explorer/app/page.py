"""What every page starts with: its title, a one-line lead from its reading guidance, the sidebar's
settings and its own URL parameters read into the session; then the trace it draws (from
explorer.app.data), then the rest of the guidance folded away below the picture."""

from __future__ import annotations

import streamlit as st

from explorer.app import controls, data, guidance, url_state
from explorer.app.controls import Settings


def open_page(title: str, guide: str, params) -> Settings:
    """Title and the guidance's lead sentence (one line), then the settings and URL parameters."""
    st.title(title)
    lead(guide)
    settings = controls.current()
    url_state.seed(params)
    return settings


def lead(guide: str) -> None:
    """The first paragraph of assets/<guide>.md (ours, trusted): one sentence under the title."""
    st.markdown(guidance.split(guidance.read(guide))[0])


def details(guide: str, label: str = "How to read this page", expanded: bool = False) -> None:
    """The rest of assets/<guide>.md, in an expander below the charts (the picture comes first)."""
    rest = guidance.split(guidance.read(guide))[1]
    if rest:
        with st.expander(label, expanded=expanded, icon=":material/menu_book:"):
            st.markdown(rest)


def trace_page(title: str, guide: str, params, view) -> None:
    """A page that draws one trace: open it, load the trace (or show why not), view it, then the
    reading guide."""
    settings = open_page(title, guide, params)
    trace = data.load_trace(settings)
    if trace is not None:
        view(settings, trace)
    details(guide)


def default_params(params, prefix: str = "") -> None:
    """Give a view's widgets their defaults (prefixed keys when the lecture walk embeds the view)."""
    for param in params:
        st.session_state.setdefault(prefix + param.key, param.default)
