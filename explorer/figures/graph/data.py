"""The unrolled graph as flat numpy arrays, computed once per figure, so drawing any step is a mask.

`GraphArrays.from_graph(G)` reads the node attributes of rnnviz.graph (t, kind, layer, direction,
label, value_norm, grad_log10, pos) and edge attributes (kind, grad_log10). Geometry that does not
change with `upto_t` (arrow tips, colour buckets, axis ranges) is fixed here, so a build-up animation
never jumps.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import networkx as nx
import numpy as np

from explorer.figures.style import PARAM_EDGE_KINDS, PARAM_KINDS, escape, exact

N_BUCKETS = 7  # edge colours: one line trace per bucket keeps the trace count small and fixed
INPUT_KINDS = frozenset({"x", "input"})
ARROW_BACKOFF = 0.16  # arrow tips stop this fraction of a typical edge before the node centre


@dataclass
class GraphArrays:
    ids: list[str]
    x: np.ndarray  # (N,)
    y: np.ndarray  # (N,)
    t: np.ndarray  # (N,) float, NaN for nodes outside time (shared parameters)
    kind: np.ndarray  # (N,) object
    hover: list[list[str]]  # (N, 6) escaped label, t, layer, direction, value norm, log10 grad
    text: list[str]  # (N,) escaped label drawn next to the node
    tail: np.ndarray  # (E,) node index
    head: np.ndarray  # (E,) node index
    edge_grad: np.ndarray  # (E,) log10 gradient at the head, NaN if unknown
    edge_param: np.ndarray  # (E,) bool: a shared-parameter edge (dashed)
    edge_hover: list[str]  # (E,) escaped "a → b" description
    grad_range: tuple[float, float]  # colour range over the whole graph (fixed across steps)
    x_range: tuple[float, float]
    y_range: tuple[float, float]

    @classmethod
    def from_graph(cls, G: nx.DiGraph) -> GraphArrays:
        ids = list(G.nodes)
        index = {nid: i for i, nid in enumerate(ids)}
        attrs = [G.nodes[nid] for nid in ids]
        pos = np.array([a.get("pos", (0.0, 0.0)) for a in attrs], dtype=float).reshape(-1, 2)
        t = np.array([math.nan if a.get("t") is None else a["t"] for a in attrs], dtype=float)
        kind = np.array([str(a.get("kind", "node")) for a in attrs], dtype=object)
        is_param = np.array([k in PARAM_KINDS for k in kind], dtype=bool)
        t[is_param] = math.nan  # parameters are shared by every step: always visible
        names = [escape(a.get("label", nid)) for nid, a in zip(ids, attrs, strict=True)]
        tokens = G.graph.get("tokens")
        labels = _with_tokens(names, attrs, tokens, " ", limit=None)  # hover: the whole token
        text = _with_tokens(names, attrs, tokens, "<br>", limit=10)  # on the graph: cut short
        hover = [
            [
                label,
                "shared by all t" if math.isnan(ti) else str(int(ti)),
                _or_dash(a.get("layer")),
                _or_dash(a.get("direction")),
                exact(a.get("value_norm", math.nan)),
                exact(a.get("grad_log10", math.nan)),
            ]
            for label, ti, a in zip(labels, t, attrs, strict=True)
        ]
        edges = list(G.edges(data=True))
        tail = np.array([index[u] for u, _, _ in edges], dtype=int)
        head = np.array([index[v] for _, v, _ in edges], dtype=int)
        edge_grad = np.array([d.get("grad_log10", math.nan) for _, _, d in edges], dtype=float)
        edge_param = (
            np.array([d.get("kind") in PARAM_EDGE_KINDS for _, _, d in edges], dtype=bool)
            | is_param[tail]
        )
        edge_hover = [
            f"{labels[index[u]]} → {labels[index[v]]} ({escape(d.get('kind', 'edge'))})"
            for u, v, d in edges
        ]
        finite = edge_grad[np.isfinite(edge_grad)]
        grad_range = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        if grad_range[1] - grad_range[0] < 1e-9:
            grad_range = (grad_range[0] - 0.5, grad_range[1] + 0.5)
        return cls(
            ids=ids,
            x=pos[:, 0],
            y=pos[:, 1],
            t=t,
            kind=kind,
            hover=hover,
            text=text,
            tail=tail,
            head=head,
            edge_grad=edge_grad,
            edge_param=edge_param,
            edge_hover=edge_hover,
            grad_range=grad_range,
            x_range=_padded(pos[:, 0], 1.5, 0.7),
            y_range=_padded(pos[:, 1], 0.9, 0.6),
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
        """(E,) colour bucket 0..N_BUCKETS-1 of each edge, -1 for a NaN gradient."""
        low, high = self.grad_range
        scaled = (self.edge_grad - low) / (high - low) * N_BUCKETS
        bucket = np.clip(np.floor(np.nan_to_num(scaled, nan=-1.0)), 0, N_BUCKETS - 1).astype(int)
        return np.where(np.isfinite(self.edge_grad), bucket, -1)

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


def _with_tokens(
    labels: list[str], attrs: list[dict], tokens, sep: str, limit: int | None
) -> list[str]:
    """'x_3' becomes 'x_3<sep>in' (token escaped): the input node names the token it reads."""
    if not tokens:
        return labels
    out = []
    for label, a in zip(labels, attrs, strict=True):
        t = a.get("t")
        # Encoder inputs only: decoder inputs are primed (x'_k) and read target tokens.
        encoder_input = a.get("kind") in INPUT_KINDS and a.get("label") == f"x_{t}"
        if encoder_input and 1 <= t <= len(tokens):
            label = f"{label}{sep}{escape(_short(tokens[t - 1], limit))}"
        out.append(label)
    return out


def _or_dash(value: object) -> str:
    """Hover text for an attribute a node may lack (inputs have no layer)."""
    return "–" if value is None else escape(value)


def _short(token: object, limit: int | None) -> str:
    """A long token cut for the on-graph label (hover keeps it whole); cut before escaping."""
    token = str(token)
    return token if limit is None or len(token) <= limit else token[: limit - 1] + "…"


def _padded(values: np.ndarray, below: float, above: float) -> tuple[float, float]:
    """Axis range around the values, with room for labels (parameter names sit left of their
    nodes, token names under the inputs)."""
    if values.size == 0:
        return (-1.0, 1.0)
    return float(values.min()) - below, float(values.max()) + above


def segments(x0: np.ndarray, y0: np.ndarray, x1: np.ndarray, y1: np.ndarray):
    """Line segments as one x and one y array with NaN separators (one trace for many edges)."""
    gap = np.full_like(x0, np.nan)
    return np.column_stack([x0, x1, gap]).ravel(), np.column_stack([y0, y1, gap]).ravel()


def window(
    G: nx.DiGraph, max_nodes: int, center_t: int | None, last_t: int | None = None
) -> tuple[nx.DiGraph, str]:
    """At most `max_nodes` nodes: a contiguous range of steps around `center_t` (none after
    `last_t`), plus timeless nodes. Returns the (sub)graph and a note for the title ("" when
    nothing was cut)."""
    if G.number_of_nodes() <= max_nodes:
        return G, ""
    steps: dict[int, list[str]] = {}
    timeless = []
    for nid, attrs in G.nodes(data=True):
        if attrs.get("t") is None or attrs.get("kind") in PARAM_KINDS:
            timeless.append(nid)
        else:
            steps.setdefault(int(attrs["t"]), []).append(nid)
    every = sorted(steps)
    ts = [t for t in every if last_t is None or t <= last_t] or every
    center = ts[-1] if center_t is None else min(max(center_t, ts[0]), ts[-1])
    lo = hi = ts.index(center) if center in steps else len(ts) - 1
    budget = max_nodes - len(timeless) - len(steps[ts[lo]])
    while True:  # grow the window one step at a time, alternating sides, while it fits
        grown = False
        for side in (hi + 1, lo - 1):
            if 0 <= side < len(ts) and len(steps[ts[side]]) <= budget:
                budget -= len(steps[ts[side]])
                lo, hi = min(lo, side), max(hi, side)
                grown = True
        if not grown:
            break
    kept = timeless + [nid for t in ts[lo : hi + 1] for nid in steps[t]]
    return G.subgraph(kept), f" (showing t = {ts[lo]}..{ts[hi]} of {every[-1]} steps)"
