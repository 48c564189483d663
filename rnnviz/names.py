"""One name, one place: the cells, their gates, the directions and how a person reads them.

Everything that names a cell, a gate or a direction imports it from here, so a new cell type is
one edit in this file plus its equations in `rnnviz.cells`.
"""

from __future__ import annotations

CELLS = ("elman", "lstm", "gru")
CELL_TITLES = {"elman": "Elman", "lstm": "LSTM", "gru": "GRU"}  # how a page or a figure writes it
# Gate activations in torch's order (the rows of W_ih / W_hh); Elman has none (its a_t is drawn).
GATE_NAMES = {"elman": (), "lstm": ("i", "f", "g", "o"), "gru": ("r", "z", "n")}
GATES_PER_CELL = {"elman": 1, "lstm": 4, "gru": 3}  # blocks of H rows in W_ih and W_hh
DIRECTIONS = ("forward", "backward")
DIRECTIONS_SHORT = ("fwd", "bwd")  # as graph node ids write them


def state_size(cell: str, hidden_size: int) -> int:
    """Size of one layer's s_t in one direction: H, or 2H for the LSTM's [h; c]."""
    return 2 * hidden_size if cell == "lstm" else hidden_size
