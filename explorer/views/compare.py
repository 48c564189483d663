"""Compare: the same sentence through Elman, LSTM and GRU, side by side on shared scales."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from explorer.app import charts, data, exports, messages, page, url_state
from explorer.app.controls import MAX_TOKENS, Settings
from explorer.figures.compare import compare_figure
from explorer.figures.states import state_heatmap_figure
from rnnviz.config import CELLS

PARAMS = (url_state.integer("t", 0, 0, MAX_TOKENS),)  # 0 = the last step, T
CELL_NAMES = {"elman": "Elman", "lstm": "LSTM", "gru": "GRU"}


def cell_config(settings: Settings, cell: str) -> dict:
    """The sidebar config with another cell; settings that only fit one cell are dropped."""
    config = {**settings.config, "cell": cell}
    if cell != "lstm":
        config["forget_bias"] = None
    if cell != "elman" and config["init"] == "identity":
        config["init"] = "default"
    return config


def view(settings: Settings, prefix: str = "") -> None:
    page.default_params(PARAMS, prefix)
    if settings.own_model:
        st.info(
            "Compare runs three cells with random weights of your model's sizes: your file holds "
            "one cell only."
        )
    flows, states = {}, {}
    for cell in CELLS:
        config = cell_config(settings, cell)
        trace = data.load_trace(
            settings.with_config(**config), random_weights=True, quiet=cell != CELLS[0]
        )
        if trace is None:
            return
        flows[CELL_NAMES[cell]] = trace.gradient_flow
        frame = messages.guarded(
            lambda c=config: _states(c, settings.text), f"Cannot tabulate the {cell} states"
        )
        if frame is None:
            return
        states[CELL_NAMES[cell]] = frame
    _linked(settings, flows, states, trace.seq_len, prefix)


def _states(config: dict, text: str) -> pd.DataFrame:
    return data.frame("states", config, text, random_weights=True)


@st.fragment
def _linked(settings: Settings, flows: dict, states: dict, seq_len: int, prefix: str) -> None:
    """One step slider shared by every panel: the selected t is the same in all of them."""
    key = prefix + "t"
    if not 1 <= (st.session_state.get(key) or 0) <= seq_len:
        st.session_state[key] = seq_len
    if seq_len > 1:
        st.slider("Highlight step t (all panels)", 1, seq_len, key=key)
    t = st.session_state[key]
    flow_fig = compare_figure(flows, selected_t=t, large_font=settings.large_font)
    charts.show(flow_fig, key=prefix + "compare")
    # One colour range for all three: h_t is in [-1, 1] for these cells' tanh outputs, but a
    # relu Elman can exceed it, so the range is the largest |h| over the three.
    hs = {name: frame[frame["part"] == "h"] for name, frame in states.items()}
    top = max(float(np.nanmax(np.abs(f["value"].to_numpy()))) for f in hs.values()) or 1.0
    figures = {"Gradient flow": flow_fig}
    for column, (name, frame) in zip(st.columns(len(hs)), hs.items(), strict=True):
        with column:
            fig = state_heatmap_figure(
                frame,
                part="h",
                layer=1,
                direction="forward",
                selected_t=t,
                zrange=(-top, top),
                large_font=settings.large_font,
            )
            fig.update_layout(title_text=f"{name}: h_t (layer 1)")
            charts.show(fig, key=f"{prefix}h-{name}")
            figures[f"{name} h"] = fig
    if not prefix:
        exports.panel("compare", frames=_flows_table(flows), figures=figures)
        url_state.sync(PARAMS, defaults={"t": seq_len})


def _flows_table(flows: dict) -> dict:
    combined = pd.concat([f.assign(cell=name) for name, f in flows.items()], ignore_index=True)
    return {"Gradient flow (3 cells)": combined}
