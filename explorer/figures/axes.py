"""Shared axis helpers: time-step tick labels, the selected-step marker, notes under a figure."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from explorer.figures.build import Grid, vrect
from explorer.figures.style import HIGHLIGHT_FILL, merge, step_label

# Past this many steps, tick labels thin out to every k-th step so they never overlap.
MAX_TICK_LABELS = 40
SELECTED_STYLE = {"fillcolor": HIGHLIGHT_FILL, "line": {"width": 0}, "layer": "below"}


def step_ticks(
    ts: Sequence[int], tokens: Sequence[object], max_labels: int = MAX_TICK_LABELS
) -> tuple[list[int], list[str]]:
    """Tick positions and 't:token' labels for a numeric t axis, at most `max_labels` of them."""
    ts = [int(t) for t in ts]
    stride = max(1, int(np.ceil(len(ts) / max_labels)))
    picked = range(0, len(ts), stride)
    return [ts[i] for i in picked], [step_label(ts[i], tokens[i]) for i in picked]


def mark_selected_step(
    fig: go.Figure, selected_t: int | None, *, row: int | str | None = None, col: int | None = None
) -> None:
    """Shade the selected time step t (a band one step wide) in the given subplot(s)."""
    if selected_t is None:
        return
    kwargs = {} if row is None else {"row": row, "col": col if col is not None else "all"}
    fig.add_vrect(x0=selected_t - 0.5, x1=selected_t + 0.5, **SELECTED_STYLE, **kwargs)


def selected_step_shapes(selected_t: int | None, grid: Grid, traces: list[dict]) -> list[dict]:
    """mark_selected_step(fig, selected_t, row="all") as shapes: one band per subplot that holds
    a trace (Plotly skips empty subplots), in grid order."""
    if selected_t is None:
        return []
    used = {(trace.get("xaxis", "x"), trace.get("yaxis", "y")) for trace in traces}
    cells = [grid.axes(r + 1, c + 1) for r, row in enumerate(grid.ref) for c in range(len(row))]
    return [
        vrect(selected_t - 0.5, selected_t + 0.5, SELECTED_STYLE, axes)
        for axes in cells
        if (axes["xaxis"], axes["yaxis"]) in used
    ]


def note_annotation(text: str, *, y: float = -0.16) -> dict:
    """A plain-text note under the plot (why points are missing, what was decimated)."""
    return {
        "text": text,
        "xref": "paper",
        "yref": "paper",
        "x": 0,
        "y": y,
        "xanchor": "left",
        "yanchor": "top",
        "showarrow": False,
        "align": "left",
        "font": {"color": "#555555"},
    }


def add_note(fig: go.Figure, text: str, *, y: float = -0.16) -> None:
    """A plain-text note under the plot (why points are missing, what was decimated)."""
    fig.add_annotation(note_annotation(text, y=y))


def finite_range(values: np.ndarray, pad: float = 0.05) -> tuple[float, float] | None:
    """[min, max] of the finite values, padded; None when there is none."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return None
    low, high = float(values.min()), float(values.max())
    span = max(high - low, 1.0)
    return low - pad * span, high + pad * span


def legend_on_top(fig: go.Figure) -> None:
    """A horizontal legend between the title and the plot: it never collides with notes below."""
    fig.update_layout(legend_on_top_layout({}))


def legend_on_top_layout(layout: dict) -> dict:
    """legend_on_top for a layout dict (merged in place, returned)."""
    return merge(
        layout,
        {
            "legend": {
                "orientation": "h",
                "x": 0,
                "xanchor": "left",
                "y": 1.02,
                "yanchor": "bottom",
            },
            "margin": {"t": 140},
        },
    )
