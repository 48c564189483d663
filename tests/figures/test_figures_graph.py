"""The unrolled-graph figure and its animation, drawn from real rnnviz graphs (and graphs whose
gradients the test sets): boxes, bundles, loops, lanes, true colours, notation, windows."""

from __future__ import annotations

import json
import math
import re

import networkx as nx
import numpy as np
import pytest

import rnnviz
from explorer.figures import graph_figure, pattern_figure, unroll_animation_figure
from explorer.figures.graph.data import N_BUCKETS
from explorer.figures.graph.layout import place
from explorer.figures.graph.nodes import NODE_HOVER
from explorer.figures.graph.traces import BUNDLE_NAME, COLORBAR_TITLE, ROLLED_NAME
from explorer.figures.style import (
    KIND_STYLES,
    NOT_COMPUTED_FILL,
    ZERO_GRADIENT_GREY,
)
from rnnviz.graph import build_graph, graph_from_json, graph_to_json, rolled_graph, window_graph
from tests.support.figure_cases import floats, named, sentence_trace


def node_traces(fig):
    return [t for t in fig.data if t.hovertemplate == NODE_HOVER]


def drawn_nodes(fig) -> list[tuple[float, float]]:
    return [
        (x, y)
        for t in node_traces(fig)
        for x, y in zip(floats(t.x), floats(t.y), strict=True)
        if math.isfinite(x)
    ]


def nodes_named(fig, name: str):
    """The node trace of one kind (the legend entry of the same name holds no points)."""
    (trace,) = [t for t in node_traces(fig) if t.name == name]
    return trace


def hover_of(fig, label_html: str) -> str:
    rows = [
        h for t in node_traces(fig) for h in t.customdata if h.startswith(f"<b>{label_html}</b>")
    ]
    assert len(rows) == 1, label_html
    return rows[0]


def with_gradients(G: nx.DiGraph, grads: dict[str, float]) -> nx.DiGraph:
    """A copy of G whose named nodes (and the edges into them) carry the given grad_log10."""
    G = G.copy()
    for nid, g in grads.items():
        G.nodes[nid]["grad_log10"] = g
        for u in G.predecessors(nid):
            G.edges[u, nid]["grad_log10"] = g
    return G


def test_positions_come_from_the_figure_layout_not_the_engines_pos():
    G = build_graph(sentence_trace("lstm"), level="op")
    scrambled = G.copy()
    for i, nid in enumerate(scrambled):
        scrambled.nodes[nid]["pos"] = (float(-i), 99.0)  # nonsense: the figure must not read it
    a, b = graph_figure(G), graph_figure(scrambled)
    assert sorted(drawn_nodes(a)) == sorted(drawn_nodes(b))
    placement = place(G)
    assert sorted(drawn_nodes(a)) == sorted(zip(placement.x, placement.y, strict=True))


@pytest.mark.parametrize(
    ("cell", "options", "level"),
    [
        ("lstm", {}, "op"),
        ("gru", {"bidirectional": True, "num_layers": 2}, "cell"),
        ("elman", {"pattern": "encoder-decoder"}, "cell"),
        ("lstm", {"pattern": "encoder"}, "op"),
        ("gru", {"pattern": "transducer", "bidirectional": True}, "op"),
    ],
)
def test_every_node_and_edge_is_drawn_once(cell, options, level):
    trace = rnnviz.unroll("John lives in Salt Lake City", cell=cell, hidden_size=4, **options)
    G = build_graph(trace, level=level)
    fig = graph_figure(G)
    assert len(drawn_nodes(fig)) == G.number_of_nodes()
    lines = [t for t in fig.data if t.mode == "lines" and t.name != BUNDLE_NAME and not t.fill]
    flowing = sum(1 for *_, k in G.edges(data="kind") if k != "param")
    assert sum(int(np.isnan(floats(t.x)).sum()) for t in lines) == flowing
    arrows = [t for t in fig.data if t.marker.symbol == "arrow"]
    assert len(arrows) == 1 and arrows[0].marker.angleref == "previous"
    assert len(arrows[0].x) == 3 * flowing


