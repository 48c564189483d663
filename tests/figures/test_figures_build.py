"""Figures built as plain dicts without Plotly's validation (explorer.figures.build) must be exactly
what validation would have produced, and must not leak shared state between figures."""

from __future__ import annotations

import json

import pandas as pd
import plotly.graph_objects as go
import pytest

from explorer.figures import (
    compare_figure,
    gate_heatmaps_figure,
    gradient_flow_figure,
    graph_figure,
    outputs_heatmap_figure,
    pattern_figure,
    singular_values_figure,
    state_heatmap_figure,
    unroll_animation_figure,
)
from explorer.figures.build import THEME
from explorer.figures.lab import training_curves_figure
from rnnviz import graph as graph_module
from rnnviz import tables
from tests.support.figure_cases import hostile_trace, sentence_trace, vanishing_trace


def _graph(cell: str = "lstm", level: str = "cell"):
    return graph_module.build_graph(sentence_trace(cell), level=level)


FIGURES = {
    "graph": lambda: graph_figure(_graph(), upto_t=3, selected_t=2),
    "graph_op_big": lambda: graph_figure(_graph("gru", "op"), large_font=True, show_params=False),
    "pattern": lambda: pattern_figure(_graph("elman"), pattern="acceptor"),
    "animation": lambda: unroll_animation_figure(_graph("elman")),
    "state": lambda: state_heatmap_figure(
        tables.states_frame(sentence_trace("lstm")), selected_t=2
    ),
    "state_decimated": lambda: state_heatmap_figure(
        tables.states_frame(vanishing_trace()), max_columns=7, selected_t=30
    ),
    "gates": lambda: gate_heatmaps_figure(tables.gates_frame(sentence_trace("lstm")), selected_t=3),
    "gates_missing": lambda: gate_heatmaps_figure(
        tables.gates_frame(sentence_trace("gru")), layer=4
    ),
    "outputs": lambda: outputs_heatmap_figure(
        tables.outputs_frame(hostile_trace()), probabilities=True, selected_t=1
    ),
    "flow": lambda: gradient_flow_figure(vanishing_trace().gradient_flow, selected_t=5),
    "flow_bidir": lambda: gradient_flow_figure(
        sentence_trace("lstm", bidirectional=True).gradient_flow, large_font=True
    ),
    "sv": lambda: singular_values_figure(
        tables.singular_values_frame(sentence_trace("gru", bidirectional=True)), selected_t=2
    ),
    "compare": lambda: compare_figure(
        {c: sentence_trace(c).gradient_flow for c in ("elman", "lstm", "gru")}, selected_t=4
    ),
}


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_dict_built_figure_is_what_validation_produces(name):
    fig = FIGURES[name]()
    validated = go.Figure(fig)  # a copy through Plotly's validators (template, colour scales...)
    assert json.loads(fig.to_json()) == json.loads(validated.to_json())
    assert fig.layout.template.layout.font.color == THEME["layout"]["font"]["color"]
    assert fig.layout.height > 0  # readable through the figure API like any figure


def test_template_is_not_shared_between_figures():
    before = json.dumps(THEME, sort_keys=True)
    first = graph_figure(_graph())
    first.layout.template.layout.font.size = 99
    curves = training_curves_figure(
        {"run": pd.DataFrame({"step": [1, 2], "metric": [1.0, 0.5]})}, metric="mse", baseline=1.0
    )
    curves.layout.template.layout.paper_bgcolor = "red"
    assert json.dumps(THEME, sort_keys=True) == before
    assert graph_figure(_graph()).layout.template.layout.font.size != 99


def test_returned_figure_validates_later_updates():
    fig = state_heatmap_figure(tables.states_frame(sentence_trace("elman")))
    with pytest.raises(ValueError):
        fig.update_layout(not_a_layout_property=1)
    fig.update_layout(height=321)
    assert fig.layout.height == 321


def test_subplot_figures_keep_their_grid_for_callers():
    fig = gradient_flow_figure(sentence_trace("lstm", bidirectional=True).gradient_flow)
    fig.add_trace(go.Scatter(x=[1], y=[0.5], name="mine"), row=2, col=1)
    assert fig.data[-1].yaxis == "y2"


def test_singular_value_stats_match_pandas_groupby_with_nan_steps():
    import numpy as np

    from explorer.figures.gradients import _sigma_stats

    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "t": np.repeat([3, 1, 2, 4], 5),
            "token": np.repeat(["c", "a", "b", "d"], 5),
            "value": rng.random(20),
        }
    )
    frame.loc[[0, 1], "value"] = np.nan  # some NaN in step 3
    frame.loc[15:19, "value"] = np.nan  # step 4 all NaN
    frame.loc[7, "value"] = 0.0
    frame = frame.sample(frac=1, random_state=1)
    expected = frame.groupby("t").agg(
        token=("token", "first"),
        high=("value", "max"),
        mid=("value", "median"),
        low=("value", "min"),
    )
    stats = _sigma_stats(frame)
    assert stats["t"].tolist() == [1, 2, 3, 4]
    assert stats["token"].tolist() == expected["token"].tolist()
    for column in ("high", "mid", "low"):
        np.testing.assert_array_equal(stats[column], expected[column].to_numpy())
    assert np.isnan(stats["mid"][3]) and stats["low"][0] == 0.0
