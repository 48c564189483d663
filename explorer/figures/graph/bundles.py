"""The lecture's extra geometry: R/O box outlines, one dashed bundle per shared parameter, and the
rolled graph's loop arcs with their delay labels ("t−1 → t").

A bundle replaces the hairball of one dashed edge per (parameter, step): the parameter sends one
line up to a bus over its lane, and the bus drops once into every box that uses it. Segments carry
the step of the box they serve, so the bundle grows with the unrolled graph.
"""

from __future__ import annotations

import math

import numpy as np

from explorer.figures.graph.data import GraphArrays
from explorer.figures.graph.layout import (
    PARAM_ORDER,
    Box,
    bus_gap,
    level_op,
    loop_arc,
    rounded_box,
)


def box_outlines(boxes: list[Box], keep: np.ndarray, shown: np.ndarray):
    """Outlines of the kept boxes, NaN-separated; boxes not shown yet get NaN x."""
    xs: list[float] = []
    ys: list[float] = []
    for box, k, s in zip(boxes, keep, shown, strict=True):
        if not k:
            continue
        rx = min(0.1, 0.3 * (box.x1 - box.x0))
        ry = min(0.1, 0.3 * (box.y1 - box.y0))
        bx, by = rounded_box(box, rx, ry)
        xs += (bx if s else [math.nan] * len(bx)) + [math.nan]
        ys += by + [math.nan]
    return np.array(xs, dtype=float), np.array(ys, dtype=float)


def param_bundles(data: GraphArrays) -> np.ndarray:
    """(n, 5) segments x0, y0, x1, y1, t of every parameter's bundle (t NaN: always shown)."""
    boxes, box_of = data.placement.boxes, np.array(data.placement.box_of, dtype=int)
    gap = bus_gap(data.placement.geometry)
    rows: list[tuple[float, float, float, float, float]] = []
    for p in np.flatnonzero([k in ("param", "parameter", "weight") for k in data.kind]):
        heads = data.head[data.edge_param & (data.tail == p)]
        served = sorted(
            {int(b) for b in box_of[heads] if b >= 0},
            key=lambda b: abs((boxes[b].x0 + boxes[b].x1) / 2 - data.x[p]),
        )
        if not served:
            continue
        name = data.ids[p].split(":", 1)[-1].split("[", 1)[0]
        i = PARAM_ORDER.index(name) if name in PARAM_ORDER else 0
        px, py = float(data.x[p]), float(data.y[p])
        toward = 1.0 if (boxes[served[0]].x0 + boxes[served[0]].x1) / 2 > px else -1.0
        stub = px + toward * (0.18 + 0.1 * i)
        bus = max(boxes[b].y1 for b in served) + gap * (i + 1)
        rows += [(px, py, stub, py, math.nan), (stub, py, stub, bus, math.nan)]
        previous = stub
        for b in served:
            box = boxes[b]
            # drops right of the centre: the box's label R sits in its top-left corner
            drop = (box.x0 + box.x1) / 2 + (0.15 + 0.25 * i) * (box.x1 - box.x0) / 2
            rows += [(previous, bus, drop, bus, box.t), (drop, bus, drop, box.y1, box.t)]
            previous = drop
    return np.array(rows, dtype=float).reshape(-1, 5)


def _lift(data: GraphArrays, rank: int) -> float:
    """How far the rank-th loop of a box rises over it (op-level boxes are taller)."""
    return (0.6 + 0.3 * rank) if level_op(data.placement.geometry) else (0.6 + 0.25 * rank)


def loop_paths(data: GraphArrays, loops: np.ndarray):
    """The rolled graph's loops, one arc per tail node (h_t feeds all four gates through one):
    out of the box on the right, over it, back in on the left, then a short line to each head.
    Returns x, y (NaN-separated) and arrow points ([behind, tip, NaN] per head)."""
    boxes, box_of = data.placement.boxes, data.placement.box_of
    xs: list[float] = []
    ys: list[float] = []
    tip_x: list[float] = []
    tip_y: list[float] = []
    tails = list(dict.fromkeys(int(data.tail[e]) for e in loops))
    ranks: dict[int, int] = {}
    for tail in tails:
        box = boxes[box_of[tail]]
        rank = ranks[box_of[tail]] = ranks.get(box_of[tail], -1) + 1
        heads = [int(data.head[e]) for e in loops if int(data.tail[e]) == tail]
        entry_y = float(np.mean([data.y[h] for h in heads]))
        ax, ay = loop_arc(data.x[tail], data.y[tail], box, _lift(data, rank), y_end=entry_y)
        xs += ax + [math.nan]
        ys += ay + [math.nan]
        for head in heads:  # from the entry point on the box's left side into the head
            hx, hy = float(data.x[head]), float(data.y[head])
            stop_x = hx - 0.25 * (hx - box.x0)
            stop_y = hy - 0.25 * (hy - entry_y)
            xs += [box.x0, stop_x, math.nan]
            ys += [entry_y, stop_y, math.nan]
            back = 0.02 / max(np.hypot(stop_x - box.x0, stop_y - entry_y), 1e-9)
            tip_x += [stop_x - back * (stop_x - box.x0), stop_x, math.nan]
            tip_y += [stop_y - back * (stop_y - entry_y), stop_y, math.nan]
    return (
        np.array(xs, dtype=float),
        np.array(ys, dtype=float),
        (np.array(tip_x, dtype=float), np.array(tip_y, dtype=float)),
    )


def loop_labels(data: GraphArrays, loops: np.ndarray) -> list[dict]:
    """One annotation per box with loops, over its highest arc: the delay ('t−1 → t')."""
    boxes, box_of = data.placement.boxes, data.placement.box_of
    tails: dict[int, list[int]] = {}
    delay: dict[int, str] = {}
    for e in loops:
        b = box_of[int(data.tail[e])]
        tails.setdefault(b, [])
        if int(data.tail[e]) not in tails[b]:
            tails[b].append(int(data.tail[e]))
        delay[b] = data.edge_label[e].replace("->", "→").replace("-", "−") or "t−1 → t"
    out = []
    for b, ts in tails.items():
        box = boxes[b]
        out.append(
            {
                "x": (box.x0 + box.x1) / 2,
                "y": box.y1 + 0.75 * _lift(data, len(ts) - 1) + 0.03,
                "text": f"loop: {delay[b]}",
                "showarrow": False,
                "yanchor": "bottom",
                "xref": "x",
                "yref": "y",
            }
        )
    return out
