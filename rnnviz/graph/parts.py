"""The list-based graph accumulator and the layout constants shared by the graph builders.

Nodes and edges are collected in lists and handed to networkx once, which keeps a 10,000-step build
under a second and the insertion order identical between builds. Ids and positions: frame.py.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import networkx as nx

from rnnviz.names import DIRECTIONS as DIRECTION_LONG

NAN = math.nan
LEVELS = ("cell", "op")
NODE_ATTRS = ("t", "kind", "layer", "direction", "label", "value_norm", "grad_log10", "pos")
EDGE_KINDS = ("recurrent", "input", "output", "layer", "loss", "param", "op", "cell_path")

# Layout: x is the time step plus the depth inside the cell, y a fixed
# lane per kind. Cell level: lane 0 inputs, one lane per (layer, direction), then outputs, losses.
# Op level: each (layer, direction) band holds three sub-lanes: gates, c_t, h_t (s_t).
PARAM_COLUMN = -1.0  # shared parameters sit left of s_0
OP_BAND = 3.0  # sub-lanes per (layer, direction) band at op level
GATE_DEPTH = -0.6  # x offset of the first gate from its step's state (forward direction)
GATE_SPACING = 0.12
CELL_DEPTH = -0.2  # c_t sits between the gates and h_t
INPUT_DEPTH_OP = -0.5  # x_t under the gates at op level


@dataclass
class GraphParts:
    """Nodes and edges in insertion order; turned into a DiGraph once at the end."""

    nodes: list[tuple[str, dict]] = field(default_factory=list)
    edges: list[tuple[str, str, str, str]] = field(default_factory=list)  # tail, head, kind, label
    grad: dict[str, float] = field(default_factory=dict)  # node id -> grad_log10

    def node(
        self,
        nid: str,
        kind: str,
        t: int | None,
        label: str,
        pos: tuple[float, float],
        *,
        layer: int | None = None,
        direction: int | None = None,
        value_norm: float = NAN,
        grad_log10: float = NAN,
    ) -> str:
        self.nodes.append(
            (
                nid,
                {
                    "t": t,
                    "kind": kind,
                    "layer": layer,
                    "direction": None if direction is None else DIRECTION_LONG[direction],
                    "label": label,
                    "value_norm": float(value_norm),
                    "grad_log10": float(grad_log10),
                    "pos": (float(pos[0]), float(pos[1])),
                },
            )
        )
        self.grad[nid] = float(grad_log10)
        return nid

    def edge(self, tail: str, head: str, kind: str, label: str = "") -> None:
        self.edges.append((tail, head, kind, label))

    def to_digraph(self, *, edge_labels: bool = False, **graph_attrs) -> nx.DiGraph:
        """The DiGraph; each edge carries the gradient reaching its head node (NaN if unknown),
        and with edge_labels (the rolled graph) its label, e.g. "t-1 -> t" on a loop."""
        graph = nx.DiGraph(**graph_attrs)
        graph.add_nodes_from(self.nodes)
        grad = self.grad
        if edge_labels:
            rows = (
                (u, v, {"kind": kind, "grad_log10": grad[v], "label": label})
                for u, v, kind, label in self.edges
            )
        else:
            rows = ((u, v, {"kind": kind, "grad_log10": grad[v]}) for u, v, kind, _ in self.edges)
        graph.add_edges_from(rows)
        if graph.number_of_nodes() != len(self.nodes) or graph.number_of_edges() != len(self.edges):
            raise AssertionError("duplicate node or edge in a graph build")  # a bug, not bad input
        return graph
