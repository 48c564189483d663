"""Elman, LSTM and GRU side by side on the same input: how far back does each gradient reach?"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from explorer.figures import build
from explorer.figures.axes import finite_range, selected_step_shapes, step_ticks
from explorer.figures.gradients import decay_slope
from explorer.figures.notation import math_html
from explorer.figures.style import CELL_COLORS, GREY, escape, merge, themed
from rnnviz.names import CELL_TITLES

COMPARED = {
    "log10_grad_norm": (math_html("log10 ‖∂L/∂s_t‖"), "solid"),
    "log10_jacobian_norm": (math_html("log10 ‖∂s_T/∂s_t‖"), "dash"),
}


def _cell_key(name: str) -> str:
    """ "LSTM (forget bias 3)" -> "lstm": a panel named with its settings keeps its cell's colour."""
    return name.split(" ", 1)[0].lower() if name else ""


def _panel_title(name: str, flow: pd.DataFrame) -> str:
    slope = decay_slope(flow, "forward")
    label = CELL_TITLES.get(name.lower(), escape(name))
    if np.isnan(slope):
        return label
    return f"{label}<br>{slope:+.2f} decades per step".replace("-", "−")


def compare_figure(
    flows: dict[str, pd.DataFrame],
    *,
    selected_t: int | None = None,
    large_font: bool = False,
) -> go.Figure:
    """One panel per cell (forward direction), shared y range, the selected t shaded in all."""
    names = list(flows)
    forward = {
        name: flow[flow["direction"] == "forward"].sort_values("t") if "direction" in flow else flow
        for name, flow in flows.items()
    }
    grid = build.subplot_grid(
        1, max(1, len(names)), titled=True, shared_yaxes=True, horizontal_spacing=0.04
    )
    layout = grid.layout([_panel_title(n, forward[n]) for n in names])
    traces: list[dict] = []
    shapes: list[dict] = []
    all_values = []
    for col, name in enumerate(names, start=1):
        rows = forward[name]
        words = list(rows.get("token", rows["t"]))
        tokens = [escape(tok) for tok in words]  # hover text; step_ticks escapes the tick labels
        axes = grid.axes(1, col)
        for column, (label, dash) in COMPARED.items():
            if column in rows:
                all_values.append(rows[column].to_numpy(dtype=float))
                traces.append(_line(name, rows, column, label, dash, tokens, axes))
        shapes.append(build.hline(0, {"color": "#999999", "width": 1, "dash": "dot"}, axes))
        ticks, labels = step_ticks(rows["t"].to_list(), words, max_labels=8)
        x_axis = layout[grid.axis_key(1, col, "x")]
        x_axis.update(tickvals=ticks, ticktext=labels, tickangle=-45)
    shared = finite_range(np.concatenate(all_values)) if all_values else None
    if shared is not None:
        for col in range(1, len(grid.ref[0]) + 1):
            layout[grid.axis_key(1, col, "y")]["range"] = list(shared)
    layout[grid.axis_key(1, 1, "y")]["title"] = {"text": "log10 of norm (decades)"}
    layout[grid.axis_key(1, (len(names) + 1) // 2, "x")]["title"] = {"text": "time step t"}
    layout["shapes"] = shapes + selected_step_shapes(selected_t, grid, traces)
    themed(
        layout,
        title=math_html("Same input, three cells: solid ‖∂L/∂s_t‖, dashed ‖∂s_T/∂s_t‖"),
        large_font=large_font,
        height=460 if not large_font else 560,
    )
    # Room for the figure title above the two-line panel titles (name, then its slope).
    merge(
        layout,
        {"legend": {"orientation": "h", "y": -0.3}, "margin": {"t": 125 if large_font else 105}},
    )
    if not layout["shapes"]:
        del layout["shapes"]
    return build.figure(traces, layout, grid=grid)


def _line(
    name: str, rows: pd.DataFrame, column: str, label: str, dash: str, tokens: list, axes: dict
) -> dict:
    """One cell's measured norm against t, in its cell's colour."""
    y = rows[column].to_numpy(dtype=float)
    return {
        "type": "scatter",
        "x": rows["t"].to_numpy(),
        "y": np.where(np.isfinite(y), y, np.nan),
        "mode": "lines+markers" if len(rows) <= 60 else "lines",
        "name": f"{CELL_TITLES.get(name.lower(), escape(name))}: {label}",
        "line": {"color": CELL_COLORS.get(_cell_key(name), GREY), "dash": dash, "width": 2.5},
        "marker": {"size": 5},
        "customdata": tokens,
        "hovertemplate": f"t=%{{x}} · %{{customdata}}<br>{label} = %{{y:.4f}}<extra></extra>",
        **axes,
    }
