"""Trace builders for the unrolled graph: a fixed list of traces for any step `upto_t`.

Drawing stays fast for thousands of nodes (STREAMLIT-NOTES "Plotly"): edges are a handful of line
traces with NaN separators (one per colour bucket), arrow heads are one marker trace, nodes are one
trace per kind, and hover text is precomputed, escaped plain text. The list always has the same
traces in the same order, so animation frames can replace them one for one.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.colors import sample_colorscale

from explorer.figures.graph_data import N_BUCKETS, GraphArrays, segments
from explorer.figures.style import GRADIENT_SCALE, MISSING_GREY, escape, kind_style

MAX_LABELLED_NODES = 250  # past this, node names only in hover (text would overlap)
PARAM_EDGE_COLOR = "rgba(110, 110, 110, 0.28)"  # faint: many dashed lines overlap the lanes
CROWDED_GAP = 0.35  # nodes closer than this (x units = time steps) get a one-letter label
MAX_HOVER_EDGES = 4_000  # past this, edges get no hover points (keeps the figure light)
NODE_HOVER = (
    "<b>%{customdata[0]}</b> (%{meta})<br>t = %{customdata[1]} · layer %{customdata[2]} · "
    "%{customdata[3]}<br>‖value‖ = %{customdata[4]}<br>log10 ‖∂L/∂node‖ = %{customdata[5]}"
    "<extra></extra>"
)


def bucket_colors() -> list[str]:
    """The colour of each gradient bucket, sampled at the bucket centres of GRADIENT_SCALE."""
    return sample_colorscale(GRADIENT_SCALE, [(b + 0.5) / N_BUCKETS for b in range(N_BUCKETS)])


def _lines(
    data: GraphArrays,
    mask: np.ndarray,
    *,
    name: str,
    color: str,
    dash: str = "solid",
    width: float = 2.0,
    legend: bool = False,
) -> go.Scatter:
    tip_x, tip_y, _, _ = data.arrow_points()
    xs, ys = segments(data.x[data.tail[mask]], data.y[data.tail[mask]], tip_x[mask], tip_y[mask])
    return go.Scatter(
        x=xs,
        y=ys,
        mode="lines",
        name=name,
        showlegend=legend,
        hoverinfo="skip",
        line={"color": color, "width": width, "dash": dash},
    )


def _arrows(data: GraphArrays, mask: np.ndarray, *, color, size: int, name: str) -> go.Scatter:
    """Arrow heads: pairs (point behind the tip, tip) so `angleref='previous'` aims each head
    along its edge in screen space; the point behind is size 0."""
    tip_x, tip_y, back_x, back_y = data.arrow_points()
    xs, ys = segments(back_x[mask], back_y[mask], tip_x[mask], tip_y[mask])
    sizes = np.tile([0, size, 0], int(mask.sum()))
    marker = {"symbol": "arrow", "angleref": "previous", "size": sizes, "line": {"width": 0}}
    if isinstance(color, str):
        marker["color"] = color
    else:  # per-edge gradient colour, on the shared colour range
        low, high = data.grad_range
        marker.update(
            color=np.repeat(color[mask], 3), colorscale=GRADIENT_SCALE, cmin=low, cmax=high
        )
    return go.Scatter(
        x=xs, y=ys, mode="markers", marker=marker, name=name, showlegend=False, hoverinfo="skip"
    )


def _colorbar(data: GraphArrays, large_font: bool) -> go.Scatter:
    """An empty trace that only carries the colour bar, so it stays put while the graph builds up."""
    low, high = data.grad_range
    return go.Scatter(
        x=[None],
        y=[None],
        mode="markers",
        showlegend=False,
        hoverinfo="skip",
        marker={
            "color": [low, high],
            "colorscale": GRADIENT_SCALE,
            "cmin": low,
            "cmax": high,
            "showscale": True,
            "size": 0.1,
            "colorbar": {
                "title": {"text": "log10 ‖∂L/∂·‖<br>at edge head"},
                "thickness": 22 if large_font else 14,
            },
        },
    )


def _edge_hover(data: GraphArrays, mask: np.ndarray) -> go.Scatter:
    """Invisible points at edge midpoints: hover tells what flows along the edge."""
    idx = np.flatnonzero(mask) if mask.sum() <= MAX_HOVER_EDGES else np.zeros(0, int)
    mid_x = (data.x[data.tail[idx]] + data.x[data.head[idx]]) / 2
    mid_y = (data.y[data.tail[idx]] + data.y[data.head[idx]]) / 2
    text = [
        f"{data.edge_hover[i]}<br>log10 gradient at head = {data.edge_grad[i]:.6g}" for i in idx
    ]
    return go.Scatter(
        x=mid_x,
        y=mid_y,
        mode="markers",
        marker={"size": 10, "opacity": 0},
        showlegend=False,
        customdata=text,
        hovertemplate="%{customdata}<extra></extra>",
        name="edges",
    )


def _node_text(data: GraphArrays, idx: np.ndarray, kind: str) -> tuple[list[str], str]:
    """Labels and their position. Crowded kinds (gates 0.12 apart) get just their letter inside
    the marker; parameters get their name on the left, everything else above."""
    if kind_style(kind)["name"] == "shared parameter":
        return [data.text[i] for i in idx], "middle left"
    if _min_gap(data.x[idx], data.y[idx]) < CROWDED_GAP:
        return [data.text[i].split("_")[0] for i in idx], "middle center"
    if kind_style(kind)["name"] == "input x_t":
        return [data.text[i] for i in idx], "bottom center"  # two lines: x_t and its token
    return [data.text[i] for i in idx], "top center"


def _min_gap(x: np.ndarray, y: np.ndarray) -> float:
    """Smallest horizontal distance between two nodes on the same lane (inf if none share one)."""
    order = np.lexsort((x, y))
    same_lane = np.diff(y[order]) == 0
    gaps = np.diff(x[order])[same_lane]
    return float(gaps.min()) if gaps.size else np.inf


def _nodes(data: GraphArrays, mask: np.ndarray, kind: str, large_font: bool) -> go.Scatter:
    idx = np.flatnonzero(mask & (data.kind == kind))
    style = kind_style(kind)
    size = (24 if large_font else 17) * (1.3 if style["symbol"] == "star" else 1.0)
    labelled = int(mask.sum()) <= MAX_LABELLED_NODES
    text, where = _node_text(data, idx, kind) if labelled else (None, "top center")
    return go.Scatter(
        x=data.x[idx],
        y=data.y[idx],
        mode="markers+text" if labelled else "markers",
        text=text,
        textposition=where,
        marker={
            "color": style["color"],
            "symbol": style["symbol"],
            "size": size,
            "line": {"color": "#333333", "width": 1},
        },
        name=style["name"],
        legendgroup=kind,
        meta=escape(style["name"]),
        customdata=[data.hover[i] for i in idx],
        hovertemplate=NODE_HOVER,
    )


def graph_traces(
    data: GraphArrays, *, upto_t: int | None, show_params: bool, large_font: bool = False
) -> list[go.Scatter]:
    """Every trace of the graph at step `upto_t`, always the same traces in the same order (frames
    of the animation replace them one for one)."""
    nodes = data.visible_nodes(upto_t, show_params)
    edges = data.visible_edges(nodes, show_params)
    bucket = data.buckets()
    data_edges = edges & ~data.edge_param
    arrow = 11 if large_font else 8
    traces = [
        _lines(
            data,
            edges & data.edge_param,
            name="shared parameter (dashed)",
            color=PARAM_EDGE_COLOR,
            dash="dash",
            width=1.0,
            legend=True,
        ),
        _lines(
            data,
            data_edges & (bucket < 0),
            name="no gradient (zero or not computed)",
            color=MISSING_GREY,
            legend=True,
        ),
    ]
    colors = bucket_colors()
    traces += [
        _lines(
            data,
            data_edges & (bucket == b),
            name=f"gradient bucket {b}",
            color=colors[b],
            width=2.5,
        )
        for b in range(N_BUCKETS)
    ]
    traces.append(
        _arrows(data, data_edges & (bucket >= 0), color=data.edge_grad, size=arrow, name="arrows")
    )
    traces.append(
        _arrows(
            data,
            data_edges & (bucket < 0),  # parameter edges get no heads: they would clutter
            color=MISSING_GREY,
            size=arrow,
            name="grey arrows",
        )
    )
    traces.append(_colorbar(data, large_font))
    traces.append(_edge_hover(data, edges))
    traces += [_nodes(data, nodes, kind, large_font) for kind in dict.fromkeys(data.kind)]
    return traces
