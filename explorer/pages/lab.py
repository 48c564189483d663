"""Lab: train Elman, LSTM and GRU on long-lag tasks and watch how far back the gradient reaches.

The page: four views (Train, Lag sweep, Phase diagram, Exploding gradients), drawn by the view
modules lab_train and lab_sweeps (which never import this page), and three presets that start the
lecture's demos with one click. Prose comes from assets/lab.md, one `## name` section per plot.
"""

from __future__ import annotations

import streamlit as st

from explorer.app import controls, guidance
from explorer.views import lab_sweeps, lab_train

VIEWS = ("Train", "Lag sweep", "Phase diagram", "Exploding gradients")
VIEW_KEY = "lab_view"
DEMO = lab_train.DEMO
# Preset 1 is the lecture's demo exactly (TrainConfig's defaults, as `rnnviz lab` runs it).
PRESETS = {
    f"1 · Elman vs LSTM, adding, lag {DEMO.lag}, {DEMO.max_steps:,} steps": {
        VIEW_KEY: "Train", **lab_train.DEFAULTS,
    },
    "2 · Phase diagram": {VIEW_KEY: "Phase diagram", "lab_phase_step": 0.1, "lab_phase_T": 30,
                          "lab_phase_H": 32},
    "3 · Exploding gradients and clipping": {VIEW_KEY: "Exploding gradients", "lab_clip_at": 1.0,
                                             "lab_clip_lr": 0.1, "lab_clip_seed": 0},
}  # fmt: skip
TRAINS = {next(iter(PRESETS))}  # presets that start training (the others compute when drawn)


def apply_preset(name: str) -> None:
    """Button callback: set the preset's widgets before they are drawn, and start its run."""
    for key, value in PRESETS[name].items():
        st.session_state[key] = list(value) if isinstance(value, list) else value
    if name in TRAINS:
        lab_train.start_from_state()


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
        lab_train.buttons(lab_train.controls())
        lab_train.live_panel(large_font)
    elif view == "Lag sweep":
        lab_sweeps.sweep_view(large_font)
    elif view == "Phase diagram":
        lab_sweeps.phase_view(large_font)
    else:
        lab_sweeps.exploding_view(large_font)
