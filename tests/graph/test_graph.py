"""The unrolled graph: counts equal the closed form, it is a DAG, deterministic, JSON round-trips,
and its numbers are the trace's own (norms of the stored arrays, gradient_flow's log10 norms)."""

from __future__ import annotations

import itertools
import json
import math

import networkx as nx
import numpy as np
import pytest

import rnnviz
from rnnviz.errors import RnnvizError
from rnnviz.graph import (
    build_graph,
    count_nodes_edges,
    graph_from_json,
    graph_to_json,
    rolled_graph,
)
from rnnviz.graph.parts import EDGE_KINDS, NODE_ATTRS
from tests.support.graph_cases import CELLS, PATTERNS, same_number, trace_of

NODE_KINDS = {"x", "s", "h", "c", "gate", "preact", "y", "loss", "param"}


@pytest.mark.parametrize(
    ("cell", "num_layers", "bidirectional", "pattern"),
    list(itertools.product(CELLS, (1, 2), (False, True), PATTERNS)),
)
def test_counts_equal_closed_form_and_graph_is_a_dag(cell, num_layers, bidirectional, pattern):
    for seq_len in (1, 2, 5, 17):
        trace = trace_of(seq_len, cell, num_layers, bidirectional, pattern)
        for level in ("cell", "op"):
            graph = build_graph(trace, level)
            expected = count_nodes_edges(seq_len, cell, num_layers, bidirectional, level, pattern)
            assert (graph.number_of_nodes(), graph.number_of_edges()) == expected
            assert nx.is_directed_acyclic_graph(graph)
            assert nx.is_weakly_connected(graph)


def test_count_formula_small_case_by_hand():
    # Elman acceptor, T = 2, cell level: W_ih, W_hh, b, O, x_1, x_2, s_0, s_1, s_2, y_1, y_2, L.
    # Edges: per step x->s, s_{t-1}->s, 3 params->s (10); s_t->y_t, O->y_t (4); y_2->L (1).
    assert count_nodes_edges(2, "elman") == (12, 15)
    assert count_nodes_edges(3, "lstm", 2, True, "op", "encoder-decoder", target_len=4)[0] > 0


@pytest.mark.parametrize(
    "kwargs",
    [
        {"seq_len": 0, "cell": "lstm"},
        {"seq_len": 3, "cell": "transformer"},
        {"seq_len": 3, "cell": "lstm", "level": "gate"},
        {"seq_len": 3, "cell": "lstm", "pattern": "seq2seq"},
        {"seq_len": 3, "cell": "lstm", "num_layers": 0},
        {"seq_len": 2.5, "cell": "lstm"},
        {"seq_len": 3, "cell": "lstm", "bidirectional": "yes"},
    ],
)
def test_count_formula_rejects_bad_arguments(kwargs):
    with pytest.raises(RnnvizError):
        count_nodes_edges(**kwargs)


@pytest.mark.parametrize("level", ["cell", "op"])
def test_two_builds_are_identical(level):
    trace = trace_of(5, "lstm", 2, True, "transducer")
    first, second = build_graph(trace, level), build_graph(trace, level)
    assert list(first.nodes) == list(second.nodes)
    assert list(first.edges) == list(second.edges)
    assert graph_to_json(first) == graph_to_json(second)
    again = build_graph(trace_of(5, "lstm", 2, True, "transducer", tokenize="word"), level)
    assert graph_to_json(again) == graph_to_json(first)  # a fresh unroll gives the same text


