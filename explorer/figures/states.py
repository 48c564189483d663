"""Heatmaps of what the RNN carries: states s_t, gate activations and outputs y_t (units × tokens).

Input frames are rnnviz.tables' tidy tables (t, token, ..., unit, value). Tokens run along x as
't:token'; colour scales are fixed (symmetric for signed values) so colours compare across steps.
Past `max_columns` steps the heatmap keeps every k-th step and says so in the title.
With `predictions` (a trained model's tag or predicted next character per token, trace.predictions)
each label gets a second line, 't:token<br>TAG'; both lines are escaped (they are user text / model
output, never HTML).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from explorer.figures import build
from explorer.figures.notation import math_html
from explorer.figures.style import (
    DIVERGING_SCALE,
    STACKED_TICKS,
    UNIT_SCALE,
    escape,
    merge,
    tagged_label,
    themed,
)

MAX_COLUMNS = 2_000
# Gates squashed by a sigmoid live in [0, 1]; the candidate gates (LSTM g, GRU n) use tanh.
AXES = {"xaxis": "x", "yaxis": "y"}  # the one subplot of a single heatmap
TANH_GATES = frozenset({"g", "n"})
GATE_TITLES = {
    gate: math_html(title)
    for gate, title in {
        "i": "input gate i_t",
        "f": "forget gate f_t",
        "g": "candidate g_t",
        "o": "output gate o_t",
        "r": "reset gate r_t",
        "z": "update gate z_t",
        "n": "candidate n_t",
    }.items()
}
GATE_ORDER = ("i", "f", "g", "o", "r", "z", "n")


def axis_title(predictions: Sequence[str] | None) -> str:
    return "time step t : token" + (" / prediction" if predictions is not None else "")


def _grid(
    frame: pd.DataFrame, max_columns: int, predictions: Sequence[str] | None = None
) -> tuple[np.ndarray, list[str], list[int], int]:
    """(units × steps) values, 't:token' labels, the t of each column, and the column stride.

    Steps are thinned before the grid is filled, so a 10,000-step frame only places the kept
    columns. A numpy scatter, not DataFrame.pivot: same grid (units sorted, NaN where a cell is
    missing) at a fraction of the cost (~1 ms per heatmap)."""
    t = frame["t"].to_numpy()
    every = np.unique(t)  # sorted
    stride = max(1, int(np.ceil(len(every) / max_columns)))
    kept = every[::stride]
    if stride > 1 and kept[-1] != every[-1]:
        kept = np.append(kept, every[-1])  # always show the last step: the acceptor's loss
    rows = np.isin(t, kept) if stride > 1 else np.ones(len(t), dtype=bool)
    t = t[rows]
    units, unit_row = np.unique(frame["unit"].to_numpy()[rows], return_inverse=True)
    grid = np.full((len(units), len(kept)), np.nan)  # (units, kept steps)
    grid[unit_row, np.searchsorted(kept, t)] = frame["value"].to_numpy(dtype=float)[rows]
    _, first = np.unique(t, return_index=True)  # the first row of each kept step
    tokens = frame["token"].to_numpy()[rows][first]
    ts = [int(step) for step in kept]
    stacked = len(ts) <= STACKED_TICKS
    labels = [
        tagged_label(step, tok, predictions, stacked) for step, tok in zip(ts, tokens, strict=True)
    ]
    return grid, labels, ts, stride


def _select(frame: pd.DataFrame, **equal) -> pd.DataFrame:
    """Rows where each named column equals its value, as numpy masks over only the columns a
    heatmap needs: copying a million-row string column costs more than the whole heatmap."""
    mask = np.ones(len(frame), dtype=bool)
    for column, value in equal.items():
        mask &= frame[column].eq(value).to_numpy(dtype=bool)
    return frame.loc[mask, ["t", "token", "unit", "value"]]


def symmetric_range(values: np.ndarray) -> tuple[float, float]:
    """[-m, m] with m the largest |value|; [-1, 1] when everything fits (tanh-range values)."""
    finite = np.abs(values[np.isfinite(values)])
    m = float(finite.max()) if finite.size else 1.0
    m = 1.0 if m <= 1.0 else m
    return -m, m


def _decimation_note(stride: int, shown: int, total: int) -> str:
    if stride == 1:
        return ""
    return f" (every {stride}th step: {shown:,} of {total:,} columns)"


def _highlight(ts: list[int], selected_t: int | None, axes: dict = AXES) -> list[dict]:
    """The outline of the selected step's column (category axis: columns sit at 0, 1, 2, ...)."""
    if selected_t is None or not ts:
        return []
    column = int(np.argmin(np.abs(np.asarray(ts) - selected_t)))
    # outline only: a fill would tint the cell colours
    style = {"line": {"color": "#222222", "width": 3}, "fillcolor": "rgba(0,0,0,0)"}
    return [build.vrect(column - 0.5, column + 0.5, style, axes)]


