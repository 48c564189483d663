"""Tidy tables of a Trace with fixed column names (t, token, layer, direction, unit, value, ...)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from rnnviz import checks
from rnnviz.decay import decay_slope
from rnnviz.errors import RnnvizError
from rnnviz.jacobians import direction_index
from rnnviz.names import DIRECTIONS as DIRECTION_NAMES
from rnnviz.node_grads import input_saliency, node_gradients
from rnnviz.trace import Trace, needs_trace


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


@needs_trace
def states_frame(trace: Trace) -> pd.DataFrame:
    """s_t per unit: columns t, token, layer, direction, part ("h"/"c"), unit, value."""
    parts = [_tidy(trace.h, trace.tokens, {"part": "h"})]
    if trace.c is not None:
        parts.append(_tidy(trace.c, trace.tokens, {"part": "c"}))
    return pd.concat(parts, ignore_index=True)


@needs_trace
def gates_frame(trace: Trace) -> pd.DataFrame:
    """Gate activations: columns t, token, layer, direction, gate, unit, value (empty for Elman)."""
    parts = [_tidy(v, trace.tokens, {"gate": name}) for name, v in trace.gates.items()]
    if not parts:
        columns = ["t", "token", "layer", "direction", "gate", "unit", "value"]
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    return pd.concat(parts, ignore_index=True)


@needs_trace
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


@needs_trace
def singular_values_frame(trace: Trace, max_steps: int | None = None) -> pd.DataFrame:
    """Singular values of each J_t = ds_t/ds_{t-1}: columns t, token, direction, index, value.

    With max_steps, at most that many evenly spaced steps (always t = 1 and t = T): one SVD per step
    is the costliest part of a long trace."""
    seq_len = trace.seq_len
    if max_steps is not None:  # 2: t = 1 and t = T
        checks.whole_number("max_steps", max_steps, 2, 10**7)
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


@needs_trace
def decay_rate(trace: Trace, direction: str = "forward") -> float:
    """Least-squares slope of log10 ||ds_T/ds_t|| against the lag T - t: decades per step (<0 vanish),
    by `rnnviz.decay.decay_slope` (the rule the figures use too)."""
    return decay_slope(trace.gradient_flow, DIRECTION_NAMES[direction_index(trace, direction)])


@needs_trace
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


@needs_trace
def node_gradients_frame(trace: Trace) -> pd.DataFrame:
    """log10 ||dL/dv|| for every tensor the graph draws, the total derivative (`rnnviz.node_grads`):
    columns t, token, layer, direction, node, log10_grad_norm. Nodes per step: x, y (one per step;
    layer and direction empty), s, h, c (LSTM), a (Elman), the gates; s_0 at t = 0; the decoder's
    at t = T + k, direction "decoder". -inf where no gradient reaches the node."""
    grads = node_gradients(trace)
    T, L, K = trace.seq_len, trace.config.num_layers, trace.num_directions
    rows: list[tuple] = []
    tokens = trace.tokens
    drawn = ("x", "y") if trace.config.pattern in ("acceptor", "transducer") else ("x",)
    for name in drawn:  # the encoders have no y_t
        rows += [(t + 1, tokens[t], None, None, name, grads.__dict__[name][t]) for t in range(T)]
    per_step = {"s": grads.s, "h": grads.h, "c": grads.c, "a": grads.a, **grads.gates}
    for name, values in per_step.items():
        if values is None or (name == "h" and trace.c is None):  # h is s for Elman and GRU
            continue
        for layer in range(L):
            for k in range(K):
                direction = DIRECTION_NAMES[k]
                rows += [
                    (t + 1, tokens[t], layer + 1, direction, name, values[t, layer, k])
                    for t in range(T)
                ]
                initial = {"s": grads.s0, "h": grads.h0, "c": grads.c0}.get(name)
                if initial is not None and (name != "h" or trace.c is not None):
                    rows.append((0, None, layer + 1, direction, name, initial[layer, k]))
    if grads.decoder is not None:
        rows += _decoder_rows(trace, grads.decoder)
    return pd.DataFrame(
        rows, columns=["t", "token", "layer", "direction", "node", "log10_grad_norm"]
    ).astype({"log10_grad_norm": float})


def _decoder_rows(trace: Trace, dec: dict) -> list[tuple]:
    T, tokens = trace.seq_len, trace.decoder["tokens"]
    inputs = ["<s>", *tokens[:-1]]
    rows = [(T + k + 1, inputs[k], 1, "decoder", "x", dec["x"][k]) for k in range(len(tokens))]
    names = {"s": dec["s"], "y": dec["y"], **dec["gates"]}
    if trace.c is not None:
        names.update(h=dec["h"], c=dec["c"])
    if trace.config.cell == "elman":
        names["a"] = dec["a"]
    for name, values in names.items():
        first = 0 if name in ("s", "h", "c") else 1  # s'_0 is the encoder's sentence vector
        rows += [
            (T + k, inputs[k - 1] if k else None, 1, "decoder", name, values[k])
            for k in range(first, len(values))
        ]
    return rows


@needs_trace
def saliency_frame(trace: Trace) -> pd.DataFrame:
    """How much each token matters: columns t, token, log10_grad_input (log10 ||dL/dx_t||) and
    log10_grad_output_input (log10 ||dy_T[c*]/dx_t||, c* the acceptor's predicted class; NaN for
    the other patterns), exact in log space (10^-400 is -400, never 0)."""
    loss_x, output_x = input_saliency(trace)
    return pd.DataFrame(
        {
            "t": np.arange(1, trace.seq_len + 1),
            "token": list(trace.tokens),
            "log10_grad_input": loss_x,
            "log10_grad_output_input": output_x,
        }
    )


# ---- the unit finder: which units track a feature of the text ------------------------------------


@needs_trace
def unit_features_frame(trace: Trace, tags=None) -> pd.DataFrame:
    """One row per token (t, token) and a column per built-in feature of the text it read.

    Character traces: string, comment, bracket_depth, indent, column, identifier (the state after
    reading that character). Word traces: capitalised, and person / place / name from `tags` (one
    per token) or else the zoo tagger's `trace.predictions`."""
    from rnnviz.zoo.text_features import scan_code, word_features

    frame = pd.DataFrame({"t": np.arange(1, trace.seq_len + 1), "token": list(trace.tokens)})
    if trace.config.tokenize == "char":
        if tags is not None:
            raise RnnvizError("tags: one per word, for word traces; this trace reads characters.")
        features = scan_code("".join(t[:1] or " " for t in trace.tokens))
    else:
        features = word_features(trace.tokens, tags if tags is not None else trace.predictions)
    for name, values in features.items():
        frame[name] = values
    return frame


