"""The unrolled-graph figure and its animation, drawn from real rnnviz graphs."""

from __future__ import annotations

import math

import numpy as np
import pytest

import rnnviz
from explorer.figures import graph_figure, pattern_figure, unroll_animation_figure
from explorer.figures.graph.data import N_BUCKETS
from explorer.figures.style import KIND_STYLES, exact
from rnnviz.graph import build_graph
from tests.support.figure_cases import (
    HOSTILE_TOKENS,
    assert_no_markup_from,
    floats,
    hostile_trace,
    named,
    sentence_trace,
)

PARAM_EDGES = "shared parameter (dashed)"
GREY_EDGES = "no gradient (zero or not computed)"


def node_traces(fig):
    return [t for t in fig.data if t.hovertemplate and "customdata[5]" in t.hovertemplate]


def drawn_nodes(fig) -> set[tuple[float, float]]:
    return {(x, y) for t in node_traces(fig) for x, y in zip(t.x, t.y, strict=True)}


def test_edges_are_few_line_traces_with_gaps_and_arrows_point_along_them():
    G = build_graph(sentence_trace("elman"))
    fig = graph_figure(G)
    lines = [t for t in fig.data if t.mode == "lines"]
    assert len(lines) == 2 + N_BUCKETS  # parameters, no-gradient, one per colour bucket
    segments = sum(int(np.isnan(floats(t.x)).sum()) for t in lines)
    assert segments == G.number_of_edges()  # every edge drawn once, NaN-separated
    arrows = [t for t in fig.data if t.marker.symbol == "arrow"]
    assert arrows and all(t.marker.angleref == "previous" for t in arrows)
    colored = arrows[0]
    finite = [g for *_, g in G.edges(data="grad_log10") if np.isfinite(g)]
    assert (colored.marker.cmin, colored.marker.cmax) == (min(finite), max(finite))


def test_hover_gives_exact_node_numbers():
    trace = sentence_trace("lstm")
    G = build_graph(trace)
    fig = graph_figure(G)
    hovered = {row[0]: row for t in node_traces(fig) for row in t.customdata}
    for _, attrs in G.nodes(data=True):
        if attrs["kind"] in ("h", "s") and attrs["t"] == 3:
            row = hovered[attrs["label"]]
            assert row[1] == "3" and row[4] == exact(attrs["value_norm"])
            assert float(row[5]) == attrs["grad_log10"]  # repr round-trips: the exact float
    assert math.isfinite(float(row[5]))


def test_user_tokens_are_escaped_everywhere():
    G = build_graph(hostile_trace())
    for fig in (graph_figure(G), unroll_animation_figure(G)):
        assert_no_markup_from(fig, HOSTILE_TOKENS)
    x_nodes = named(graph_figure(G), KIND_STYLES["input"]["name"])
    assert "x_1<br>&lt;script&gt;a…" in x_nodes.text  # on the graph: cut, then escaped
    hover_labels = [row[0] for row in x_nodes.customdata]
    assert "x_2 &lt;b&gt;bold&lt;/b&gt;" in hover_labels  # hover: the whole token, escaped
    assert "x_3 &amp;amp;" in hover_labels  # '&amp;' stays literal, not decoded to '&'


def test_upto_t_hides_later_steps_on_fixed_axes():
    G = build_graph(sentence_trace("gru"))
    full, partial = graph_figure(G), graph_figure(G, upto_t=2)
    assert partial.layout.xaxis.range == full.layout.xaxis.range
    assert partial.layout.yaxis.range == full.layout.yaxis.range
    allowed = {a["pos"] for _, a in G.nodes(data=True) if a["t"] is None or a["t"] <= 2}
    assert drawn_nodes(partial) == allowed


def test_shared_parameters_are_dashed_and_can_be_hidden():
    G = build_graph(sentence_trace("elman"))
    with_params = named(graph_figure(G), PARAM_EDGES)
    assert with_params.line.dash == "dash" and np.isfinite(floats(with_params.x)).any()
    without = graph_figure(G, show_params=False)
    assert len(named(without, PARAM_EDGES).x) == 0
    params = {a["pos"] for _, a in G.nodes(data=True) if a["kind"] == "param"}
    assert params and not params & drawn_nodes(without)


def test_selected_step_is_shaded_behind_its_nodes():
    G = build_graph(sentence_trace("lstm"))
    fig = graph_figure(G, selected_t=4)
    (band,) = fig.layout.shapes
    xs = [a["pos"][0] for _, a in G.nodes(data=True) if a["t"] == 4]
    assert band.x0 < min(xs) and band.x1 > max(xs) and band.layer == "below"


