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

Step = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def cell_name(rnn: nn.Module) -> str:
    if isinstance(rnn, nn.LSTM):
        return "lstm"
    if isinstance(rnn, nn.GRU):
        return "gru"
    return "elman"


def step_function(rnn: nn.Module) -> Step:
    """R(s_prev, x_t) -> s_t in float64 with the module's own weights (layer 0, forward direction)."""
    w_ih = rnn.weight_ih_l0.detach().double()  # (G*H, D)
    w_hh = rnn.weight_hh_l0.detach().double()  # (G*H, H)
    b_ih = rnn.bias_ih_l0.detach().double() if rnn.bias else torch.zeros(w_ih.shape[0]).double()
    b_hh = rnn.bias_hh_l0.detach().double() if rnn.bias else torch.zeros(w_hh.shape[0]).double()
    H = rnn.hidden_size
    cell = cell_name(rnn)
    if cell == "lstm":

        def lstm_step(s: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
            h, c = s[:, :H], s[:, H:]  # (B, H) each
            z = x @ w_ih.T + b_ih + h @ w_hh.T + b_hh  # (B, 4H): i, f, g, o
            i, f, g, o = z.chunk(4, dim=1)
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)  # c_t = f*c + i*g
            h = torch.sigmoid(o) * torch.tanh(c)  # h_t = o * tanh(c_t)
            return torch.cat([h, c], dim=1)  # (B, 2H)

        return lstm_step
    if cell == "gru":

        def gru_step(h: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
            gi = x @ w_ih.T + b_ih  # (B, 3H): r, z, n
            gh = h @ w_hh.T + b_hh  # (B, 3H)
            r = torch.sigmoid(gi[:, :H] + gh[:, :H])
            z = torch.sigmoid(gi[:, H : 2 * H] + gh[:, H : 2 * H])
            n = torch.tanh(gi[:, 2 * H :] + r * gh[:, 2 * H :])
            return (1 - z) * n + z * h  # h_t = (1 - z) * n + z * h_{t-1}

        return gru_step
    act = torch.tanh if rnn.nonlinearity == "tanh" else torch.relu

    def elman_step(h: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        return act(x @ w_ih.T + b_ih + h @ w_hh.T + b_hh)  # s_t = g(W_ih x_t + W_hh s_{t-1} + b)

    return elman_step


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
