"""Unroll: the computation graph of s_t = R(s_{t-1}, x_t), y_t = O(s_t), stepped t = 1..T.

One control row sits above the graph (step buttons, the step slider, Play, graph options); the
nested formula for the selected t follows right under it, so the graph is on the first screen.
"""

from __future__ import annotations

import networkx as nx
import streamlit as st

import rnnviz
from explorer.app import charts, data, exports, fold, messages, page, url_state
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
    _graph_view(settings, trace, prefix)


@st.fragment
def _graph_view(settings: Settings, trace: rnnviz.Trace, prefix: str) -> None:
    """Everything a control here changes reruns on its own (the sidebar reruns the page)."""
    seq_len = trace.seq_len
    key = prefix + "t"
    if not 1 <= (st.session_state.get(key) or 0) <= seq_len:
        st.session_state[key] = seq_len
    rolled, playing = _control_row(seq_len, prefix)
    level = st.session_state[prefix + "level"]
    graph = messages.guarded(
        lambda: data.graph(settings.config, settings.text, level, rolled), "Cannot draw the graph"
    )
    if graph is None:
        return
    show_params = st.session_state[prefix + "params"]
    big = settings.large_font
    if rolled:
        fig = graph_figure(
            graph,
            show_params=show_params,
            large_font=big,
            title="Rolled: one cell R with a loop s_{t-1} → s_t",
        )
        charts.show(fold.fit_graph(fig, big), key=prefix + "rolled")
        st.caption("The loop is what unrolling removes: switch the view to 'unrolled'.")
    elif playing:
        fig = unroll_animation_figure(graph, large_font=big, show_params=show_params)
        charts.show(fold.fit_graph(fig, big, fold.main_height(big) + 120), key=prefix + "animation")
        st.caption("Press ▶ in the chart: the graph grows one step at a time, in your browser.")
    else:
        fig = _stepped(settings, graph, trace, prefix)
    if not prefix:
        exports.panel(
            "unroll",
            frames={"States": data.frame("states", settings.config, settings.text)},
            figures={"Graph": fig},
            graph=graph,
        )
        url_state.sync(PARAMS, defaults={"t": seq_len})


def _control_row(seq_len: int, prefix: str) -> tuple[bool, bool]:
    """One row: First/Back/Step/Last, the step slider, Play, and the graph options."""
    key = prefix + "t"
    cols = st.columns([0.7, 0.7, 0.7, 0.7, 3.2, 1.7, 1.7], vertical_alignment="center")
    rolled = st.session_state[prefix + "view"] == "rolled"
    playing = bool(st.session_state[prefix + "animate"]) and not rolled
    stepping = seq_len > 1 and not rolled and not playing
    step = {"on_click": _move, "width": "stretch", "disabled": not stepping}
    jump = {"on_click": _set, "width": "stretch", "disabled": not stepping}
    cols[0].button("", key=prefix + "first", args=(key, 1), icon=FIRST, help="First", **jump)
    cols[1].button("", key=prefix + "back", args=(key, -1, seq_len), icon=BACK, help="Back", **step)
    cols[2].button("", key=prefix + "step", args=(key, 1, seq_len), icon=STEP, help="Step", **step)
    cols[3].button("", key=prefix + "last", args=(key, seq_len), icon=LAST, help="Last", **jump)
    if seq_len > 1:
        cols[4].slider(
            "Step t", 1, seq_len, key=key, label_visibility="collapsed", disabled=not stepping
        )
    cols[5].toggle("Play", key=prefix + "animate", disabled=rolled)
    with cols[6].popover("Graph", width="stretch", help=_GRAPH_HELP):
        st.segmented_control(
            "Graph level", LEVELS, key=prefix + "level", format_func=_level_label, required=True
        )
        st.segmented_control("View", VIEWS, key=prefix + "view", required=True)
        st.toggle(
            "Shared parameters",
            key=prefix + "params",
            help="Show W_ih, W_hh, b and O's weights: one set, used at every step t.",
        )
    return rolled, playing


_GRAPH_HELP = "Cells or operations, unrolled or rolled, and the shared parameters."


def _stepped(settings: Settings, graph: nx.DiGraph, trace: rnnviz.Trace, prefix: str):
    """The graph up to the selected t, with the nested formula and x_t's token under the row."""
    seq_len, t = trace.seq_len, st.session_state[prefix + "t"]
    st.latex(nested_formula(t, "latex"))
    note = f"x_{t} is the token {trace.tokens[t - 1]!r}  (t = {t} of T = {seq_len})"
    if seq_len > 2 * WINDOW + 1:  # a long sentence: the last 2W+1 steps up to t, at full size
        center = max(WINDOW + 1, t - WINDOW)
        graph = window_graph(graph, center, WINDOW)
        note += f"; showing steps {center - WINDOW}..{min(center + WINDOW, seq_len)}"
    big = settings.large_font
    fig = graph_figure(
        graph,
        upto_t=t,
        selected_t=t,
        show_params=st.session_state[prefix + "params"],
        large_font=big,
    )
    charts.show(fold.fit_graph(fig, big), key=prefix + "graph")
    st.text(note)
    if trace.num_directions > 1:
        st.caption(
            "The formula is the forward chain. The backward chain (s^b) applies its own R "
            "from x_T down to x_t: s^b_t = R^b(s^b_{t+1}, x_t)."
        )
    return fig


def _set(key: str, value: int) -> None:
    st.session_state[key] = value


def _move(key: str, delta: int, seq_len: int) -> None:
    st.session_state[key] = min(max(st.session_state[key] + delta, 1), seq_len)


def _level_label(level: str) -> str:
    return {"cell": "cells", "op": "operations"}[level]
