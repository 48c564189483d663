"""Page Patterns: where each usage pattern attaches its loss (view: explorer.views.patterns)."""

import streamlit as st

from explorer.app import controls, page, url_state
from explorer.views.patterns import PARAMS, view

__all__ = ["PARAMS", "render"]


def render() -> None:
    st.title("Usage patterns: where the loss attaches")
    page.lead("patterns")
    settings = controls.current()
    # First visit: start from the sidebar's pattern and direction setting unless the URL says.
    if "pview" not in st.session_state and "pview" not in st.query_params:
        st.session_state["pview"] = settings.config["pattern"]
    if "pbidir" not in st.session_state and "pbidir" not in st.query_params:
        st.session_state["pbidir"] = settings.config["bidirectional"]
    url_state.seed(PARAMS)
    view(settings)
    page.details("patterns")
