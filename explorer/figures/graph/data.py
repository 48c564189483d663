"""The unrolled graph as flat numpy arrays, computed once per figure, so drawing any step is a mask.

`GraphArrays.from_graph(G)` reads the node attributes of rnnviz.graph (t, kind, layer, direction,
label, value_norm, grad_log10) and edge attributes (kind, grad_log10); positions come from
layout.place (never from the engine's `pos`). Everything that does not change with `upto_t`
(colours, arrow tips, axis ranges) is fixed here, so a build-up animation never jumps.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import networkx as nx
import numpy as np

from explorer.figures.graph.layout import Placement, place
from explorer.figures.notation import label_html, power_of_ten, significant
from explorer.figures.style import (
    GRADIENT_SCALE,
    NOT_COMPUTED_FILL,
    PARAM_EDGE_KINDS,
    PARAM_KINDS,
    ZERO_GRADIENT_GREY,
    escape,
    kind_style,
)

N_BUCKETS = 7  # edge colours: one line trace per bucket keeps the trace count small and fixed
INPUT_KINDS = frozenset({"x", "input"})
ARROW_BACKOFF = 0.16  # arrow tips stop this fraction of a typical edge before the node centre
TOKEN_LIMIT = 10  # characters of a token drawn under x_t (hover shows it whole)


@dataclass
class GraphArrays:
    ids: list[str]
    x: np.ndarray  # (N,)
    y: np.ndarray  # (N,)
    t: np.ndarray  # (N,) float, NaN for nodes outside time (shared parameters, rolled graph)
    kind: np.ndarray  # (N,) object
    grad: np.ndarray  # (N,) log10 ‖∂L/∂node‖: -inf = exactly none, NaN = not computed
    names: list[str]  # (N,) the node's label in HTML notation (no token)
    hover: list[str]  # (N,) complete hover HTML (tokens escaped)
    text: list[str]  # (N,) label drawn next to the node
    color: list[str]  # (N,) fill colour from the gradient
    tail: np.ndarray  # (E,) node index
    head: np.ndarray  # (E,) node index
    edge_grad: np.ndarray  # (E,) log10 gradient at the head
    edge_param: np.ndarray  # (E,) bool: a shared-parameter edge (drawn as a bundle)
    edge_kind: list[str]  # (E,)
    edge_label: list[str]  # (E,) the rolled graph's delay ("t-1 -> t"), else ""
    edge_hover: list[str]  # (E,) escaped "a → b" description
    grad_range: tuple[float, float]  # colour range over the whole graph (fixed across steps)
    placement: Placement
    rolled: bool
    seq_len: int

    @classmethod
    def from_graph(cls, G: nx.DiGraph) -> GraphArrays:
        ids = list(G.nodes)
        index = {nid: i for i, nid in enumerate(ids)}
        attrs = [G.nodes[nid] for nid in ids]
        placement = place(G)
        kind = np.array([str(a.get("kind", "node")) for a in attrs], dtype=object)
        t = np.array(
            [math.nan if a.get("t") is None or k in PARAM_KINDS else a["t"] for a, k in
             zip(attrs, kind, strict=True)],
            dtype=float,
        )  # fmt: skip
        grad = np.array([_float(a.get("grad_log10")) for a in attrs], dtype=float)
        names = [label_html(str(a.get("label", nid))) for nid, a in zip(ids, attrs, strict=True)]
        tokens = G.graph.get("tokens")
        token_of = [_token(a, tokens) for a in attrs]
        edges = list(G.edges(data=True))
        tail = np.array([index[u] for u, _, _ in edges], dtype=int)
        head = np.array([index[v] for _, v, _ in edges], dtype=int)
        edge_grad = np.array([_float(d.get("grad_log10")) for *_, d in edges], dtype=float)
        is_param = np.array([k in PARAM_KINDS for k in kind], dtype=bool)
        edge_param = (
            np.array([d.get("kind") in PARAM_EDGE_KINDS for *_, d in edges], dtype=bool)
            | is_param[tail]
        )
        finite = np.concatenate([grad[np.isfinite(grad)], edge_grad[np.isfinite(edge_grad)]])
        grad_range = (float(finite.min()), float(finite.max())) if finite.size else (-1.0, 0.0)
        if grad_range[1] - grad_range[0] < 1e-9:
            grad_range = (grad_range[0] - 0.5, grad_range[1] + 0.5)
        hover = [
            _node_hover(name, a, ti, g, tok)
            for name, a, ti, g, tok in zip(names, attrs, t, grad, token_of, strict=True)
        ]
        text = [
            name if tok is None else f"{name}<br>{escape(_short(tok))}"
            for name, tok in zip(names, token_of, strict=True)
        ]
        edge_hover = [
            f"{names[index[u]]} → {names[index[v]]} ({escape(d.get('kind', 'edge'))})<br>"
            f"‖∂L/∂{names[index[v]]}‖ = {power_of_ten(_float(d.get('grad_log10')))}"
            for u, v, d in edges
        ]
        return cls(
            ids=ids,
            x=np.array(placement.x, dtype=float),
            y=np.array(placement.y, dtype=float),
            t=t,
            kind=kind,
            grad=grad,
            names=names,
            hover=hover,
            text=text,
            color=gradient_colors(grad, grad_range),
            tail=tail,
            head=head,
            edge_grad=edge_grad,
            edge_param=edge_param,
            edge_kind=[str(d.get("kind", "edge")) for *_, d in edges],
            edge_label=[str(d.get("label", "")) for *_, d in edges],
            edge_hover=edge_hover,
            grad_range=grad_range,
            placement=placement,
            rolled=bool(G.graph.get("rolled")),
            seq_len=int(G.graph.get("seq_len") or np.nanmax(np.append(t, 0))),
        )

    def visible_nodes(self, upto_t: int | None, show_params: bool) -> np.ndarray:
        """Mask (N,): nodes outside time always; a node at step t only when t <= upto_t."""
        timeless = np.isnan(self.t)
        mask = timeless | (self.t <= upto_t) if upto_t is not None else np.ones_like(timeless)
        if not show_params:
            mask &= ~np.array([k in PARAM_KINDS for k in self.kind], dtype=bool)
        return mask

    def visible_edges(self, node_mask: np.ndarray, show_params: bool) -> np.ndarray:
        mask = node_mask[self.tail] & node_mask[self.head]
        return mask & ~self.edge_param if not show_params else mask

    def buckets(self) -> np.ndarray:
        """(E,) colour bucket 0..N_BUCKETS-1 of each edge; -1 exactly no gradient, -2 unknown."""
        low, high = self.grad_range
        scaled = (np.nan_to_num(self.edge_grad, nan=low, neginf=low) - low) / (high - low)
        bucket = np.clip(np.floor(scaled * N_BUCKETS), 0, N_BUCKETS - 1).astype(int)
        bucket = np.where(np.isneginf(self.edge_grad), -1, bucket)
        return np.where(np.isnan(self.edge_grad), -2, bucket)

    def arrow_points(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(E,) tip x, tip y, and a point just behind each tip (gives the arrow its direction)."""
        dx = self.x[self.head] - self.x[self.tail]
        dy = self.y[self.head] - self.y[self.tail]
        length = np.hypot(dx, dy)
        typical = float(np.median(length[length > 0])) if np.any(length > 0) else 1.0
        back = np.minimum(ARROW_BACKOFF * typical, 0.4 * length)
        unit_x = np.divide(dx, length, out=np.zeros_like(dx), where=length > 0)
        unit_y = np.divide(dy, length, out=np.zeros_like(dy), where=length > 0)
        tip_x, tip_y = self.x[self.head] - back * unit_x, self.y[self.head] - back * unit_y
        step = 0.05 * typical
        return tip_x, tip_y, tip_x - step * unit_x, tip_y - step * unit_y


