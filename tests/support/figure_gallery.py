"""Every figure of explorer.figures, built from real traces, in default or lecture mode: the text
tests (notation, lecture fonts, escaping) walk each one's JSON."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

import rnnviz
from explorer.figures import (
    compare_figure,
    gate_heatmaps_figure,
    gradient_flow_figure,
    graph_figure,
    lab,
    outputs_heatmap_figure,
    pattern_figure,
    singular_values_figure,
    state_heatmap_figure,
    unroll_animation_figure,
)
from rnnviz import tables
from rnnviz.graph import build_graph, rolled_graph
from tests.support.figure_cases import sentence_trace, vanishing_trace


def _history(values: list[float]) -> pd.DataFrame:
    steps = [50 * (i + 1) for i in range(len(values))]
    return pd.DataFrame({"step": steps, "metric": values, "grad_norm": [1.0, 2.0, 3.0]})


def _picture() -> pd.DataFrame:
    rows = [{"step": s, "t": t, "log10_grad_norm": -math.inf if s == 0 and t < 2 else -10.0 + t}
            for s in (0, 100) for t in range(1, 6)]  # fmt: skip
    return pd.DataFrame(rows)


def _sweep() -> pd.DataFrame:
    return pd.DataFrame({"cell": ["elman", "elman", "lstm", "lstm"], "lag": [10, 50, 10, 50],
                         "metric": [0.005, 0.17, 0.004, 0.006], "solved": [True, False, True, True],
                         "baseline": [1 / 6] * 4})  # fmt: skip


def _diagram() -> pd.DataFrame:
    return pd.DataFrame({
        "activation": ["tanh"] * 3 + ["sigmoid"] * 3, "sigma_gamma": [0.5, 1.0, 1.5] * 2,
        "sigma_max": [0.5, 1.0, 1.5, 2.0, 4.0, 6.0],
        "measured_rate": [-0.3, 0.0, 0.12, -0.3, 0.0, 0.13],
        "pascanu_rate": [np.log10(v) for v in [0.5, 1.0, 1.5] * 2],
    })  # fmt: skip


def _graph(cell: str = "lstm", level: str = "cell", **options):
    trace = sentence_trace(cell, **options) if options else sentence_trace(cell)
    return build_graph(trace, level=level)


def _encoder_decoder():
    return build_graph(rnnviz.unroll("a long way", cell="elman", hidden_size=4,
                                     pattern="encoder-decoder"))  # fmt: skip


GALLERY = {
    "graph": lambda big: graph_figure(_graph(), upto_t=3, selected_t=2, large_font=big),
    "graph_op_lstm": lambda big: graph_figure(_graph("lstm", "op"), large_font=big),
    "graph_op_gru": lambda big: graph_figure(_graph("gru", "op"), large_font=big),
    "graph_op_elman": lambda big: graph_figure(_graph("elman", "op"), large_font=big),
    "graph_bidirectional": lambda big: graph_figure(
        _graph("gru", bidirectional=True, num_layers=2), large_font=big
    ),
    "graph_long": lambda big: graph_figure(build_graph(vanishing_trace()), large_font=big),
    "graph_rolled": lambda big: graph_figure(rolled_graph(sentence_trace("lstm")), large_font=big),
    "graph_rolled_op": lambda big: graph_figure(
        rolled_graph(sentence_trace("gru"), level="op"), large_font=big
    ),
    "pattern_encdec": lambda big: pattern_figure(
        _encoder_decoder(), pattern="encoder-decoder", large_font=big
    ),
    "animation": lambda big: unroll_animation_figure(_graph("elman"), large_font=big),
    "state": lambda big: state_heatmap_figure(
        tables.states_frame(sentence_trace("lstm")), selected_t=2, large_font=big
    ),
    "gates": lambda big: gate_heatmaps_figure(
        tables.gates_frame(sentence_trace("lstm")), selected_t=3, large_font=big
    ),
    "gates_elman": lambda big: gate_heatmaps_figure(
        tables.gates_frame(sentence_trace("elman")), large_font=big
    ),
    "outputs": lambda big: outputs_heatmap_figure(
        tables.outputs_frame(sentence_trace("gru")), probabilities=True, large_font=big
    ),
    "flow": lambda big: gradient_flow_figure(
        vanishing_trace().gradient_flow, selected_t=5, large_font=big
    ),
    "flow_bidir": lambda big: gradient_flow_figure(
        sentence_trace("lstm", bidirectional=True).gradient_flow, large_font=big
    ),
    "sv": lambda big: singular_values_figure(
        tables.singular_values_frame(sentence_trace("gru", bidirectional=True)), large_font=big
    ),
    "compare": lambda big: compare_figure(
        {c: sentence_trace(c).gradient_flow for c in ("elman", "lstm", "gru")}, large_font=big
    ),
    "lab_curves": lambda big: lab.training_curves_figure(
        {"Elman": _history([0.17, 0.16, 0.17])},
        metric="mse",
        baseline=1 / 6,
        success=0.01,
        large_font=big,
    ),
    "lab_picture": lambda big: lab.gradient_picture_figure(_picture(), large_font=big),
    "lab_norm": lambda big: lab.gradient_norm_figure(
        {"run": _history([1.0, 2.0, 3.0])}, clip=1.0, large_font=big
    ),
    "lab_sweep": lambda big: lab.lag_sweep_figure(
        _sweep(), metric="mse", success=0.01, large_font=big
    ),
    "lab_phase": lambda big: lab.phase_diagram_figure(_diagram(), large_font=big),
}
