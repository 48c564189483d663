"""The unit finder's picture (LSTMVis's select view): the top-ranked units' activations over the
text as a units × tokens heatmap, with the feature they were ranked by drawn as a band under it.

Pure: numpy arrays and labels in, a Plotly figure out; no streamlit, no torch. Token labels come
from explorer.figures.states (escaped, with predictions under them when there are any).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from explorer.figures import build
from explorer.figures.states import axis_title, symmetric_range
from explorer.figures.style import (
    DIVERGING_SCALE,
    STACKED_TICKS,
    UNIT_SCALE,
    escape,
    tagged_label,
    themed,
)

MAX_COLUMNS = 2_000


def unit_finder_figure(
    activations: np.ndarray,
    units: Sequence[str],
    correlations: Sequence[float],
    feature: np.ndarray,
    tokens: Sequence[str],
    *,
    feature_name: str,
    predictions: Sequence[str] | None = None,
    max_columns: int = MAX_COLUMNS,
    large_font: bool = False,
) -> go.Figure:
    """activations: (T, k) of the k ranked units, best first; units: their names ('h[48]');
    correlations: their r; feature: (T,) values of the feature; tokens: the T tokens.
    The best unit is the top row; the feature's band sits below on the same step axis."""
    activations = np.asarray(activations, dtype=float)
    feature = np.asarray(feature, dtype=float).reshape(-1)
    steps = activations.shape[0]
    stride = max(1, int(np.ceil(steps / max_columns)))
    kept = np.arange(0, steps, stride)
    stacked = len(kept) <= STACKED_TICKS
    labels = [tagged_label(int(i) + 1, tokens[i], predictions, stacked) for i in kept]
    grid = build.subplot_grid(
        2, 1, shared_xaxes=True, vertical_spacing=0.04, row_heights=(0.82, 0.18)
    )
    layout = grid.layout()
    rows = [f"{escape(u)} (r = {r:+.2f})" for u, r in zip(units, correlations, strict=True)]
    zmin, zmax = symmetric_range(activations)
    cell = {
        "type": "heatmap",
        "z": activations[kept].T,
        "x": labels,
        "y": rows,
        "colorscale": build.colorscale(DIVERGING_SCALE),
        "zmin": zmin,
        "zmax": zmax,
        "zmid": 0,
        "colorbar": {"title": {"text": "activation"}, "len": 0.8, "y": 1, "yanchor": "top"},
        "hovertemplate": "step %{x}<br>%{y}<br>value = %{z:.4g}<extra></extra>",
        "xgap": 1 if len(kept) <= 80 else 0,
        **grid.axes(1, 1),
    }
    low, high = float(np.min(feature)), float(np.max(feature))
    band = {
        "type": "heatmap",
        "z": feature[kept][None, :],
        "x": labels,
        "y": [escape(feature_name)],
        "colorscale": build.colorscale(UNIT_SCALE),
        "zmin": low,
        "zmax": high if high > low else low + 1,
        "showscale": False,
        "hovertemplate": "step %{x}<br>%{y} = %{z:.4g}<extra></extra>",
        "xgap": 1 if len(kept) <= 80 else 0,
        **grid.axes(2, 1),
    }
    for row in (1, 2):
        layout[grid.axis_key(row, 1, "x")]["type"] = "category"
    layout[grid.axis_key(1, 1, "y")].update(autorange="reversed", title={"text": "unit"})
    layout[grid.axis_key(2, 1, "x")]["title"] = {"text": axis_title(predictions)}
    note = f" (every {stride}th step of {steps})" if stride > 1 else ""
    themed(
        layout,
        title=f"The units that follow “{escape(feature_name)}” best{note}",
        large_font=large_font,
        height=max(300, min(700, 200 + 26 * len(rows))),
    )
    return build.figure([cell, band], layout, grid=grid)
