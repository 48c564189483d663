"""Gradient flow: how much of the loss's gradient reaches each s_t, and why it vanishes."""

from __future__ import annotations

import streamlit as st

import rnnviz
from explorer.app import charts, data, exports, messages, page, url_state
from explorer.app.controls import MAX_TOKENS, Settings
from explorer.figures.gradients import decay_readout, gradient_flow_figure, singular_values_figure

PARAMS = (
    url_state.integer("t", 0, 0, MAX_TOKENS),  # 0 = the last step, T
    url_state.flag("bound", True),
)


def view(settings: Settings, trace: rnnviz.Trace, prefix: str = "") -> None:
    page.default_params(PARAMS, prefix)
    flow = trace.gradient_flow
    directions = flow["direction"].unique().tolist()
    for direction in directions:
        label = f"**{direction.capitalize()} direction:** " if len(directions) > 1 else ""
        st.markdown(label + messages.plain(decay_readout(flow, direction=direction)))
    _figures(settings, trace, prefix)


@st.fragment
def _figures(settings: Settings, trace: rnnviz.Trace, prefix: str) -> None:
    """The step slider and the two charts it drives rerun on their own."""
    key = prefix + "t"
    seq_len = trace.seq_len
    if not 1 <= (st.session_state.get(key) or 0) <= seq_len:
        st.session_state[key] = seq_len
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    if seq_len > 1:
        left.slider("Highlight step t", 1, seq_len, key=key)
    right.toggle(
        "Theory line",
        key=prefix + "bound",
        help="Elman: Pascanu's bound (γ·σ_max(W_hh))^(T−t). LSTM: the product of forget gates.",
    )
    t = st.session_state[key]
    flow_fig = gradient_flow_figure(
        trace.gradient_flow,
        selected_t=t,
        show_bound=st.session_state[prefix + "bound"],
        large_font=settings.large_font,
    )
    charts.show(flow_fig, key=prefix + "flow")
    sv = data.load_frame("singular_values", settings)
    if sv is None:
        return
    sv_fig = singular_values_figure(sv, selected_t=t, large_font=settings.large_font)
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
