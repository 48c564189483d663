"""How every Plotly figure is put on a page: full width, SVG from the mode bar, export beside it."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

# The mode bar's camera button saves an SVG at twice the size, made in the viewer's own browser.
PLOTLY_CONFIG = {
    "toImageButtonOptions": {"format": "svg", "scale": 2},
    "displaylogo": False,
}


def show(fig: go.Figure, key: str) -> None:
    """Draw one figure; `key` keeps the chart element stable across reruns."""
    st.plotly_chart(fig, width="stretch", config=PLOTLY_CONFIG, key=key)
