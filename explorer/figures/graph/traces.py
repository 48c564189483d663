"""Trace builders for the unrolled graph: a fixed list of traces for any step `upto_t`.

Drawing stays fast for thousands of nodes: edges are a handful of line traces with NaN separators
(one per colour bucket), arrow heads one marker trace, the R/O boxes one filled trace, nodes one
trace per kind, and hover text is precomputed HTML with every user token escaped.

`graph_pieces` decides which points each trace holds and where they sit; `graph_traces` styles
them. With `keep_hidden=True` every trace holds every point and hidden ones get NaN coordinates,
so an animation frame only has to send new x/y arrays (styles and hover text stay in the base).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from plotly.colors import sample_colorscale

from explorer.figures.graph.bundles import box_outlines, loop_paths, param_bundles
from explorer.figures.graph.data import N_BUCKETS, GraphArrays, segments
from explorer.figures.style import (
    GRADIENT_SCALE,
    NOT_COMPUTED_FILL,
    NOT_COMPUTED_LINE,
    ZERO_GRADIENT_GREY,
    kind_style,
)

MAX_LABELLED_NODES = 400  # past this, node names only in hover (text would overlap)
LABELLED_STEPS = 13  # more steps than this: label every k-th step only
PARAM_EDGE_COLOR = "rgba(90, 90, 90, 0.55)"
BOX_LINE = "#4D4D4D"
BOX_FILL = "rgba(0, 114, 178, 0.06)"
MAX_HOVER_EDGES = 4_000  # past this, edges get no hover points (keeps the figure light)
NODE_HOVER = "%{customdata}<extra></extra>"
ZERO_NAME = "grey: no gradient flows (exactly 0)"
UNKNOWN_NAME = "hollow, dotted: gradient not computed"
ROLLED_NAME = "the loop: one R at every step"
BUNDLE_NAME = "shared parameter (dashed: into every copy)"
COLORBAR_TITLE = "log10 of gradient<br>norm reaching<br>this node"
TEXT_POSITIONS = {
    "param": "middle left",
    "x": "bottom center",
    "input": "bottom center",
    "c": "top center",
    "loss": "top center",
}  # everything else (s, h, a, the initial states): under the node


@dataclass
class Piece:
    """One trace's points: `role` says how to style it, `idx` which edges/nodes it holds."""

    role: str  # "boxes" | "bundles" | "lines" | "loops" | "arrows" | "colorbar" | ...
    key: object  # edge group name, or node kind
    idx: np.ndarray  # edge or node indices (boxes: box indices), in drawing order
    x: np.ndarray
    y: np.ndarray


def bucket_colors() -> list[str]:
    """The colour of each gradient bucket, sampled at the bucket centres of GRADIENT_SCALE."""
    return sample_colorscale(GRADIENT_SCALE, [(b + 0.5) / N_BUCKETS for b in range(N_BUCKETS)])


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
            traces.append(_box_labels(data, p, every))
        else:
            traces.append(_nodes(data, p, size, labelled, every))
    return traces + legend_entries(data, size)


def labelled_every(data: GraphArrays) -> int:
    """k: only every k-th step's nodes carry a label (the first and last always do)."""
    steps = np.unique(data.t[np.isfinite(data.t) & (data.t >= 1)])
    return max(1, math.ceil(len(steps) / LABELLED_STEPS))


def _label_step(t: float, first: float, last: float, every: int) -> bool:
    return math.isnan(t) or t < first or t == last or int(t - first) % every == 0


def scatter(**props) -> dict:
    """A scatter trace dict as go.Scatter would send it: with its type, without None values."""
    return {"type": "scatter", **{k: v for k, v in props.items() if v is not None}}


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


def _lines(data: GraphArrays, p: Piece, colors: list[str]) -> dict:
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


def _box_labels(data: GraphArrays, p: Piece, every: int) -> dict:
    boxes = data.placement.boxes
    first, last = _step_range(data)
    text = [boxes[i].label if _label_step(boxes[i].t, first, last, every) else "" for i in p.idx]
    return scatter(
        x=p.x,
        y=p.y,
        mode="text",
        text=text,
        textposition="bottom right",
        textfont={"color": BOX_LINE},
        name="box labels",
        showlegend=False,
        hoverinfo="skip",
    )


