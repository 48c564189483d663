"""Edges say what the equations say: time direction, stacking, gates, patterns, loops, windows."""

from __future__ import annotations

import networkx as nx
import pytest

import rnnviz
from rnnviz.errors import RnnvizError
from rnnviz.graph import build_graph, rolled_graph, window_graph
from tests.support.graph_cases import CELLS, PATTERNS, trace_of


def _edges_of_kind(graph: nx.DiGraph, kind: str) -> list[tuple[str, str]]:
    return [(u, v) for u, v, k in graph.edges(data="kind") if k == kind]


def test_smallest_acceptor_is_exactly_the_lecture_picture():
    # Written by hand from s_t = R(s_{t-1}, x_t), y_t = O(s_t), L = loss(y_T), T = 2.
    graph = build_graph(trace_of(2, "elman", 1, False, "acceptor"))
    step = {"W_ih": "param", "W_hh": "param", "b": "param"}
    expected = {
        **{(f"param:{p}[l1,fwd]", f"s[l1,fwd,{t}]"): k for p, k in step.items() for t in (1, 2)},
        ("param:O", "y[1]"): "param",
        ("param:O", "y[2]"): "param",
        ("x[1]", "s[l1,fwd,1]"): "input",
        ("x[2]", "s[l1,fwd,2]"): "input",
        ("s[l1,fwd,0]", "s[l1,fwd,1]"): "recurrent",
        ("s[l1,fwd,1]", "s[l1,fwd,2]"): "recurrent",
        ("s[l1,fwd,1]", "y[1]"): "output",
        ("s[l1,fwd,2]", "y[2]"): "output",
        ("y[2]", "loss"): "loss",
    }
    assert {(u, v): k for u, v, k in graph.edges(data="kind")} == expected
    labels = dict(graph.nodes(data="label"))
    assert [labels[n] for n in ("x[1]", "s[l1,fwd,0]", "s[l1,fwd,2]", "y[2]", "loss")] == [
        "x_1",
        "s_0",
        "s_2",
        "y_2",
        "L",
    ]


def test_forward_edges_go_t_minus_1_to_t_and_backward_t_plus_1_to_t():
    graph = build_graph(trace_of(5, "elman", 1, True, "acceptor"))
    recurrent = _edges_of_kind(graph, "recurrent")
    assert len(recurrent) == 10
    for u, v in recurrent:
        tail, head = graph.nodes[u], graph.nodes[v]
        assert tail["direction"] == head["direction"]
        if head["direction"] == "forward":
            assert tail["t"] == head["t"] - 1
        elif tail["t"] == 0:  # the backward s_0 is read by the step at t = T
            assert head["t"] == 5 and tail["pos"][0] == 6.0
        else:
            assert tail["t"] == head["t"] + 1
    assert graph.nodes["s[l1,fwd,3]"]["label"] == "s^f_3"
    assert graph.nodes["s[l1,bwd,3]"]["label"] == "s^b_3"
    assert set(graph.predecessors("y[3]")) == {"s[l1,fwd,3]", "s[l1,bwd,3]", "param:O"}


def test_stacked_layer_reads_every_direction_of_the_layer_below_at_the_same_t():
    graph = build_graph(trace_of(5, "gru", 2, True, "transducer"))
    for u, v in _edges_of_kind(graph, "layer"):
        assert graph.nodes[u]["layer"] + 1 == graph.nodes[v]["layer"]
        assert graph.nodes[u]["t"] == graph.nodes[v]["t"]
    assert set(graph.predecessors("s[l2,bwd,2]")) == {
        "s[l1,fwd,2]",
        "s[l1,bwd,2]",
        "s[l2,bwd,3]",
        "param:W_ih[l2,bwd]",
        "param:W_hh[l2,bwd]",
        "param:b[l2,bwd]",
    }
    assert set(graph.predecessors("s[l1,fwd,2]")) >= {"x[2]", "s[l1,fwd,1]"}


