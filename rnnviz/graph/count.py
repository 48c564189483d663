"""Closed-form node and edge counts of the unrolled graph, without building it.

With T steps, L layers, K directions (1 or 2), the input fan-in of a step F = 1 (layer 1 reads x_t)
or K (layer l > 1 reads every direction of layer l-1), and per cell and level

    level/cell   G (gates, or the cell)   N (state nodes)   I (edges inside a step)
    cell, any    1                        0                 0
    op, Elman    1 (a_t)                  1 (s_t)           1 (a -> s)
    op, GRU      3 (r, z, n)              1 (s_t)           4 (r -> n, n -> s, z -> s, s_{t-1} -> s)
    op, LSTM     4 (i, f, g, o)           2 (c_t, h_t)      6 (f, i, g, c_{t-1} -> c; o, c -> h)

each step has G + N nodes and G(F + 4) + I edges (each gate reads its F inputs, the previous state
and the 3 weights W_ih, W_hh, b). With z = 2 initial nodes per (layer, direction) for the LSTM at op
level (h_0, c_0) and z = 1 otherwise, the recurrent network alone has

    nodes = 3LK + T + zLK + TLK(G + N)
    edges = TK [ (G(1 + 4) + I) + (L - 1)(G(K + 4) + I) ]

and the pattern adds
    acceptor      O, y_1..y_T, L:            nodes + T + 2,     edges + T(K + 1) + K
                  (L reads y_T; bidirectional: O of both final states, s_T forward, s_1 backward)
    transducer    O, y_t, L_t, L:            nodes + 2T + 2,    edges + T(K + 1) + 2T
    encoder       L on the final state(s):   nodes + 1,         edges + K
    enc-decoder   a one-layer, one-direction decoder of M steps (M = target_len, default T):
                  nodes + 3 + 1 + M + z + M(G + N) + 2M + 1
                  edges + M(G(1 + 4) + I) + Kz + 2M + 2M
"""

from __future__ import annotations

from rnnviz import checks
from rnnviz.config import CELLS, PATTERNS
from rnnviz.errors import RnnvizError
from rnnviz.graph.parts import LEVELS

# (G, N, I) per (level, cell), as in the module docstring.
STEP_SHAPE = {
    ("cell", "elman"): (1, 0, 0),
    ("cell", "gru"): (1, 0, 0),
    ("cell", "lstm"): (1, 0, 0),
    ("op", "elman"): (1, 1, 1),
    ("op", "gru"): (3, 1, 4),
    ("op", "lstm"): (4, 2, 6),
}


def count_nodes_edges(
    seq_len: int,
    cell: str,
    num_layers: int = 1,
    bidirectional: bool = False,
    level: str = "cell",
    pattern: str = "acceptor",
    target_len: int | None = None,
) -> tuple[int, int]:
    """(nodes, edges) of build_graph for these shapes, from the formula in the module docstring.

    target_len is the decoder's length (encoder-decoder only; the engine's default is seq_len)."""
    T = _positive("seq_len", seq_len)
    L = _positive("num_layers", num_layers)
    _check_choices(cell, level, pattern, bidirectional)
    if target_len is not None and pattern != "encoder-decoder":  # it would be ignored
        raise RnnvizError(
            f"target_len applies to pattern='encoder-decoder' only (its decoder), not {pattern!r}."
        )
    M = T if target_len is None else _positive("target_len", target_len)
    K = 2 if bidirectional else 1
    G, N, I = STEP_SHAPE[(level, cell)]
    z = 2 if (level == "op" and cell == "lstm") else 1

    def step_edges(fan_in: int) -> int:
        return G * (fan_in + 4) + I

    nodes = 3 * L * K + T + z * L * K + T * L * K * (G + N)
    edges = T * K * (step_edges(1) + (L - 1) * step_edges(K))
    if pattern == "acceptor":
        nodes, edges = nodes + T + 2, edges + T * (K + 1) + K
    elif pattern == "transducer":
        nodes, edges = nodes + 2 * T + 2, edges + T * (K + 1) + 2 * T
    elif pattern == "encoder":
        nodes, edges = nodes + 1, edges + K
    else:
        nodes += 3 + 1 + M + z + M * (G + N) + 2 * M + 1
        edges += M * step_edges(1) + K * z + 2 * M + 2 * M
    return nodes, edges


def _positive(name: str, value) -> int:
    checks.whole_number(name, value, 1, 10**9)
    return int(value)


def _check_choices(cell, level, pattern, bidirectional) -> None:
    for name, value, allowed in (
        ("cell", cell, CELLS),
        ("level", level, LEVELS),
        ("pattern", pattern, PATTERNS),
    ):
        checks.choice(name, value, allowed)
    if not isinstance(bidirectional, bool):
        raise RnnvizError(f"bidirectional must be True or False, got {bidirectional!r}.")
