"""Step Jacobians of a trace, on demand: J_t = ds_t/ds_{t-1} and their singular values.

An engine function taking a Trace: it reads the engine handle the trace keeps for exactly this
(`trace._stacks`, the runs and weights of each direction) and pulls identity rows through step t.
"""

from __future__ import annotations

import numpy as np

from rnnviz import blas, checks
from rnnviz.errors import RnnvizError
from rnnviz.names import DIRECTIONS as DIRECTION_NAMES


def direction_index(trace, direction) -> int:
    """0 or 1 for "forward" / "backward" (or 0 / 1) where the trace has that direction; otherwise
    RnnvizError saying what is allowed."""
    names = DIRECTION_NAMES[: trace.num_directions]
    if isinstance(direction, str) and direction in names:
        index = names.index(direction)
    elif isinstance(direction, int | np.integer) and not isinstance(direction, bool):
        index = int(direction)
    else:
        index = -1
    if index not in range(trace.num_directions):
        allowed = " or ".join(repr(name) for name in names)
        raise RnnvizError(f"direction must be {allowed}, got {checks.shown(direction)}.")
    return index


def check_step(trace, t) -> int:
    """t as a plain int when it is a step 1..T (not a bool or a float); otherwise RnnvizError."""
    is_step = isinstance(t, int | np.integer) and not isinstance(t, bool)
    if not is_step or not 1 <= t <= trace.seq_len:
        raise RnnvizError(f"t must be a step between 1 and {trace.seq_len}, got {t!r}.")
    return int(t)


def step_jacobian(trace, t: int, direction: str | int = "forward") -> np.ndarray:
    """J_t = ds_t/ds_{t-1} (L*S, L*S) for one direction ("forward" / "backward", or 0 / 1),
    recomputed on demand (they are not stored: T of them at H=128 would take gigabytes). For
    the backward direction, s_{t-1} means the state it read before step t, i.e. s_{t+1} in
    sentence order. Stacked layers: the whole stack's step, the other direction's lower
    layers held fixed. Bad t or direction: RnnvizError saying what is allowed."""
    index = direction_index(trace, direction)
    return trace._stacks[index].step_jacobian(check_step(trace, t) - 1)


def singular_values(trace, steps) -> np.ndarray:
    """Singular values of J_t for the given steps t (1-based): (K, len(steps), L*S). For long
    sequences, a subset of steps keeps this fast (the dashboard samples a few hundred). A step
    outside 1..T, or not an integer: RnnvizError."""
    if isinstance(steps, str | bytes) or not hasattr(steps, "__iter__"):
        raise RnnvizError(f"steps must be a sequence of steps 1..{trace.seq_len}, got {steps!r}.")
    steps = [check_step(trace, t) - 1 for t in steps]
    out = np.empty(
        (trace.num_directions, len(steps), trace.states.shape[1] // trace.num_directions)
    )
    # One BLAS thread, as in unroll: threads spinning on small products made this 4x slower.
    with np.errstate(invalid="ignore"), blas.one_thread():
        for d, stack in enumerate(trace._stacks):
            for start in range(0, len(steps), 256):  # bounded memory: 256 Jacobians at a time
                chunk = steps[start : start + 256]
                jacs = np.stack([stack.step_jacobian(t) for t in chunk])
                out[d, start : start + len(chunk)] = (
                    np.linalg.svd(jacs, compute_uv=False) if np.isfinite(jacs).all() else np.nan
                )
    return out
