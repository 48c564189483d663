"""Where the lecture draws each node: positions, the R and O boxes, parameter bundles, rolled loops.

Computed here, on the drawing side, from node attributes only (t, kind, layer, direction, the
gate letter and the decoder scope in the id); the engine's `pos` is never read. One step is a
column; each (layer, direction) is a lane with its cell box R; x_t runs below, y_t (in its box O)
and the losses above. A bidirectional RNN gets two chains at different heights, shifted apart so
x_t fans out to both and y_t reads both (the lecture's BiRNN figure). At op level the gates sit on
a small grid inside the box, so no two markers overlap.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import networkx as nx

from explorer.figures.style import PARAM_KINDS

CELL_KINDS = frozenset({"s", "h", "c", "gate", "preact", "a", "state", "hidden", "cell"})
STATE_KINDS = frozenset({"s", "h", "c", "state", "hidden", "cell"})
# Op level: (dx, dy) inside the box, from the box centre; the backward direction mirrors dx.
OP_SLOTS = {
    "lstm": {"i": (-0.72, 0.4), "f": (-0.12, 0.4), "g": (-0.72, -0.4), "o": (-0.12, -0.4),
             "c": (0.33, 0.7), "h": (0.68, -0.4)},
    "gru": {"r": (-0.72, 0.4), "z": (-0.12, 0.4), "n": (-0.42, -0.4), "s": (0.58, 0.0)},
    "elman": {"preact": (-0.4, 0.0), "a": (-0.4, 0.0), "s": (0.58, 0.0)},
}  # fmt: skip
PARAM_ORDER = ("W_ih", "W_hh", "b")


@dataclass(frozen=True)
class Geometry:
    """Sizes of one drawing, in data units (one step column = `column` units)."""

    column: float  # distance between two steps
    band: float  # distance between two (layer, direction) lanes
    box_w: float  # half width of a cell box R
    box_h: float  # half height of a cell box R
    shift: float  # bidirectional, cell level: forward lane left of the column, backward right
    first_lane: float  # y of the first lane's centre (x_t sit at y = 0)


def geometry(level: str, directions: int, layers: int = 1) -> Geometry:
    """Sizes for a level; several chains at cell level get taller lanes (room for each lane's
    bundle and caption between the boxes)."""
    if level == "op":
        return Geometry(column=2.4, band=3.0, box_w=1.0, box_h=0.95, shift=0.0, first_lane=1.6)
    band = 1.3 if directions == 2 or layers > 1 else 1.0
    if directions == 2:
        return Geometry(column=1.5, band=band, box_w=0.24, box_h=0.3, shift=0.3, first_lane=1.0)
    return Geometry(column=1.0, band=band, box_w=0.32, box_h=0.3, shift=0.0, first_lane=1.0)


@dataclass
class Box:
    """A rounded rectangle drawn behind a step's cell nodes (R) or an output (O)."""

    x0: float
    x1: float
    y0: float
    y1: float
    t: float  # the step it belongs to (NaN: always shown, the rolled graph)
    label: str  # "R", "R'", "O"


@dataclass
class Placement:
    x: list[float]
    y: list[float]
    boxes: list[Box]
    box_of: list[int]  # node index -> index of the box it sits in, -1 outside any box
    lanes: list[tuple[float, str]]  # (y, caption) of each chain, for the lane captions
    geometry: Geometry
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class NodeInfo:
    """What the drawing needs to know of one node, read from its attributes and id."""

    kind: str
    t: float  # NaN for nodes outside time
    band: int  # (layer, direction) lane index; -1 outside the lanes
    backward: bool
    decoder: bool
    slot: str  # gate letter, or the state kind: the place inside the box at op level
    param: str  # "W_ih", "W_hh", "b", "O" for parameters


def node_info(nid: str, attrs: dict, directions: int) -> NodeInfo:
    kind = str(attrs.get("kind", "node"))
    t = attrs.get("t")
    decoder = "[dec" in nid
    layer = attrs.get("layer") or 1
    backward = attrs.get("direction") == "backward"
    band = -1
    if kind in CELL_KINDS or kind in PARAM_KINDS:
        band = 0 if decoder else (int(layer) - 1) * directions + int(backward)
    slot = nid.split(":", 1)[1][0] if nid.startswith("gate:") else kind
    param = nid.split(":", 1)[1].split("[", 1)[0] if kind in PARAM_KINDS else ""
    return NodeInfo(
        kind=kind,
        t=math.nan if t is None or kind in PARAM_KINDS else float(t),
        band=band if param != "O" else -1,
        backward=backward,
        decoder=decoder,
        slot=slot,
        param=param,
    )


