"""Layout pieces shared by the graph figure and its animation: the step band and fixed axes."""

from __future__ import annotations

import numpy as np

from explorer.figures.graph.data import GraphArrays
from explorer.figures.style import HIGHLIGHT_FILL, themed


def step_band(data: GraphArrays, t: int | None) -> dict | None:
    """A shaded rectangle (layout shape) behind every node of step t."""
    if t is None or not np.any(data.t == t):
        return None
    xs = data.x[data.t == t]
    return {
        "type": "rect",
        "xref": "x",
        "yref": "paper",
        "x0": xs.min() - 0.35,
        "x1": xs.max() + 0.35,
        "y0": 0,
        "y1": 1,
        "fillcolor": HIGHLIGHT_FILL,
        "line": {"width": 0},
        "layer": "below",
    }


def graph_layout(data: GraphArrays, *, title: str, large_font: bool) -> dict:
    """Fixed ranges (nothing jumps while the graph builds up), no axes, legend under the plot."""
    height = int(np.clip(160 + 90 * (data.y_range[1] - data.y_range[0]), 380, 900))
    height = int(height * 1.25) if large_font else height  # room for the bigger legend
    layout = themed({}, title=title, large_font=large_font, height=height)
    layout["xaxis"] = {"range": list(data.x_range), "visible": False, "autorange": False}
    layout["yaxis"] = {"range": list(data.y_range), "visible": False, "autorange": False}
    layout["legend"] = {"orientation": "h", "y": -0.02, "yanchor": "top", "x": 0}
    layout.update(hovermode="closest", dragmode="pan")
    return layout
