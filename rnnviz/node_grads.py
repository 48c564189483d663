"""A gradient on every node: log10 ||dL/dv|| for every tensor the unrolled graph draws, in log space.

dL/dv is the total derivative: what `retain_grad()` gives on v in a forward pass written as the graph
draws it (layer l+1 at step t reads h_t of layer l of every direction, y_t reads the top layer). That
is not the chain of `gradient_flow`, whose s_t is the whole stack (one R): there dL/ds_t of a lower
layer leaves out the path through the upper layers at the same step; here it is included.

The backward pass goes layer by layer from the top. Inside a layer and direction it walks that
direction's time order with one cotangent row, kept as a unit vector and its log10 scale (so 10^-3000
is -3000, never 0): total row on s_t = (from step t+1) + (from the layer above at t, both directions)
+ (the loss's own term at t). Per step the cell's internal cotangents (`cells.step_cotangents`) give
the gates, a_t and c_t. A node no gradient reaches is -inf; NaN only where the run itself is NaN.
The decoder's nodes come from float64 autograd (`patterns.decoder_grads`): each decoder step has a
loss of its own, so nothing there approaches float64's limits.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnnviz import blas
from rnnviz.cells import LayerRun, step_cotangents
from rnnviz.models import layer_weights

NEG_INF = -np.inf


@dataclass(frozen=True)
class NodeGradients:
    """log10 ||dL/dv||. Per (step, layer, direction): arrays (T, L, K); per step: (T,)."""

    s: np.ndarray  # the cell-level node s_t (LSTM: the pair [h_t; c_t], c's part via step t+1)
    h: np.ndarray  # h_t (op level; equals s for Elman and GRU)
    c: np.ndarray | None  # LSTM c_t, total (through h_t too)
    a: np.ndarray | None  # Elman pre-activation a_t
    gates: dict[str, np.ndarray]  # LSTM i f g o, GRU r z n (the activations)
    s0: np.ndarray  # (L, K) the initial state s_0 (it feeds step 1 of each direction)
    h0: np.ndarray  # (L, K) its h part (op level), and c0 its c part (LSTM)
    c0: np.ndarray | None
    x: np.ndarray  # (T,) x_t (it feeds both directions of layer 1)
    y: np.ndarray  # (T,) y_t; -inf where L reads no y_t
    params: dict  # (name, layer, k) -> log10 ||dL/dW|| for W_ih, W_hh, b = [b_ih; b_hh]; ("O",) too
    decoder: dict | None  # encoder-decoder: patterns.decoder_grads(...)


def node_gradients(trace) -> NodeGradients:
    """Every node's log10 ||dL/dv|| for one trace (computed on demand; cached on the trace)."""
    cached = trace._cache.get("node_grads")
    if cached is None:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"), blas.one_thread(None):
            top_c = trace.loss_grad_c
            walk = _walk(trace, trace.loss_grad_h, top_c)
        cached = NodeGradients(
            **walk,
            y=_log10_rows(trace.output_grad),
            decoder=None if trace.decoder is None else trace.decoder.get("grads"),
        )
        cached.params[("O", None, None)] = trace.head_grad_log10
        trace._cache["node_grads"] = cached
    return cached


def input_saliency(trace) -> tuple[np.ndarray, np.ndarray]:
    """(log10 ||dL/dx_t||, log10 ||dy_T[c*]/dx_t||) per token, c* the acceptor's predicted class
    (its largest logit; NaN for the other patterns): how much each word matters to the output."""
    grads = node_gradients(trace)
    if trace.config.pattern != "acceptor":
        return grads.x, np.full(trace.seq_len, np.nan)
    cached = trace._cache.get("saliency_output")
    if cached is None:
        T, K, H = trace.seq_len, trace.num_directions, trace.config.hidden_size
        logits = trace.final_output
        row = trace.head_weight[int(np.argmax(logits))]  # dy_T[c*]/d(final state) = W_out[c*]
        direct = np.zeros((T, K, H))
        direct[T - 1, 0] = row[:H]
        if K == 2:
            direct[0, 1] = row[H:]  # the backward RNN's final state is at t = 1
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"), blas.one_thread(None):
            cached = _walk(trace, direct, None)["x"]
        trace._cache["saliency_output"] = cached
    return grads.x, cached