def _heatmap(z: np.ndarray, labels: list[str], *, name: str, **style) -> dict:
    """A heatmap trace dict, as go.Heatmap would send it (named colour scales expanded)."""
    if isinstance(style.get("colorscale"), str):
        style["colorscale"] = build.colorscale(style["colorscale"])
    return {
        "type": "heatmap",
        "z": z,
        "x": labels,
        "y": list(range(z.shape[0])),
        "name": name,
        "hovertemplate": f"step %{{x}}<br>{name} unit %{{y}}<br>value = %{{z:.6g}}<extra></extra>",
        "xgap": 1 if z.shape[1] <= 80 else 0,
        **style,
    }


def _units_axis(n_units: int, title: str = "unit") -> dict:
    axis = {"title": {"text": title}, "autorange": "reversed"}
    if n_units <= 32:
        axis["dtick"] = 1 if n_units <= 16 else 4
    return axis


def _class_axis(n_classes: int, classes: Sequence[str] | None) -> dict:
    """The outputs' y axis: class numbers, or a trained model's class names (tags) when given."""
    axis = _units_axis(n_classes, title="class")
    if classes is not None and len(classes) == n_classes:
        axis.update(tickmode="array", tickvals=list(range(n_classes)))
        axis["ticktext"] = [escape(c) for c in classes]
    return axis


def _first_layer(frame: pd.DataFrame) -> int:
    """The lowest layer number in the frame (rnnviz counts layers from 1)."""
    return int(frame["layer"].min()) if not frame.empty else 1


def _missing(frame: pd.DataFrame, what: str, layer: int, direction: str) -> str:
    """Say what was asked for and what the trace has instead."""
    layers = ", ".join(str(v) for v in sorted(frame["layer"].unique()))
    directions = ", ".join(sorted(frame["direction"].unique()))
    return (
        f"No {what} for layer {layer}, {direction} direction. "
        f"This trace has layer(s) {layers} and direction(s) {directions}."
    )


def _empty_figure(message: str, large_font: bool) -> go.Figure:
    note = {"text": message, "showarrow": False, "xref": "paper", "yref": "paper", "x": 0.5}
    layout = {
        "annotations": [{**note, "y": 0.5}],
        "xaxis": {"visible": False},
        "yaxis": {"visible": False},
    }
    return build.figure([], themed(layout, large_font=large_font, height=200))


def state_heatmap_figure(
    states: pd.DataFrame,
    *,
    part: str = "h",
    layer: int | None = None,
    direction: str = "forward",
    selected_t: int | None = None,
    zrange: tuple[float, float] | None = None,
    max_columns: int = MAX_COLUMNS,
    large_font: bool = False,
    predictions: Sequence[str] | None = None,
) -> go.Figure:
    """Units × tokens heatmap of one state part (h or c) of one layer and direction."""
    layer = _first_layer(states) if layer is None else layer
    rows = states[
        (states["part"] == part) & (states["layer"] == layer) & (states["direction"] == direction)
    ]
    if rows.empty:
        return _empty_figure(_missing(states, f"{part} values", layer, direction), large_font)
    z, labels, ts, stride = _grid(rows, max_columns, predictions)
    zmin, zmax = zrange if zrange is not None else symmetric_range(rows["value"].to_numpy(float))
    name = math_html(f"{part}_t")  # part is the engine's h / c / s, never user text
    trace = _heatmap(
        z,
        labels,
        name=name,
        colorscale=DIVERGING_SCALE,
        zmin=zmin,
        zmax=zmax,
        zmid=0,
        colorbar={"title": {"text": name}},
    )
    layout = {
        "shapes": _highlight(ts, selected_t),
        "yaxis": _units_axis(z.shape[0]),
        "xaxis": {"title": {"text": axis_title(predictions)}, "type": "category"},
    }
    where = f"layer {layer}, {direction}"
    note = _decimation_note(stride, len(ts), rows["t"].nunique())
    themed(
        layout,
        title=f"State {name} ({where}){note}",
        large_font=large_font,
        height=max(280, min(700, 160 + 14 * z.shape[0])),
    )
    return build.figure([trace], _drop_empty(layout))