def test_each_step_has_a_box_r_around_its_cell_nodes_and_o_around_y():
    G = build_graph(sentence_trace("lstm"), level="op")
    data_place = place(G)
    r_boxes = [b for b in data_place.boxes if b.label == "R"]
    o_boxes = [b for b in data_place.boxes if b.label == "O"]
    assert len(r_boxes) == 6 and len(o_boxes) == 6
    for i, nid in enumerate(G.nodes):
        a = G.nodes[nid]
        if a["kind"] in ("gate", "c", "h") and a["t"] >= 1:
            box = data_place.boxes[data_place.box_of[i]]
            assert box.label == "R" and box.t == a["t"]
            assert box.x0 < data_place.x[i] < box.x1 and box.y0 < data_place.y[i] < box.y1
    fig = graph_figure(G)
    labels = named(fig, "box labels")
    assert sorted(set(labels.text)) == ["O", "R"]
    boxes = [t for t in fig.data if t.fill == "toself"]
    assert len(boxes) == 1 and int(np.isnan(floats(boxes[0].x)).sum()) == 12  # one outline each


def test_shared_parameters_feed_every_box_through_one_dashed_bundle_each():
    G = build_graph(sentence_trace("elman"))
    fig = graph_figure(G)
    bundle = named(fig, BUNDLE_NAME)
    assert bundle.line.dash == "dash"
    params = [n for n, a in G.nodes(data=True) if a["kind"] == "param"]  # W_ih, W_hh, b, O
    segments = int(np.isnan(floats(bundle.x)).sum())
    # per parameter: 2 stub segments, and per box it serves one bus piece and one drop
    assert segments == 2 * len(params) + 2 * (3 * 6 + 6)
    assert not any(
        t.mode == "lines" and t.line.dash == "dash" and t is not bundle for t in fig.data
    )
    hidden = graph_figure(G, show_params=False)
    assert len(named(hidden, BUNDLE_NAME).x) == 0
    kinds = {G.nodes[n]["kind"] for n in G}
    assert "param" in kinds and len(drawn_nodes(hidden)) == G.number_of_nodes() - len(params)


def test_true_colours_nan_unknown_minus_inf_grey_finite_on_the_scale():
    G = build_graph(sentence_trace("elman"))
    G = with_gradients(G, {"s[l1,fwd,2]": -math.inf, "s[l1,fwd,3]": math.nan, "y[4]": -7.5})
    fig = graph_figure(G)
    states = nodes_named(fig, KIND_STYLES["state"]["name"])
    names = [h.split(" (")[0].removeprefix("<b>").removesuffix("</b>") for h in states.customdata]
    colour = dict(zip(names, states.marker.color, strict=True))
    symbol = dict(zip(names, states.marker.symbol, strict=True))
    s2, s3 = "<b>s</b><sub>2</sub>", "<b>s</b><sub>3</sub>"
    assert colour[s2] == ZERO_GRADIENT_GREY and colour[s3] == NOT_COMPUTED_FILL
    assert symbol[s3] == "circle-dot" and symbol[s2] == "circle"
    finite = {c for k, c in colour.items() if k not in (s2, s3, "<b>s</b><sub>0</sub>")}
    assert finite.isdisjoint({ZERO_GRADIENT_GREY, NOT_COMPUTED_FILL})
    # edges: into s_2 grey solid, into s_3 dotted "not computed", the rest on colour buckets
    zero = [t for t in fig.data if t.name == "edges: exactly no gradient"][0]
    unknown = [t for t in fig.data if t.name == "edges: gradient not computed"][0]
    assert unknown.line.dash == "dot" and zero.line.dash == "solid"
    flowing = [(u, g) for u, _, k, g in _edges(G) if k != "param"]
    assert int(np.isnan(floats(zero.x)).sum()) == sum(1 for _, g in flowing if g == -math.inf)
    assert int(np.isnan(floats(unknown.x)).sum()) == sum(1 for _, g in flowing if math.isnan(g))
    assert any(g == -math.inf for _, g in flowing) and any(math.isnan(g) for _, g in flowing)
    buckets = [t for t in fig.data if (t.name or "").startswith("gradient bucket")]
    assert len(buckets) == N_BUCKETS
    bar = [t for t in fig.data if t.marker.showscale][0].marker
    assert bar.colorbar.title.text == COLORBAR_TITLE and bar.cmin == -7.5
    legend = {t.name for t in fig.data if t.showlegend}
    assert any("exactly 0" in n for n in legend) and any("not computed" in n for n in legend)


