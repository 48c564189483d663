"""Build the graphs: the unrolled DAG of a Trace ("really just a big feedforward network"), the
rolled "network with a loop", and a time window of a long graph.

Node ids: "x[3]", "s[l1,fwd,3]" (s_0: t = 0; layers count from 1), op level "a[...]" (Elman
pre-activation), "gate:f[...]", "c[...]", "h[...]" (LSTM: s_t = [h_t; c_t]), "y[3]", "loss[3]" (L_t),
"loss" (L), "param:W_ih[l1,fwd]" / "param:W_hh[...]" / "param:b[...]" / "param:O"; the decoder's are
"s[dec,2]", "x[dec,2]", "y[dec,2]", "loss[dec,2]", "param:W_hh[dec]", "param:O[dec]".
Edge kinds: recurrent, input, layer, output, loss, param, op, cell_path. grad_log10 of an edge is the
gradient reaching its head node: every node's grad_log10 is log10 ||dL/dv||, the total derivative
(`rnnviz.node_grads`), -inf where no gradient flows. Counts: `count_nodes_edges`.
"""

from __future__ import annotations

import numbers

import networkx as nx

from rnnviz import checks
from rnnviz.config import UnrollConfig
from rnnviz.errors import RnnvizError
from rnnviz.graph.decoder import add_decoder
from rnnviz.graph.frame import Frame
from rnnviz.graph.parts import LEVELS, NAN, GraphParts
from rnnviz.graph.patterns import (
    OUTPUT_PATTERNS,
    add_encoder_losses,
    add_inputs,
    add_output,
    add_output_param,
    add_step_loss,
)
from rnnviz.graph.steps import add_cell_step, add_initial_states, add_op_step, add_params
from rnnviz.graph.values import NodeValues, fill_gradients, node_values
from rnnviz.trace import Trace, needs_trace


@needs_trace
def build_graph(trace: Trace, level: str = "cell") -> nx.DiGraph:
    """The unrolled feed-forward DAG of one trace, with value norms and log10 gradient norms."""
    _check_level(level)
    cfg, values = trace.config, node_values(trace)
    frame = Frame(
        T=trace.seq_len,
        L=cfg.num_layers,
        K=cfg.num_directions,
        cell=cfg.cell,
        level=level,
        values=values,
        param_norms=values.params,
    )
    parts = GraphParts()
    decoder_len = len(trace.decoder["tokens"]) if trace.decoder is not None else 0
    _add_network(parts, frame, cfg.pattern, values, trace, decoder_len)
    fill_gradients(parts, trace)
    return parts.to_digraph(**_graph_attrs(cfg, level, rolled=False, trace=trace))


def rolled_graph(trace_or_config: Trace | UnrollConfig, level: str = "cell") -> nx.DiGraph:
    """The "network with a loop": x -> s, s -> s (loop labelled "t-1 -> t"; "t+1 -> t" backward),
    s -> y, the parameters. At op level the loops run h -> gates and c -> c. No t attributes."""
    _check_level(level)
    if isinstance(trace_or_config, Trace):
        trace, cfg = trace_or_config, trace_or_config.config
        norms = node_values(trace).params
    elif isinstance(trace_or_config, UnrollConfig):
        trace, cfg, norms = None, trace_or_config.validate(), {}
    else:
        raise RnnvizError("rolled_graph needs an rnnviz Trace or UnrollConfig.")
    frame = Frame(
        T=1,
        L=cfg.num_layers,
        K=cfg.num_directions,
        cell=cfg.cell,
        level=level,
        rolled=True,
        param_norms=norms,
    )
    parts = GraphParts()
    _add_network(parts, frame, cfg.pattern, None, None, 1)
    attrs = _graph_attrs(cfg, level, rolled=True, trace=trace)
    return parts.to_digraph(edge_labels=True, **attrs)


def window_graph(graph: nx.DiGraph, center_t: int, radius: int) -> nx.DiGraph:
    """The nodes with center_t - radius <= t <= center_t + radius, plus every parameter (t None).

    The backward direction's s_0 counts as step T + 1 (where it is drawn). Node order is kept."""
    for name, value in (("center_t", center_t), ("radius", radius)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise RnnvizError(f"{name} must be a whole number, got {checks.shown(value)}.")
    if radius < 0:
        raise RnnvizError(f"radius must be 0 or more, got {checks.shown(radius)}.")
    after_last = (graph.graph.get("seq_len") or 0) + 1
    low, high = center_t - radius, center_t + radius
    keep = []
    for node, data in graph.nodes(data=True):
        t = data["t"]
        if t == 0 and data["direction"] == "backward":
            t = after_last
        if t is None or low <= t <= high:
            keep.append(node)
    # Rebuilt by hand: subgraph().copy() does not keep the insertion order.
    kept = set(keep)
    window = nx.DiGraph(**graph.graph)
    window.add_nodes_from((node, dict(graph.nodes[node])) for node in keep)
    window.add_edges_from(
        (u, v, dict(data)) for u, v, data in graph.edges(data=True) if u in kept and v in kept
    )
    return window


def _add_network(parts: GraphParts, frame: Frame, pattern: str, values, trace, decoder_len: int):
    """Parameters, inputs, s_0, every step, outputs and losses, in a fixed order."""
    add_params(parts, frame)
    outputs = pattern in OUTPUT_PATTERNS
    o_norm = frame.param_norms.get(("O", None, None), NAN)
    o_param = add_output_param(parts, frame, o_norm) if outputs else ""  # unused by the encoders
    add_inputs(parts, frame, _get(values, "x"))
    if not frame.rolled:
        add_initial_states(parts, frame)
    step = add_op_step if frame.level == "op" else add_cell_step
    for t in range(1, frame.T + 1):
        for layer in range(1, frame.L + 1):
            for k in range(frame.K):
                step(parts, frame, layer, k, t)
        if outputs:
            add_output(parts, frame, t, o_param, _at(values, "y", t))
            if pattern == "transducer" and not frame.rolled:
                add_step_loss(parts, frame, t, _at(values, "step_loss", t))
    if pattern == "encoder-decoder":
        add_decoder(parts, frame, decoder_len, trace)
    else:
        add_encoder_losses(parts, frame, pattern, values)


def _get(values: NodeValues | None, name: str):
    return None if values is None else getattr(values, name)


def _at(values: NodeValues | None, name: str, t: int) -> float:
    return NAN if values is None else float(getattr(values, name)[t - 1])


def _graph_attrs(cfg: UnrollConfig, level: str, *, rolled: bool, trace: Trace | None) -> dict:
    decoder = None if trace is None else trace.decoder
    return {
        "level": level,
        "rolled": rolled,
        "cell": cfg.cell,
        "num_layers": cfg.num_layers,
        "bidirectional": cfg.bidirectional,
        "pattern": cfg.pattern,
        "seq_len": None if trace is None else trace.seq_len,
        "tokens": None if trace is None else list(trace.tokens),
        "target_tokens": None if decoder is None else [str(t) for t in decoder["tokens"]],
        "loss": None if trace is None else float(trace.loss),
        "loss_name": None if trace is None else trace.loss_name,
    }


def _check_level(level) -> None:
    checks.choice("graph level", level, LEVELS)
