"""Heatmaps of what the RNN carries: states s_t, gate activations and outputs y_t (units × tokens).

Input frames are rnnviz.tables' tidy tables (t, token, ..., unit, value). Tokens run along x as
't:token'; colour scales are fixed (symmetric for signed values) so colours compare across steps.
Past `max_columns` steps the heatmap keeps every k-th step and says so in the title.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from explorer.figures.style import (
    DIVERGING_SCALE,
    UNIT_SCALE,
    apply_theme,
    step_label,
)

MAX_COLUMNS = 2_000
# Gates squashed by a sigmoid live in [0, 1]; the candidate gates (LSTM g, GRU n) use tanh.
TANH_GATES = frozenset({"g", "n"})
GATE_TITLES = {
    "i": "input gate i_t",
    "f": "forget gate f_t",
    "g": "candidate g_t",
    "o": "output gate o_t",
    "r": "reset gate r_t",
    "z": "update gate z_t",
    "n": "candidate n_t",
}
GATE_ORDER = ("i", "f", "g", "o", "r", "z", "n")


def _grid(frame: pd.DataFrame, max_columns: int) -> tuple[np.ndarray, list[str], list[int], int]:
    """(units × steps) values, 't:token' labels, the t of each column, and the column stride.

    Steps are thinned before pivoting, so a 10,000-step frame only reshapes the kept columns."""
    every = np.sort(frame["t"].unique())
    stride = max(1, int(np.ceil(len(every) / max_columns)))
    kept = every[::stride]
    if stride > 1 and kept[-1] != every[-1]:
        kept = np.append(
            kept, every[-1]
        )  # always show the last step: the acceptor's loss sits there
    rows = frame[frame["t"].isin(kept)] if stride > 1 else frame
    grid = rows.pivot(index="unit", columns="t", values="value").reindex(columns=kept)
    tokens = _tokens(rows).reindex(kept).to_numpy()
    ts = [int(t) for t in kept]
    labels = [step_label(t, token) for t, token in zip(ts, tokens, strict=True)]
    return grid.to_numpy(dtype=float), labels, ts, stride


def _tokens(frame: pd.DataFrame) -> pd.Series:
    """t -> token of a tidy frame."""
    return frame[["t", "token"]].drop_duplicates("t").set_index("t")["token"]


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


def _highlight(fig: go.Figure, ts: list[int], selected_t: int | None, **where) -> None:
    """Outline the column of the selected step (category axis: columns sit at 0, 1, 2, ...)."""
    if selected_t is None or not ts:
        return
    column = int(np.argmin(np.abs(np.asarray(ts) - selected_t)))
    fig.add_vrect(
        x0=column - 0.5,
        x1=column + 0.5,
        line={"color": "#222222", "width": 3},
        fillcolor="rgba(0,0,0,0)",  # outline only: a fill would tint the cell colours
        **where,
    )


def _heatmap(z: np.ndarray, labels: list[str], *, name: str, **style) -> go.Heatmap:
    return go.Heatmap(
        z=z,
        x=labels,
        y=list(range(z.shape[0])),
        name=name,
        hovertemplate=f"step %{{x}}<br>{name} unit %{{y}}<br>value = %{{z:.6g}}<extra></extra>",
        xgap=1 if z.shape[1] <= 80 else 0,
        **style,
    )


def _style_units_axis(fig: go.Figure, n_units: int, **where) -> None:
    fig.update_yaxes(title_text="unit", autorange="reversed", **where)
    if n_units <= 32:
        fig.update_yaxes(dtick=1 if n_units <= 16 else 4, **where)


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
    fig = go.Figure()
    fig.add_annotation(text=message, showarrow=False, xref="paper", yref="paper", x=0.5, y=0.5)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return apply_theme(fig, large_font=large_font, height=200)


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
) -> go.Figure:
    """Units × tokens heatmap of one state part (h or c) of one layer and direction."""
    layer = _first_layer(states) if layer is None else layer
    rows = states[
        (states["part"] == part) & (states["layer"] == layer) & (states["direction"] == direction)
    ]
    if rows.empty:
        return _empty_figure(_missing(states, f"{part} values", layer, direction), large_font)
    z, labels, ts, stride = _grid(rows, max_columns)
    zmin, zmax = zrange if zrange is not None else symmetric_range(rows["value"].to_numpy(float))
    name = f"{part}_t"
    fig = go.Figure(
        _heatmap(
            z,
            labels,
            name=name,
            colorscale=DIVERGING_SCALE,
            zmin=zmin,
            zmax=zmax,
            zmid=0,
            colorbar={"title": {"text": name}},
        )
    )
    _highlight(fig, ts, selected_t)
    _style_units_axis(fig, z.shape[0])
    fig.update_xaxes(title_text="time step t : token", type="category")
    where = f"layer {layer}, {direction}"
    note = _decimation_note(stride, len(ts), rows["t"].nunique())
    return apply_theme(
        fig,
        title=f"State {name} ({where}){note}",
        large_font=large_font,
        height=max(280, min(700, 160 + 14 * z.shape[0])),
    )


def gate_heatmaps_figure(
    gates: pd.DataFrame,
    *,
    layer: int | None = None,
    direction: str = "forward",
    selected_t: int | None = None,
    max_columns: int = MAX_COLUMNS,
    large_font: bool = False,
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
            "The Elman cell has no gates: s_t = R(s_{t−1}, x_t) is one activation.", large_font
        )
    fig = make_subplots(
        rows=len(names),
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.05,
        subplot_titles=[GATE_TITLES.get(g, g) for g in names],
    )
    note = ""
    for row, gate in enumerate(names, start=1):
        z, labels, ts, stride = _grid(_select(rows, gate=gate), max_columns)
        note = _decimation_note(stride, len(ts), rows["t"].nunique())
        axis = "coloraxis2" if gate in TANH_GATES else "coloraxis"
        fig.add_trace(_heatmap(z, labels, name=gate, coloraxis=axis), row=row, col=1)
        _highlight(fig, ts, selected_t, row=row, col=1)
        _style_units_axis(fig, z.shape[0], row=row, col=1)
    fig.update_xaxes(type="category")
    fig.update_xaxes(title_text="time step t : token", row=len(names), col=1)
    has_tanh = any(g in TANH_GATES for g in names)
    fig.update_layout(
        coloraxis={
            "colorscale": UNIT_SCALE,
            "cmin": 0,
            "cmax": 1,
            "colorbar": {
                "title": {"text": "σ gate"},
                "len": 0.45 if has_tanh else 1,
                "y": 1,
                "yanchor": "top",
            },
        },
        coloraxis2={
            "colorscale": DIVERGING_SCALE,
            "cmin": -1,
            "cmax": 1,
            "colorbar": {"title": {"text": "tanh"}, "len": 0.45, "y": 0, "yanchor": "bottom"},
        },
    )
    return apply_theme(
        fig,
        title=f"Gate activations (layer {layer}, {direction}){note}",
        large_font=large_font,
        height=120 + len(names) * max(150, min(260, 12 * z.shape[0] + 60)),
    )


def outputs_heatmap_figure(
    outputs: pd.DataFrame,
    *,
    selected_t: int | None = None,
    probabilities: bool = False,
    max_columns: int = MAX_COLUMNS,
    large_font: bool = False,
) -> go.Figure:
    """Outputs y_t = O(s_t) per class and token: logits (symmetric scale) or softmax probabilities."""
    if outputs.empty:
        return _empty_figure("This trace has no outputs.", large_font)
    z, labels, ts, stride = _grid(outputs, max_columns)
    if probabilities:
        shifted = np.exp(z - np.nanmax(z, axis=0, keepdims=True))
        z = shifted / shifted.sum(axis=0, keepdims=True)
        style = {"colorscale": UNIT_SCALE, "zmin": 0, "zmax": 1}
    else:
        zmin, zmax = symmetric_range(outputs["value"].to_numpy(float))
        style = {"colorscale": DIVERGING_SCALE, "zmin": zmin, "zmax": zmax, "zmid": 0}
    what = "softmax p(class)" if probabilities else "logit"
    fig = go.Figure(_heatmap(z, labels, name="y_t", colorbar={"title": {"text": what}}, **style))
    _highlight(fig, ts, selected_t)
    _style_units_axis(fig, z.shape[0])
    fig.update_yaxes(title_text="class")
    fig.update_xaxes(title_text="time step t : token", type="category")
    note = _decimation_note(stride, len(ts), outputs["t"].nunique())
    return apply_theme(
        fig,
        title=f"Outputs y_t = O(s_t) ({what}){note}",
        large_font=large_font,
        height=max(260, min(600, 160 + 18 * z.shape[0])),
    )
