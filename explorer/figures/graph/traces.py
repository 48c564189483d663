"""Trace builders for the unrolled graph: a fixed list of traces for any step `upto_t`.

Drawing stays fast for thousands of nodes: edges are a handful of line traces with NaN separators
(one per colour bucket), arrow heads one marker trace, the R/O boxes one filled trace, nodes one
trace per kind, and hover text is precomputed HTML with every user token escaped.

`graph_pieces` decides which points each trace holds and where they sit; `graph_traces` styles
them. With `keep_hidden=True` every trace holds every point and hidden ones get NaN coordinates,
so an animation frame only has to send new x/y arrays (styles and hover text stay in the base).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from plotly.colors import sample_colorscale

from explorer.figures.graph.bundles import box_outlines, loop_paths, param_bundles
from explorer.figures.graph.data import N_BUCKETS, GraphArrays, segments
from explorer.figures.graph.nodes import (
    BOX_LINE,
    box_labels,
    labelled_every,
    legend_entries,
    node_trace,
    scatter,
)
from explorer.figures.style import GRADIENT_SCALE, NOT_COMPUTED_LINE, ZERO_GRADIENT_GREY

MAX_LABELLED_NODES = 400  # past this, node names only in hover (text would overlap)
PARAM_EDGE_COLOR = "rgba(90, 90, 90, 0.55)"
BOX_FILL = "rgba(0, 114, 178, 0.06)"
MAX_HOVER_EDGES = 4_000  # past this, edges get no hover points (keeps the figure light)
ROLLED_NAME = "the loop: one R at every step"
BUNDLE_NAME = "shared parameter (dashed: into every copy)"
COLORBAR_TITLE = "log10 of gradient<br>norm reaching<br>this node"


@dataclass
class Piece:
    """One trace's points: `role` says how to style it, `idx` which edges/nodes it holds."""

    role: str  # "boxes" | "bundles" | "lines" | "loops" | "arrows" | "colorbar" | ...
    key: object  # edge group name, or node kind
    idx: np.ndarray  # edge or node indices (boxes: box indices), in drawing order
    x: np.ndarray
    y: np.ndarray


@lru_cache(maxsize=1)
def bucket_colors() -> tuple[str, ...]:
    """The colour of each gradient bucket, sampled at the bucket centres of GRADIENT_SCALE."""
    centres = [(b + 0.5) / N_BUCKETS for b in range(N_BUCKETS)]
    return tuple(sample_colorscale(GRADIENT_SCALE, centres))


def edge_groups(data: GraphArrays) -> dict[object, np.ndarray]:
    """Edge masks in drawing order (parameters excluded: they are bundles): not computed,
    exactly zero, then one per colour bucket."""
    bucket = data.buckets()
    flow = ~data.edge_param & ~loop_mask(data)
    groups: dict[object, np.ndarray] = {
        "unknown": flow & (bucket == -2),
        "zero": flow & (bucket == -1),
    }
    groups.update({b: flow & (bucket == b) for b in range(N_BUCKETS)})
    return groups


def loop_mask(data: GraphArrays) -> np.ndarray:
    """Recurrent edges of the rolled graph that stay inside one box: drawn as loop arcs."""
    if not data.rolled:
        return np.zeros(len(data.tail), dtype=bool)
    box_of = np.array(data.placement.box_of, dtype=int)
    delayed = np.array(["->" in label for label in data.edge_label], dtype=bool)  # "t-1 -> t"
    same = (box_of[data.tail] == box_of[data.head]) & (box_of[data.tail] >= 0)
    return (delayed & same) | (data.tail == data.head)


def _hide(values: np.ndarray, shown: np.ndarray) -> np.ndarray:
    return np.where(shown, values, np.nan)


def _step_shown(t: np.ndarray, upto_t: int | None) -> np.ndarray:
    return np.isnan(t) | (t <= upto_t) if upto_t is not None else np.ones(t.shape, dtype=bool)


