"""Node-link JSON for the graphs: strict JSON (no NaN tokens), deterministic, and reversible.

NaN (no number, e.g. a gate's gradient the engine does not compute) is written as null. An exact
zero gradient has log10 = -inf, which JSON cannot spell: it is written as the string "-Infinity"
(and +inf as "Infinity") so that "no gradient at all" stays distinct from "unknown".
`graph_from_json` turns both back into floats and positions back into tuples.
"""

from __future__ import annotations

import json
import math

import networkx as nx

from rnnviz.errors import RnnvizError

FLOAT_ATTRS = ("value_norm", "grad_log10")
_INFINITIES = {"Infinity": math.inf, "-Infinity": -math.inf}


def graph_to_json(graph: nx.DiGraph) -> str:
    """node_link_data(graph, edges="edges") as a JSON string; same graph, same text."""
    data = nx.node_link_data(graph, edges="edges")
    return json.dumps(to_plain(data), sort_keys=True, allow_nan=False, ensure_ascii=False)


def graph_from_json(text: str) -> nx.DiGraph:
    """The DiGraph written by graph_to_json (null -> NaN, "+-Infinity" -> +-inf, pos -> tuple)."""
    try:
        data = json.loads(text)
        if not isinstance(data, dict):  # networkx would fail on it with an AttributeError
            raise TypeError(f"the JSON is a {type(data).__name__}, not an object")
        graph = nx.node_link_graph(data, edges="edges", directed=True, multigraph=False)
    except (ValueError, KeyError, TypeError, AttributeError, nx.NetworkXError) as exc:
        raise RnnvizError(f"Not a graph written by graph_to_json: {exc}") from exc
    for _, attrs in graph.nodes(data=True):
        _restore(attrs)
        if isinstance(attrs.get("pos"), list):
            attrs["pos"] = tuple(attrs["pos"])
    for _, _, attrs in graph.edges(data=True):
        _restore(attrs)
    return graph


def to_plain(value):
    """Recursively: NaN -> None, +-inf -> "+-Infinity", tuples -> lists."""
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return value
    if isinstance(value, dict):
        return {key: to_plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [to_plain(item) for item in value]
    return value


def _restore(attrs: dict) -> None:
    for name in FLOAT_ATTRS:
        if name in attrs:
            value = attrs[name]
            attrs[name] = math.nan if value is None else _INFINITIES.get(value, value)
