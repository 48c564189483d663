"""The graph figure's canvas: fixed axis ranges with room for every label, the selected-step band,
lane captions and the legend, shared by the stepped figure and its animation."""

from __future__ import annotations

import numpy as np

from explorer.figures.graph.bundles import loop_labels
from explorer.figures.graph.data import GraphArrays
from explorer.figures.graph.layout import bus_gap
from explorer.figures.graph.traces import loop_mask
from explorer.figures.style import HIGHLIGHT_FILL, themed

NOMINAL_WIDTH = 1000  # px: the label room is sized for a figure at least this wide


def step_band(data: GraphArrays, t: int | None) -> dict | None:
    """A shaded rectangle (layout shape) behind every node of step t."""
    if t is None or not np.any(data.t == t):
        return None
    xs = data.x[data.t == t]
    boxes = [b for b in data.placement.boxes if b.t == t]
    low = min([xs.min()] + [b.x0 for b in boxes]) - 0.08
    high = max([xs.max()] + [b.x1 for b in boxes]) + 0.08
    return {
        "type": "rect",
        "xref": "x",
        "yref": "paper",
        "x0": float(low),
        "x1": float(high),
        "y0": 0,
        "y1": 1,
        "fillcolor": HIGHLIGHT_FILL,
        "line": {"width": 0},
        "layer": "below",
    }


def axis_ranges(data: GraphArrays, large_font: bool) -> tuple[list[float], list[float]]:
    """x and y ranges around nodes and boxes, with room for the parameter labels on the left,
    the y_t labels on the right, tokens under x_t and the loops over a rolled graph."""
    boxes = data.placement.boxes
    xs = np.concatenate([data.x, [b.x0 for b in boxes], [b.x1 for b in boxes]])
    ys = np.concatenate([data.y, [b.y1 for b in boxes]])
    if not xs.size:  # an empty graph: an empty canvas, not an error
        return [-1.0, 1.0], [-1.0, 1.0]
    span = float(xs.max() - xs.min())
    per_px = max(span, 1.0) / (NOMINAL_WIDTH - 200)
    label_px = 80 if large_font else 58  # "W_hh'²" at the label font, and a gap
    left = float(xs.min()) - max(label_px * per_px * 1.6, 0.6)
    right = float(xs.max()) + max(70 * per_px * 1.4, 0.5)
    if data.rolled:  # one column: widen the canvas so the box and its loop keep their shape
        wide = 6.0 * data.placement.geometry.column
        middle = float(np.mean([(b.x0 + b.x1) / 2 for b in boxes])) if boxes else 0.0
        left, right = min(left, middle - wide / 2), max(right, middle + wide / 2)
    top = float(ys.max()) + (0.9 if data.rolled else 0.6)
    bottom = float(ys.min()) - (0.95 if large_font else 0.8)
    return [left, right], [bottom, top]


def lane_captions(data: GraphArrays, x: float, large_font: bool) -> list[dict]:
    """'forward RNN →' / 'backward RNN ←' (and the layer) over each chain, at the left edge."""
    geo = data.placement.geometry
    return [
        {
            "x": x,
            "y": y + geo.box_h + 4 * bus_gap(geo),  # over the lane's parameter buses
            "xref": "x",
            "yref": "y",
            "text": text,
            "showarrow": False,
            "xanchor": "left",
            "yanchor": "bottom",
            "font": {"color": "#444444"},
        }
        for y, text in data.placement.lanes
    ]


def graph_layout(data: GraphArrays, *, title: str, large_font: bool) -> dict:
    """Fixed ranges (nothing jumps while the graph builds up), no axes, legend under the plot."""
    x_range, y_range = axis_ranges(data, large_font)
    height = int(np.clip(200 + 95 * (y_range[1] - y_range[0]), 420, 950))
    height = int(height * 1.3) if large_font else height  # room for the bigger legend
    annotations = lane_captions(data, x_range[0], large_font)
    annotations += loop_labels(data, np.flatnonzero(loop_mask(data)))
    layout = themed(
        {"annotations": annotations} if annotations else {},
        title=title,
        large_font=large_font,
        height=height,
    )
    layout["xaxis"] = {"range": x_range, "visible": False, "autorange": False}
    layout["yaxis"] = {"range": y_range, "visible": False, "autorange": False}
    layout["legend"] = {**layout.get("legend", {}), "orientation": "h", "y": -0.02,
                        "yanchor": "top", "x": 0}  # fmt: skip
    layout["margin"] = {**layout["margin"], "l": 20, "r": 20}
    layout.update(hovermode="closest", dragmode="pan")
    return layout
