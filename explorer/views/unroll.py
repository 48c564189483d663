"""Unroll: the computation graph of s_t = R(s_{t-1}, x_t), y_t = O(s_t), stepped t = 1..T."""

from __future__ import annotations

import networkx as nx
import streamlit as st

import rnnviz
from explorer.app import charts, data, exports, messages, page, url_state
from explorer.app.controls import MAX_TOKENS, Settings
from explorer.figures import graph_figure, unroll_animation_figure
from rnnviz.formula import nested_formula
from rnnviz.graph import window_graph

LEVELS = ("cell", "op")
FIRST, BACK = ":material/first_page:", ":material/chevron_left:"
STEP, LAST = ":material/chevron_right:", ":material/last_page:"
VIEWS = ("unrolled", "rolled")
WINDOW = 12  # steps drawn on each side of the window's centre for long sentences
PARAMS = (
    url_state.choice("level", "cell", LEVELS),
    url_state.choice("view", "unrolled", VIEWS),
    url_state.flag("params", True),
    url_state.flag("animate", False),
    url_state.integer("t", 0, 0, MAX_TOKENS),  # 0 = the last step, T
)


def view(settings: Settings, trace: rnnviz.Trace, prefix: str = "") -> None:
    """The graph with its controls; `prefix` keeps widget keys apart when the lecture reuses it."""
    page.default_params(PARAMS, prefix)
    left, middle, right = st.columns([3, 3, 4])
    left.segmented_control(
        "Graph level", LEVELS, key=prefix + "level", format_func=_level_label, required=True
    )
    middle.segmented_control("View", VIEWS, key=prefix + "view", required=True)
    right.toggle(
        "Shared parameters",
        key=prefix + "params",
        help="Show W_ih, W_hh, b and O's weights: one set, used at every step t.",
    )
    level, rolled = (
        st.session_state[prefix + "level"],
        st.session_state[prefix + "view"] == "rolled",
    )
    graph = messages.guarded(
        lambda: data.graph(settings.config, settings.text, level, rolled), "Cannot draw the graph"
    )
    if graph is None:
        return
    if rolled:
        fig = graph_figure(
            graph,
            show_params=st.session_state[prefix + "params"],
            large_font=settings.large_font,
            title="Rolled: one cell R with a loop s_{t-1} → s_t",
        )
        charts.show(fig, key=prefix + "rolled")
        st.caption("The loop is what unrolling removes: switch View to 'unrolled'.")
    else:
        _stepper(settings, graph, trace.seq_len, tuple(trace.tokens), prefix)
        if trace.num_directions > 1:
            st.caption(
                "The formula is the forward chain. The backward chain (s^b) applies its own R "
                "from x_T down to x_t: s^b_t = R^b(s^b_{t+1}, x_t)."
            )
        _animation(graph, settings, prefix)
    if not prefix:
        exports.panel(
            "unroll",
            frames={"States": data.frame("states", settings.config, settings.text)},
            graph=graph,
        )


@st.fragment
def _stepper(
    settings: Settings, graph: nx.DiGraph, seq_len: int, tokens: tuple, prefix: str
) -> None:
    """Step buttons + slider: only this part reruns when t changes."""
    key = prefix + "t"
    if not 1 <= (st.session_state.get(key) or 0) <= seq_len:
        st.session_state[key] = seq_len
    if seq_len > 1:
        buttons = st.columns(4)
        step = {"on_click": _move, "width": "stretch"}
        jump = {"on_click": _set, "width": "stretch"}
        buttons[0].button("First", key=prefix + "first", args=(key, 1), icon=FIRST, **jump)
        buttons[1].button("Back", key=prefix + "back", args=(key, -1, seq_len), icon=BACK, **step)
        buttons[2].button("Step", key=prefix + "step", args=(key, 1, seq_len), icon=STEP, **step)
        buttons[3].button("Last", key=prefix + "last", args=(key, seq_len), icon=LAST, **jump)
        st.slider("Step t", 1, seq_len, key=key)
    t = st.session_state[key]
    st.latex(nested_formula(t, "latex"))
    st.text(f"x_{t} is the token {tokens[t - 1]!r}  (t = {t} of T = {seq_len})")
    if seq_len > 2 * WINDOW + 1:  # a long sentence: the last 2W+1 steps up to t, at full size
        center = max(WINDOW + 1, t - WINDOW)
        graph = window_graph(graph, center, WINDOW)
        st.caption(
            f"Showing steps {center - WINDOW}..{min(center + WINDOW, seq_len)} of {seq_len}."
        )
    fig = graph_figure(
        graph,
        upto_t=t,
        selected_t=t,
        show_params=st.session_state[prefix + "params"],
        large_font=settings.large_font,
    )
    charts.show(fig, key=prefix + "graph")
    if not prefix:
        url_state.sync(PARAMS, defaults={"t": seq_len})


def _animation(graph: nx.DiGraph, settings: Settings, prefix: str) -> None:
    """The same build-up as a Plotly animation: Play runs in the browser, no server round trip.
    Built only when asked: for a long sentence it takes seconds (one frame per step)."""
    if not st.toggle(
        "Watch it unroll (an animation that plays in your browser)", key=prefix + "animate"
    ):
        return
    fig = unroll_animation_figure(
        graph, large_font=settings.large_font, show_params=st.session_state[prefix + "params"]
    )
    charts.show(fig, key=prefix + "animation")


def _set(key: str, value: int) -> None:
    st.session_state[key] = value


def _move(key: str, delta: int, seq_len: int) -> None:
    st.session_state[key] = min(max(st.session_state[key] + delta, 1), seq_len)


def _level_label(level: str) -> str:
    return {"cell": "cells", "op": "operations"}[level]
