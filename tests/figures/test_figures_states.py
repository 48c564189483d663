"""State, gate and output heatmaps, from rnnviz.tables frames of real traces."""

from __future__ import annotations

import numpy as np
import pytest

import rnnviz
from explorer.figures import gate_heatmaps_figure, outputs_heatmap_figure, state_heatmap_figure
from rnnviz import tables
from tests.support.figure_cases import (
    HOSTILE_TOKENS,
    assert_no_markup_from,
    hostile_trace,
    sentence_trace,
)


def test_state_heatmap_is_units_by_tokens_with_exact_values():
    trace = sentence_trace("elman")
    fig = state_heatmap_figure(tables.states_frame(trace), selected_t=2)
    (heatmap,) = fig.data
    assert heatmap.type == "heatmap"
    assert np.asarray(heatmap.z).shape == (8, 6)  # (H, T)
    np.testing.assert_array_equal(np.asarray(heatmap.z), trace.h[:, 0, 0, :].T)
    assert list(heatmap.x) == [f"{t}:{tok}" for t, tok in enumerate(trace.tokens, 1)]
    assert fig.layout.xaxis.title.text == "time step t : token"
    assert (heatmap.zmin, heatmap.zmax) == (-1.0, 1.0)  # tanh range: fixed, comparable
    (outline,) = fig.layout.shapes
    assert (outline.x0, outline.x1) == (0.5, 1.5)  # the column of t = 2


def test_lstm_cell_state_gets_a_symmetric_range_covering_every_value():
    trace = rnnviz.unroll("a b c d", cell="lstm", hidden_size=6, forget_bias=5.0)
    frame = tables.states_frame(trace)
    fig = state_heatmap_figure(frame, part="c")
    heatmap = fig.data[0]
    np.testing.assert_array_equal(np.asarray(heatmap.z), trace.c[:, 0, 0, :].T)
    largest = np.abs(trace.c).max()
    assert heatmap.zmax == pytest.approx(max(1.0, largest)) and heatmap.zmin == -heatmap.zmax
    fixed = state_heatmap_figure(frame, part="c", zrange=(-3.0, 3.0)).data[0]
    assert (fixed.zmin, fixed.zmax) == (-3.0, 3.0)


def test_missing_layer_says_what_the_trace_has():
    frame = tables.states_frame(sentence_trace("gru"))
    fig = state_heatmap_figure(frame, layer=5)
    assert not fig.data
    assert "This trace has layer(s) 1" in fig.layout.annotations[0].text


def test_second_layer_backward_direction_is_selectable():
    trace = rnnviz.unroll("a b c", cell="gru", num_layers=2, bidirectional=True, hidden_size=3)
    fig = state_heatmap_figure(tables.states_frame(trace), layer=2, direction="backward")
    np.testing.assert_array_equal(np.asarray(fig.data[0].z), trace.h[:, 1, 1, :].T)
    assert "layer 2, backward" in fig.layout.title.text


def test_long_sequences_are_decimated_with_a_note():
    tokens = [f"w{i % 40}" for i in range(3000)]
    trace = rnnviz.unroll(tokens, cell="elman", hidden_size=4)
    fig = state_heatmap_figure(tables.states_frame(trace), max_columns=500)
    heatmap = fig.data[0]
    assert np.asarray(heatmap.z).shape == (4, 501)  # every 6th step plus the last one
    assert heatmap.x[1] == "7:w6" and heatmap.x[-1] == "3000:w39"
    np.testing.assert_array_equal(np.asarray(heatmap.z)[:, 1], trace.h[6, 0, 0, :])
    assert "every 6th step: 501 of 3,000 columns" in fig.layout.title.text


def test_lstm_gates_get_one_panel_each_on_their_own_ranges():
    trace = sentence_trace("lstm")
    fig = gate_heatmaps_figure(tables.gates_frame(trace))
    assert [a.text for a in fig.layout.annotations] == [
        "input gate i<sub>t</sub>",
        "forget gate f<sub>t</sub>",
        "candidate g<sub>t</sub>",
        "output gate o<sub>t</sub>",
    ]
    axes = {h.name: h.coloraxis for h in fig.data}
    assert axes == {"i": "coloraxis", "f": "coloraxis", "g": "coloraxis2", "o": "coloraxis"}
    assert (fig.layout.coloraxis.cmin, fig.layout.coloraxis.cmax) == (0, 1)
    assert (fig.layout.coloraxis2.cmin, fig.layout.coloraxis2.cmax) == (-1, 1)
    forget = next(h for h in fig.data if h.name == "f")
    np.testing.assert_array_equal(np.asarray(forget.z), trace.gates["f"][:, 0, 0, :].T)


def test_gru_gates_and_elman_message():
    gru = gate_heatmaps_figure(tables.gates_frame(sentence_trace("gru")))
    assert [h.name for h in gru.data] == ["r", "z", "n"]
    elman = gate_heatmaps_figure(tables.gates_frame(sentence_trace("elman")))
    assert not elman.data and "no gates" in elman.layout.annotations[0].text


def test_outputs_as_logits_and_as_probabilities():
    trace = rnnviz.unroll("John lives in Salt Lake City", cell="gru", pattern="transducer")
    frame = tables.outputs_frame(trace)
    logits = outputs_heatmap_figure(frame).data[0]
    np.testing.assert_array_equal(np.asarray(logits.z), trace.outputs.T)  # (C, T)
    assert logits.zmin == -logits.zmax
    probs = outputs_heatmap_figure(frame, probabilities=True).data[0]
    np.testing.assert_allclose(np.asarray(probs.z).sum(axis=0), 1.0)
    assert (probs.zmin, probs.zmax) == (0, 1)


def test_heatmaps_escape_user_tokens():
    trace = hostile_trace()
    for fig in (
        state_heatmap_figure(tables.states_frame(trace)),
        gate_heatmaps_figure(tables.gates_frame(trace)),
        outputs_heatmap_figure(tables.outputs_frame(trace)),
    ):
        assert_no_markup_from(fig, HOSTILE_TOKENS)
        assert "1:&lt;script&gt;alert(1)&lt;/script&gt;" in list(fig.data[0].x)