@pytest.mark.parametrize("pattern", PATTERNS)
def test_json_round_trip_is_strict_and_lossless(pattern):
    graph = build_graph(trace_of(5, "gru", 1, True, pattern), "op")
    text = graph_to_json(graph)

    def refuse(token):
        raise AssertionError(f"non-standard JSON constant {token}")

    data = json.loads(text, parse_constant=refuse)
    assert set(data) >= {"nodes", "edges", "graph", "directed"}
    assert data["graph"]["pattern"] == pattern
    back = graph_from_json(text)
    assert list(back.nodes) == list(graph.nodes)
    assert list(back.edges) == list(graph.edges)
    for node, attrs in graph.nodes(data=True):
        restored = back.nodes[node]
        assert restored["pos"] == attrs["pos"]
        assert restored["label"] == attrs["label"] and restored["t"] == attrs["t"]
        for name in ("value_norm", "grad_log10"):
            assert same_number(restored[name], attrs[name])
    for u, v, attrs in graph.edges(data=True):
        assert back.edges[u, v]["kind"] == attrs["kind"]
        assert same_number(back.edges[u, v]["grad_log10"], attrs["grad_log10"])


def test_zero_gradient_survives_json_as_minus_infinity():
    # W_hh = 0 (init_scale 0) cuts the recurrence: dL/ds_t = 0 exactly before the last step.
    trace = rnnviz.unroll("a b c", cell="elman", hidden_size=3, init_scale=0.0)
    graph = build_graph(trace)
    assert graph.nodes["s[l1,fwd,1]"]["grad_log10"] == -math.inf
    text = graph_to_json(graph)
    assert '"-Infinity"' in text
    assert graph_from_json(text).nodes["s[l1,fwd,1]"]["grad_log10"] == -math.inf
    assert math.isfinite(graph_from_json(text).nodes["s[l1,fwd,3]"]["grad_log10"])


@pytest.mark.parametrize("level", ["cell", "op"])
@pytest.mark.parametrize("cell", CELLS)
def test_every_node_and_edge_has_its_attributes(cell, level):
    graph = build_graph(trace_of(5, cell, 2, True, "encoder-decoder"), level)
    for node, attrs in graph.nodes(data=True):
        assert set(NODE_ATTRS) <= set(attrs), node
        assert attrs["kind"] in NODE_KINDS
        assert (attrs["t"] is None) == (attrs["kind"] == "param"), node
        assert isinstance(attrs["label"], str) and attrs["label"]
        assert len(attrs["pos"]) == 2 and all(math.isfinite(p) for p in attrs["pos"])
    for u, v, attrs in graph.edges(data=True):
        assert attrs["kind"] in EDGE_KINDS, (u, v)
        assert same_number(attrs["grad_log10"], graph.nodes[v]["grad_log10"])
    kinds = {attrs["kind"] for _, attrs in graph.nodes(data=True)}
    expected = {"cell": {"s"}, "op": {"elman": {"preact", "s"}, "gru": {"gate", "s"}}}
    want = expected["cell"] if level == "cell" else expected["op"].get(cell, {"gate", "h", "c"})
    assert want <= kinds


@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("cell", CELLS)
def test_state_gradients_are_gradient_flows_numbers(cell, bidirectional):
    # One layer: the total derivative on s_t is gradient_flow's dL/ds_t (computed another way).
    trace = trace_of(17, cell, 1, bidirectional, "transducer")
    cell_graph, op_graph = build_graph(trace, "cell"), build_graph(trace, "op")
    flow = trace.gradient_flow
    assert len(flow) == 17 * (2 if bidirectional else 1)
    for row in flow.itertuples():
        key = f"l1,{'fwd' if row.direction == 'forward' else 'bwd'},{row.t}"
        assert cell_graph.nodes[f"s[{key}]"]["grad_log10"] == pytest.approx(
            row.log10_grad_norm, abs=1e-9
        )
        head = "h" if cell == "lstm" else "s"
        assert op_graph.nodes[f"{head}[{key}]"]["grad_log10"] == pytest.approx(
            row.log10_grad_h, abs=1e-9
        )
    assert all(np.isfinite(flow["log10_grad_norm"]))  # so the equalities above compared numbers