@pytest.mark.parametrize(
    ("pattern", "title", "loss_nodes"),
    [
        ("acceptor", "acceptor: loss ★ at t = 6", 1),
        ("transducer", "transducer: losses ★ at t = 1..6", 7),  # one per step, and their sum
        ("encoder-decoder", "encoder-decoder: losses ★ at decoder steps 1..6", 7),
    ],
)
def test_pattern_figure_marks_where_losses_attach(pattern, title, loss_nodes):
    trace = rnnviz.unroll("John lives in Salt Lake City", cell="elman", pattern=pattern)
    fig = pattern_figure(build_graph(trace), pattern=pattern)
    losses = named(fig, KIND_STYLES["loss"]["name"])
    assert losses.marker.symbol == "star"
    assert losses.marker.color == KIND_STYLES["loss"]["color"]
    assert fig.layout.title.text == title
    assert len(losses.x) == loss_nodes


def test_large_graphs_are_windowed():
    """At most max_nodes drawn around the selected step (speed: benchmarks/graph_build.py)."""
    trace = rnnviz.unroll([f"w{i}" for i in range(2000)], cell="elman", hidden_size=4)
    G = build_graph(trace)
    fig = graph_figure(G, selected_t=1000, max_nodes=600)
    assert sum(len(t.x) for t in node_traces(fig)) <= 600
    assert "showing t = " in fig.layout.title.text
    shown_t = {int(r[1]) for t in node_traces(fig) for r in t.customdata if r[1].isdigit()}
    assert 1000 in shown_t
    building = graph_figure(G, upto_t=1500, selected_t=1500, max_nodes=600)
    shown_t = {int(r[1]) for t in node_traces(building) for r in t.customdata if r[1].isdigit()}
    assert max(shown_t) == 1500 and len(shown_t) > 100  # the window ends at upto_t


def test_animation_has_a_frame_per_step_on_fixed_axes():
    G = build_graph(sentence_trace("lstm"))
    fig = unroll_animation_figure(G)
    assert [f.name for f in fig.frames] == [str(t) for t in range(1, 7)]
    assert [s.label for s in fig.layout.sliders[0].steps] == [str(t) for t in range(1, 7)]
    labels = [b.label for b in fig.layout.updatemenus[0].buttons]
    assert labels == ["▶ Play", "❚❚ Pause"]
    nodes_at = [i for i, t in enumerate(fig.data) if t in node_traces(fig)]
    counts = [
        sum(int(np.isfinite(floats(f.data[i].x)).sum()) for i in nodes_at) for f in fig.frames
    ]
    assert all(len(f.data) == len(fig.data) for f in fig.frames)  # frames replace x/y one for one
    assert counts == sorted(counts) and counts[-1] == G.number_of_nodes()
    assert fig.layout.xaxis.range == graph_figure(G).layout.xaxis.range
    assert fig.layout.xaxis.autorange is False


def test_animation_samples_steps_of_long_sequences():
    trace = rnnviz.unroll([f"w{i}" for i in range(150)], cell="gru", hidden_size=4)
    fig = unroll_animation_figure(build_graph(trace), max_frames=30, max_nodes=5000)
    names = [int(f.name) for f in fig.frames]
    assert len(names) == 30 and names[0] == 1 and names[-1] == 150


@pytest.mark.parametrize(
    ("cell", "options"),
    [
        ("lstm", {"level": "op"}),
        ("gru", {"bidirectional": True, "num_layers": 2}),
        ("elman", {"pattern": "encoder-decoder"}),
        ("lstm", {"pattern": "encoder", "level": "op"}),
    ],
)
def test_every_node_of_any_graph_is_drawn_once_at_its_position(cell, options):
    level = options.pop("level", "cell")
    trace = rnnviz.unroll("John lives in Salt Lake City", cell=cell, hidden_size=4, **options)
    G = build_graph(trace, level=level)
    fig = graph_figure(G)
    points = [(x, y) for t in node_traces(fig) for x, y in zip(t.x, t.y, strict=True)]
    assert sorted(points) == sorted(a["pos"] for _, a in G.nodes(data=True))
    lines = [t for t in fig.data if t.mode == "lines"]
    assert sum(int(np.isnan(floats(t.x)).sum()) for t in lines) == G.number_of_edges()