def gate_heatmaps_figure(
    gates: pd.DataFrame,
    *,
    layer: int | None = None,
    direction: str = "forward",
    selected_t: int | None = None,
    max_columns: int = MAX_COLUMNS,
    large_font: bool = False,
    predictions: Sequence[str] | None = None,
) -> go.Figure:
    """One heatmap per gate, sigmoid gates on [0, 1] (Viridis), tanh candidates on [-1, 1] (RdBu)."""
    layer = _first_layer(gates) if layer is None else layer
    rows = gates[(gates["layer"] == layer) & (gates["direction"] == direction)]
    present = set(rows["gate"].unique())  # unique() first: iterating 1e6 strings is slow
    rows = rows[["t", "token", "gate", "unit", "value"]]
    names = [g for g in GATE_ORDER if g in present]
    if not names and not gates.empty:
        return _empty_figure(_missing(gates, "gate values", layer, direction), large_font)
    if not names:
        return _empty_figure(
            math_html("The Elman cell has no gates: s_t = R(s_{t−1}, x_t) is one activation."),
            large_font,
        )
    grid = build.subplot_grid(len(names), 1, titled=True, shared_xaxes=True, vertical_spacing=0.05)
    layout = grid.layout([GATE_TITLES.get(g, g) for g in names])
    traces, shapes, note = [], [], ""
    for row, gate in enumerate(names, start=1):
        z, labels, ts, stride = _grid(_select(rows, gate=gate), max_columns, predictions)
        note = _decimation_note(stride, len(ts), rows["t"].nunique())
        axis = "coloraxis2" if gate in TANH_GATES else "coloraxis"
        traces.append({**_heatmap(z, labels, name=gate, coloraxis=axis), **grid.axes(row, 1)})
        shapes += _highlight(ts, selected_t, grid.axes(row, 1))
        merge(layout[grid.axis_key(row, 1, "y")], _units_axis(z.shape[0]))
    for row in range(1, len(names) + 1):
        layout[grid.axis_key(row, 1, "x")]["type"] = "category"
    layout[grid.axis_key(len(names), 1, "x")]["title"] = {"text": axis_title(predictions)}
    has_tanh = any(g in TANH_GATES for g in names)
    layout["coloraxis"] = {
        "colorscale": build.colorscale(UNIT_SCALE),
        "cmin": 0,
        "cmax": 1,
        "colorbar": {
            "title": {"text": "σ gate"},
            "len": 0.45 if has_tanh else 1,
            "y": 1,
            "yanchor": "top",
        },
    }
    layout["coloraxis2"] = {
        "colorscale": build.colorscale(DIVERGING_SCALE),
        "cmin": -1,
        "cmax": 1,
        "colorbar": {"title": {"text": "tanh"}, "len": 0.45, "y": 0, "yanchor": "bottom"},
    }
    layout["shapes"] = shapes
    themed(
        layout,
        title=f"Gate activations (layer {layer}, {direction}){note}",
        large_font=large_font,
        height=120 + len(names) * max(150, min(260, 12 * z.shape[0] + 60)),
    )
    return build.figure(traces, _drop_empty(layout), grid=grid)


def _drop_empty(layout: dict) -> dict:
    """No `shapes` key when there is no shape (what Plotly sends when none was added)."""
    if not layout.get("shapes"):
        layout.pop("shapes", None)
    return layout


def outputs_heatmap_figure(
    outputs: pd.DataFrame,
    *,
    selected_t: int | None = None,
    probabilities: bool = False,
    max_columns: int = MAX_COLUMNS,
    large_font: bool = False,
    predictions: Sequence[str] | None = None,
    classes: Sequence[str] | None = None,
) -> go.Figure:
    """Outputs y_t = O(s_t) per class and token: logits (symmetric scale) or softmax probabilities."""
    if outputs.empty:
        return _empty_figure("This trace has no outputs.", large_font)
    z, labels, ts, stride = _grid(outputs, max_columns, predictions)
    if probabilities:
        shifted = np.exp(z - np.nanmax(z, axis=0, keepdims=True))
        z = shifted / shifted.sum(axis=0, keepdims=True)
        style = {"colorscale": UNIT_SCALE, "zmin": 0, "zmax": 1}
    else:
        zmin, zmax = symmetric_range(outputs["value"].to_numpy(float))
        style = {"colorscale": DIVERGING_SCALE, "zmin": zmin, "zmax": zmax, "zmid": 0}
    what = "softmax p(class)" if probabilities else "logit"
    trace = _heatmap(z, labels, name=math_html("y_t"), colorbar={"title": {"text": what}}, **style)
    layout = {
        "shapes": _highlight(ts, selected_t),
        "yaxis": _class_axis(z.shape[0], classes),
        "xaxis": {"title": {"text": axis_title(predictions)}, "type": "category"},
    }
    note = _decimation_note(stride, len(ts), outputs["t"].nunique())
    themed(
        layout,
        title=f"Outputs {math_html('y_t = O(s_t)')} ({what}){note}",
        large_font=large_font,
        height=max(260, min(600, 160 + 18 * z.shape[0])),
    )
    return build.figure([trace], _drop_empty(layout))