def test_each_parameter_feeds_every_step_that_uses_it():
    graph = build_graph(trace_of(5, "lstm", 2, False, "acceptor"))
    for name in ("W_ih", "W_hh", "b"):
        heads = set(graph.successors(f"param:{name}[l2,fwd]"))
        assert heads == {f"s[l2,fwd,{t}]" for t in range(1, 6)}
    assert set(graph.successors("param:O")) == {f"y[{t}]" for t in range(1, 6)}
    op = build_graph(trace_of(5, "lstm", 1, False, "acceptor"), "op")
    assert len(set(op.successors("param:W_hh[l1,fwd]"))) == 5 * 4  # every gate of every step


def test_lstm_op_level_cell_path_and_gates():
    graph = build_graph(trace_of(5, "lstm", 1, False, "acceptor"), "op")
    assert set(graph.predecessors("c[l1,fwd,3]")) == {
        "gate:f[l1,fwd,3]",
        "gate:i[l1,fwd,3]",
        "gate:g[l1,fwd,3]",
        "c[l1,fwd,2]",
    }
    assert graph.edges["c[l1,fwd,2]", "c[l1,fwd,3]"]["kind"] == "cell_path"
    assert set(graph.predecessors("h[l1,fwd,3]")) == {"gate:o[l1,fwd,3]", "c[l1,fwd,3]"}
    assert set(graph.predecessors("gate:f[l1,fwd,3]")) == {
        "x[3]",
        "h[l1,fwd,2]",
        "param:W_ih[l1,fwd]",
        "param:W_hh[l1,fwd]",
        "param:b[l1,fwd]",
    }
    path = nx.shortest_path(graph, "c[l1,fwd,0]", "c[l1,fwd,5]")
    assert path == [f"c[l1,fwd,{t}]" for t in range(6)]  # the uninterrupted cell path


def test_gru_and_elman_op_level_edges():
    gru = build_graph(trace_of(5, "gru", 1, False, "acceptor"), "op")
    assert set(gru.predecessors("s[l1,fwd,2]")) == {
        "gate:n[l1,fwd,2]",
        "gate:z[l1,fwd,2]",
        "s[l1,fwd,1]",
    }
    assert "gate:r[l1,fwd,2]" in set(gru.predecessors("gate:n[l1,fwd,2]"))
    elman = build_graph(trace_of(5, "elman", 1, False, "acceptor"), "op")
    assert set(elman.predecessors("s[l1,fwd,2]")) == {"a[l1,fwd,2]"}
    assert elman.nodes["a[l1,fwd,2]"]["kind"] == "preact"


def test_losses_attach_where_the_pattern_says():
    T = 5
    acceptor = build_graph(trace_of(T, "elman", 1, False, "acceptor"))
    assert set(acceptor.predecessors("loss")) == {"y[5]"}
    transducer = build_graph(trace_of(T, "elman", 1, False, "transducer"))
    assert set(transducer.predecessors("loss")) == {f"loss[{t}]" for t in range(1, T + 1)}
    assert set(transducer.predecessors("loss[2]")) == {"y[2]"}
    encoder = build_graph(trace_of(T, "lstm", 2, True, "encoder"), "op")
    assert set(encoder.predecessors("loss")) == {"h[l2,fwd,5]", "h[l2,bwd,1]"}
    assert not any(k == "y" for _, k in encoder.nodes(data="kind"))


def test_encoder_decoder_bridge_and_decoder_chain():
    graph = build_graph(trace_of(5, "lstm", 1, True, "encoder-decoder"), "op")
    assert set(graph.predecessors("h[dec,0]")) == {"h[l1,fwd,5]", "h[l1,bwd,1]"}
    assert set(graph.predecessors("c[dec,0]")) == {"c[l1,fwd,5]", "c[l1,bwd,1]"}
    assert graph.nodes["h[dec,2]"]["label"] == "h'_2" and graph.nodes["h[dec,2]"]["t"] == 7
    assert nx.has_path(graph, "x[1]", "loss") and nx.has_path(graph, "x[dec,5]", "loss")
    cell = build_graph(trace_of(5, "gru", 1, False, "encoder-decoder"))
    assert set(cell.predecessors("s[dec,1]")) == {
        "s[dec,0]",
        "x[dec,1]",
        "param:W_ih[dec]",
        "param:W_hh[dec]",
        "param:b[dec]",
    }