def _edges(G: nx.DiGraph):
    return [(u, v, d.get("kind"), d.get("grad_log10")) for u, v, d in G.edges(data=True)]


def test_hover_gives_value_and_gradient_to_three_digits_in_the_lectures_notation():
    G = build_graph(sentence_trace("lstm"), level="op")
    grads = {"c[l1,fwd,5]": -4.3125, "c[l1,fwd,4]": -400.25, "gate:i[l1,fwd,2]": math.nan}
    G = with_gradients(G, grads)
    G.nodes["c[l1,fwd,5]"]["value_norm"] = 0.73149
    fig = graph_figure(G)
    hover = hover_of(fig, "<b>c</b><sub>5</sub>")
    assert "‖∂L/∂<b>c</b><sub>5</sub>‖ = 10<sup>−4.31</sup>" in hover
    assert "‖<b>c</b><sub>5</sub>‖ = 0.731" in hover
    assert "10<sup>−400</sup>" in hover_of(fig, "<b>c</b><sub>4</sub>")  # from log10: no underflow
    assert "not computed" in hover_of(fig, "i<sub>2</sub>")  # NaN: never drawn as "no gradient"
    assert "10<sup>" in hover_of(fig, "i<sub>3</sub>")  # the engine's own gradient of a gate


def test_user_tokens_are_escaped_in_every_text_field():
    tokens = ["<script>alert(1)</script>", "<img src=x onerror=alert(2)>", "a_b", "&amp;"]
    G = build_graph(rnnviz.unroll(tokens, cell="lstm", hidden_size=4))
    for fig in (graph_figure(G), unroll_animation_figure(G), graph_figure(G, large_font=True)):
        strings = _strings(fig.to_plotly_json())
        assert not any("<script" in s or "<img" in s for s in strings)
        joined = "\n".join(strings)
        assert "&lt;script&gt;" in joined and "&lt;img src=x onerror=alert(2)&gt;" in joined
        assert "&amp;amp;" in joined  # '&amp;' stays literal, not decoded to '&'
        assert "a_b" in joined  # a token is never turned into notation


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list | tuple) or getattr(value, "dtype", None) is np.dtype(object):
        return [s for v in list(value) for s in _strings(v)]
    return []


def test_upto_t_hides_later_steps_and_their_boxes_on_fixed_axes():
    G = build_graph(sentence_trace("gru"))
    full, partial = graph_figure(G), graph_figure(G, upto_t=2)
    assert partial.layout.xaxis.range == full.layout.xaxis.range
    assert partial.layout.yaxis.range == full.layout.yaxis.range
    placement = place(G)
    allowed = sorted(
        (x, y)
        for (x, y), nid in zip(zip(placement.x, placement.y, strict=True), G.nodes, strict=True)
        if G.nodes[nid]["t"] is None or G.nodes[nid]["t"] <= 2
    )
    assert sorted(drawn_nodes(partial)) == allowed
    boxes = [t for t in partial.data if t.fill == "toself"][0]
    assert int(np.isnan(floats(boxes.x)).sum()) == 4  # R and O of steps 1 and 2
    assert partial.layout.title.text.endswith("t = 1..2 of 6")
    assert full.layout.title.text == "Unrolled computation graph"  # everything drawn: no note


def test_selected_step_is_shaded_behind_its_nodes_and_boxes():
    G = build_graph(sentence_trace("lstm"))
    fig = graph_figure(G, selected_t=4)
    (band,) = fig.layout.shapes
    placement = place(G)
    xs = [x for x, nid in zip(placement.x, G.nodes, strict=True) if G.nodes[nid]["t"] == 4]
    boxes = [b for b in placement.boxes if b.t == 4]
    assert band.x0 < min(xs + [b.x0 for b in boxes]) and band.x1 > max(xs + [b.x1 for b in boxes])


def test_bidirectional_is_two_chains_x_below_both_y_above_both():
    G = build_graph(sentence_trace("gru", bidirectional=True))
    placement = place(G)
    at = {nid: (placement.x[i], placement.y[i]) for i, nid in enumerate(G.nodes)}
    for t in range(1, 7):
        (xf, yf), (xb, yb) = at[f"s[l1,fwd,{t}]"], at[f"s[l1,bwd,{t}]"]
        (xx, yx), (xy, yy) = at[f"x[{t}]"], at[f"y[{t}]"]
        assert yx < yf < yb < yy  # x_t under both lanes, y_t over both
        assert xf < xx < xb and xf < xy < xb  # not one vertical line: x fans out, y reads both
    captions = [a.text for a in graph_figure(G).layout.annotations]
    assert "forward RNN →" in captions and "backward RNN ←" in captions


