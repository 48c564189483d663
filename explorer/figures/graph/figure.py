"""The unrolled computation graph figure: nodes at their `pos`, edges coloured by the gradient they
carry, shared parameters dashed, loss nodes as stars. Trace building lives in traces.py."""

from __future__ import annotations

import networkx as nx
import plotly.graph_objects as go

from explorer.figures import build
from explorer.figures.graph.data import GraphArrays, window
from explorer.figures.graph.layout import graph_layout, step_band
from explorer.figures.graph.traces import graph_traces
from explorer.figures.style import escape

MAX_NODES = 1_500


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

    Past `max_nodes` nodes only a window of steps up to `upto_t`, around `selected_t`, is drawn."""
    center = selected_t if selected_t is not None else upto_t
    G, note = window(G, max_nodes, center, last_t=upto_t)
    data = GraphArrays.from_graph(G)
    traces = graph_traces(data, upto_t=upto_t, show_params=show_params, large_font=large_font)
    if upto_t is not None:
        title = f"{title}: t = 1..{upto_t}"
    layout = graph_layout(data, title=title + note, large_font=large_font)
    band = step_band(data, selected_t)
    if band is not None:
        layout["shapes"] = [band]
    return build.figure(traces, layout)


def pattern_figure(
    G: nx.DiGraph, *, pattern: str, large_font: bool = False, **options
) -> go.Figure:
    """graph_figure for one usage pattern, titled with where its losses attach (★ nodes)."""
    return graph_figure(G, large_font=large_font, title=loss_title(G, pattern), **options)


def loss_title(G: nx.DiGraph, pattern: str) -> str:
    """'transducer: losses ★ at t = 1..6'; decoder steps (t > T) are named as such."""
    T = G.graph.get("seq_len") or max((a["t"] or 0) for _, a in G.nodes(data=True))
    steps = {a["t"] for _, a in G.nodes(data=True) if a.get("kind") == "loss" and a["t"]}
    encoder = sorted(t for t in steps if t <= T)
    decoder = sorted(t - T for t in steps if t > T)
    parts = [f"t = {_ranges(encoder)}"] if encoder else []
    parts += [f"decoder steps {_ranges(decoder)}"] if decoder else []
    if not parts:
        return f"{escape(pattern)}: no loss attached"
    noun = "loss" if len(steps) == 1 else "losses"
    return f"{escape(pattern)}: {noun} ★ at {' and '.join(parts)}"


def _ranges(values: list[int]) -> str:
    """[1, 2, 3, 5] -> '1..3, 5'."""
    runs: list[list[int]] = []
    for v in values:
        if runs and v == runs[-1][-1] + 1:
            runs[-1].append(v)
        else:
            runs.append([v])
    return ", ".join(f"{r[0]}..{r[-1]}" if len(r) > 2 else ", ".join(map(str, r)) for r in runs)
