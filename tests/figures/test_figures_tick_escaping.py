"""Tick labels are escaped exactly once: '<' reads '&lt;' to Plotly, never '&amp;lt;' (which it
would draw as the five characters &lt;)."""

from __future__ import annotations

import pytest

import explorer.figures as F
import rnnviz
from rnnviz import tables

TEXT = "a 'b' <c>"


@pytest.fixture(scope="module")
def trace():
    return rnnviz.unroll(TEXT, tokenize="char", hidden_size=4, input_size=4)


@pytest.mark.parametrize(
    "make",
    [
        lambda tr: F.gradient_flow_figure(tr.gradient_flow),
        lambda tr: F.singular_values_figure(tables.singular_values_frame(tr)),
        lambda tr: F.compare_figure({"x": tr.gradient_flow}),
    ],
    ids=["gradient_flow", "singular_values", "compare"],
)
def test_step_ticks_are_escaped_once(trace, make):
    labels = list(make(trace).layout.xaxis.ticktext)
    assert "3:&#39;" in labels and "7:&lt;" in labels and "9:&gt;" in labels
    assert not any("&amp;" in label for label in labels)