def _walk(trace, direct_h: np.ndarray, direct_c: np.ndarray | None) -> dict:
    """The layer-by-layer backward pass for the loss terms direct_h (T, K, H) on the top layer's
    h_t (and direct_c on its c_t)."""
    cfg = trace.config
    T, L, K, H = trace.seq_len, cfg.num_layers, cfg.num_directions, cfg.hidden_size
    runs = _layer_runs(trace)
    names = tuple(trace.gates)
    out = {
        "s": np.full((T, L, K), NEG_INF),
        "h": np.full((T, L, K), NEG_INF),
        "c": np.full((T, L, K), NEG_INF) if cfg.cell == "lstm" else None,
        "a": np.full((T, L, K), NEG_INF) if cfg.cell == "elman" else None,
        "gates": {g: np.full((T, L, K), NEG_INF) for g in names},
        "s0": np.full((L, K), NEG_INF),
        "h0": np.full((L, K), NEG_INF),
        "c0": np.full((L, K), NEG_INF) if cfg.cell == "lstm" else None,
    }
    params: dict = {}
    inject = [_scaled_rows(direct_h[:, k]) for k in range(K)]  # cotangent on h_t from above
    inject_c = [_scaled_rows(direct_c[:, k]) if direct_c is not None else None for k in range(K)]
    for layer in range(L - 1, -1, -1):
        below = []  # per direction: rows on this layer's input (T, D_in) as (units, logs)
        for k in range(K):
            w = layer_weights(trace.rnn, layer, k)
            run, layer_input = runs[layer][k]
            logs, parts, (s0, s0_log) = _chain(
                cfg.cell, w, run, k, inject[k], inject_c[k], cfg.activation
            )
            _store(out, parts, logs, layer, k)
            out["s0"][layer, k] = s0_log
            out["h0"][layer, k] = s0_log + _log10(float(np.linalg.norm(s0[:H])))
            if out["c0"] is not None:
                out["c0"][layer, k] = s0_log + _log10(float(np.linalg.norm(s0[H:])))
            below.append(_combine_rows(parts["input"], logs))
            params.update(_param_grads(parts, logs, layer_input, run, layer + 1, k))
        inject = [_sum_slices(below, k, H) for k in range(K)]
        inject_c = [None] * K
    x_units, x_logs = _sum_rows(below)
    out["x"] = x_logs + _log10_norms(x_units)
    out["params"] = params
    return out


def _layer_runs(trace) -> list[list[tuple[LayerRun, np.ndarray]]]:
    """Each (layer, direction)'s run, the engine's own (with the pre-activations its exact slopes
    come from), and the input it read."""
    cfg = trace.config
    out = []
    layer_input = trace.inputs
    for layer in range(cfg.num_layers):
        out.append([(stack.runs[layer], layer_input) for stack in trace._stacks])
        layer_input = trace.h[:, layer].reshape(trace.seq_len, -1)  # (T, K*H)
    return out


def _chain(cell, w, run: LayerRun, k: int, inject, inject_c, activation):
    """One direction's walk through time: each step's log10 scale and parts (the internal cotangents
    of its unit total row, rows in sentence order), and the row reaching s_0 (unit, log10)."""
    T, H = run.h.shape
    S = 2 * H if cell == "lstm" else H
    order = range(T - 1, -1, -1) if k == 0 else range(T)
    logs = np.full(T, NEG_INF)
    parts: dict[str, np.ndarray] = {}
    carry, carry_log = np.zeros(S), NEG_INF
    h_units, h_logs = inject
    for t in order:
        extra = np.zeros(S)
        extra[:H] = h_units[t]
        extra_log = h_logs[t]
        if inject_c is not None:  # the loss's own term on c_t (encoder-decoder's LSTM bridge)
            extra, extra_log = _add(extra, extra_log, _pad(inject_c[0][t], S, H), inject_c[1][t])
        unit, log = _add(carry, carry_log, extra, extra_log)
        logs[t] = log
        step = step_cotangents(cell, w, run, t, unit[None], activation)
        for name, value in step.items():
            parts.setdefault(name, np.zeros((T, value.shape[1])))[t] = value[0]
        carry, carry_log = _unit(step["prev"][0], log)
    return logs, parts, (carry, carry_log)


def _store(out: dict, parts: dict, logs: np.ndarray, layer: int, k: int) -> None:
    """Node gradients of one (layer, direction) from its steps' parts (unit rows) and scales."""
    out["s"][:, layer, k] = logs + _log10_norms(parts["s"])
    out["h"][:, layer, k] = logs + _log10_norms(parts["h"])
    for name in ("c", "a"):
        if out[name] is not None:
            out[name][:, layer, k] = logs + _log10_norms(parts[name])
    for gate, values in out["gates"].items():
        values[:, layer, k] = logs + _log10_norms(parts[gate])


