"""One unrolled step s_t = R(s_{t-1}, x_t) as graph nodes, at cell level or op level.

Cell level: one node s_t per (layer, direction, step). Op level opens the cell (torch's equations):

    Elman  x_t, s_{t-1} -> a_t (pre-activation) -> s_t
    GRU    x_t, s_{t-1} -> r, z, n;  r -> n;  n, z, s_{t-1} -> s_t
    LSTM   x_t, h_{t-1} -> i, f, g, o;  i, f, g, c_{t-1} -> c_t (c_{t-1} -> c_t is the cell path);
           o, c_t -> h_t.  s_t = [h_t; c_t] is the pair (h_t, c_t); there is no separate s node.

Every weight W_ih, W_hh, b of a layer/direction feeds every step (and, at op level, every gate) that
uses it. The backward direction reads s_{t+1}: its edges run t+1 -> t; its s_0 sits right of x_T.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rnnviz.graph_parts import (
    CELL_DEPTH,
    DIRECTION_SHORT,
    GATE_DEPTH,
    GATE_SPACING,
    INPUT_DEPTH_OP,
    NAN,
    OP_BAND,
    PARAM_COLUMN,
    GraphParts,
)
from rnnviz.graph_values import NodeValues

CELL_GATES = {"elman": (), "lstm": ("i", "f", "g", "o"), "gru": ("r", "z", "n")}
LAYER_PARAMS = ("W_ih", "W_hh", "b")


@dataclass(frozen=True)
class Frame:
    """The shape of one unrolled RNN, how its nodes are named and where they go on the canvas.

    The encoder-decoder's decoder is a second Frame (scope "dec", one layer, one direction) whose
    ids read "s[dec,3]", whose labels are primed (s'_3) and whose step k has t = t0 + k.
    """

    T: int
    L: int
    K: int
    cell: str
    level: str
    values: NodeValues | None = None  # None: structure only (no numbers)
    scope: str | None = None  # None (the encoder / the RNN) or "dec"
    t0: int = 0  # added to every step's t attribute and column
    x0: float = 0.0  # extra column shift
    bands: int = 0  # (layer, direction) bands below the output lane; 0 means L * K
    rolled: bool = False  # one step whose ids carry no t: recurrent edges become loops
    param_norms: dict = field(default_factory=dict)  # (name, layer, k) -> norm

    def key(self, layer: int, k: int, t: int | None = None) -> str:
        base = self.scope if self.scope else f"l{layer},{DIRECTION_SHORT[k]}"
        return base if (t is None or self.rolled) else f"{base},{t}"

    def nid(self, kind: str, layer: int, k: int, t: int) -> str:
        """'s[l1,fwd,3]', 'h[l2,bwd,0]', 'c[...]', 'a[...]' (Elman pre-activation), 's[dec,2]'."""
        return f"{kind}[{self.key(layer, k, t)}]"

    def gate_id(self, gate: str, layer: int, k: int, t: int) -> str:
        return f"gate:{gate}[{self.key(layer, k, t)}]"

    def param_id(self, name: str, layer: int, k: int) -> str:
        return f"param:{name}[{self.key(layer, k)}]"

    def step_id(self, kind: str, t: int) -> str:
        """Per-step nodes outside the cells: 'x[3]', 'y[3]', 'loss[3]', 'x[dec,3]'."""
        if self.rolled:
            return f"{kind}[{self.scope}]" if self.scope else kind
        return f"{kind}[{self.scope},{t}]" if self.scope else f"{kind}[{t}]"

    def t_attr(self, t: int) -> int | None:
        """The node's t attribute: None in the rolled graph, t0 + t in the decoder."""
        return None if self.rolled else self.t0 + t

    def delay(self, k: int) -> str:
        """Label of a recurrent edge in the rolled graph ('' when unrolled: time is explicit)."""
        if not self.rolled:
            return ""
        return "t+1 -> t" if k == 1 else "t-1 -> t"

    @property
    def band(self) -> float:
        return OP_BAND if self.level == "op" else 1.0

    def lane(self, layer: int, k: int, sub: float = 0.0) -> float:
        """y of a (layer, direction) band; at op level sub 0 = gates, 1 = c_t, 2 = h_t/s_t."""
        return 1.0 + self.band * ((layer - 1) * self.K + k) + sub

    @property
    def state_sub(self) -> float:
        return 2.0 if self.level == "op" else 0.0

    @property
    def output_lane(self) -> float:
        return 1.0 + self.band * (self.bands or self.L * self.K)

    @property
    def loss_lane(self) -> float:
        return self.output_lane + 1.0

    def x(self, k: int, t: int, depth: float = 0.0) -> float:
        """Column of step t (s_0 of the backward direction sits at T + 1), mirrored depth for it."""
        column = self.T + 1 if (k == 1 and t == 0) else t
        return float(self.t0 + self.x0 + column + (depth if k == 0 else -depth))

    def input_x(self, t: int) -> float:
        """Column of x_t: under its step (cell level) or under the gates (op level)."""
        return float(self.t0 + self.x0 + t + (INPUT_DEPTH_OP if self.level == "op" else 0.0))

    def label(self, symbol: str, layer: int, k: int, t: int | str) -> str:
        """'s_3'; superscripts name the layer (stacked) and direction (f/b); the decoder's are primed."""
        if self.scope:
            symbol += "'"
        if self.rolled:
            t = "t"
        sup = (str(layer) if self.L > 1 else "") + ("fb"[k] if self.K == 2 else "")
        return f"{symbol}^{sup}_{t}" if sup else f"{symbol}_{t}"

    def plain_label(self, symbol: str, t: int) -> str:
        """'x_3', 'y_3', 'L_3' (one per step, not per layer); primed in the decoder."""
        prime = "'" if self.scope else ""
        return f"{symbol}{prime}_{'t' if self.rolled else t}"

    def previous(self, k: int, t: int) -> int:
        """The step whose state step t reads: t-1 forward, t+1 backward (0 = s_0)."""
        if k == 0:
            return t - 1
        return 0 if t == self.T else t + 1

    def state_ids(self, layer: int, k: int, t: int) -> tuple[str, ...]:
        """Ids that make up s_t: (s,) or, LSTM at op level, (h, c)."""
        if self.level == "op" and self.cell == "lstm":
            return self.nid("h", layer, k, t), self.nid("c", layer, k, t)
        return (self.nid("s", layer, k, t),)

    def output_id(self, layer: int, k: int, t: int) -> str:
        """The node the next layer and y_t read: h_t (LSTM op level) or s_t."""
        return self.state_ids(layer, k, t)[0]

    def where(self, layer: int, k: int) -> dict:
        """layer / direction attributes (None for the decoder, which has one of each)."""
        return {} if self.scope else {"layer": layer, "direction": k}

    def param_label(self, name: str, layer: int, k: int) -> str:
        """'W_hh', 'W_hh^2b' (stacked, bidirectional), "W_hh'" (decoder)."""
        if self.scope:
            return name + "'"
        sup = (str(layer) if self.L > 1 else "") + ("fb"[k] if self.K == 2 else "")
        return f"{name}^{sup}" if sup else name

    def val(self, array, t: int, layer: int, k: int) -> float:
        return NAN if array is None else float(array[t - 1, layer - 1, k])


def add_params(parts: GraphParts, frame: Frame) -> None:
    """W_ih, W_hh, b per (layer, direction), left of the sentence (norms: Frobenius)."""
    norms = frame.param_norms
    for layer in range(1, frame.L + 1):
        for k in range(frame.K):
            lane = frame.lane(layer, k, frame.state_sub)
            for offset, name in zip((-0.3, 0.0, 0.3), LAYER_PARAMS, strict=True):
                parts.node(
                    frame.param_id(name, layer, k),
                    "param",
                    None,
                    frame.param_label(name, layer, k),
                    (frame.x0 + frame.t0 + PARAM_COLUMN, lane + offset),
                    value_norm=norms.get((name, layer, k), NAN),
                    **frame.where(layer, k),
                )


def add_initial_states(parts: GraphParts, frame: Frame) -> None:
    """s_0 per (layer, direction); at op level for LSTM the pair h_0, c_0."""
    v = frame.values
    for layer in range(1, frame.L + 1):
        for k in range(frame.K):
            ids = frame.state_ids(layer, k, 0)
            if len(ids) == 1:
                kinds = (("s", frame.state_sub, v and v.s0),)
            else:
                kinds = (("h", 2.0, v and v.h0), ("c", 1.0, v and v.c0))
            for nid, (kind, sub, norms) in zip(ids, kinds, strict=True):
                norm = NAN if norms is None else float(norms[layer - 1, k])
                pos = (frame.x(k, 0), frame.lane(layer, k, sub))
                label = frame.label(kind, layer, k, 0)
                parts.node(
                    nid, kind, frame.t_attr(0), label, pos, value_norm=norm, **frame.where(layer, k)
                )


def step_inputs(frame: Frame, layer: int, t: int) -> list[tuple[str, str]]:
    """(tail id, edge kind) of what step t of this layer reads as its input x_t."""
    if layer == 1:
        return [(frame.step_id("x", t), "input")]
    return [(frame.output_id(layer - 1, k, t), "layer") for k in range(frame.K)]


def _step_node(
    parts,
    frame: Frame,
    nid: str,
    kind: str,
    symbol: str,
    where: tuple,
    *,
    sub: float,
    depth: float = 0.0,
    norms=None,
    grads=None,
) -> str:
    """A node of step t of (layer, k) = where, placed in its band's sub-lane at its depth."""
    layer, k, t = where
    return parts.node(
        nid,
        kind,
        frame.t_attr(t),
        frame.label(symbol, layer, k, t),
        (frame.x(k, t, depth), frame.lane(layer, k, sub)),
        **frame.where(layer, k),
        value_norm=frame.val(norms, t, layer, k),
        grad_log10=frame.val(grads, t, layer, k),
    )


def add_cell_step(parts: GraphParts, frame: Frame, layer: int, k: int, t: int) -> None:
    """s_t = R(s_{t-1}, x_t) as one node."""
    v = frame.values
    sid = frame.nid("s", layer, k, t)
    _step_node(
        parts, frame, sid, "s", "s", (layer, k, t), sub=0.0, norms=v and v.s, grads=v and v.grad_s
    )
    parts.edge(frame.nid("s", layer, k, frame.previous(k, t)), sid, "recurrent", frame.delay(k))
    for tail, kind in step_inputs(frame, layer, t):
        parts.edge(tail, sid, kind)
    for name in LAYER_PARAMS:
        parts.edge(frame.param_id(name, layer, k), sid, "param")


def add_op_step(parts: GraphParts, frame: Frame, layer: int, k: int, t: int) -> None:
    """The cell opened up: pre-activation or gates, then (c_t,) h_t."""
    v = frame.values
    gates = CELL_GATES[frame.cell] or ("a",)
    gate_nodes = {}
    for j, name in enumerate(gates):
        if name == "a":  # Elman's pre-activation a_t = W_ih x_t + b + W_hh s_{t-1}
            nid, kind, norms = frame.nid("a", layer, k, t), "preact", v and v.pre
        else:
            nid, kind, norms = frame.gate_id(name, layer, k, t), "gate", v and v.gates.get(name)
        depth = GATE_DEPTH + GATE_SPACING * j
        gate_nodes[name] = _step_node(
            parts, frame, nid, kind, name, (layer, k, t), sub=0.0, depth=depth, norms=norms
        )
    prev_out = frame.output_id(layer, k, frame.previous(k, t))
    inputs = step_inputs(frame, layer, t)
    params = [frame.param_id(name, layer, k) for name in LAYER_PARAMS]
    for gid in gate_nodes.values():
        for tail, kind in inputs:
            parts.edge(tail, gid, kind)
        parts.edge(prev_out, gid, "recurrent", frame.delay(k))
        for param in params:
            parts.edge(param, gid, "param")
    if frame.cell == "lstm":
        _add_lstm_state(parts, frame, (layer, k, t), gate_nodes)
    else:
        _add_h_state(parts, frame, (layer, k, t), gate_nodes)


def _add_h_state(parts: GraphParts, frame: Frame, where: tuple, g: dict) -> None:
    """Elman / GRU: s_t = h_t from the pre-activation or the gates."""
    v = frame.values
    layer, k, t = where
    sid = frame.nid("s", layer, k, t)
    _step_node(parts, frame, sid, "s", "s", where, sub=2.0, norms=v and v.s, grads=v and v.grad_s)
    if frame.cell == "elman":
        parts.edge(g["a"], sid, "op")
        return
    parts.edge(g["r"], g["n"], "op")  # n reads r * (W_hn h_{t-1} + b_hn)
    parts.edge(g["n"], sid, "op")
    parts.edge(g["z"], sid, "op")
    prev = frame.nid("s", layer, k, frame.previous(k, t))
    parts.edge(prev, sid, "recurrent", frame.delay(k))  # the z * h_{t-1} term


def _add_lstm_state(parts: GraphParts, frame: Frame, where: tuple, g: dict) -> None:
    """LSTM: c_t = f * c_{t-1} + i * g, h_t = o * tanh(c_t)."""
    v = frame.values
    layer, k, t = where
    hid, cid = frame.nid("h", layer, k, t), frame.nid("c", layer, k, t)
    _step_node(
        parts,
        frame,
        cid,
        "c",
        "c",
        where,
        sub=1.0,
        depth=CELL_DEPTH,
        norms=v and v.c,
        grads=v and v.grad_c,
    )
    _step_node(parts, frame, hid, "h", "h", where, sub=2.0, norms=v and v.h, grads=v and v.grad_h)
    for name in ("f", "i", "g"):
        parts.edge(g[name], cid, "op")
    prev_c = frame.nid("c", layer, k, frame.previous(k, t))
    parts.edge(prev_c, cid, "cell_path", frame.delay(k))  # c_t = f * c_{t-1} + i * g
    parts.edge(g["o"], hid, "op")
    parts.edge(cid, hid, "op")
