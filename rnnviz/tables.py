"""Tidy tables of a Trace with fixed column names (t, token, layer, direction, unit, value, ...)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from rnnviz.trace import DIRECTION_NAMES, Trace


def _tidy(values: np.ndarray, tokens, extra: dict) -> pd.DataFrame:
    """values (T, L, K, H) -> rows t, token, layer, direction, unit, value (+ constant columns)."""
    T, L, K, H = values.shape
    t, layer, direction, unit = np.meshgrid(
        np.arange(1, T + 1), np.arange(1, L + 1), np.arange(K), np.arange(H), indexing="ij"
    )
    frame = pd.DataFrame(
        {
            "t": t.ravel(),
            "token": np.asarray(tokens, dtype=object)[t.ravel() - 1],
            "layer": layer.ravel(),
            "direction": np.asarray(DIRECTION_NAMES)[direction.ravel()],
            "unit": unit.ravel(),
            "value": values.ravel(),
        }
    )
    for name, value in extra.items():
        frame.insert(4, name, value)
    return frame


def states_frame(trace: Trace) -> pd.DataFrame:
    """s_t per unit: columns t, token, layer, direction, part ("h"/"c"), unit, value."""
    parts = [_tidy(trace.h, trace.tokens, {"part": "h"})]
    if trace.c is not None:
        parts.append(_tidy(trace.c, trace.tokens, {"part": "c"}))
    return pd.concat(parts, ignore_index=True)


def gates_frame(trace: Trace) -> pd.DataFrame:
    """Gate activations: columns t, token, layer, direction, gate, unit, value (empty for Elman)."""
    parts = [_tidy(v, trace.tokens, {"gate": name}) for name, v in trace.gates.items()]
    if not parts:
        columns = ["t", "token", "layer", "direction", "gate", "unit", "value"]
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    return pd.concat(parts, ignore_index=True)


def outputs_frame(trace: Trace) -> pd.DataFrame:
    """y_t = O(s_t) logits: columns t, token, unit, value."""
    T, C = trace.outputs.shape
    t, unit = np.meshgrid(np.arange(1, T + 1), np.arange(C), indexing="ij")
    return pd.DataFrame(
        {
            "t": t.ravel(),
            "token": np.asarray(trace.tokens, dtype=object)[t.ravel() - 1],
            "unit": unit.ravel(),
            "value": trace.outputs.ravel(),
        }
    )


def singular_values_frame(trace: Trace, max_steps: int | None = None) -> pd.DataFrame:
    """Singular values of each J_t = ds_t/ds_{t-1}: columns t, token, direction, index, value.

    With max_steps, at most that many evenly spaced steps (always t = 1 and t = T): one SVD per step
    is the costliest part of a long trace."""
    seq_len = trace.seq_len
    if max_steps is None or seq_len <= max_steps:
        steps, sv = np.arange(1, seq_len + 1), trace.step_singular_values
    else:
        steps = np.unique(np.linspace(1, seq_len, max_steps).round().astype(int))
        sv = trace.singular_values(steps)
    K, S, n = sv.shape
    direction, pick, index = np.meshgrid(np.arange(K), np.arange(S), np.arange(n), indexing="ij")
    t = steps[pick.ravel()]
    return pd.DataFrame(
        {
            "t": t,
            "token": np.asarray(trace.tokens, dtype=object)[t - 1],
            "direction": np.asarray(DIRECTION_NAMES)[direction.ravel()],
            "index": index.ravel(),
            "value": sv.ravel(),
        }
    )


def decay_rate(trace: Trace, direction: str = "forward") -> float:
    """Least-squares slope of log10 ||ds_T/ds_t|| against the lag T - t: decades per step (<0 vanish).
    NaN when fewer than two finite points."""
    flow = trace.flow(direction)
    ok = np.isfinite(flow["log10_jacobian_norm"].to_numpy())
    if ok.sum() < 2:
        return float("nan")
    lag = flow["lag"].to_numpy()[ok]
    value = flow["log10_jacobian_norm"].to_numpy()[ok]
    return float(np.polyfit(lag, value, 1)[0])


def summary(trace: Trace) -> dict:
    """Plain values describing a trace beyond its config (for JSON output and headers)."""
    return {
        "seq_len": trace.seq_len,
        "state_size": int(trace.states.shape[1]),
        "loss": trace.loss,
        "loss_name": trace.loss_name,
        "decay_decades_per_step": {
            DIRECTION_NAMES[d]: decay_rate(trace, DIRECTION_NAMES[d])
            for d in range(trace.num_directions)
        },
        "warnings": list(trace.warnings),
    }
