"""Gradient-flow, singular-value and comparison figures, built from real rnnviz traces."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

import rnnviz
from explorer.figures import (
    compare_figure,
    decay_readout,
    gradient_flow_figure,
    singular_values_figure,
)
from explorer.figures.gradients import FLOW_LINES
from rnnviz import tables
from tests.support.figure_cases import floats, named, sentence_trace, vanishing_trace

GRAD = FLOW_LINES["log10_grad_norm"][0]
JACOBIAN = FLOW_LINES["log10_jacobian_norm"][0]
BOUND = FLOW_LINES["log10_pascanu_bound"][0]
FORGET = FLOW_LINES["log10_forget_product"][0]


def test_tiny_gradients_plot_as_their_log10_not_as_zero():
    flow = vanishing_trace().gradient_flow
    assert flow["log10_grad_norm"].min() < -60  # far below float64's smallest normal number
    fig = gradient_flow_figure(flow)
    plotted = floats(named(fig, GRAD).y)
    np.testing.assert_allclose(plotted, flow["log10_grad_norm"].to_numpy(), rtol=1e-12)
    assert plotted.min() < -60
    assert fig.layout.yaxis.type in (None, "linear", "-")
    assert "log10" in fig.layout.yaxis.title.text


def test_elman_shows_pascanu_bound_and_lstm_shows_forget_product():
    elman = gradient_flow_figure(sentence_trace("elman").gradient_flow)
    lstm = gradient_flow_figure(sentence_trace("lstm").gradient_flow)
    elman_names = {trace.name for trace in elman.data}
    lstm_names = {trace.name for trace in lstm.data}
    assert {GRAD, JACOBIAN, BOUND} <= elman_names and FORGET not in elman_names
    assert {GRAD, JACOBIAN, FORGET} <= lstm_names and BOUND not in lstm_names
    flow = sentence_trace("elman").gradient_flow
    np.testing.assert_allclose(floats(named(elman, BOUND).y), flow["log10_pascanu_bound"])
    assert BOUND not in {t.name for t in gradient_flow_figure(flow, show_bound=False).data}


def test_x_axis_is_labelled_with_steps_and_tokens_and_selected_step_is_shaded():
    trace = sentence_trace("lstm")
    fig = gradient_flow_figure(trace.gradient_flow, selected_t=3)
    assert list(fig.layout.xaxis.ticktext) == [
        f"{t}:{tok}" for t, tok in enumerate(trace.tokens, 1)
    ]
    assert fig.layout.xaxis.title.text == "time step t"
    bands = [(s.x0, s.x1) for s in fig.layout.shapes if s.type == "rect"]
    assert bands == [(2.5, 3.5)]


def test_bidirectional_gets_one_row_per_direction():
    trace = rnnviz.unroll(
        "John lives in Salt Lake City", cell="gru", bidirectional=True, pattern="transducer"
    )
    fig = gradient_flow_figure(trace.gradient_flow)
    assert named(fig, JACOBIAN).yaxis == "y"
    # the backward pass ends at t = 1
    ends_at_1 = JACOBIAN.replace("<sub>T</sub>", "<sub>1</sub>", 1)
    backward = named(fig, ends_at_1)
    assert backward.yaxis == "y2"
    expected = trace.flow("backward").sort_values("t")["log10_jacobian_norm"]
    np.testing.assert_allclose(floats(backward.y), expected)
    assert "backward" in fig.layout.annotations[1].text


def test_exact_zero_gradients_leave_gaps_and_a_note():
    flow = rnnviz.unroll("one two three", cell="elman", init_scale=0.0).gradient_flow
    assert np.isneginf(flow["log10_grad_norm"].iloc[0])
    fig = gradient_flow_figure(flow)
    y = floats(named(fig, GRAD).y)
    assert np.isnan(y[:2]).all() and np.isfinite(y[2])
    notes = " ".join(a.text for a in fig.layout.annotations)
    assert "exactly 0" in notes and "gaps" in notes


def test_decay_readout_agrees_with_the_engine_rate():
    trace = sentence_trace("elman")
    rate = tables.decay_rate(trace)
    sentence = decay_readout(trace.gradient_flow)
    assert rate < 0 and "shrinks" in sentence and "vanishes" in sentence
    number = float(re.search(r"about ([0-9.]+) decades", sentence).group(1))
    assert number == pytest.approx(-rate, abs=0.005)
    assert f"10^{10 * rate:.1f}" in sentence


@pytest.mark.parametrize(
    ("options", "words"),
    [
        ({"activation": "identity", "spectral_radius": 1.5}, ("grows", "explodes")),
        ({"activation": "identity", "init": "orthogonal"}, ("about the same size",)),
    ],
)
def test_decay_readout_names_growing_and_flat_gradients(options, words):
    trace = rnnviz.unroll("a b c d e f g h i j", cell="elman", **options)
    sentence = decay_readout(trace.gradient_flow)
    assert all(word in sentence for word in words), sentence


def test_decay_readout_explains_when_there_is_nothing_to_measure():
    assert "too few" in decay_readout(rnnviz.unroll("alone", cell="lstm").gradient_flow)


def test_singular_values_show_band_median_and_unit_line():
    trace = sentence_trace("lstm")
    sv = tables.singular_values_frame(trace)
    fig = singular_values_figure(sv, selected_t=2)
    median = sv.groupby("t")["value"].median().to_numpy()
    np.testing.assert_allclose(floats(named(fig, "median σ").y), median)
    np.testing.assert_allclose(
        floats(named(fig, "largest σ").y), trace.step_singular_values[0, :, 0]
    )
    assert named(fig, "smallest σ").fill == "tonexty"
    assert list(named(fig, "σ = 1: the step keeps the norm").y) == [1.0, 1.0]
    assert fig.layout.yaxis.type == "log"


def test_compare_puts_cells_side_by_side_on_one_y_range():
    flows = {cell: sentence_trace(cell).gradient_flow for cell in ("elman", "lstm", "gru")}
    fig = compare_figure(flows, selected_t=4)
    titles = [a.text for a in fig.layout.annotations]
    for title, cell in zip(titles, ("Elman", "LSTM", "GRU"), strict=True):
        rate = tables.decay_rate(sentence_trace(cell.lower()))
        # Two lines: the cell's name, then its slope written out (a true minus sign).
        assert title == f"{cell}<br>{rate:+.2f} decades per step".replace("-", "−")
    assert fig.layout.yaxis2.matches == "y" and fig.layout.yaxis3.matches == "y"
    low, high = fig.layout.yaxis.range
    every = np.concatenate([f[c].to_numpy() for f in flows.values() for c in ("log10_grad_norm",)])
    assert low <= every.min() and high >= 0.0
    bands = sorted((s.xref, s.x0) for s in fig.layout.shapes if s.type == "rect")
    assert bands == [("x", 3.5), ("x2", 3.5), ("x3", 3.5)]


@pytest.mark.parametrize(("slope", "word"), [(0.05, "grows slowly"), (-0.05, "fades slowly")])
def test_decay_readout_calls_a_slow_change_slow(slope, word):
    lag = np.arange(10)
    flow = pd.DataFrame(
        {"t": 10 - lag, "direction": "forward", "lag": lag, "log10_jacobian_norm": slope * lag}
    )
    assert word in decay_readout(flow)


@pytest.mark.parametrize(
    ("slope", "words"),
    [
        (-0.294, "Elman: −0.29 decades per step, i.e. the gradient shrinks 10x every 3.4 steps"),
        (0.08, "Elman: +0.08 decades per step, i.e. the gradient grows 10x every 12.5 steps"),
        (
            0.012,
            "Elman: +0.01 decades per step, i.e. the gradient grows 10x every 83.3 steps (nearly flat)",
        ),
        (0.001, "Elman: +0.00 decades per step, i.e. the gradient keeps its size (flat)"),
    ],
)
def test_a_rate_is_named_in_words(slope, words):
    from explorer.figures.gradients import rate_in_words

    assert rate_in_words("Elman", slope) == words
