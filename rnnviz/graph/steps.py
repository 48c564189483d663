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

from rnnviz.graph.frame import Frame
from rnnviz.graph.parts import CELL_DEPTH, GATE_DEPTH, GATE_SPACING, NAN, PARAM_COLUMN, GraphParts
from rnnviz.names import GATE_NAMES

LAYER_PARAMS = ("W_ih", "W_hh", "b")


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
    gates = GATE_NAMES[frame.cell] or ("a",)
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