def screen_points(fig, idx_kinds=("gate", "c", "h", "s", "preact")):
    """(px, py, size) of every drawn node marker of the given kinds at 1000 px width."""
    layout = fig.layout
    width = 1000 - layout.margin.l - layout.margin.r
    height = layout.height - layout.margin.t - layout.margin.b
    (x0, x1), (y0, y1) = layout.xaxis.range, layout.yaxis.range
    names = {KIND_STYLES.get(k, {}).get("name", k) for k in ("gate", "cell", "hidden", "state")}
    names.add("preact")
    out = []
    for t in node_traces(fig):
        if t.name not in names and t.name != "pre-activation <b>a</b><sub>t</sub>":
            continue
        for x, y in zip(floats(t.x), floats(t.y), strict=True):
            if math.isfinite(x):
                out.append(
                    ((x - x0) / (x1 - x0) * width, (y - y0) / (y1 - y0) * height, t.marker.size)
                )
    return out


@pytest.mark.parametrize("cell", ["lstm", "gru", "elman"])
@pytest.mark.parametrize("large_font", [False, True])
def test_operation_level_markers_never_overlap_on_screen(cell, large_font):
    words = [f"w{i}" for i in range(30)]  # long: the op-level window must keep its gates apart
    # (1000 px is the narrowest figure the dashboard draws: a wide Streamlit column)
    G = build_graph(rnnviz.unroll(words, cell=cell, hidden_size=4), level="op")
    fig = graph_figure(G, large_font=large_font)
    points = screen_points(fig)
    assert len(points) >= 16
    for i, (xa, ya, sa) in enumerate(points):
        for xb, yb, sb in points[i + 1 :]:
            assert math.hypot(xa - xb, ya - yb) >= (sa + sb) / 2, (cell, xa, ya, xb, yb)


def test_long_sentences_are_windowed_to_25_labelled_steps_with_a_clear_title():
    G = build_graph(rnnviz.unroll([f"w{i}" for i in range(41)], cell="elman", hidden_size=4))
    fig = graph_figure(G, selected_t=41)
    assert fig.layout.title.text.endswith("t = 17..41 of 41")
    assert fig.layout.meta == {"steps_shown": [17, 41], "steps_total": 41}
    inputs = nodes_named(fig, KIND_STYLES["input"]["name"])
    assert len(inputs.x) == 25
    labelled = [s for s in inputs.text if s]
    assert 8 <= len(labelled) <= 14  # every k-th step's token, never all 25
    left = min(floats(nodes_named(fig, KIND_STYLES["param"]["name"]).x))
    assert fig.layout.xaxis.range[0] < left - 1.0  # room for "W_hh" left of its node
    cut = graph_figure(window_graph(G, 30, 10), upto_t=35, selected_t=35)  # as the page does
    assert cut.layout.title.text.endswith("t = 20..35 of 41")  # the title names what is drawn
    op = graph_figure(build_graph(rnnviz.unroll([f"w{i}" for i in range(41)]), level="op"))
    assert op.layout.title.text.endswith("t = 34..41 of 41")


def test_windowed_building_graph_ends_at_upto_t():
    G = build_graph(rnnviz.unroll([f"w{i}" for i in range(2000)], cell="elman", hidden_size=4))
    fig = graph_figure(G, upto_t=1500, selected_t=1500)
    shown = {int(m) for t in node_traces(fig) for h in t.customdata
             for m in re.findall(r"t = (\d+)", h)}  # fmt: skip
    assert max(shown) == 1500 and len(shown) == 25
    assert fig.layout.title.text.endswith("t = 1476..1500 of 2000")


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
    losses = nodes_named(fig, KIND_STYLES["loss"]["name"])
    assert set(losses.marker.symbol) <= {"star", "star-dot"}
    assert fig.layout.title.text == title
    assert len(losses.x) == loss_nodes


