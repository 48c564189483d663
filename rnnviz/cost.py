"""How long an unroll will take, estimated from its sizes alone, so a run that would take minutes is
refused before any work (the engine's `max_seconds`, and the dashboard's own smaller budget).

Where the time goes: every step runs each layer forward, then the backward walk pulls the gradient
and the transfer matrix's rows (up to n = layers × state size of them) through one vector-Jacobian
product per layer, and re-diagonalises those rows with an SVD every 16 steps. While the rows keep
full rank that is ~n³ work per step; with torch's default weights most directions soon fall below
float64's precision and are dropped, so long runs get much cheaper per step than short ones.

Measured on the 2-core dev box (one BLAS thread, seconds per step and direction), where the rows
keep full rank (orthogonal W_hh with the identity activation, or an LSTM with forget bias 20):
Elman n=256 1.2 ms, n=512 8.7 ms, n=1024 61 ms; LSTM n=512 13.5 ms. So 1.2e-10 × n³ covers them,
and 1e-4 s per layer covers the fixed per-step cost of small networks (LSTM H=16: 0.1 ms a step).
Default weights run 2-15x faster than this estimate. Stacked layers whose top singular values are
nearly tied can take up to ~8x longer (the power iteration gives up and an SVD runs every step).
"""

from __future__ import annotations

from rnnviz.errors import RnnvizError

SECONDS_PER_LAYER_STEP = 1e-4  # fixed cost of one layer's step, forward and backward
SECONDS_PER_N3 = 1.2e-10  # per step and direction, times n³ while the transfer rows are full rank

_GATES = {"elman": 1, "lstm": 4, "gru": 3}
# The encoder-decoder's decoder: a torch autograd step of K*H units per target, ~0.6 ms (H = 32)
# to 1.5 ms (H = 128) each on the dev box, however long the sentence it decodes.
DECODER_SECONDS_PER_STEP = 1.5e-3
DECODER_SECONDS_PER_UNIT2 = 1e-9  # times (K*H)^2: its matrix products per step


def jacobian_size(cell: str, hidden_size: int, num_layers: int) -> int:
    """n = layers × state size (H, or 2H for the LSTM's [h; c]): J_t is n × n."""
    return num_layers * hidden_size * (2 if cell == "lstm" else 1)


def estimate_seconds(
    cell: str, hidden_size: int, num_layers: int, bidirectional: bool, seq_len: int
) -> float:
    """Rough seconds for rnnviz.unroll on seq_len tokens (the full-rank case: usually less)."""
    if cell not in _GATES:
        raise RnnvizError(f"Unknown cell {cell!r}: choose one of {', '.join(_GATES)}.")
    n = jacobian_size(cell, hidden_size, num_layers)
    directions = 2 if bidirectional else 1
    per_step = num_layers * SECONDS_PER_LAYER_STEP + SECONDS_PER_N3 * float(n) ** 3
    return directions * seq_len * per_step


def estimate_decoder_seconds(units: int, steps: int) -> float:
    """Rough seconds for an encoder-decoder's decoder of `units` (K*H) over `steps` targets."""
    return steps * (DECODER_SECONDS_PER_STEP + DECODER_SECONDS_PER_UNIT2 * float(units) ** 2)
