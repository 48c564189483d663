"""'Watch it unroll': Plotly frames that add one time step at a time, with Play/Pause and a slider.

The browser plays the frames by itself (no server round trip per step), which is what a classroom
projector needs. Axis ranges and the colour range are fixed, so only new nodes appear.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import plotly.graph_objects as go

from explorer.figures import build
from explorer.figures.axes import legend_on_top_layout
from explorer.figures.graph.data import GraphArrays, window
from explorer.figures.graph.layout import graph_layout, step_band
from explorer.figures.graph.traces import graph_pieces, graph_traces
from explorer.figures.style import merge

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


def _frame(data: GraphArrays, t: int, show_params: bool) -> dict:
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
        "layout": {"shapes": [band] if band else []},
    }


def _buttons(frame_ms: int) -> dict:
    play = {
        "frame": {"duration": frame_ms, "redraw": False},
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
        "frame": {"duration": 0, "redraw": False},
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
) -> go.Figure:
    """The unrolled graph built up step by step: frame t shows every node with t' <= t."""
    G, note = window(G, max_nodes, center_t=None)
    data = GraphArrays.from_graph(G)
    steps = _frame_steps(data, max_frames)
    first = steps[0] if steps else None
    # The base figure holds every point (styles, hover text); frames only move points in from NaN.
    traces = graph_traces(
        data, upto_t=first, show_params=show_params, large_font=large_font, keep_hidden=True
    )
    layout = graph_layout(data, title="Watch the RNN unroll" + note, large_font=large_font)
    band = step_band(data, first) if first is not None else None
    if band:
        layout["shapes"] = [band]
    layout.update(updatemenus=[_buttons(frame_ms)], sliders=[_slider(steps, large_font)])
    merge(layout, {"margin": {"b": 200}, "height": layout.get("height", 400) + 140})
    frames = [_frame(data, t, show_params) for t in steps]
    return build.figure(traces, legend_on_top_layout(layout), frames=frames)
