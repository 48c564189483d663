"""Gradient flow back through time, carried in log space so nothing underflows.

For one direction the stacked state s_t = [s_t^(1); ...; s_t^(L)] obeys s_t = R(s_{t-1}, x_t).
Walking from the last step back, two things ride the vector-Jacobian products of `cells.vjp`:

* the gradient g_t = dL/ds_t = (direct loss term at t) + g_{t+1} J_{t+1}, one row;
* the transfer matrix P_t = ds_T/ds_t = P_{t+1} J_{t+1}, kept as rows m with P = Q m (see Transfer).

Both are renormalised every step and the log10 of the scale accumulated, so a norm of 10^-2000 comes out
as -2000. P_t's singular directions below EPS_RANK * sigma_max are dropped: float64 already carries
errors of that size in every direction of a plain product, and dropping them shrinks m from S×S to the
few directions that survive (Lyapunov spectra spread fast), which is what makes long runs cheap.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from rnnviz.cells import LayerRun, vjp

EPS_RANK = 1e-13


@dataclass
class Stack:
    """One direction's layers: weights, runs, and how to pull cotangents through a whole step."""

    cell: str
    activation: str
    weights: list[dict]  # per layer
    runs: list[LayerRun]  # per layer
    direction: int  # 0 forward, 1 backward
    hidden_size: int

    @property
    def layer_state(self) -> int:
        return 2 * self.hidden_size if self.cell == "lstm" else self.hidden_size

    def step_vjp(self, t: int, cot: np.ndarray) -> np.ndarray:
        """Rows on s_t (r, L*S) -> rows on s_{t-1}, through every layer of step t (top down)."""
        S, H = self.layer_state, self.hidden_size
        out = np.empty_like(cot)
        carry = None  # cotangent on h_t^(l) arriving from layer l+1's input at the same step
        for layer in range(len(self.runs) - 1, -1, -1):
            rows = cot[:, layer * S : (layer + 1) * S]
            if carry is not None:
                rows = rows.copy()
                rows[:, :H] += carry
            w, run = self.weights[layer], self.runs[layer]
            out[:, layer * S : (layer + 1) * S], d_input = vjp(
                self.cell, w, run, t, rows, self.activation, to_input=layer > 0
            )
            if layer > 0:  # layer l reads [h_fwd; h_bwd] of l-1; this direction's slice goes on
                carry = d_input[:, self.direction * H : (self.direction + 1) * H]
        return out

    def step_jacobian(self, t: int) -> np.ndarray:
        """J_t = ds_t/ds_{t-1} (L*S, L*S): the VJP of the identity rows."""
        n = self.layer_state * len(self.runs)
        return self.step_vjp(t, np.eye(n))


def chain_order(seq_len: int, direction: int) -> range:
    """Positions (0-based) from the direction's last step back to its first."""
    return range(seq_len - 1, -1, -1) if direction == 0 else range(seq_len)


def l2(v: np.ndarray) -> float:
    """L2 (Frobenius) norm; np.linalg.norm's dispatch costs more than the sum on these sizes."""
    return math.sqrt(abs(float(np.vdot(v, v))))  # BLAS sets no FP flags: no errstate needed


def log10_norm(v: np.ndarray) -> float:
    n = l2(v)
    if n == 0.0:
        return -np.inf
    return np.log10(n) if np.isfinite(n) else np.nan