@needs_trace
def rank_units(
    trace: Trace,
    feature,
    *,
    layer: int = 1,
    direction: str = "forward",
    part: str = "h",
    tags=None,
) -> pd.DataFrame:
    """Units ranked by |Pearson correlation| of their activation with a feature, per token.

    `feature`: a column of `unit_features_frame` (e.g. "string"), a compiled regex (re.compile(...):
    a token is on when a character of it is inside a match; `regex_feature` compiles a string), or
    T numbers of your own. Columns: unit, correlation, abs_correlation, sign, mean_on, mean_off
    (binary features), layer, direction, part; the best first, constant units (NaN) last."""
    from rnnviz.zoo.text_features import regex_mask

    values = _unit_activations(trace, layer, direction, part)  # (T, H)
    if tags is not None and not isinstance(feature, str):  # they would be ignored
        raise RnnvizError(
            "tags: they feed the named features (e.g. 'person'), not a regex or numbers."
        )
    if isinstance(feature, str):
        frame = unit_features_frame(trace, tags)
        names = [c for c in frame.columns if c not in ("t", "token")]
        if feature not in names:
            raise RnnvizError(
                f"Unknown feature {feature!r} for this trace: choose one of {', '.join(names)}, "
                "or pass a regex (re.compile(...) or rnnviz.tables.regex_feature)."
            )
        f = frame[feature].to_numpy(dtype=float)
    elif isinstance(feature, re.Pattern):
        f = regex_mask(trace.tokens, feature, "" if trace.config.tokenize == "char" else " ")
    else:
        try:
            f = np.asarray(feature, dtype=float).reshape(-1)
        except (TypeError, ValueError) as exc:
            raise RnnvizError("feature: give a feature name, a regex or T numbers.") from exc
        if f.shape[0] != trace.seq_len or not np.isfinite(f).all():
            raise RnnvizError(f"feature: give {trace.seq_len} finite numbers, one per token.")
    if np.ptp(f) == 0:
        raise RnnvizError(
            "feature: it has the same value at every token of this text, so no correlation is "
            'defined: use a text where it changes (for "string", one with a string literal).'
        )
    centred_f = f - f.mean()
    centred = values - values.mean(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = (centred * centred_f[:, None]).sum(0) / (
            np.sqrt((centred**2).sum(0)) * np.sqrt((centred_f**2).sum())
        )
    on = f == f.max()
    binary = np.unique(f).size == 2
    result = pd.DataFrame(
        {
            "unit": np.arange(values.shape[1]),
            "correlation": corr,
            "abs_correlation": np.abs(corr),
            "sign": np.where(corr >= 0, "+", "-"),
            "mean_on": values[on].mean(0) if binary else np.nan,
            "mean_off": values[~on].mean(0) if binary else np.nan,
            "layer": layer,
            "direction": direction,
            "part": part,
        }
    )
    return result.sort_values("abs_correlation", ascending=False, na_position="last").reset_index(
        drop=True
    )


def regex_feature(pattern) -> re.Pattern:
    """A user's regex (a string) compiled for rank_units, or RnnvizError saying why it is not one."""
    from rnnviz.zoo.text_features import compile_regex

    return compile_regex(pattern)


def _unit_activations(trace: Trace, layer: int, direction: str, part: str) -> np.ndarray:
    L, K = trace.config.num_layers, trace.num_directions
    if isinstance(layer, bool) or not isinstance(layer, int | np.integer) or not 1 <= layer <= L:
        raise RnnvizError(f"layer must be in 1..{L}, got {checks.shown(layer)}.")
    # Checked as strings first: `in` on an array compares element-wise (and ["forward"] passed).
    if not isinstance(direction, str) or direction not in DIRECTION_NAMES[:K]:
        raise RnnvizError(
            f"direction must be one of {', '.join(DIRECTION_NAMES[:K])}, "
            f"got {checks.shown(direction)}."
        )
    parts = ("h", "c") if trace.c is not None else ("h",)
    if not isinstance(part, str) or part not in parts:
        allowed = "h or c" if trace.c is not None else "h (only the LSTM has c)"
        raise RnnvizError(f"part must be {allowed}, got {checks.shown(part)}.")
    values = trace.h if part == "h" else trace.c
    return values[:, layer - 1, DIRECTION_NAMES.index(direction)]