def gradient_color(log10_grad: float, grad_range: tuple[float, float]) -> str:
    """The fill of a node: the scale's colour, grey for exactly zero, white for not computed."""
    return gradient_colors(np.array([log10_grad], dtype=float), grad_range)[0]


def gradient_colors(log10_grad: np.ndarray, grad_range: tuple[float, float]) -> list[str]:
    """gradient_color for many values at once (GRADIENT_SCALE interpolated in numpy: sampling it
    point by point with plotly took most of a figure's build time)."""
    low, high = grad_range
    where = np.clip((np.nan_to_num(log10_grad, nan=low, neginf=low) - low) / (high - low), 0, 1)
    stops = np.array([p for p, _ in GRADIENT_SCALE], dtype=float)
    rgb = np.array([[int(c[k : k + 2], 16) for k in (1, 3, 5)] for _, c in GRADIENT_SCALE], float)
    channels = np.stack([np.interp(where, stops, rgb[:, k]) for k in range(3)], axis=1)
    out = [f"rgb({r:.0f}, {g:.0f}, {b:.0f})" for r, g, b in channels]
    for i in np.flatnonzero(np.isnan(log10_grad)):
        out[i] = NOT_COMPUTED_FILL
    for i in np.flatnonzero(np.isneginf(log10_grad)):
        out[i] = ZERO_GRADIENT_GREY
    return out