def test_stacked_layers_show_the_total_derivative_of_each_node():
    trace = trace_of(5, "gru", 2, False, "acceptor")
    graph = build_graph(trace)
    # The top layer's s_t: nothing above it, so its total is the stack chain's top part.
    for t in (1, 5):
        expected = trace.layer_grad_log10[t - 1, 1, 0, 0]
        assert graph.nodes[f"s[l2,fwd,{t}]"]["grad_log10"] == pytest.approx(expected, abs=1e-9)
    # s_T of layer 1 feeds layer 2 at step T (the stack chain leaves that path inside J_T):
    # its total derivative is a number, while the stack's own layer-1 part is exactly 0.
    assert trace.layer_grad_log10[4, 0, 0, 0] == -np.inf
    assert np.isfinite(graph.nodes["s[l1,fwd,5]"]["grad_log10"])
    assert graph.nodes["loss"]["grad_log10"] == 0.0  # dL/dL = 1 is known exactly


def test_value_norms_are_norms_of_the_trace_arrays():
    trace = trace_of(5, "lstm", 2, True, "acceptor")
    cell_graph, op_graph = build_graph(trace, "cell"), build_graph(trace, "op")
    states = trace.states.reshape(5, 2, 2, 6)  # (T, L, K, S) with S = [h; c] = 6
    assert cell_graph.nodes["s[l2,bwd,3]"]["value_norm"] == pytest.approx(
        np.linalg.norm(states[2, 1, 1])
    )
    assert op_graph.nodes["c[l1,fwd,4]"]["value_norm"] == pytest.approx(
        np.linalg.norm(trace.c[3, 0, 0])
    )
    assert op_graph.nodes["gate:f[l2,fwd,2]"]["value_norm"] == pytest.approx(
        np.linalg.norm(trace.gates["f"][1, 1, 0])
    )
    assert cell_graph.nodes["x[2]"]["value_norm"] == pytest.approx(np.linalg.norm(trace.inputs[1]))
    assert cell_graph.nodes["y[5]"]["value_norm"] == pytest.approx(np.linalg.norm(trace.outputs[4]))
    assert cell_graph.nodes["loss"]["value_norm"] == pytest.approx(abs(trace.loss))
    w_hh = trace.rnn.weight_hh_l1_reverse.detach().numpy()
    assert cell_graph.nodes["param:W_hh[l2,bwd]"]["value_norm"] == pytest.approx(
        np.linalg.norm(w_hh)
    )
    assert cell_graph.nodes["s[l1,fwd,0]"]["value_norm"] == 0.0  # s_0 = 0


def test_elman_preactivation_norms():
    trace = trace_of(5, "elman", 1, False, "acceptor")
    graph = build_graph(trace, "op")
    assert graph.nodes["a[l1,fwd,2]"]["value_norm"] == pytest.approx(
        np.linalg.norm(trace.preactivations[1, 0, 0])
    )


def test_decoder_losses_add_up_to_the_decoder_loss():
    trace = trace_of(5, "gru", 1, True, "encoder-decoder")
    graph = build_graph(trace)
    steps = [graph.nodes[f"loss[dec,{k}]"]["value_norm"] for k in range(1, 6)]
    assert sum(steps) == pytest.approx(trace.decoder["loss"])
    assert graph.nodes["loss"]["value_norm"] == pytest.approx(trace.loss)
    assert graph.graph["target_tokens"] == list(reversed(trace.tokens))


def test_long_sequence_builds_whole():
    """10,000 steps build completely (its speed is measured in benchmarks/graph_build.py)."""
    trace = rnnviz.unroll(["w"] * 10_000, cell="lstm", hidden_size=4, input_size=4)
    graph = build_graph(trace, "cell")
    assert (graph.number_of_nodes(), graph.number_of_edges()) == count_nodes_edges(10_000, "lstm")


def test_bad_level_and_bad_input_raise():
    trace = trace_of(2, "elman")
    with pytest.raises(RnnvizError, match="cell, op"):
        build_graph(trace, "gates")
    with pytest.raises(RnnvizError, match="Trace"):
        build_graph({"tokens": ["a"]})
    with pytest.raises(RnnvizError, match="Trace or UnrollConfig"):
        rolled_graph("lstm")
    with pytest.raises(RnnvizError, match="graph_to_json"):
        graph_from_json("{not json")
