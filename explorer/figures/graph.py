"""The unrolled computation graph figure: nodes at their `pos`, edges coloured by the gradient they
carry, shared parameters dashed, loss nodes as stars. Trace building lives in graph_traces.py."""

from __future__ import annotations

import networkx as nx
import numpy as np
import plotly.graph_objects as go

from explorer.figures.graph_data import GraphArrays, window
from explorer.figures.graph_traces import graph_traces
from explorer.figures.style import HIGHLIGHT_FILL, apply_theme, escape

MAX_NODES = 1_500


def step_band(data: GraphArrays, t: int | None) -> dict | None:
    """A shaded rectangle (layout shape) behind every node of step t."""
    if t is None or not np.any(data.t == t):
        return None
    xs = data.x[data.t == t]
    return {
        "type": "rect",
        "xref": "x",
        "yref": "paper",
        "x0": xs.min() - 0.35,
        "x1": xs.max() + 0.35,
        "y0": 0,
        "y1": 1,
        "fillcolor": HIGHLIGHT_FILL,
        "line": {"width": 0},
        "layer": "below",
    }


def style_graph_layout(fig: go.Figure, data: GraphArrays, *, title: str, large_font: bool) -> None:
    """Fixed ranges (nothing jumps while the graph builds up), no axes, legend under the plot."""
    height = int(np.clip(160 + 90 * (data.y_range[1] - data.y_range[0]), 380, 900))
    height = int(height * 1.25) if large_font else height  # room for the bigger legend
    apply_theme(fig, title=title, large_font=large_font, height=height)
    fig.update_xaxes(range=list(data.x_range), visible=False, autorange=False)
    fig.update_yaxes(range=list(data.y_range), visible=False, autorange=False)
    fig.update_layout(
        legend={"orientation": "h", "y": -0.02, "yanchor": "top", "x": 0},
        hovermode="closest",
        dragmode="pan",
    )


def graph_figure(
    G: nx.DiGraph,
    *,
    upto_t: int | None = None,
    selected_t: int | None = None,
    show_params: bool = True,
    large_font: bool = False,
    max_nodes: int = MAX_NODES,
    title: str = "Unrolled computation graph",
) -> go.Figure:
    """The unrolled DAG; steps after `upto_t` hidden on fixed axes, `selected_t` shaded.

    Past `max_nodes` nodes only a window of steps around `selected_t` (or `upto_t`) is drawn."""
    G, note = window(G, max_nodes, selected_t if selected_t is not None else upto_t)
    data = GraphArrays.from_graph(G)
    fig = go.Figure(
        graph_traces(data, upto_t=upto_t, show_params=show_params, large_font=large_font)
    )
    band = step_band(data, selected_t)
    if band is not None:
        fig.add_shape(band)
    if upto_t is not None:
        title = f"{title}: t = 1..{upto_t}"
    style_graph_layout(fig, data, title=title + note, large_font=large_font)
    return fig


def pattern_figure(
    G: nx.DiGraph, *, pattern: str, large_font: bool = False, **options
) -> go.Figure:
    """graph_figure for one usage pattern, titled with where its losses attach (★ nodes)."""
    losses = sorted(
        {
            a["t"]
            for _, a in G.nodes(data=True)
            if a.get("kind") == "loss" and a.get("t") is not None
        }
    )
    where = ", ".join(f"t={t}" for t in losses[:8]) + (" …" if len(losses) > 8 else "")
    title = f"{escape(pattern)}: loss ★ at {where}" if losses else f"{escape(pattern)}: no loss"
    return graph_figure(G, large_font=large_font, title=title, **options)
