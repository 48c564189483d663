"""Gradient flow: how much of the loss's gradient reaches each s_t, and why it vanishes."""

from __future__ import annotations

import streamlit as st

import rnnviz
from explorer.app import charts, data, exports, fold, messages, page, url_state
from explorer.app.controls import MAX_TOKENS, Settings
from explorer.figures.gradients import (
    decay_readout,
    decay_slope,
    gradient_flow_figure,
    rate_in_words,
    singular_values_figure,
)
from rnnviz.names import CELL_TITLES

PARAMS = (
    url_state.integer("t", 0, 0, MAX_TOKENS),  # 0 = the last step, T
    url_state.flag("bound", True),
)


def view(settings: Settings, trace: rnnviz.Trace, prefix: str = "") -> None:
    page.default_params(PARAMS, prefix)
    _figures(settings, trace, prefix)


@st.fragment
def _figures(settings: Settings, trace: rnnviz.Trace, prefix: str) -> None:
    """The step slider and the two charts it drives rerun on their own."""
    key = prefix + "t"
    seq_len = trace.seq_len
    if not 1 <= (st.session_state.get(key) or 0) <= seq_len:
        st.session_state[key] = seq_len
    left, right = st.columns([3, 1.3], vertical_alignment="center")
    if seq_len > 1:
        left.slider("Highlight step t", 1, seq_len, key=key, label_visibility="collapsed")
    right.toggle(
        "Theory line",
        key=prefix + "bound",
        help="Elman: Pascanu's bound (γ·σ_max(W_hh))^(T−t). LSTM: the product of forget gates.",
    )
    t = st.session_state[key]
    big = settings.large_font
    flow_fig = gradient_flow_figure(
        trace.gradient_flow,
        selected_t=t,
        show_bound=st.session_state[prefix + "bound"],
        large_font=big,
        predictions=trace.predictions,
    )
    charts.show(fold.fit(flow_fig, big), key=prefix + "flow")
    _readout(settings, trace)
    sv = data.load_frame("singular_values", settings)
    if sv is None:
        return
    sv_fig = singular_values_figure(sv, selected_t=t, large_font=big)
    charts.show(sv_fig, key=prefix + "sv")
    shown = sv["t"].nunique()
    if shown < seq_len:
        st.caption(f"Singular values at {shown} evenly spaced steps of {seq_len} (one SVD each).")
    if not prefix:
        exports.panel(
            "gradients",
            frames={"Gradient flow": trace.gradient_flow, "Singular values": sv},
            figures={"Gradient flow": flow_fig, "Singular values": sv_fig},
        )
        url_state.sync(PARAMS, defaults={"t": seq_len})


def _readout(settings: Settings, trace: rnnviz.Trace) -> None:
    """The measured rate in words under the chart (a decade is a factor of 10), per direction."""
    flow = trace.gradient_flow
    directions = flow["direction"].unique().tolist()
    name = CELL_TITLES[trace.config.cell]
    for direction in directions:
        label = f"{direction.capitalize()} direction. " if len(directions) > 1 else ""
        rate = rate_in_words(name, decay_slope(flow, direction))
        st.markdown(
            "**"
            + messages.plain(label + rate)
            + "**  \n"
            + messages.plain(decay_readout(flow, direction=direction))
        )
    trained = settings.own_model or settings.model  # a trained LSTM's forget bias is its own
    if trace.config.cell == "lstm" and trace.config.forget_bias is None and not trained:
        st.caption(
            "This LSTM has torch's default forget-gate bias (forget gates near 0.5), so its cell "
            "path fades too. Set *Forget-gate bias (LSTM)* to 3 in the sidebar and the curve "
            "goes flat: that bias is the usual recipe, and what Compare uses."
        )