def backward_flow(stack: Stack, direct: np.ndarray) -> dict[str, np.ndarray]:
    """log10 norms along the chain. direct: (T, L*S) loss terms on each s_t. Rows in sentence order."""
    T, n = direct.shape
    H, S = stack.hidden_size, stack.layer_state
    grad, grad_h, grad_c = np.full(T, np.nan), np.full(T, np.nan), np.full(T, np.nan)
    jac, fro = np.full(T, np.nan), np.full(T, np.nan)
    per_layer = np.full((T, n // S, 3), np.nan)  # log10 norms of layer l's s, h, c gradient parts
    h_cols = np.concatenate([np.arange(layer * S, layer * S + H) for layer in range(n // S)])
    c_cols = np.setdiff1d(np.arange(n), h_cols)
    g, g_log = np.zeros(n), -np.inf  # true gradient = g * 10**g_log
    transfer = Transfer(n)
    previous = None
    for t in chain_order(T, stack.direction):
        if previous is not None:
            both = stack.step_vjp(previous, np.vstack([g[None], transfer.rows]))  # all rows at once
            g = both[0]
            transfer.advance(both[1:])
        g, g_log = _add_scaled(g, g_log, direct[t])
        grad[t] = g_log + log10_norm(g)
        grad_h[t] = g_log + log10_norm(g[h_cols])
        grad_c[t] = g_log + log10_norm(g[c_cols]) if stack.cell == "lstm" else np.nan
        jac[t], fro[t] = transfer.log10_norms()
        if n == S:  # one layer: its parts are the whole
            per_layer[t, 0] = grad[t], grad_h[t], grad_c[t]
        else:
            per_layer[t] = _layer_parts(g, g_log, S, H)
        previous = t
    return {
        "per_layer": per_layer,
        "log10_grad_norm": grad,
        "log10_grad_h": grad_h,
        "log10_grad_c": grad_c,
        "log10_jacobian_norm": jac,
        "log10_jacobian_frobenius": fro,
    }


def _layer_parts(g: np.ndarray, g_log: float, S: int, H: int) -> np.ndarray:
    """log10 norms of each layer's s, h and c parts of a gradient row. (L, 3)"""
    out = np.full((len(g) // S, 3), np.nan)
    for layer, block in enumerate(g.reshape(-1, S)):
        out[layer, 0] = g_log + log10_norm(block)
        out[layer, 1] = g_log + log10_norm(block[:H])
        if S > H:
            out[layer, 2] = g_log + log10_norm(block[H:])
    return out


def _add_scaled(v: np.ndarray, log: float, extra: np.ndarray) -> tuple[np.ndarray, float]:
    """(v * 10**log + extra) as a unit-norm vector and its log10 scale."""
    extra_log = log10_norm(extra)
    if np.isnan(log) or np.isnan(extra_log):
        return np.full_like(v, np.nan), np.nan
    if extra_log == -np.inf:  # nothing to add
        total, top = v, log
    elif log == -np.inf:
        total, top = extra / l2(extra), extra_log
    else:  # both scaled relative to the larger, so neither 10**log nor 10**-log is ever formed
        top = max(log, extra_log)
        total = v * 10.0 ** (log - top) + (extra / l2(extra)) * 10.0 ** (extra_log - top)
    size = l2(total)
    if size == 0.0:
        return total, -np.inf
    if not np.isfinite(size):
        return np.full_like(v, np.nan), np.nan
    return total / size, top + np.log10(size)


class Transfer:
    """P_t = ds_T/ds_t as rows m with P = Q @ m * 10**log (Q orthonormal columns, never formed).

    Each step: m <- m J (the VJP), rescale to unit Frobenius norm (exact and cheap), and find sigma_max
    by power iteration on m m^T warm-started from the last step's top left singular vector (the left
    singular vectors of J_T ... J_{t+1} settle as t moves back, so 1-3 iterations usually suffice).
    Every RESVD steps, or when the iteration is slow, a full SVD re-diagonalises m and drops the
    directions below EPS_RANK * sigma_max.
    """

    RESVD = 16
    MAX_POWER_STEPS = 100  # each costs 2 matrix-vector products; an SVD costs ~100 of them

    def __init__(self, n: int):
        self.rows = np.eye(n)  # (r, n)
        self.log = 0.0
        self.log_fro = 0.5 * np.log10(n)
        self.sigma = 1.0  # sigma_max(rows)
        self.u = np.eye(n, 1)[:, 0]  # top left singular vector of rows
        self.steps = 0

    def log10_norms(self) -> tuple[float, float]:
        if np.isnan(self.log):
            return np.nan, np.nan
        if self.rows.shape[0] == 0 or self.sigma == 0.0:
            return -np.inf, -np.inf
        return self.log + np.log10(self.sigma), self.log_fro

    def advance(self, rows: np.ndarray) -> None:
        self.steps += 1
        fro = l2(rows)
        if not np.isfinite(fro) or fro == 0.0:
            self._dead(fro)
            return
        self.rows = rows / fro
        self.log += np.log10(fro)
        self.log_fro = self.log
        if self.steps % self.RESVD == 0 or not self._power_iteration():
            self._resvd()

    def _power_iteration(self) -> bool:
        u, sigma = self.u, 0.0
        for _ in range(self.MAX_POWER_STEPS):
            w = self.rows.T @ u  # (n,)
            new = l2(w)  # a lower bound on sigma_max that rises to it
            v = self.rows @ w
            size = l2(v)
            if size == 0.0:
                return False
            u = v / size
            if new - sigma <= 1e-15 * new:
                self.u, self.sigma = u, new
                return True
            sigma = new
        return False

    def _resvd(self) -> None:
        _, sv, vt = np.linalg.svd(self.rows, full_matrices=False)
        keep = sv > sv[0] * EPS_RANK
        # Scale is carried in log: rows become Sigma V^T / sigma_max, whose top left vector is e_1.
        self.rows = (sv[keep, None] / sv[0]) * vt[keep]
        self.log += np.log10(sv[0])
        self.log_fro = self.log + 0.5 * np.log10(np.sum((sv[keep] / sv[0]) ** 2))
        self.sigma = 1.0
        self.u = np.eye(self.rows.shape[0], 1)[:, 0]

    def _dead(self, fro: float) -> None:
        """The product became exactly 0 (-inf from now on) or NaN/inf (NaN from now on)."""
        self.rows = np.zeros((0, self.rows.shape[1]))
        if fro != 0.0:
            self.log = self.log_fro = np.nan
            self.sigma = np.nan


def cumulative_log10_forget(forget: np.ndarray, direction: int) -> np.ndarray:
    """log10 of the largest per-unit product of forget gates from step t to the end. forget (T, U)."""
    logf = np.log10(forget)  # (T, U)
    if direction == 1:
        logf = logf[::-1]
    after = np.cumsum(logf[::-1], axis=0)[::-1] - logf  # sum over k > t (in direction order)
    best = after.max(axis=1)
    return best[::-1] if direction == 1 else best
