"""'Watch it unroll': Plotly frames that add one time step at a time, with Play/Pause and a slider.

The browser plays the frames by itself (no server round trip per step), which is what a classroom
projector needs. Axis ranges and the colour range are fixed, so only new nodes appear; each frame's
title is the lecture's nested formula for that step, s_3 = R(R(R(s_0, x_1), x_2), x_3), so the
formula follows the graph. Frames hold only what changes: x/y arrays, the step band, the title.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import plotly.graph_objects as go

from explorer.figures import build
from explorer.figures.axes import legend_on_top_layout
from explorer.figures.graph.canvas import graph_layout, step_band
from explorer.figures.graph.data import GraphArrays
from explorer.figures.graph.figure import titled, windowed
from explorer.figures.graph.traces import graph_pieces, graph_traces
from explorer.figures.notation import math_html
from explorer.figures.style import merge
from rnnviz.formula import nested_formula

MAX_FRAMES = 40
ANIMATION_MAX_NODES = 600  # every frame repeats all x/y arrays: keep them short
FRAME_MS = 600


def _frame_steps(data: GraphArrays, max_frames: int) -> list[int]:
    """t = 1..T, or evenly spaced steps (always ending at T) when there are more than max_frames."""
    ts = np.unique(data.t[np.isfinite(data.t) & (data.t >= 1)]).astype(int)
    if ts.size <= max_frames:
        return ts.tolist()
    picked = np.unique(np.linspace(0, ts.size - 1, max_frames).round().astype(int))
    return ts[picked].tolist()


def formula_title(t: int, note: str = "", seq_len: int | None = None) -> str:
    """The frame's title: the nested formula of s_t in the lecture's notation (plus the window);
    a decoder step k (t = T + k) gets the decoder's s'_k, started from its s'_0."""
    if seq_len is not None and t > seq_len:
        k = t - seq_len
        text = nested_formula(k, s0="s'_0").replace(f"s_{k} =", f"s'_{k} =", 1)
        formula = f"decoder: {math_html(text)}"
    else:
        formula = math_html(nested_formula(t))
    return f"{formula}   ({note})" if note else formula


def _frame(data: GraphArrays, t: int, show_params: bool, note: str) -> dict:
    """Step t: new x/y for every trace (float32 halves the bytes; positions need no more)."""
    pieces = graph_pieces(data, upto_t=t, show_params=show_params, keep_hidden=True)
    band = step_band(data, t)
    return {
        "name": str(t),
        "data": [
            {"type": "scatter", "x": p.x.astype(np.float32), "y": p.y.astype(np.float32)}
            for p in pieces
        ],
        "traces": list(range(len(pieces))),
        "layout": {
            "shapes": [band] if band else [],
            "title": {"text": formula_title(t, note, data.seq_len)},
        },
    }


def _buttons(frame_ms: int) -> dict:
    play = {
        "frame": {"duration": frame_ms, "redraw": True},  # the title holds the formula
        "fromcurrent": True,
        "transition": {"duration": 0},
        "mode": "immediate",
    }
    pause = {
        "frame": {"duration": 0, "redraw": False},
        "mode": "immediate",
        "transition": {"duration": 0},
    }
    return {
        "type": "buttons",
        "direction": "left",
        "showactive": False,
        "x": 0,
        "xanchor": "left",
        "y": 0,
        "yanchor": "top",
        "pad": {"t": 115, "r": 10},  # under the slider, so neither hides the other
        "buttons": [
            {"label": "▶ Play", "method": "animate", "args": [None, play]},
            {"label": "❚❚ Pause", "method": "animate", "args": [[None], pause]},
        ],
    }


def _slider(steps: list[int], large_font: bool) -> dict:
    jump = {
        "frame": {"duration": 0, "redraw": True},  # redraw: the title (the formula) changes too
        "mode": "immediate",
        "transition": {"duration": 0},
    }
    return {
        "active": 0,
        "x": 0,
        "len": 1.0,
        "y": 0,
        "yanchor": "top",
        "pad": {"t": 30},
        "currentvalue": {
            "prefix": "unrolled up to t = ",
            "font": {"size": 22 if large_font else 15},
        },
        "steps": [{"label": str(t), "method": "animate", "args": [[str(t)], jump]} for t in steps],
    }


def unroll_animation_figure(
    G: nx.DiGraph,
    *,
    large_font: bool = False,
    show_params: bool = True,
    max_frames: int = MAX_FRAMES,
    max_nodes: int = ANIMATION_MAX_NODES,
    frame_ms: int = FRAME_MS,
    max_steps: int | None = None,
    title_text: str = "Watch the RNN unroll",
    upto_t: int | None = None,
) -> go.Figure:
    """The unrolled graph built up step by step: frame t shows every node with t' <= t, and its
    title is the nested formula of s_t. Long sentences show the `max_steps` steps that end at
    `upto_t` (default: the last). The base figure is the graph at `upto_t` (default: the first
    frame), so it can stand as the page's stepped graph and Play from there."""
    G, note, _ = windowed(G, max_nodes, upto_t, None, max_steps)
    data = GraphArrays.from_graph(G)
    steps = _frame_steps(data, max_frames)
    start = _start(steps, upto_t)
    # The base figure holds every point (styles, hover text); frames only move points in from NaN.
    traces = graph_traces(
        data, upto_t=start, show_params=show_params, large_font=large_font, keep_hidden=True
    )
    title = (
        formula_title(start, note, data.seq_len) if start is not None else titled(title_text, note)
    )
    layout = graph_layout(data, title=title, large_font=large_font)
    band = step_band(data, start) if start is not None else None
    if band:
        layout["shapes"] = [band]
    slider = _slider(steps, large_font)
    slider["active"] = steps.index(start) if start in steps else 0
    layout.update(updatemenus=[_buttons(frame_ms)], sliders=[slider])
    merge(layout, {"margin": {"b": 200}, "height": layout.get("height", 400) + 140})
    frames = [_frame(data, t, show_params, note) for t in steps]
    return build.figure(traces, legend_on_top_layout(layout), frames=frames)


def _start(steps: list[int], upto_t: int | None) -> int | None:
    """The frame the base figure shows: the last frame at or before upto_t (else the first)."""
    if not steps:
        return None
    if upto_t is None:
        return steps[0]
    earlier = [t for t in steps if t <= upto_t]
    return earlier[-1] if earlier else steps[0]
