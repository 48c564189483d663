"""The unrolled computation graph of a Trace (networkx), its rolled form, windows, counts and JSON.

    G = build_graph(trace, level="cell")   # s_t per (layer, direction, t); "op": gates, c_t, h_t
    G.nodes["s[l1,fwd,3]"]   # {'t': 3, 'kind': 's', 'layer': 1, 'direction': 'forward',
                             #  'label': 's_3', 'value_norm': ..., 'grad_log10': ..., 'pos': (3.0, 1.0)}

Modules: `build` (the entry points), `steps` (one step s_t = R(s_{t-1}, x_t) as nodes), `patterns`
(inputs, outputs and where the loss attaches), `decoder` (the encoder-decoder's second RNN),
`frame` (ids and labels), `parts` (the node/edge accumulator), `values` (numbers from the trace),
`count` (closed-form sizes), `node_link` (strict JSON).
"""

from rnnviz.graph.build import build_graph, rolled_graph, window_graph
from rnnviz.graph.count import count_nodes_edges
from rnnviz.graph.node_link import graph_from_json, graph_to_json

__all__ = [
    "build_graph",
    "count_nodes_edges",
    "graph_from_json",
    "graph_to_json",
    "rolled_graph",
    "window_graph",
]
