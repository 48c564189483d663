"""States: what the RNN carries from step to step (s_t; LSTM's h_t and c_t apart), its gates and
its outputs y_t = O(s_t), as units × tokens heatmaps."""

from __future__ import annotations

import pandas as pd
import streamlit as st

import rnnviz
import rnnviz.zoo
from explorer.app import charts, data, exports, page, url_state
from explorer.app.controls import MAX_LAYERS, MAX_TOKENS, Settings
from explorer.figures.states import (
    gate_heatmaps_figure,
    outputs_heatmap_figure,
    state_heatmap_figure,
)
from explorer.views.unit_finder import unit_finder

DIRECTIONS = ("forward", "backward")
MAX_CLASS_NAMES = 20
PARAMS = (
    url_state.integer("t", 0, 0, MAX_TOKENS),  # 0 = the last step, T
    url_state.integer("layer", 1, 1, MAX_LAYERS),
    url_state.choice("dir", "forward", DIRECTIONS),
    url_state.flag("probs", False),
)
# The unit finder's widgets are session state only: a regex is user text, kept out of the URL.


def view(settings: Settings, trace: rnnviz.Trace, prefix: str = "") -> None:
    page.default_params(PARAMS, prefix)
    states = data.load_frame("states", settings)
    gates = data.load_frame("gates", settings)
    outputs = data.load_frame("outputs", settings)
    if states is None or gates is None or outputs is None:
        return
    layer, direction, t = _pickers(trace, prefix)
    figures = _heatmaps(settings, trace, states, gates, outputs, layer, direction, t, prefix)
    figures |= unit_finder(trace, layer, direction, prefix, large_font=settings.large_font)
    if not prefix:
        exports.panel(
            "states",
            # Elman has no gates: no empty table is offered.
            frames={"States": states, "Outputs": outputs}
            | ({} if gates.empty else {"Gates": gates}),
            figures=figures,
        )


def _pickers(trace: rnnviz.Trace, prefix: str) -> tuple[int, str, int]:
    """One control row: the step slider, then layer and direction pickers when there is a choice."""
    layers = trace.config.num_layers
    if st.session_state[prefix + "layer"] > layers:
        st.session_state[prefix + "layer"] = layers
    if trace.num_directions == 1:
        st.session_state[prefix + "dir"] = "forward"
    step, left, right = st.columns([4, 2, 2], vertical_alignment="center")
    with step:
        t = _selected_step(trace.seq_len, prefix)
    if layers > 1:
        left.segmented_control(
            "Layer", list(range(1, layers + 1)), key=prefix + "layer", required=True
        )
    if trace.num_directions > 1:
        right.segmented_control("Direction", DIRECTIONS, key=prefix + "dir", required=True)
    return st.session_state[prefix + "layer"], st.session_state[prefix + "dir"], t


def _heatmaps(
    settings: Settings,
    trace: rnnviz.Trace,
    states: pd.DataFrame,
    gates: pd.DataFrame,
    outputs: pd.DataFrame,
    layer: int,
    direction: str,
    t: int,
    prefix: str,
) -> dict:
    """Draw every heatmap of this layer/direction; return them by name for the exports."""
    big = settings.large_font
    where = {"layer": layer, "direction": direction, "selected_t": t, "large_font": big}
    where["predictions"] = trace.predictions  # tags / next characters under the words
    figures = {}
    parts = ("h", "c") if trace.c is not None else ("h",)
    columns = st.columns(len(parts))
    for column, part in zip(columns, parts, strict=True):
        with column:
            figures[f"State {part}"] = state_heatmap_figure(states, part=part, **where)
            charts.show(figures[f"State {part}"], key=f"{prefix}state-{part}")
    if not gates.empty:
        figures["Gates"] = gate_heatmaps_figure(gates, **where)
        charts.show(figures["Gates"], key=prefix + "gates")
    st.toggle("Outputs as probabilities (softmax over classes)", key=prefix + "probs")
    figures["Outputs"] = outputs_heatmap_figure(
        outputs,
        selected_t=t,
        probabilities=st.session_state[prefix + "probs"],
        large_font=big,
        predictions=trace.predictions,
        classes=_class_names(settings),
    )
    charts.show(figures["Outputs"], key=prefix + "outputs")
    return figures


def _class_names(settings: Settings) -> tuple[str, ...] | None:
    """A tagger's classes (O, PER, LOC) name the outputs' rows; 97 characters would not fit."""
    if settings.model is None:
        return None
    labels = rnnviz.zoo.load(settings.model).labels
    return labels if len(labels) <= MAX_CLASS_NAMES else None


def _selected_step(seq_len: int, prefix: str) -> int:
    key = prefix + "t"
    if not 1 <= (st.session_state.get(key) or 0) <= seq_len:
        st.session_state[key] = seq_len
    if seq_len > 1:
        st.slider("Highlight step t", 1, seq_len, key=key, label_visibility="collapsed")
    if not prefix:
        url_state.set_run_default("t", seq_len)
    return st.session_state[key]