def place(G: nx.DiGraph) -> Placement:
    """Positions of every node of G (in G's node order), the boxes and the lane captions."""
    level = G.graph.get("level") or ("op" if _has_kind(G, "gate", "preact") else "cell")
    directions = 2 if G.graph.get("bidirectional") or _has_direction(G, "backward") else 1
    cell = G.graph.get("cell") or _guess_cell(G)
    rolled = bool(G.graph.get("rolled"))
    geo = geometry(level, directions, int(G.graph.get("num_layers") or 1))
    ids = list(G.nodes)
    infos = [node_info(nid, G.nodes[nid], directions) for nid in ids]
    seq_len = G.graph.get("seq_len") or max(
        (i.t for i in infos if not i.decoder and math.isfinite(i.t)), default=1
    )
    bands = 1 + max((i.band for i in infos), default=0)
    top = geo.first_lane + geo.band * (bands - 1) + geo.box_h + (0.9 if level == "op" else 0.7)
    top += 0.6 if rolled else 0.0  # room for the loop arcs over the boxes
    # y_t straight over the state it reads (one direction at op level), else over the column
    out_dx = OP_SLOTS.get(cell, OP_SLOTS["lstm"])[_state_slot(cell)][0] if level == "op" else 0.0
    out_dx = out_dx if directions == 1 else 0.0
    dec_gap = 1.0 + directions  # decoder columns start after the backward s_0 (at T + 1)

    def column(info: NodeInfo) -> float:
        t = 1.0 if rolled or math.isnan(info.t) else info.t
        if info.backward and t == 0:
            t = seq_len + 1  # the backward RNN starts right of x_T
        if info.decoder:
            t += dec_gap - 1
        return t * geo.column

    xs, ys = [], []
    for info in infos:
        cx = column(info)
        lane_y = geo.first_lane + geo.band * max(info.band, 0)
        sign = -1.0 if info.backward else 1.0
        if info.kind in CELL_KINDS:
            if level == "op":
                # s_0 (h_0, c_0) sits where the state sits in a box: the chain reads straight on
                dx, dy = OP_SLOTS.get(cell, OP_SLOTS["lstm"]).get(info.slot, (0.0, 0.0))
                xs.append(cx + sign * dx)
                ys.append(lane_y + dy)
            else:
                shift = geo.shift * (1.0 if info.backward else -1.0)
                xs.append(cx + (shift if not info.decoder else 0.0))
                ys.append(lane_y)
        elif info.kind in ("x", "input"):
            xs.append(cx - (0.3 if level == "op" and not info.decoder else 0.0))
            ys.append(0.0)
        elif info.kind in ("y", "output"):
            xs.append(cx + out_dx)
            ys.append(top)
        elif info.kind == "loss":
            xs.append(cx + out_dx)
            ys.append(top + 1.0)
        else:  # parameters and unknown kinds: placed below
            xs.append(math.nan)
            ys.append(math.nan)
    _place_losses(ids, infos, xs, ys, geo, top)
    _place_params(infos, xs, ys, geo, top)
    boxes, box_of = _boxes(infos, xs, ys, geo, level, cell, rolled, directions, column)
    lanes = _lanes(infos, geo, directions, G.graph.get("num_layers") or 1)
    return Placement(xs, ys, boxes, box_of, lanes, geo, {"top": top, "level": level})


def _place_losses(ids, infos, xs, ys, geo: Geometry, top: float) -> None:
    """The total L right of the last step when per-step losses L_t sit under it."""
    step_losses = [i for i, nid in enumerate(ids) if infos[i].kind == "loss" and nid != "loss"]
    if "loss" in ids and step_losses:
        total = ids.index("loss")
        xs[total] = max(xs[i] for i in step_losses) + 0.8 * geo.column
        ys[total] = top + 1.6


def _place_params(infos, xs, ys, geo: Geometry, top: float) -> None:
    """Encoder parameters in a column left of the first drawn step, the decoder's right of its
    last step; W_ih, W_hh, b stacked at their lane's height, O at the output lane."""
    placed = [(x, i) for i, x in enumerate(xs) if not math.isnan(x)]
    enc = [x for x, i in placed if not infos[i].decoder] or [0.0]
    dec = [x for x, i in placed if infos[i].decoder]
    left, right = min(enc) - 0.9 * geo.column - 0.4, (max(dec) + 1.0 if dec else 0.0)
    spread = (-0.55, 0.0, 0.55) if level_op(geo) else (-0.25, 0.0, 0.25)
    for i, info in enumerate(infos):
        if not math.isnan(xs[i]):
            continue
        x = right if info.decoder else left
        if info.param == "O":
            xs[i], ys[i] = x, top
        elif info.param in PARAM_ORDER:
            xs[i] = x
            ys[i] = (
                geo.first_lane
                + geo.band * max(info.band, 0)
                + spread[PARAM_ORDER.index(info.param)]
            )
        else:  # an unknown kind: park it under the inputs, still drawn and hoverable
            xs[i], ys[i] = left, -0.8


