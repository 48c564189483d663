"""Graph building speed, moved out of the test suite (tests must not assert wall times):
`build_graph` at T = 10,000 (cell level and LSTM op level) and the windowed `graph_figure` of a
2,000-step graph, each against a plain networkx DiGraph holding the same nodes and edges, built in
the same run (the ratio says what rnnviz adds to networkx's own cost).

    .venv/bin/python benchmarks/graph_build.py
"""

from __future__ import annotations

import os
import time

import networkx as nx
import torch

import rnnviz
from rnnviz.graph import build_graph


def timed(function):
    start = time.perf_counter()
    value = function()
    return value, time.perf_counter() - start


def plain_copy(graph: nx.DiGraph) -> float:
    """Seconds for networkx to build a DiGraph with the same nodes and edges (no attributes)."""
    nodes, edges = list(graph.nodes), list(graph.edges)
    _, seconds = timed(lambda: nx.DiGraph(edges).add_nodes_from(nodes))
    return seconds


def main() -> None:
    torch.set_num_threads(1)
    print(f"load average {os.getloadavg()[0]:.1f}")
    for cell, level in (("lstm", "cell"), ("elman", "cell"), ("lstm", "op")):
        trace = rnnviz.unroll(["w"] * 10_000, cell=cell, hidden_size=16, input_size=16)
        graph, seconds = timed(lambda trace=trace, level=level: build_graph(trace, level))
        base = plain_copy(graph)
        print(f"build_graph T=10,000 {cell:5} {level:4}: {seconds:6.2f} s, "
              f"{graph.number_of_nodes():,} nodes / {graph.number_of_edges():,} edges, "
              f"{seconds / base:5.1f}x a bare networkx build")  # fmt: skip
    from explorer.figures import graph_figure  # benchmarks may use the figures layer

    trace = rnnviz.unroll([f"w{i}" for i in range(2000)], cell="elman", hidden_size=4)
    graph = build_graph(trace)
    _, seconds = timed(lambda: graph_figure(graph, selected_t=1000, max_nodes=600))
    _, full = timed(lambda: build_graph(trace))
    print(f"graph_figure T=2,000 windowed to 600 nodes: {seconds:.3f} s "
          f"({seconds / full:.2f}x building that graph)")  # fmt: skip


if __name__ == "__main__":
    main()
