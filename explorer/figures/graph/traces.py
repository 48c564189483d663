"""Trace builders for the unrolled graph: a fixed list of traces for any step `upto_t`.

Drawing stays fast for thousands of nodes (STREAMLIT-NOTES "Plotly"): edges are a handful of line
traces with NaN separators (one per colour bucket), arrow heads are one marker trace, nodes are one
trace per kind, and hover text is precomputed, escaped plain text.

`graph_pieces` decides which points each trace holds and where they sit; `graph_traces` styles
them. With `keep_hidden=True` every trace holds every point and hidden ones get NaN coordinates,
so an animation frame only has to send new x/y arrays (styles and hover text stay in the base).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from plotly.colors import sample_colorscale

from explorer.figures.graph.data import N_BUCKETS, GraphArrays, segments
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


@dataclass
class Piece:
    """One trace's points: `role` says how to style it, `idx` which edges/nodes it holds."""

    role: str  # "lines" | "arrows" | "colorbar" | "edge_hover" | "nodes"
    key: object  # edge group name, or node kind
    idx: np.ndarray  # edge or node indices, in drawing order
    x: np.ndarray
    y: np.ndarray


def bucket_colors() -> list[str]:
    """The colour of each gradient bucket, sampled at the bucket centres of GRADIENT_SCALE."""
    return sample_colorscale(GRADIENT_SCALE, [(b + 0.5) / N_BUCKETS for b in range(N_BUCKETS)])


def edge_groups(data: GraphArrays) -> dict[object, np.ndarray]:
    """Edge masks in drawing order: parameters, no gradient, then one per colour bucket."""
    bucket = data.buckets()
    flow = ~data.edge_param
    groups: dict[object, np.ndarray] = {"param": data.edge_param, "grey": flow & (bucket < 0)}
    groups.update({b: flow & (bucket == b) for b in range(N_BUCKETS)})
    return groups


def _hide(values: np.ndarray, shown: np.ndarray) -> np.ndarray:
    return np.where(shown, values, np.nan)


def graph_pieces(
    data: GraphArrays, *, upto_t: int | None, show_params: bool, keep_hidden: bool = False
) -> list[Piece]:
    """Points of every trace at step `upto_t`, always the same pieces in the same order."""
    nodes = data.visible_nodes(upto_t, show_params)
    edges = data.visible_edges(nodes, show_params)
    all_nodes = data.visible_nodes(None, show_params) if keep_hidden else nodes
    all_edges = data.visible_edges(all_nodes, show_params) if keep_hidden else edges
    tip_x, tip_y, back_x, back_y = data.arrow_points()
    groups = edge_groups(data)
    pieces = []

    def edge_piece(role, key, mask, x0, y0, x1, y1):
        idx = np.flatnonzero(mask & all_edges)
        shown = edges[idx]
        xs, ys = segments(_hide(x0[idx], shown), y0[idx], _hide(x1[idx], shown), y1[idx])
        pieces.append(Piece(role, key, idx, xs, ys))

    tail_x, tail_y = data.x[data.tail], data.y[data.tail]
    for key, mask in groups.items():
        edge_piece("lines", key, mask, tail_x, tail_y, tip_x, tip_y)
    colored = ~data.edge_param & np.isfinite(data.edge_grad)
    edge_piece("arrows", "colored", colored, back_x, back_y, tip_x, tip_y)
    edge_piece("arrows", "grey", groups["grey"], back_x, back_y, tip_x, tip_y)
    pieces.append(Piece("colorbar", None, np.zeros(0, int), np.array([np.nan]), np.array([np.nan])))
    hover = np.flatnonzero(all_edges) if all_edges.sum() <= MAX_HOVER_EDGES else np.zeros(0, int)
    mid_x = (data.x[data.tail[hover]] + data.x[data.head[hover]]) / 2
    mid_y = (data.y[data.tail[hover]] + data.y[data.head[hover]]) / 2
    pieces.append(Piece("edge_hover", None, hover, _hide(mid_x, edges[hover]), mid_y))
    for kind in dict.fromkeys(data.kind):
        idx = np.flatnonzero(all_nodes & (data.kind == kind))
        pieces.append(Piece("nodes", kind, idx, _hide(data.x[idx], nodes[idx]), data.y[idx]))
    return pieces


def graph_traces(
    data: GraphArrays,
    *,
    upto_t: int | None,
    show_params: bool,
    large_font: bool = False,
    keep_hidden: bool = False,
) -> list[dict]:
    """Every trace of the graph at step `upto_t`, styled, as plain Plotly trace dicts (see
    graph_pieces for the points)."""
    pieces = graph_pieces(data, upto_t=upto_t, show_params=show_params, keep_hidden=keep_hidden)
    labelled = sum(len(p.idx) for p in pieces if p.role == "nodes") <= MAX_LABELLED_NODES
    colors = bucket_colors()
    traces = []
    for p in pieces:
        if p.role == "lines":
            traces.append(_lines(p, colors))
        elif p.role == "arrows":
            traces.append(_arrows(data, p, size=11 if large_font else 8))
        elif p.role == "colorbar":
            traces.append(_colorbar(data, large_font))
        elif p.role == "edge_hover":
            traces.append(_edge_hover(data, p))
        else:
            traces.append(_nodes(data, p, large_font, labelled))
    return traces


