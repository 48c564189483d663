"""The reach picture on a page: the sentence through Elman, LSTM (forget-gate bias 3) and GRU, each
word coloured by how much gradient reaches it (explorer.figures.reach draws it).

`reach_values(trace)` is the one place that decides which gradient is shown: ||dL/dx_t|| from the
engine's `rnnviz.tables.saliency_frame` (x_t feeds both directions, so it is one number per word).
"""

from __future__ import annotations

import pandas as pd

import rnnviz
from explorer.app import charts, data
from explorer.app.controls import Settings
from explorer.figures.reach import reach_figure
from explorer.views.compare import COMPARE_FORGET_BIAS, cell_config, cell_label
from rnnviz import tables
from rnnviz.config import CELLS

INPUT_MEASURE = "‖∂L/∂<b>x</b><sub>t</sub>‖"  # the lecture's notation, as the figures typeset it


def reach_values(trace: rnnviz.Trace) -> tuple[pd.DataFrame, str]:
    """(frame with t, token, log10; the measure's name)."""
    frame = tables.saliency_frame(trace)[["t", "token", "log10_grad_input"]]
    if trace.predictions is not None:  # a trained model: its tag under each word
        frame = frame.assign(prediction=list(trace.predictions))
    return frame.rename(columns={"log10_grad_input": "log10"}), INPUT_MEASURE


def reach(settings: Settings, key: str, forget_bias: float = COMPARE_FORGET_BIAS):
    """Draw the picture for the sidebar's sentence and sizes; return the figure (None: no trace)."""
    rows, measure = {}, INPUT_MEASURE
    for cell in CELLS:
        config = cell_config(settings, cell, forget_bias)
        trace = data.load_trace(
            settings.with_config(**config), random_weights=True, quiet=cell != CELLS[0]
        )
        if trace is None:
            return None
        rows[cell_label(cell, forget_bias, settings.model)], measure = reach_values(trace)
    which = "trained weights" if settings.model else f"LSTM: forget-gate bias {forget_bias:g}"
    title = f"Gradient reaching each word: log10 {measure} ({which})"
    fig = reach_figure(rows, measure=measure, title=title, large_font=settings.large_font)
    charts.show(fig, key=key)
    return fig