@pytest.mark.parametrize(("bidirectional", "delays"), [(False, 1), (True, 2)])
def test_rolled_view_draws_a_real_loop_labelled_with_its_delay(bidirectional, delays):
    G = rolled_graph(sentence_trace("elman", bidirectional=bidirectional))
    fig = graph_figure(G)
    loop = named(fig, ROLLED_NAME)
    placement = place(G)
    r_top = max(b.y1 for b in placement.boxes if b.label.startswith("R"))
    ys, xs = floats(loop.y), floats(loop.x)
    assert np.nanmax(ys) > r_top + 0.2  # the arc rises over the box R
    assert len(set(np.round(xs[np.isfinite(xs)], 3))) > 10  # curved, not a zero-length segment
    texts = [a.text for a in fig.layout.annotations]
    assert "loop: t−1 → t" in texts
    assert ("loop: t+1 → t" in texts) == bidirectional
    assert sum(t.startswith("loop:") for t in texts) == delays


def test_animation_frames_move_points_and_carry_the_nested_formula():
    G = build_graph(sentence_trace("lstm"))
    fig = unroll_animation_figure(G)
    assert [f.name for f in fig.frames] == [str(t) for t in range(1, 7)]
    labels = [b.label for b in fig.layout.updatemenus[0].buttons]
    assert labels == ["▶ Play", "❚❚ Pause"]
    assert fig.frames[2].layout.title.text == (
        "<b>s</b><sub>3</sub> = R(R(R(<b>s</b><sub>0</sub>, <b>x</b><sub>1</sub>), "
        "<b>x</b><sub>2</sub>), <b>x</b><sub>3</sub>)"
    )
    nodes_at = [i for i, t in enumerate(fig.data) if t.hovertemplate == NODE_HOVER]
    counts = [
        sum(int(np.isfinite(floats(f.data[i].x)).sum()) for i in nodes_at) for f in fig.frames
    ]
    assert counts == sorted(counts) and counts[-1] == G.number_of_nodes()
    for frame in fig.frames:  # frames hold only what changes: x and y
        assert all(set(d.to_plotly_json()) <= {"type", "x", "y"} for d in frame.data)
    assert fig.layout.xaxis.range == graph_figure(G).layout.xaxis.range


def test_animation_samples_steps_of_long_sequences():
    trace = rnnviz.unroll([f"w{i}" for i in range(150)], cell="gru", hidden_size=4)
    fig = unroll_animation_figure(build_graph(trace), max_frames=30, max_nodes=5000, max_steps=150)
    names = [int(f.name) for f in fig.frames]
    assert len(names) == 30 and names[0] == 1 and names[-1] == 150


def test_animation_can_start_at_a_step_as_the_pages_main_graph():
    G = build_graph(rnnviz.unroll([f"w{i}" for i in range(40)], cell="elman", hidden_size=4))
    fig = unroll_animation_figure(G, upto_t=30)
    assert fig.layout.sliders[0].steps[fig.layout.sliders[0].active].label == "30"
    assert fig.layout.title.text.startswith("<b>s</b><sub>30</sub> = R(")
    assert fig.layout.title.text.endswith("(t = 16..40 of 40)")  # 25 steps around t = 30
    shown = {int(m) for t in node_traces(fig) for h, x in zip(t.customdata, floats(t.x), strict=True)
             if math.isfinite(x) for m in re.findall(r"t = (\d+)", h)}  # fmt: skip
    assert max(shown) == 30 and min(shown) == 16  # built up to t = 30; Play goes on to 40


def test_json_round_trip_hand_made_and_empty_graphs_draw():
    G = build_graph(rnnviz.unroll("a b c", cell="lstm", hidden_size=4), level="op")
    same = graph_figure(graph_from_json(graph_to_json(G)))  # NaN -> null -> NaN: same drawing
    assert json.loads(same.to_json()) == json.loads(graph_figure(G).to_json())
    hand = nx.DiGraph()
    hand.add_node("x[1]", t=1, kind="x", label="x_1")
    hand.add_node("s[l1,fwd,1]", t=1, kind="s", label="s_1", grad_log10=None)  # JSON null
    hand.add_node("odd", t=None, kind="mystery")
    hand.add_edge("x[1]", "s[l1,fwd,1]")
    fig = graph_figure(hand)
    assert len(drawn_nodes(fig)) == 3
    assert "not computed" in hover_of(fig, "<b>s</b><sub>1</sub>")
    assert drawn_nodes(graph_figure(nx.DiGraph())) == []