def _float(value) -> float:
    """An attribute as a float: None (JSON null) is 'not computed' (NaN)."""
    return math.nan if value is None else float(value)


def _token(attrs: dict, tokens) -> str | None:
    """The token an encoder input x_t reads (decoder inputs are primed and read targets)."""
    t = attrs.get("t")
    if not tokens or attrs.get("kind") not in INPUT_KINDS or attrs.get("label") != f"x_{t}":
        return None
    return str(tokens[t - 1]) if 1 <= t <= len(tokens) else None


def _node_hover(name: str, attrs: dict, t: float, grad: float, token: str | None) -> str:
    """Value and gradient in the lecture's notation, 3 significant digits, token escaped."""
    where = ["shared by all t" if math.isnan(t) else f"t = {int(t)}"]
    if attrs.get("layer") is not None:
        where.append(f"layer {int(attrs['layer'])}")
    if attrs.get("direction"):
        where.append(escape(attrs["direction"]))
    lines = [f"<b>{name}</b> ({escape(kind_style(attrs.get('kind', '')).get('name', ''))})"]
    if token is not None:
        lines.append(f"token: {escape(token)}")
    lines.append(" · ".join(where))
    lines.append(f"‖{name}‖ = {significant(_float(attrs.get('value_norm')))}")
    lines.append(f"‖∂L/∂{name}‖ = {power_of_ten(grad)}")
    return "<br>".join(lines)


def _short(token: str) -> str:
    """A long token cut for the on-graph label (hover keeps it whole); cut before escaping."""
    return token if len(token) <= TOKEN_LIMIT else token[: TOKEN_LIMIT - 1] + "…"


def segments(x0: np.ndarray, y0: np.ndarray, x1: np.ndarray, y1: np.ndarray):
    """Line segments as one x and one y array with NaN separators (one trace for many edges)."""
    gap = np.full_like(x0, np.nan)
    return np.column_stack([x0, x1, gap]).ravel(), np.column_stack([y0, y1, gap]).ravel()


def window(
    G: nx.DiGraph,
    max_nodes: int,
    center_t: int | None,
    last_t: int | None = None,
    max_steps: int | None = None,
) -> tuple[nx.DiGraph, str]:
    """At most `max_nodes` nodes and `max_steps` steps: a contiguous range of steps around
    `center_t` (none after `last_t`), plus timeless nodes. Returns the (sub)graph and a note for
    the title, e.g. "t = 17..41 of 41" ("" when nothing was cut)."""
    steps: dict[int, list[str]] = {}
    timeless = []
    for nid, attrs in G.nodes(data=True):
        if attrs.get("t") is None or attrs.get("kind") in PARAM_KINDS:
            timeless.append(nid)
        else:
            steps.setdefault(int(attrs["t"]), []).append(nid)
    counted = sorted(t for t in steps if t >= 1)  # s_0 (t = 0) rides with step 1
    limit = max_steps if max_steps is not None else len(counted)
    if not counted or (G.number_of_nodes() <= max_nodes and len(counted) <= limit):
        return G, ""
    ts = [t for t in counted if last_t is None or t <= last_t] or counted
    center = ts[-1] if center_t is None else min(max(center_t, ts[0]), ts[-1])
    lo = hi = ts.index(center) if center in ts else len(ts) - 1
    budget = max_nodes - len(timeless) - len(steps[ts[lo]]) - len(steps.get(0, []))
    while hi - lo + 1 < limit:  # grow one step at a time, alternating sides, while it fits
        grown = False
        for side in (hi + 1, lo - 1):
            fits = 0 <= side < len(ts) and len(steps[ts[side]]) <= budget and hi - lo + 1 < limit
            if fits:
                budget -= len(steps[ts[side]])
                lo, hi = min(lo, side), max(hi, side)
                grown = True
        if not grown:
            break
    shown = ts[lo : hi + 1] + ([0] if lo == 0 and 0 in steps else [])
    kept = timeless + [nid for t in shown for nid in steps[t]]
    return G.subgraph(kept), f"t = {ts[lo]}..{ts[hi]} of {counted[-1]}"
