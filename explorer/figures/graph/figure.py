"""The unrolled computation graph figure, drawn as the lecture draws it: each step's cell nodes in a
box R, the shared parameters feeding every copy, every node and edge coloured by the gradient that
reaches it. Geometry: layout.py and bundles.py; traces: traces.py; canvas: canvas.py."""

from __future__ import annotations

import networkx as nx
import plotly.graph_objects as go

from explorer.figures import build
from explorer.figures.graph.canvas import graph_layout, step_band
from explorer.figures.graph.data import GraphArrays, window
from explorer.figures.graph.traces import graph_traces
from explorer.figures.notation import math_html
from explorer.figures.style import escape

MAX_NODES = 1_500
# Steps drawn at once: more would smear labels, and at op level the gates would touch at 1000 px.
MAX_STEPS = {"cell": 25, "op": 8}


def graph_figure(
    G: nx.DiGraph,
    *,
    upto_t: int | None = None,
    selected_t: int | None = None,
    show_params: bool = True,
    large_font: bool = False,
    max_nodes: int = MAX_NODES,
    title: str = "Unrolled computation graph",
    max_steps: int | None = None,
) -> go.Figure:
    """The unrolled DAG; steps after `upto_t` hidden on fixed axes, `selected_t` shaded.

    Past `max_steps` steps (default 25, 8 at op level) or `max_nodes` nodes only a window of
    steps up to `upto_t`, around `selected_t`, is drawn; the title says which ("t = 17..41 of 41")
    and `layout.meta` holds the same as {"steps_shown": [17, 41], "steps_total": 41}."""
    G, note, meta = windowed(G, max_nodes, selected_t, upto_t, max_steps)
    data = GraphArrays.from_graph(G)
    traces = graph_traces(data, upto_t=upto_t, show_params=show_params, large_font=large_font)
    layout = graph_layout(data, title=titled(title, note), large_font=large_font)
    band = step_band(data, selected_t)
    if band is not None:
        layout["shapes"] = [band]
    if meta:
        layout["meta"] = meta
    return build.figure(traces, layout)


def windowed(G: nx.DiGraph, max_nodes: int, selected_t, upto_t, max_steps):
    """The window of steps to draw, its title note ("t = 17..41 of 41") and its meta; the note
    names the steps really drawn, also when the caller passed an already windowed graph."""
    level = G.graph.get("level") or "cell"
    limit = max_steps if max_steps is not None else MAX_STEPS.get(level, MAX_STEPS["cell"])
    center = selected_t if selected_t is not None else upto_t
    G, _ = window(G, max_nodes, center, last_t=upto_t, max_steps=limit)
    steps = sorted({int(a["t"]) for _, a in G.nodes(data=True) if (a.get("t") or 0) >= 1})
    if not steps:
        return G, "", None
    total = max(int(G.graph.get("seq_len") or 0), 0)
    total = total if total >= steps[-1] else steps[-1]  # decoder steps run past T
    lo, hi = steps[0], min(steps[-1], upto_t) if upto_t is not None else steps[-1]
    if lo == 1 and hi == total:
        return G, "", None
    return G, f"t = {lo}..{hi} of {total}", {"steps_shown": [lo, hi], "steps_total": total}


def titled(title: str, note: str) -> str:
    """'Unrolled computation graph: t = 17..41 of 41', in the lecture's notation."""
    title = math_html(title)
    return f"{title}: {note}" if note else title


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
