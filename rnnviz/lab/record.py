"""How far back the gradient reaches: log10 ||dL/ds_t|| for t = 1..T, measured without underflow.

The fused nn.RNN/LSTM/GRU are one autograd node, so the Lab re-runs the trained weights through its own
float64 step loop `s_t = R(s_{t-1}, x_t)` (s_t = h_t, or [h_t; c_t] for the LSTM) and carries the
backward chain dL/ds_{t-1} = J_t^T dL/ds_t as a unit vector plus a running log10 scale. A gradient of
10^-400 is then reported as -400 instead of a silent 0; -inf means it is exactly zero.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import torch
from torch import nn

from rnnviz.cells import torch_step

Step = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def cell_name(rnn: nn.Module) -> str:
    if isinstance(rnn, nn.LSTM):
        return "lstm"
    if isinstance(rnn, nn.GRU):
        return "gru"
    return "elman"


def step_function(rnn: nn.Module) -> Step:
    """R(s_prev, x_t) -> s_t in float64 with the module's own weights (layer 0, forward direction),
    through the engine's one torch step (`rnnviz.cells.torch_step`); s = [h; c] for the LSTM."""
    rows = rnn.weight_hh_l0.shape[0]
    zeros = torch.zeros(rows, dtype=torch.float64)
    w = {
        "w_ih": rnn.weight_ih_l0.detach().double(),  # (G*H, D)
        "w_hh": rnn.weight_hh_l0.detach().double(),  # (G*H, H)
        "b_ih": rnn.bias_ih_l0.detach().double() if rnn.bias else zeros,
        "b_hh": rnn.bias_hh_l0.detach().double() if rnn.bias else zeros,
    }
    H, cell = rnn.hidden_size, cell_name(rnn)
    activation = "relu" if getattr(rnn, "nonlinearity", "tanh") == "relu" else "tanh"

    def step(s: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        h, c = (s[:, :H], s[:, H:]) if cell == "lstm" else (s, None)
        out = torch_step(cell, w, x, h, c, activation)
        return torch.cat([out["h"], out["c"]], dim=1) if cell == "lstm" else out["h"]

    return step


def state_size(rnn: nn.Module) -> int:
    return 2 * rnn.hidden_size if isinstance(rnn, nn.LSTM) else rnn.hidden_size


def unroll_states(rnn: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """(T + 1, B, S) float64 states s_0..s_T for inputs x (B, T, D), without autograd."""
    step = step_function(rnn)
    B, T, _ = x.shape
    x = x.double()
    states = [torch.zeros(B, state_size(rnn), dtype=torch.float64)]
    with torch.no_grad():
        for t in range(T):
            states.append(step(states[-1], x[:, t]))
    return torch.stack(states)  # (T + 1, B, S)


def readout_loss(
    head: nn.Module, s_T: torch.Tensor, y: torch.Tensor, hidden_size: int
) -> torch.Tensor:
    """The acceptor's loss on y_T = O(h_T) in float64: MSE for float targets, cross-entropy for ids."""
    w = head.weight.detach().double()  # (C, H)
    b = head.bias.detach().double()  # (C,)
    y_hat = s_T[:, :hidden_size] @ w.T + b  # (B, C)
    if y.dtype.is_floating_point:
        return ((y_hat - y.double()) ** 2).mean()
    return nn.functional.cross_entropy(y_hat, y)


def log10_grad_over_time(
    rnn: nn.Module, head: nn.Module, x: torch.Tensor, y: torch.Tensor
) -> np.ndarray:
    """(T,) log10 ||dL/ds_t|| for t = 1..T (norm over the whole batch), exact far below 1e-308."""
    step = step_function(rnn)
    states = unroll_states(rnn, x)  # (T + 1, B, S)
    x = x.double()
    T = x.shape[1]
    s_T = states[T].clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(readout_loss(head, s_T, y, rnn.hidden_size), s_T)  # (B, S)
    out = np.full(T, -math.inf)
    log_scale = 0.0
    for t in range(T, 0, -1):
        norm = float(grad.norm())
        if norm == 0.0 or not math.isfinite(norm):
            out[:t] = -math.inf if norm == 0.0 else math.nan
            break
        log_scale += math.log10(norm)
        out[t - 1] = log_scale  # log10 ||dL/ds_t||
        if t == 1:
            break
        s_prev = states[t - 1].clone().requires_grad_(True)
        # dL/ds_{t-1} = J_t^T (dL/ds_t), applied to the unit vector; the scale lives in log_scale.
        (grad,) = torch.autograd.grad(step(s_prev, x[:, t - 1]), s_prev, grad / norm)
    return out