@pytest.mark.parametrize("pattern", PATTERNS)
@pytest.mark.parametrize("cell", CELLS)
def test_every_input_reaches_the_loss(cell, pattern):
    graph = build_graph(trace_of(5, cell, 2, True, pattern), "op")
    reach = nx.ancestors(graph, "loss")
    assert {f"x[{t}]" for t in range(1, 6)} <= reach


@pytest.mark.parametrize("pattern", PATTERNS)
@pytest.mark.parametrize("bidirectional", [False, True])
def test_rolled_cell_graph_has_exactly_the_self_loops(bidirectional, pattern):
    config = rnnviz.UnrollConfig(
        cell="gru", num_layers=2, bidirectional=bidirectional, pattern=pattern
    )
    graph = rolled_graph(config)
    cycles = sorted(nx.simple_cycles(graph))
    loops = sorted([u] for u, v in graph.edges if u == v)
    assert cycles == loops
    expected = 2 * (2 if bidirectional else 1) + (pattern == "encoder-decoder")
    assert len(loops) == expected
    labels = {graph.edges[u, u]["label"] for [u] in loops}
    assert labels == ({"t-1 -> t", "t+1 -> t"} if bidirectional else {"t-1 -> t"})
    assert all(t is None for _, t in graph.nodes(data="t"))
    graph.remove_edges_from(nx.selfloop_edges(graph))
    assert nx.is_directed_acyclic_graph(graph)


@pytest.mark.parametrize("cell", CELLS)
def test_rolled_op_graph_cycles_all_pass_through_a_delay(cell):
    graph = rolled_graph(trace_of(5, cell, 1, False, "acceptor"), "op")
    assert not nx.is_directed_acyclic_graph(graph)
    delayed = [(u, v) for u, v, label in graph.edges(data="label") if label]
    assert delayed and all(graph.edges[e]["kind"] in {"recurrent", "cell_path"} for e in delayed)
    graph.remove_edges_from(delayed)
    assert nx.is_directed_acyclic_graph(graph)


def test_rolled_graph_from_trace_carries_parameter_norms():
    trace = trace_of(5, "lstm", 1, False, "acceptor")
    graph = rolled_graph(trace)
    assert graph.nodes["param:W_hh[l1,fwd]"]["value_norm"] > 0
    assert set(graph.nodes) == {
        "param:W_ih[l1,fwd]",
        "param:W_hh[l1,fwd]",
        "param:b[l1,fwd]",
        "param:O",
        "x",
        "s[l1,fwd]",
        "y",
        "loss",
    }


def test_window_keeps_steps_in_range_and_all_parameters():
    graph = build_graph(trace_of(17, "lstm", 1, True, "transducer"), "op")
    window = window_graph(graph, center_t=8, radius=2)
    times = {t for _, t in window.nodes(data="t") if t is not None}
    assert times == {6, 7, 8, 9, 10}
    params = {n for n, k in graph.nodes(data="kind") if k == "param"}
    assert params <= set(window.nodes)
    assert list(window.nodes) == [n for n in graph.nodes if n in window]  # order kept
    edge_window = window_graph(graph, center_t=17, radius=0)
    assert "h[l1,bwd,0]" not in edge_window  # drawn at T + 1
    assert "h[l1,bwd,0]" in window_graph(graph, center_t=18, radius=0)
    with pytest.raises(RnnvizError, match="radius"):
        window_graph(graph, 3, -1)
    with pytest.raises(RnnvizError, match="center_t"):
        window_graph(graph, "3", 1)


def test_layout_puts_time_on_x_and_kinds_on_lanes():
    graph = build_graph(trace_of(5, "lstm", 2, False, "acceptor"), "op")
    pos = nx.get_node_attributes(graph, "pos")
    assert pos["h[l1,fwd,3]"][0] == 3.0
    assert pos["gate:f[l1,fwd,3]"][0] < pos["c[l1,fwd,3]"][0] < pos["h[l1,fwd,3]"][0]
    assert pos["x[3]"][1] < pos["h[l1,fwd,3]"][1] < pos["h[l2,fwd,3]"][1] < pos["y[3]"][1]
    lanes = {pos[f"h[l1,fwd,{t}]"][1] for t in range(6)}
    assert len(lanes) == 1