def _param_grads(parts: dict, logs, layer_input, run: LayerRun, layer: int, k: int) -> dict:
    """log10 ||dL/dW|| of W_ih, W_hh and b = [b_ih; b_hh]: sums over t of outer products, each
    step's scaled to the largest (terms below 10^-300 of it cannot change the norm)."""
    finite = logs[np.isfinite(logs)]
    if finite.size == 0:
        value = np.nan if np.isnan(logs).any() else NEG_INF
        return {(n, layer, k): value for n in ("W_ih", "W_hh", "b")}
    top = finite.max()
    scale = np.where(np.isfinite(logs), 10.0 ** (np.nan_to_num(logs, neginf=-1e9) - top), 0.0)
    z_in = parts["z_ih"] * scale[:, None]  # (T, G*H) cotangent on W_ih x_t + b_ih
    z_hh = parts["z_hh"] * scale[:, None]  # (T, G*H) cotangent on W_hh h_{t-1} + b_hh
    bias = np.concatenate([z_in.sum(0), z_hh.sum(0)])
    return {
        ("W_ih", layer, k): top + _log10(np.linalg.norm(z_in.T @ layer_input)),
        ("W_hh", layer, k): top + _log10(np.linalg.norm(z_hh.T @ run.h_prev)),
        ("b", layer, k): top + _log10(np.linalg.norm(bias)),
    }


# Scaled vectors: (unit vector, log10 scale); the zero vector is (zeros, -inf), NaN is (nan, nan).


def _log10(value: float) -> float:
    if value == 0.0:
        return NEG_INF
    return float(np.log10(value)) if np.isfinite(value) else np.nan


def _log10_norms(rows: np.ndarray) -> np.ndarray:
    norms = np.sqrt(np.einsum("ij,ij->i", rows, rows))
    with np.errstate(divide="ignore"):
        return np.where(np.isfinite(norms), np.log10(norms), np.nan)


def _unit(v: np.ndarray, log: float) -> tuple[np.ndarray, float]:
    """v * 10**log as (unit vector, log10 scale)."""
    size = float(np.sqrt(np.dot(v, v)))
    if np.isnan(log) or not np.isfinite(size):
        return np.full_like(v, np.nan), np.nan
    if size == 0.0 or log == NEG_INF:
        return np.zeros_like(v), NEG_INF
    return v / size, log + np.log10(size)


def _add(u, ul, v, vl) -> tuple[np.ndarray, float]:
    """u * 10**ul + v * 10**vl, scaled to the larger so neither power is ever formed alone."""
    if np.isnan(ul) or np.isnan(vl):
        return np.full_like(u, np.nan), np.nan
    if vl == NEG_INF:
        return u, ul
    if ul == NEG_INF:
        return v, vl
    top = max(ul, vl)
    return _unit(u * 10.0 ** (ul - top) + v * 10.0 ** (vl - top), top)


def _pad(c_part: np.ndarray, S: int, H: int) -> np.ndarray:
    out = np.zeros(S)
    out[H:] = c_part
    return out


def _scaled_rows(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Raw rows (T, n) -> (unit rows, log10 scales)."""
    norms = np.sqrt(np.einsum("ij,ij->i", rows, rows))
    ok = np.isfinite(norms) & (norms > 0)
    units = np.where(ok[:, None], rows / np.where(ok, norms, 1.0)[:, None], 0.0)
    units[~np.isfinite(norms)] = np.nan
    return units, _log10_norms(rows)


def _combine_rows(units: np.ndarray, logs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows of a unit-row chain's parts (not unit themselves) times 10**logs, re-normalised."""
    norms = _log10_norms(units)
    out_units, out_logs = _scaled_rows(units)
    return out_units, np.where(
        np.isfinite(norms), logs + norms, np.where(np.isnan(norms), np.nan, NEG_INF)
    )


def _sum_rows(pairs: list) -> tuple[np.ndarray, np.ndarray]:
    """Sum of several (unit rows, logs), row by row."""
    units, logs = pairs[0]
    units, logs = units.copy(), logs.copy()
    for other_units, other_logs in pairs[1:]:
        for t in range(len(logs)):
            units[t], logs[t] = _add(units[t], logs[t], other_units[t], other_logs[t])
    return units, logs


def _sum_slices(pairs: list, k: int, H: int) -> tuple[np.ndarray, np.ndarray]:
    """The cotangent on direction k's h_t from every direction of the layer above (their input
    rows are [h_fwd; h_bwd] of this layer): each slice re-scaled, then summed."""
    sliced = [_combine_rows(units[:, k * H : (k + 1) * H], logs) for units, logs in pairs]
    return _sum_rows(sliced)


def _log10_rows(rows: np.ndarray) -> np.ndarray:
    return _log10_norms(np.asarray(rows, dtype=float))
