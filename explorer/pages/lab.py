"""Lab: train Elman, LSTM and GRU on long-lag tasks and watch how far back the gradient reaches.

Four views: Train (live), Lag sweep, Phase diagram, Exploding gradients; three presets set up the
lecture's demos. Prose comes from assets/lab.md, one `## name` section per plot.
"""

from __future__ import annotations

import streamlit as st

from explorer.app import controls, guidance
from explorer.views import lab_sweeps, lab_train

VIEWS = ("Train", "Lag sweep", "Phase diagram", "Exploding gradients")
VIEW_KEY = "lab_view"
PRESETS = {
    "1 · Elman vs LSTM, adding, lag 50": {
        VIEW_KEY: "Train", "lab_task": "adding", "lab_cells": ["elman", "lstm"], "lab_lag": 50,
        "lab_seed": 0, "lab_hidden": 32, "lab_budget": 30.0, "lab_lr": 0.003, "lab_clip": 0.0,
        "lab_fbias": 3.0,
    },
    "2 · Phase diagram": {VIEW_KEY: "Phase diagram", "lab_phase_step": 0.1, "lab_phase_T": 30,
                          "lab_phase_H": 32},
    "3 · Exploding gradients and clipping": {VIEW_KEY: "Exploding gradients", "lab_clip_at": 1.0,
                                             "lab_clip_lr": 0.1, "lab_clip_seed": 0},
}  # fmt: skip


def apply_preset(name: str) -> None:
    """Button callback: set the preset's widgets before they are drawn."""
    for key, value in PRESETS[name].items():
        st.session_state[key] = value


def render() -> None:
    st.title("Lab: train an RNN and watch the gradient vanish")
    with st.expander("How to read this page", expanded=False, icon=":material/menu_book:"):
        st.markdown(guidance.section("lab", "intro"))
        st.markdown(guidance.section("lab", "tasks"))
    st.markdown(guidance.section("lab", "presets"))
    columns = st.columns(len(PRESETS))
    for index, (column, name) in enumerate(zip(columns, PRESETS, strict=True)):
        column.button(name, key=f"lab_preset_{index}", on_click=apply_preset, args=(name,),
                      width="stretch")  # fmt: skip
    st.session_state.setdefault(VIEW_KEY, VIEWS[0])
    view = st.segmented_control("Experiment", VIEWS, key=VIEW_KEY, required=True)
    large_font = controls.current().large_font
    if view == "Train":
        configs, budget = lab_train.controls()
        lab_train.buttons(configs, budget)
        lab_train.live_panel(large_font)
    elif view == "Lag sweep":
        lab_sweeps.sweep_view(large_font)
    elif view == "Phase diagram":
        lab_sweeps.phase_view(large_font)
    else:
        lab_sweeps.exploding_view(large_font)
