"""Compare: the same sentence through Elman, LSTM and GRU, side by side on shared scales.

The LSTM here has its own forget-gate bias (`cfbias`, 3 by default, the usual recipe), whatever the
sidebar's cell is: the default picture shows the story, Elman falling and the LSTM staying flat.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from explorer.app import charts, data, exports, fold, messages, page, url_state
from explorer.app.controls import MAX_TOKENS, Settings
from explorer.app.weights import ZOO_MODELS, zoo_config
from explorer.figures.compare import compare_figure
from explorer.figures.gradients import decay_slope, rate_in_words
from explorer.figures.states import state_heatmap_figure
from rnnviz.config import CELLS
from rnnviz.names import CELL_TITLES

COMPARE_FORGET_BIAS = 3.0  # forget gates start near sigmoid(3) = 0.95
PARAMS = (
    url_state.integer("t", 0, 0, MAX_TOKENS),  # 0 = the last step, T
    url_state.number("cfbias", COMPARE_FORGET_BIAS, -20.0, 20.0),
)


def cell_config(settings: Settings, cell: str, forget_bias: float | None = None) -> dict:
    """The sidebar config with another cell; settings that only fit one cell are dropped, and the
    LSTM gets Compare's own forget-gate bias. With a zoo model: that family's model of this cell
    (tagger-elman / -lstm / -gru), trained weights throughout."""
    if settings.model is not None:
        return zoo_config(
            family_model(settings.model, cell),
            settings.config["max_tokens"],
            settings.config["seed"],
        )
    config = {**settings.config, "cell": cell}
    config["forget_bias"] = forget_bias if cell == "lstm" else None
    if cell != "elman" and config["init"] == "identity":
        config["init"] = "default"
    if cell != "elman":
        config["activation"] = "tanh"  # the gated cells have no activation choice
    return config


def family_model(name: str, cell: str) -> str:
    """The zoo model of the same family as `name` (taggers, char LMs) with this cell."""
    family = name.rsplit("-", 1)[0]
    sibling = f"{family}-{cell}"
    return sibling if sibling in ZOO_MODELS else name


def cell_label(cell: str, forget_bias: float | None, model: str | None = None) -> str:
    """The panel's name; the LSTM's says its forget-gate bias (the picture must state it)."""
    if model is not None:
        return family_model(model, cell)
    if cell != "lstm":
        return CELL_TITLES[cell]
    bias = "torch default" if forget_bias is None else f"{forget_bias:g}"
    return f"LSTM (forget bias {bias})"


def view(settings: Settings, prefix: str = "") -> None:
    page.default_params(PARAMS, prefix)
    if settings.own_model:
        st.info(
            "Compare runs three cells with random weights of your model's sizes: your file holds "
            "one cell only."
        )
    if settings.model:
        st.info(
            f"Compare runs the three trained models of {settings.model}'s family side by side "
            "(Elman, LSTM, GRU), each with its own trained weights."
        )
    _linked(settings, prefix)


@st.fragment
def _linked(settings: Settings, prefix: str) -> None:
    """One control row (step t shared by every panel, the LSTM's forget-gate bias), the three
    gradient curves, their rates in words, then each cell's h_t."""
    key = prefix + "t"
    left, right = st.columns([3, 1.4], vertical_alignment="bottom")
    right.number_input(
        "LSTM forget-gate bias",
        -20.0,
        20.0,
        step=0.5,
        key=prefix + "cfbias",
        placeholder="torch default",
        disabled=settings.model is not None,  # a trained LSTM's forget bias is its own
        help="Compare's own setting (the sidebar's is for the other pages). 3 is the usual recipe;"
        " clear it for torch's default (forget gates near 0.5).",
    )
    bias = st.session_state[prefix + "cfbias"]
    flows, states, names, predictions = {}, {}, {}, {}
    for cell in CELLS:
        config = cell_config(settings, cell, bias)
        trace = data.load_trace(
            settings.with_config(**config), random_weights=True, quiet=cell != CELLS[0]
        )
        if trace is None:
            return
        name = cell_label(cell, bias, settings.model)
        names[cell] = name
        flows[name] = trace.gradient_flow
        frame = messages.guarded(
            lambda c=config: _states(c, settings.text), f"Cannot tabulate the {cell} states"
        )
        if frame is None:
            return
        states[name] = frame
        predictions[name] = trace.predictions  # a trained model's tags, under its own panel
    seq_len = trace.seq_len
    if not 1 <= (st.session_state.get(key) or 0) <= seq_len:
        st.session_state[key] = seq_len
    if seq_len > 1:
        left.slider(
            "Highlight step t (all panels)", 1, seq_len, key=key, label_visibility="collapsed"
        )
    t = st.session_state[key]
    big = settings.large_font
    flow_fig = compare_figure(flows, selected_t=t, large_font=big)
    charts.show(fold.fit(flow_fig, big), key=prefix + "compare")
    rates = [rate_in_words(name, decay_slope(flow, "forward")) for name, flow in flows.items()]
    st.markdown("  \n".join(messages.plain(rate) for rate in rates))
    figures = {"Gradient flow": flow_fig, **_heatmaps(states, t, big, prefix, predictions)}
    if not prefix:
        exports.panel("compare", frames=_flows_table(flows), figures=figures)
        url_state.sync(PARAMS, defaults={"t": seq_len})


def _heatmaps(states: dict, t: int, big: bool, prefix: str, predictions: dict) -> dict:
    # One colour range for all three: h_t is in [-1, 1] for these cells' tanh outputs, but a
    # relu Elman can exceed it, so the range is the largest |h| over the three.
    hs = {name: frame[frame["part"] == "h"] for name, frame in states.items()}
    top = max(float(np.nanmax(np.abs(f["value"].to_numpy()))) for f in hs.values()) or 1.0
    figures = {}
    for column, (name, frame) in zip(st.columns(len(hs)), hs.items(), strict=True):
        with column:
            fig = state_heatmap_figure(
                frame,
                part="h",
                layer=1,
                direction="forward",
                selected_t=t,
                zrange=(-top, top),
                large_font=big,
                predictions=predictions.get(name),
            )
            fig.update_layout(title_text=f"{name}: h_t (layer 1)")
            charts.show(fig, key=f"{prefix}h-{name.split()[0]}")
            figures[f"{name.split()[0]} h"] = fig
    return figures


def _states(config: dict, text: str) -> pd.DataFrame:
    return data.frame("states", config, text, random_weights=True)


def _flows_table(flows: dict) -> dict:
    combined = pd.concat([f.assign(cell=name) for name, f in flows.items()], ignore_index=True)
    return {"Gradient flow (3 cells)": combined}