def _step_range(data: GraphArrays) -> tuple[float, float]:
    steps = data.t[np.isfinite(data.t) & (data.t >= 1)]
    return (float(steps.min()), float(steps.max())) if steps.size else (math.nan, math.nan)


def _node_text(data: GraphArrays, idx: np.ndarray, kind: str, every: int):
    """Labels, their position and colour. Gates carry their letter inside the marker; other
    kinds sit next to it; past LABELLED_STEPS steps only every k-th step is labelled."""
    first, last = _step_range(data)
    keep = [_label_step(data.t[i], first, last, every) for i in idx]
    if kind == "gate":
        letters = [data.ids[i].split(":", 1)[1][0] for i in idx]
        ink = ["#FFFFFF" if _dark(data.color[i]) else "#111111" for i in idx]
        return (
            [ltr if k else "" for ltr, k in zip(letters, keep, strict=True)],
            "middle center",
            ink,
        )
    text = [data.text[i] if k else "" for i, k in zip(idx, keep, strict=True)]
    where = [_text_position(data, i, kind) for i in idx]
    return text, where if len(set(where)) > 1 else (where[0] if where else None), None


def _text_position(data: GraphArrays, i: int, kind: str) -> str:
    """Outside boxes (s_0, parameters, inputs) labels sit outside; inside, under the node."""
    if kind in ("param", "parameter", "weight"):
        right_side = data.x[i] > np.nanmedian(data.x)  # the decoder's, right of its steps
        return "middle right" if right_side else "middle left"
    if data.t[i] == 0 or (data.placement.box_of[i] < 0 and kind not in TEXT_POSITIONS):
        return "top center"
    return TEXT_POSITIONS.get(kind, "bottom center")


def _dark(color: str) -> bool:
    """Whether a fill is dark enough to need white text (relative luminance below 0.4)."""
    if color.startswith("rgb"):
        r, g, b = (float(v) / 255 for v in color[color.index("(") + 1 : -1].split(",")[:3])
    else:
        r, g, b = (int(color[k : k + 2], 16) / 255 for k in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.4


def _nodes(data: GraphArrays, p: Piece, size: int, labelled: bool, every: int) -> dict:
    style = kind_style(p.key)
    size = size * (1.3 if style["symbol"] == "star" else 1.0)
    unknown = [math.isnan(data.grad[i]) for i in p.idx]
    symbols = [style["symbol"] + ("-dot" if u else "") for u in unknown]
    text, where, ink = _node_text(data, p.idx, p.key, every) if labelled else (None, None, None)
    return scatter(
        x=p.x,
        y=p.y,
        mode="markers+text" if labelled else "markers",
        text=text,
        textposition=where,
        textfont={"color": ink} if ink else None,
        marker={
            "color": [data.color[i] for i in p.idx],
            "symbol": symbols,
            "size": size,
            "line": {
                "color": [NOT_COMPUTED_LINE if u else "#333333" for u in unknown],
                "width": [2.0 if u else 1.0 for u in unknown],
            },
        },
        name=style["name"],
        showlegend=False,
        customdata=[data.hover[i] for i in p.idx],
        hovertemplate=NODE_HOVER,
    )


def legend_entries(data: GraphArrays, size: int) -> list[dict]:
    """Legend-only traces: each node kind's shape in a neutral fill (the fill is the gradient),
    exactly-zero grey and not-computed hollow."""
    entries = []
    for kind in dict.fromkeys(data.kind):
        style = kind_style(kind)
        entries.append(_legend(style["name"], style["symbol"], "#E6E6E6", "#333333", size))
    if np.isneginf(data.grad).any() or np.isneginf(data.edge_grad).any():
        entries.append(_legend(ZERO_NAME, "circle", ZERO_GRADIENT_GREY, "#333333", size))
    if np.isnan(data.grad).any() and not data.rolled:
        entries.append(
            _legend(UNKNOWN_NAME, "circle-dot", NOT_COMPUTED_FILL, NOT_COMPUTED_LINE, size)
        )
    return entries


def _legend(name: str, symbol: str, fill: str, line: str, size: int) -> dict:
    return scatter(
        x=[None],
        y=[None],
        mode="markers",
        name=name,
        showlegend=True,
        hoverinfo="skip",
        marker={
            "symbol": symbol,
            "color": fill,
            "size": size * 0.7,
            "line": {"color": line, "width": 1.5},
        },
    )
