"""Figures assembled as plain dicts and wrapped in one go.Figure, without Plotly's validation.

Plotly validates and deep-copies every property on every assignment: `template="plotly_white"`
alone cost ~18 ms per figure, and validation was 60-90 % of each figure's build time (a 10-step
graph: 50-130 ms before, a few ms now). The constant pieces (template, named colour scales,
subplot grids) are validated once, here, and reused; each figure is then created with one
`go.Figure(..., _validate=False)`. The JSON sent to the browser is the same as before.

The figure handed back validates again from then on, so a notebook user's own
`fig.update_layout(...)` is still checked.
"""

from __future__ import annotations

import copy
import json
from functools import lru_cache

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from explorer.figures.style import LARGE_FONT_SIZE, THEME, lecture_fonts  # noqa: F401 (THEME)


def figure(
    data: list[dict], layout: dict, *, grid: Grid | None = None, frames: list | None = None
) -> go.Figure:
    """One go.Figure from trace dicts (each with its "type") and a layout dict, unvalidated;
    optional frame dicts are validated (see below)."""
    source: dict = {"data": data, "layout": layout}
    if (layout.get("font") or {}).get("size", 0) >= LARGE_FONT_SIZE:  # a lecture-mode figure
        lecture_fonts(data, layout)  # the back row: every text explicit, none below 20 px
    if grid is not None:
        source["_grid_ref"], source["_grid_str"] = grid.ref, grid.text
    fig = go.Figure(source, _validate=False)
    fig._validate = True  # noqa: SLF001 - later updates by the caller are checked again
    fig.layout._validate = True  # noqa: SLF001
    for trace in fig.data:
        trace._validate = True  # noqa: SLF001
    if frames:
        fig.frames = frames  # validated: frames hold only x/y, and f.data needs trace objects
    return fig


@lru_cache(maxsize=16)
def colorscale(name: str) -> list:
    """A named colour scale ('RdBu_r') as the explicit [[position, colour], ...] Plotly sends."""
    return go.Heatmap(colorscale=name).to_plotly_json()["colorscale"]


class Grid:
    """make_subplots' layout (axes, domains, titles) and its row/col -> axis map, computed once
    per shape and copied for each figure."""

    def __init__(self, ref: list, text: str, layout_json: str) -> None:
        self.ref, self.text, self._layout_json = ref, text, layout_json

    def layout(self, titles: list[str] | None = None) -> dict:
        """A fresh copy of the subplot layout with the given titles (None: no titles)."""
        layout = json.loads(self._layout_json)
        annotations = []
        for annotation, text in zip(layout.pop("annotations", []), titles or [], strict=False):
            if text:  # make_subplots draws no annotation for an empty title
                annotations.append({**annotation, "text": text})
        if annotations:
            layout["annotations"] = annotations
        return layout

    def axes(self, row: int, col: int) -> dict:
        """{'xaxis': 'x2', 'yaxis': 'y2'}: what a trace in that cell of the grid carries."""
        return dict(self.ref[row - 1][col - 1][0].trace_kwargs)

    def axis_key(self, row: int, col: int, axis: str) -> str:
        """The layout key ('xaxis2', 'yaxis') of one axis of the subplot at (row, col)."""
        keys = self.ref[row - 1][col - 1][0].layout_keys
        return keys[0] if axis == "x" else keys[1]


@lru_cache(maxsize=64)
def subplot_grid(rows: int, cols: int, titled: bool = False, **options) -> Grid:
    """The Grid of `make_subplots(rows, cols, **options)`; with `titled`, one title slot per
    subplot (placeholder text, replaced in Grid.layout)."""
    titles = [f"title {i}" for i in range(rows * cols)] if titled else None
    options = {k: list(v) if isinstance(v, tuple) else v for k, v in options.items()}
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=titles, **options)
    layout = fig.to_plotly_json()["layout"]
    layout.pop("template", None)
    return Grid(fig._grid_ref, fig._grid_str, json.dumps(layout))  # noqa: SLF001


def hline(y: float, line: dict, axes: dict) -> dict:
    """The shape fig.add_hline(y, line=..., row, col) adds: across the subplot's x domain."""
    return {
        "line": dict(line),
        "type": "line",
        "x0": 0,
        "x1": 1,
        "xref": f"{axes['xaxis']} domain",
        "y0": y,
        "y1": y,
        "yref": axes["yaxis"],
    }


def vrect(x0: float, x1: float, style: dict, axes: dict) -> dict:
    """The shape fig.add_vrect(x0, x1, ...) adds: full height of the subplot's y domain."""
    return {
        **copy.deepcopy(style),
        "type": "rect",
        "x0": x0,
        "x1": x1,
        "xref": axes["xaxis"],
        "y0": 0,
        "y1": 1,
        "yref": f"{axes['yaxis']} domain",
    }