def _boxes(infos, xs, ys, geo, level, cell, rolled, directions, column):
    """One R box per (lane, step) around its cell nodes, one O box per output."""
    boxes: list[Box] = []
    box_of = [-1] * len(infos)
    keys: dict[tuple, int] = {}
    dec_start = min((i.t for i in infos if i.decoder and i.kind in CELL_KINDS), default=math.inf)
    for i, info in enumerate(infos):
        initial = info.t == (dec_start if info.decoder else 0)  # s_0, s'_0: outside any box
        if info.kind in CELL_KINDS and (rolled or not initial):
            key = ("R", info.decoder, info.band, info.t)
            if key not in keys:
                cx = column(info)
                if level == "cell":
                    cx += 0.0 if info.decoder else geo.shift * (1 if info.backward else -1)
                label = "R'" if (info.backward and directions == 2) or info.decoder else "R"
                t = math.nan if rolled else info.t
                lane_y = ys[i] if level == "cell" else geo.first_lane + geo.band * info.band
                keys[key] = len(boxes)
                boxes.append(
                    Box(cx - geo.box_w, cx + geo.box_w, lane_y - geo.box_h, lane_y + geo.box_h, t,
                        label)
                )  # fmt: skip
            box_of[i] = keys[key]
        elif info.kind in ("y", "output"):
            half = min(geo.box_w, 0.3)
            t = math.nan if rolled else info.t
            box_of[i] = len(boxes)
            label = "O'" if info.decoder else "O"
            boxes.append(Box(xs[i] - half, xs[i] + half, ys[i] - 0.3, ys[i] + 0.3, t, label))
    return boxes, box_of


def _lanes(infos, geo: Geometry, directions: int, layers: int):
    """Captions of the chains: 'forward RNN →' / 'backward RNN ←', 'layer 2' in a stack."""
    if directions == 1 and layers == 1:
        return []
    out = []
    for band in sorted({i.band for i in infos if i.band >= 0 and not i.decoder}):
        layer, backward = divmod(band, directions)
        words = ["backward RNN ←" if backward else "forward RNN →"] if directions == 2 else []
        words += [f"layer {layer + 1}"] if layers > 1 else []
        out.append((geo.first_lane + geo.band * band, ", ".join(words)))
    return out


def _state_slot(cell: str) -> str:
    """The slot of the node y_t reads: h_t (LSTM) or s_t."""
    return "h" if cell == "lstm" else "s"


def level_op(geo: Geometry) -> bool:
    """Whether the geometry is op level's (tall boxes holding several nodes)."""
    return geo.box_h > 0.5


def bus_gap(geo: Geometry) -> float:
    """Vertical distance between two parameter buses over a lane."""
    return 0.12 if level_op(geo) else 0.08


def _has_kind(G: nx.DiGraph, *kinds: str) -> bool:
    return any(a.get("kind") in kinds for _, a in G.nodes(data=True))


def _has_direction(G: nx.DiGraph, direction: str) -> bool:
    return any(a.get("direction") == direction for _, a in G.nodes(data=True))


def _guess_cell(G: nx.DiGraph) -> str:
    gates = {nid.split(":", 1)[1][0] for nid in G.nodes if str(nid).startswith("gate:")}
    return "lstm" if "i" in gates else "gru" if "r" in gates else "elman"


def rounded_box(box: Box, radius_x: float, radius_y: float, n: int = 4) -> tuple[list, list]:
    """A closed rounded-rectangle outline (quarter circles of n points at the corners)."""
    xs, ys = [], []
    corners = (
        (box.x1 - radius_x, box.y1 - radius_y, 0.0),
        (box.x0 + radius_x, box.y1 - radius_y, 0.5 * math.pi),
        (box.x0 + radius_x, box.y0 + radius_y, math.pi),
        (box.x1 - radius_x, box.y0 + radius_y, 1.5 * math.pi),
    )
    for cx, cy, start in corners:
        for k in range(n + 1):
            angle = start + 0.5 * math.pi * k / n
            xs.append(cx + radius_x * math.cos(angle))
            ys.append(cy + radius_y * math.sin(angle))
    xs.append(xs[0])
    ys.append(ys[0])
    return xs, ys


def loop_arc(
    x: float, y: float, box: Box, lift: float, *, y_end: float | None = None, n: int = 24
) -> tuple[list, list]:
    """The rolled graph's loop from a node at (x, y): out of the box on the right, over its top
    and back in through its left side at height y_end (a cubic Bezier through 4 points)."""
    y_end = y if y_end is None else y_end
    width = box.x1 - box.x0
    points = ((box.x1, y), (box.x1 + 0.6 * width, box.y1 + lift),
              (box.x0 - 0.6 * width, box.y1 + lift), (box.x0, y_end))  # fmt: skip
    xs, ys = [float(x)], [float(y)]
    for k in range(n + 1):
        s = k / n
        w = ((1 - s) ** 3, 3 * s * (1 - s) ** 2, 3 * s**2 * (1 - s), s**3)
        xs.append(sum(wi * p[0] for wi, p in zip(w, points, strict=True)))
        ys.append(sum(wi * p[1] for wi, p in zip(w, points, strict=True)))
    return xs, ys
