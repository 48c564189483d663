"""A time budget for one unroll in the explorer, so no setting within the sidebar's ranges can
freeze a shared server for minutes.

The cost model is the engine's own (`rnnviz.cost`: about 1.2e-10 s × n³ per step and direction,
n = layers × state size, measured on the 2-core dev box); the explorer only sets a smaller budget.
Past n = 512 the per-step SVD dominates (elman 4×256, n=1024: about 1 s a step), so that is
refused outright. Pages that run several traces (Compare: 3, Patterns: 4) multiply the cost,
hence a per-trace budget of a few seconds.
"""

from __future__ import annotations

import rnnviz
from rnnviz import cost

MAX_JACOBIAN = 512
MAX_SECONDS = 8.0
# Singular values of J_t cost one n×n SVD per step (about 30 ms at n = 256 here): the Gradient
# page computes them at evenly spaced steps only, as many as fit SVD_SECONDS.
SVD_SECONDS_PER_N3 = 1.8e-9
SVD_SECONDS = 4.0
SVD_STEPS = (20, 300)  # at least, at most


def jacobian_size(config: dict) -> int:
    """n = layers × state size (H, or 2H for LSTM's [h; c])."""
    return cost.jacobian_size(config["cell"], config["hidden_size"], config["num_layers"])


def estimate_seconds(config: dict, seq_len: int) -> float:
    """Rough (conservative) seconds for rnnviz.unroll with this config on seq_len tokens."""
    return cost.estimate_seconds(
        config["cell"],
        config["hidden_size"],
        config["num_layers"],
        bool(config["bidirectional"]),
        seq_len,
    )


def check(config: dict, text: str) -> None:
    """Raise RnnvizError, saying what to lower, when the run would not fit the budget."""
    n = jacobian_size(config)
    if n > MAX_JACOBIAN:
        raise rnnviz.RnnvizError(
            f"Layers × state size is {n} (each step's Jacobian would be {n}×{n}); the explorer "
            f"stops at {MAX_JACOBIAN}. Lower the hidden size or the number of layers "
            "(rnnviz.unroll in Python has no such limit)."
        )
    seq_len = len(rnnviz.tokenize(text, config.get("tokenize", "word")))
    seconds = estimate_seconds(config, seq_len)
    if seconds > MAX_SECONDS:
        raise rnnviz.RnnvizError(
            f"This would take about {seconds:.0f} s to unroll ({seq_len:,} tokens, {n}×{n} "
            f"Jacobians); the explorer stops at {MAX_SECONDS:.0f} s. Use a shorter text, a "
            "smaller hidden size or fewer layers."
        )


def singular_value_steps(config: dict) -> int:
    """How many steps' singular values the explorer computes (spread evenly over t = 1..T)."""
    directions = 2 if config["bidirectional"] else 1
    per_step = directions * SVD_SECONDS_PER_N3 * jacobian_size(config) ** 3
    low, high = SVD_STEPS
    return int(min(max(SVD_SECONDS / per_step, low), high))
