"""The Trace: everything one unroll computed, as detached plain data (numpy, pandas).

Shapes use T tokens, L layers, K directions (1 or 2), H hidden units, S the per-layer state size
(H, or 2H for LSTM's [h; c]), C output classes.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import torch

from rnnviz import jacobians
from rnnviz.config import UnrollConfig
from rnnviz.errors import RnnvizError
from rnnviz.names import DIRECTIONS as DIRECTION_NAMES


def needs_trace(func):
    """For public functions that take an rnnviz Trace first: anything else is a clear
    RnnvizError naming the function, not an AttributeError from inside it."""

    @functools.wraps(func)
    def checked(trace, *args, **kwargs):
        if not isinstance(trace, Trace):
            raise RnnvizError(
                f"{func.__name__} needs an rnnviz Trace (from rnnviz.unroll), got {trace!r:.60}."
            )
        return func(trace, *args, **kwargs)

    return checked


@dataclass(frozen=True, eq=False)
class Trace:
    """One unroll of `s_t = R(s_{t-1}, x_t)`, `y_t = O(s_t)` over a token sequence.

    `states[t-1]` is s_t for t = 1..T (row 0 is s_1, *not* s_0; s_0 is `initial_state`). A row is
    the concatenation over layers, then directions, of each layer's state (h, or [h; c] for LSTM),
    the order of torch's `h_n` (index = layer * K + direction).
    """

    config: UnrollConfig
    tokens: tuple[str, ...]
    inputs: np.ndarray  # (T, D) embeddings x_1..x_T
    rnn: torch.nn.Module  # the nn.RNN / nn.LSTM / nn.GRU (float64) whose parameters were used
    initial_state: np.ndarray  # (L*K*S,) s_0 (zeros)
    states: np.ndarray  # (T, L*K*S) s_1..s_T
    h: np.ndarray  # (T, L, K, H)
    c: np.ndarray | None  # (T, L, K, H) for LSTM, else None
    gates: dict[str, np.ndarray]  # gate name -> (T, L, K, H): LSTM i f g o, GRU r z n, Elman none
    preactivations: np.ndarray | None  # (T, L, K, H) Elman's a_t = W_ih x_t + b + W_hh h_{t-1}
    outputs: np.ndarray  # (T, C) y_t = O(s_t) logits (decoder outputs live in `decoder`)
    head_weight: np.ndarray  # (C, K*H) the output function O's weight
    head_bias: np.ndarray  # (C,)
    targets: np.ndarray | None  # int class ids (acceptor: (1,), transducer: (T,)); None for encoder
    loss: float
    loss_name: str  # human-readable description of the loss
    step_losses: np.ndarray  # (T,) the part of the loss attached at each step (0 where none)
    gradient_flow: pd.DataFrame  # one row per (direction, t); see rnnviz.flow
    layer_grad_log10: np.ndarray  # (T, L, K, 3) log10 ||dL/d.|| of each layer's s, h, c parts
    loss_grad_h: np.ndarray  # (T, K, H) the loss's own gradient on the top layer's h_t (via O)
    loss_grad_c: np.ndarray | None  # (T, K, H) ... on its c_t (LSTM encoder-decoder), else None
    output_grad: np.ndarray  # (T, C) dL/dy_t for the y_t the graph draws (0 where L reads none)
    head_grad_log10: float  # log10 ||dL/dO||, O's weight and bias together
    final_output: np.ndarray | None  # (C,) acceptor: the logits of O(final state)
    decoder: dict[str, Any] | None = None  # encoder-decoder only: tokens, states, outputs, targets
    # zoo models (unroll(..., model=)): O's top label per token, a tag or the predicted next
    # character; None for random weights
    predictions: tuple[str, ...] | None = None
    warnings: tuple[str, ...] = ()
    # A handle, not data: per direction the engine's runs and weights (`rnnviz.flow.Stack`), kept so
    # `rnnviz.jacobians` can recompute any J_t on demand (storing T Jacobians would take gigabytes at
    # H = 128). Only that module reads it; tables, graph and figures use the arrays above.
    _stacks: tuple = field(default=(), repr=False)
    _cache: dict = field(default_factory=dict, repr=False)

    @property
    def seq_len(self) -> int:
        return len(self.tokens)

    @property
    def num_directions(self) -> int:
        return self.config.num_directions

    def step_jacobian(self, t: int, direction: str | int = "forward") -> np.ndarray:
        """J_t = ds_t/ds_{t-1}: `rnnviz.jacobians.step_jacobian(self, t, direction)`."""
        return jacobians.step_jacobian(self, t, direction)

    @property
    def step_singular_values(self) -> np.ndarray:
        """Singular values of every J_t, descending: (K, T, L*S). Computed on first use (one SVD per
        step: the most expensive part of a trace, so not paid unless asked for)."""
        if "sv" not in self._cache:
            self._cache["sv"] = self.singular_values(range(1, self.seq_len + 1))
        return self._cache["sv"]

    def singular_values(self, steps) -> np.ndarray:
        """Singular values of J_t at some steps: `rnnviz.jacobians.singular_values(self, steps)`."""
        return jacobians.singular_values(self, steps)

    def flow(self, direction: str | int = "forward") -> pd.DataFrame:
        """The gradient_flow rows of one direction ("forward" / "backward", or 0 / 1; one the
        trace has, else RnnvizError)."""
        name = DIRECTION_NAMES[jacobians.direction_index(self, direction)]
        return self.gradient_flow[self.gradient_flow["direction"] == name].reset_index(drop=True)