def scatter(**props) -> dict:
    """A scatter trace dict as go.Scatter would send it: with its type, without None values."""
    return {"type": "scatter", **{k: v for k, v in props.items() if v is not None}}


def _lines(p: Piece, colors: list[str]) -> dict:
    if p.key == "param":
        name, line, legend = "shared parameter (dashed)", (PARAM_EDGE_COLOR, "dash", 1.0), True
    elif p.key == "grey":
        name, line, legend = (
            "no gradient (zero or not computed)",
            (MISSING_GREY, "solid", 2.0),
            True,
        )
    else:
        name, line, legend = f"gradient bucket {p.key}", (colors[p.key], "solid", 2.5), False
    return scatter(
        x=p.x,
        y=p.y,
        mode="lines",
        name=name,
        showlegend=legend,
        hoverinfo="skip",
        line={"color": line[0], "dash": line[1], "width": line[2]},
    )


def _arrows(data: GraphArrays, p: Piece, size: int) -> dict:
    """Arrow heads: pairs (point behind the tip, tip) so `angleref='previous'` aims each head
    along its edge in screen space; the point behind is size 0."""
    marker = {
        "symbol": "arrow",
        "angleref": "previous",
        "size": np.tile([0, size, 0], len(p.idx)),
        "line": {"width": 0},
    }
    if p.key == "grey":
        marker["color"] = MISSING_GREY
    else:  # per-edge gradient colour, on the graph's fixed colour range
        low, high = data.grad_range
        colors = np.repeat(data.edge_grad[p.idx], 3)
        marker.update(color=colors, colorscale=GRADIENT_SCALE, cmin=low, cmax=high)
    return scatter(
        x=p.x,
        y=p.y,
        mode="markers",
        marker=marker,
        name=f"{p.key} arrows",
        showlegend=False,
        hoverinfo="skip",
    )


def _colorbar(data: GraphArrays, large_font: bool) -> dict:
    """An empty trace that only carries the colour bar, so it stays put while the graph builds up."""
    low, high = data.grad_range
    bar = {
        "title": {"text": "log10 ‖∂L/∂·‖<br>at edge head"},
        "thickness": 22 if large_font else 14,
    }
    return scatter(
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
            "colorbar": bar,
        },
    )


def _edge_hover(data: GraphArrays, p: Piece) -> dict:
    """Invisible points at edge midpoints: hover tells what flows along the edge."""
    text = [
        f"{data.edge_hover[i]}<br>log10 gradient at head = {data.edge_grad[i]:.6g}" for i in p.idx
    ]
    return scatter(
        x=p.x,
        y=p.y,
        mode="markers",
        marker={"size": 10, "opacity": 0},
        showlegend=False,
        customdata=text,
        hovertemplate="%{customdata}<extra></extra>",
        name="edges",
    )


def _node_text(data: GraphArrays, idx: np.ndarray, kind: str) -> tuple[list[str], str]:
    """Labels and their position. Crowded kinds (gates 0.12 apart) get just their letter inside
    the marker; parameters get their name on the left, inputs their token underneath."""
    name = kind_style(kind)["name"]
    if name == "shared parameter":
        return [data.text[i] for i in idx], "middle left"
    if _min_gap(data.x[idx], data.y[idx]) < CROWDED_GAP:
        return [data.text[i].split("_")[0] for i in idx], "middle center"
    if name == "input x_t":
        return [data.text[i] for i in idx], "bottom center"  # two lines: x_t and its token
    return [data.text[i] for i in idx], "top center"


def _min_gap(x: np.ndarray, y: np.ndarray) -> float:
    """Smallest horizontal distance between two nodes on the same lane (inf if none share one)."""
    order = np.lexsort((x, y))
    gaps = np.diff(x[order])[np.diff(y[order]) == 0]
    return float(gaps.min()) if gaps.size else np.inf


def _nodes(data: GraphArrays, p: Piece, large_font: bool, labelled: bool) -> dict:
    style = kind_style(p.key)
    size = (24 if large_font else 17) * (1.3 if style["symbol"] == "star" else 1.0)
    text, where = _node_text(data, p.idx, p.key) if labelled else (None, "top center")
    return scatter(
        x=p.x,
        y=p.y,
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
        legendgroup=str(p.key),
        meta=escape(style["name"]),
        customdata=[data.hover[i] for i in p.idx],
        hovertemplate=NODE_HOVER,
    )
