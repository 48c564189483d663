"""The unrolled computation graph: nodes at their `pos`, edges coloured by the gradient they carry.

Drawing stays fast for thousands of nodes (STREAMLIT-NOTES "Plotly"): edges are a handful of line
traces with NaN separators (one per colour bucket), arrow heads are one marker trace, nodes are one
trace per kind, and hover text is precomputed, escaped plain text.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import plotly.graph_objects as go
from plotly.colors import sample_colorscale

from explorer.figures.graph_data import N_BUCKETS, GraphArrays, segments, window
from explorer.figures.style import (
    GRADIENT_SCALE,
    HIGHLIGHT_FILL,
    MISSING_GREY,
    apply_theme,
    escape,
    kind_style,
)

MAX_NODES = 1_500
MAX_LABELLED_NODES = 250  # past this, node names only in hover (text would overlap)
MAX_HOVER_EDGES = 4_000  # past this, edges get no hover points (keeps the figure light)
NODE_HOVER = (
    "<b>%{customdata[0]}</b> (%{meta})<br>t = %{customdata[1]} · layer %{customdata[2]} · "
    "%{customdata[3]}<br>‖value‖ = %{customdata[4]}<br>log10 ‖∂L/∂node‖ = %{customdata[5]}"
    "<extra></extra>"
)


def bucket_colors() -> list[str]:
    """The colour of each gradient bucket, sampled at the bucket centres of GRADIENT_SCALE."""
    return sample_colorscale(GRADIENT_SCALE, [(b + 0.5) / N_BUCKETS for b in range(N_BUCKETS)])


def _lines(
    data: GraphArrays,
    mask: np.ndarray,
    *,
    name: str,
    color: str,
    dash: str = "solid",
    width: float = 2.0,
    legend: bool = False,
) -> go.Scatter:
    tip_x, tip_y, _, _ = data.arrow_points()
    xs, ys = segments(data.x[data.tail[mask]], data.y[data.tail[mask]], tip_x[mask], tip_y[mask])
    return go.Scatter(
        x=xs,
        y=ys,
        mode="lines",
        name=name,
        showlegend=legend,
        hoverinfo="skip",
        line={"color": color, "width": width, "dash": dash},
    )


def _arrows(data: GraphArrays, mask: np.ndarray, *, color, size: int, name: str) -> go.Scatter:
    """Arrow heads: pairs (point behind the tip, tip) so `angleref='previous'` aims each head
    along its edge in screen space; the point behind is size 0."""
    tip_x, tip_y, back_x, back_y = data.arrow_points()
    xs, ys = segments(back_x[mask], back_y[mask], tip_x[mask], tip_y[mask])
    sizes = np.tile([0, size, 0], int(mask.sum()))
    marker = {"symbol": "arrow", "angleref": "previous", "size": sizes, "line": {"width": 0}}
    if isinstance(color, str):
        marker["color"] = color
    else:  # per-edge gradient colour, on the shared colour range
        low, high = data.grad_range
        marker.update(
            color=np.repeat(color[mask], 3), colorscale=GRADIENT_SCALE, cmin=low, cmax=high
        )
    return go.Scatter(
        x=xs, y=ys, mode="markers", marker=marker, name=name, showlegend=False, hoverinfo="skip"
    )


def _colorbar(data: GraphArrays, large_font: bool) -> go.Scatter:
    """An empty trace that only carries the colour bar, so it stays put while the graph builds up."""
    low, high = data.grad_range
    return go.Scatter(
        x=[None],
        y=[None],
        mode="markers",
        showlegend=False,
        hoverinfo="skip",
        marker={
            "color": [low, high],
            "colorscale": GRADIENT_SCALE,
            "cmin": low,
            "cmax": high,
            "showscale": True,
            "size": 0.1,
            "colorbar": {
                "title": {"text": "log10 ‖∂L/∂·‖<br>at edge head"},
                "thickness": 22 if large_font else 14,
            },
        },
    )


def _edge_hover(data: GraphArrays, mask: np.ndarray) -> go.Scatter:
    """Invisible points at edge midpoints: hover tells what flows along the edge."""
    idx = np.flatnonzero(mask) if mask.sum() <= MAX_HOVER_EDGES else np.zeros(0, int)
    mid_x = (data.x[data.tail[idx]] + data.x[data.head[idx]]) / 2
    mid_y = (data.y[data.tail[idx]] + data.y[data.head[idx]]) / 2
    text = [
        f"{data.edge_hover[i]}<br>log10 gradient at head = {data.edge_grad[i]:.6g}" for i in idx
    ]
    return go.Scatter(
        x=mid_x,
        y=mid_y,
        mode="markers",
        marker={"size": 10, "opacity": 0},
        showlegend=False,
        customdata=text,
        hovertemplate="%{customdata}<extra></extra>",
        name="edges",
    )


def _nodes(data: GraphArrays, mask: np.ndarray, kind: str, large_font: bool) -> go.Scatter:
    idx = np.flatnonzero(mask & (data.kind == kind))
    style = kind_style(kind)
    size = (24 if large_font else 17) * (1.5 if style["symbol"] == "star" else 1.0)
    labelled = int(mask.sum()) <= MAX_LABELLED_NODES
    return go.Scatter(
        x=data.x[idx],
        y=data.y[idx],
        mode="markers+text" if labelled else "markers",
        text=[data.text[i] for i in idx] if labelled else None,
        textposition="top center",
        marker={
            "color": style["color"],
            "symbol": style["symbol"],
            "size": size,
            "line": {"color": "#333333", "width": 1},
        },
        name=style["name"],
        legendgroup=kind,
        meta=escape(style["name"]),
        customdata=[data.hover[i] for i in idx],
        hovertemplate=NODE_HOVER,
    )


def graph_traces(
    data: GraphArrays, *, upto_t: int | None, show_params: bool, large_font: bool = False
) -> list[go.Scatter]:
    """Every trace of the graph at step `upto_t`, always the same traces in the same order (frames
    of the animation replace them one for one)."""
    nodes = data.visible_nodes(upto_t, show_params)
    edges = data.visible_edges(nodes, show_params)
    bucket = data.buckets()
    data_edges = edges & ~data.edge_param
    arrow = 11 if large_font else 8
    traces = [
        _lines(
            data,
            edges & data.edge_param,
            name="shared parameter (dashed)",
            color="#9E9E9E",
            dash="dash",
            width=1.2,
            legend=True,
        ),
        _lines(
            data,
            data_edges & (bucket < 0),
            name="no gradient (NaN)",
            color=MISSING_GREY,
            legend=True,
        ),
    ]
    colors = bucket_colors()
    traces += [
        _lines(
            data,
            data_edges & (bucket == b),
            name=f"gradient bucket {b}",
            color=colors[b],
            width=2.5,
        )
        for b in range(N_BUCKETS)
    ]
    traces.append(
        _arrows(data, data_edges & (bucket >= 0), color=data.edge_grad, size=arrow, name="arrows")
    )
    traces.append(
        _arrows(
            data,
            edges & ~(data_edges & (bucket >= 0)),
            color="#9E9E9E",
            size=arrow,
            name="grey arrows",
        )
    )
    traces.append(_colorbar(data, large_font))
    traces.append(_edge_hover(data, edges))
    traces += [_nodes(data, nodes, kind, large_font) for kind in dict.fromkeys(data.kind)]
    return traces


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
