"""Picture first: the static CSS that gives the page's first screen to the chart, and the chart
heights that fit a 1280x720 projector window under one title line and one control row.

Everything here is fixed text written by us; no CSS is ever built from user input.
"""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

# Streamlit puts ~6rem of padding above the first element (room for its header bar) and a wide
# margin above every title. The header is kept (its sidebar button is how a collapsed sidebar
# comes back) but made transparent, and the page starts right under it.
COMPACT_CSS = """
<style>
[data-testid="stMainBlockContainer"] { padding-top: 2.6rem; padding-bottom: 2rem; }
[data-testid="stHeader"] { background: transparent; height: 2.4rem; }
[data-testid="stMainBlockContainer"] h1 { padding: 0 0 0.15rem 0; margin: 0; line-height: 1.15; }
[data-testid="stMainBlockContainer"] [data-testid="stVerticalBlock"] { gap: 0.55rem; }
[data-testid="stMainBlockContainer"] [data-testid="stCaptionContainer"] p { margin-bottom: 0; }
</style>
"""

# Main-chart heights in px. 720 px of window minus the header, a title line, a lead line and a
# control row leaves ~480 px; the chart may run a little past the fold (>= 60% stays on screen).
MAIN_HEIGHT = 440
MAIN_HEIGHT_LECTURE = 460
SECOND_HEIGHT = 360  # charts below the main one (seen after a scroll)


def apply_style() -> None:
    """Inject the compact-page stylesheet (every run; st.html of a constant)."""
    st.html(COMPACT_CSS)


def main_height(large_font: bool) -> int:
    return MAIN_HEIGHT_LECTURE if large_font else MAIN_HEIGHT


def fit(fig: go.Figure, large_font: bool, height: int | None = None) -> go.Figure:
    """Give the page's main chart a height that fits the first screen (in place; returned)."""
    fig.update_layout(height=height or main_height(large_font))
    return fig


def fit_graph(fig: go.Figure, large_font: bool, height: int | None = None) -> go.Figure:
    """fit() for the unrolled graph. In lecture mode its symbol legend (20 px, several lines) would
    take half of a 720-px screen from the graph: it is left out there (the colour bar stays)."""
    fit(fig, large_font, height)
    if large_font:
        fig.update_layout(showlegend=False)
    return fig