def graph_pieces(
    data: GraphArrays, *, upto_t: int | None, show_params: bool, keep_hidden: bool = False
) -> list[Piece]:
    """Points of every trace at step `upto_t`, always the same pieces in the same order."""
    nodes = data.visible_nodes(upto_t, show_params)
    edges = data.visible_edges(nodes, show_params)
    all_nodes = data.visible_nodes(None, show_params) if keep_hidden else nodes
    all_edges = data.visible_edges(all_nodes, show_params) if keep_hidden else edges
    tip_x, tip_y, back_x, back_y = data.arrow_points()
    pieces = []

    boxes = data.placement.boxes
    box_t = np.array([b.t for b in boxes], dtype=float)
    shown_boxes = _step_shown(box_t, upto_t)
    keep = np.ones(len(boxes), dtype=bool) if keep_hidden else shown_boxes
    bx, by = box_outlines(boxes, keep, shown_boxes)
    pieces.append(Piece("boxes", None, np.flatnonzero(keep), bx, by))

    seg = param_bundles(data) if show_params else np.zeros((0, 5))
    seg_shown = _step_shown(seg[:, 4], upto_t)
    seg = seg if keep_hidden else seg[seg_shown]
    seg_shown = seg_shown if keep_hidden else np.ones(len(seg), dtype=bool)
    xs, ys = segments(
        _hide(seg[:, 0], seg_shown), seg[:, 1], _hide(seg[:, 2], seg_shown), seg[:, 3]
    )
    pieces.append(Piece("bundles", None, np.arange(len(seg)), xs, ys))

    def edge_piece(role, key, mask, x0, y0, x1, y1):
        idx = np.flatnonzero(mask & all_edges)
        shown = edges[idx]
        xs, ys = segments(_hide(x0[idx], shown), y0[idx], _hide(x1[idx], shown), y1[idx])
        pieces.append(Piece(role, key, idx, xs, ys))

    tail_x, tail_y = data.x[data.tail], data.y[data.tail]
    for key, mask in edge_groups(data).items():
        edge_piece("lines", key, mask, tail_x, tail_y, tip_x, tip_y)

    loops = np.flatnonzero(loop_mask(data) & all_edges)
    lx, ly, loop_tips = loop_paths(data, loops)
    pieces.append(Piece("loops", None, loops, _hide(lx, np.isfinite(lx)), ly))

    straight = ~data.edge_param & ~loop_mask(data)
    idx = np.flatnonzero(straight & all_edges)
    ax, ay = segments(_hide(back_x[idx], edges[idx]), back_y[idx], tip_x[idx], tip_y[idx])
    if len(loops):
        ax = np.concatenate([ax, loop_tips[0]])
        ay = np.concatenate([ay, loop_tips[1]])
    pieces.append(Piece("arrows", None, np.concatenate([idx, loops]), ax, ay))
    pieces.append(Piece("colorbar", None, np.zeros(0, int), np.array([np.nan]), np.array([np.nan])))
    hover = np.flatnonzero(all_edges & straight)
    hover = hover if hover.size <= MAX_HOVER_EDGES else np.zeros(0, int)
    mid_x = (data.x[data.tail[hover]] + data.x[data.head[hover]]) / 2
    mid_y = (data.y[data.tail[hover]] + data.y[data.head[hover]]) / 2
    pieces.append(Piece("edge_hover", None, hover, _hide(mid_x, edges[hover]), mid_y))

    corner_x = np.array([b.x0 for b in boxes]) + 0.04
    corner_y = np.array([b.y1 for b in boxes]) - 0.03
    idx = np.flatnonzero(keep)
    pieces.append(
        Piece("box_labels", None, idx, _hide(corner_x[idx], shown_boxes[idx]), corner_y[idx])
    )
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
    graph_pieces for the points), then the legend-only entries."""
    pieces = graph_pieces(data, upto_t=upto_t, show_params=show_params, keep_hidden=keep_hidden)
    labelled = sum(len(p.idx) for p in pieces if p.role == "nodes") <= MAX_LABELLED_NODES
    every = labelled_every(data)
    colors = bucket_colors()
    opened = data.placement.extra.get("level") == "op"  # many nodes per step: smaller markers
    size = (20 if large_font else 15) if opened else (24 if large_font else 17)
    traces = []
    for p in pieces:
        if p.role == "boxes":
            traces.append(_boxes(p))
        elif p.role == "bundles":
            traces.append(_bundles(p, large_font))
        elif p.role == "lines":
            traces.append(_lines(data, p, colors))
        elif p.role == "loops":
            traces.append(_loops(p))
        elif p.role == "arrows":
            traces.append(_arrows(data, p, size=13 if large_font else 9))
        elif p.role == "colorbar":
            traces.append(_colorbar(data, large_font))
        elif p.role == "edge_hover":
            traces.append(_edge_hover(data, p))
        elif p.role == "box_labels":
            traces.append(box_labels(data, p, every))
        else:
            traces.append(node_trace(data, p, size, labelled, every))
    return traces + legend_entries(data, size)


def _boxes(p: Piece) -> dict:
    """Every R / O box as one filled trace of rounded outlines (NaN between boxes)."""
    return scatter(
        x=p.x,
        y=p.y,
        mode="lines",
        fill="toself",
        fillcolor=BOX_FILL,
        line={"color": BOX_LINE, "width": 1.5},
        name="R: the cell, one copy per step (O: the output)",
        showlegend=False,
        hoverinfo="skip",
    )


def _bundles(p: Piece, large_font: bool) -> dict:
    return scatter(
        x=p.x,
        y=p.y,
        mode="lines",
        name=BUNDLE_NAME,
        showlegend=True,
        hoverinfo="skip",
        line={"color": PARAM_EDGE_COLOR, "dash": "dash", "width": 2.0 if large_font else 1.4},
    )


def _lines(data: GraphArrays, p: Piece, colors: tuple[str, ...]) -> dict:
    if p.key == "unknown":
        color, dash, width = NOT_COMPUTED_LINE, ("solid" if data.rolled else "dot"), 2.0
        name = "edges of the rolled network" if data.rolled else "edges: gradient not computed"
    elif p.key == "zero":
        color, dash, width, name = ZERO_GRADIENT_GREY, "solid", 2.0, "edges: exactly no gradient"
    else:
        color, dash, width, name = colors[p.key], "solid", 2.5, f"gradient bucket {p.key}"
    return scatter(
        x=p.x,
        y=p.y,
        mode="lines",
        name=name,
        showlegend=False,
        hoverinfo="skip",
        line={"color": color, "dash": dash, "width": width},
    )


def _loops(p: Piece) -> dict:
    return scatter(
        x=p.x,
        y=p.y,
        mode="lines",
        name=ROLLED_NAME,
        showlegend=bool(len(p.idx)),
        hoverinfo="skip",
        line={"color": "#222222", "width": 2.5},
    )


def _arrows(data: GraphArrays, p: Piece, size: int) -> dict:
    """Arrow heads: pairs (point behind the tip, tip) so `angleref='previous'` aims each head
    along its edge in screen space; the point behind is size 0. Coloured like their edge."""
    colors = bucket_colors()
    bucket = data.buckets()
    looped = loop_mask(data)

    def color(e: int) -> str:
        if looped[e]:
            return "#222222"
        b = bucket[e]
        return NOT_COMPUTED_LINE if b == -2 else ZERO_GRADIENT_GREY if b == -1 else colors[b]

    per_edge = [color(e) for e in p.idx]
    return scatter(
        x=p.x,
        y=p.y,
        mode="markers",
        marker={
            "symbol": "arrow",
            "angleref": "previous",
            "size": np.tile([0, size, 0], len(p.idx)),
            "color": [c for c in per_edge for _ in range(3)],
            "line": {"width": 0},
        },
        name="arrows",
        showlegend=False,
        hoverinfo="skip",
    )


def _colorbar(data: GraphArrays, large_font: bool) -> dict:
    """An empty trace that only carries the colour bar, so it stays put while the graph builds up."""
    low, high = data.grad_range
    return scatter(
        x=[None],
        y=[None],
        mode="markers",
        showlegend=False,
        hoverinfo="skip",
        name="colour bar",
        marker={
            "color": [low, high],
            "colorscale": GRADIENT_SCALE,
            "cmin": low,
            "cmax": high,
            "showscale": not data.rolled,  # the rolled network has no numbers to colour
            "size": 0.1,
            "colorbar": {"title": {"text": COLORBAR_TITLE}, "thickness": 22 if large_font else 14},
        },
    )


def _edge_hover(data: GraphArrays, p: Piece) -> dict:
    """Invisible points at edge midpoints: hover tells what flows along the edge."""
    return scatter(
        x=p.x,
        y=p.y,
        mode="markers",
        marker={"size": 10, "opacity": 0},
        showlegend=False,
        customdata=[data.edge_hover[i] for i in p.idx],
        hovertemplate="edge %{customdata}<extra></extra>",
        name="edges",
    )
