"""The encoder-decoder's second RNN: s'_k = R'(s'_{k-1}, x'_k), y'_k = O'(s'_k), L = sum_k L'_k.

Its initial state s'_0 is the encoder's sentence vector e (the top layer's last state forward, joined
to the backward one's at t = 1; LSTM: h and c both), so the edges s_T -> s'_0 carry the whole loss's
gradient back into the encoder. Decoder step k has t = T + k and sits right of the encoder.

Numbers come from `trace.decoder` (states, outputs, targets, loss; inputs when the engine stores them);
the trace does not keep the decoder's weights, gates or gradients, so those nodes carry NaN.
"""

from __future__ import annotations

import numpy as np

from rnnviz.graph.frame import Frame
from rnnviz.graph.parts import NAN, GraphParts
from rnnviz.graph.patterns import (
    add_inputs,
    add_output,
    add_output_param,
    add_step_loss,
    add_total_loss,
    final_state_ids,
)
from rnnviz.graph.steps import LAYER_PARAMS, add_cell_step, add_initial_states, add_op_step
from rnnviz.graph.values import NodeValues


def decoder_frame(enc: Frame, target_len: int, values: NodeValues | None) -> Frame:
    """One layer, one direction, ids in scope "dec", placed after the encoder's last column."""
    return Frame(
        T=1 if enc.rolled else target_len,
        L=1,
        K=1,
        cell=enc.cell,
        level=enc.level,
        values=values,
        scope="dec",
        t0=enc.T,
        x0=1.0,
        bands=enc.L * enc.K,
        rolled=enc.rolled,
    )


def add_decoder(parts: GraphParts, enc: Frame, target_len: int, trace=None) -> None:
    """Decoder params, inputs x'_k, states s'_k, outputs y'_k, losses L'_k and the total L."""
    values = None if trace is None else decoder_values(trace)
    dec = decoder_frame(enc, target_len, values)
    for offset, name in zip((-0.3, 0.0, 0.3), LAYER_PARAMS, strict=True):
        pos = (dec.x(0, 0) + offset, -1.0)  # a parameter lane under the decoder's inputs
        parts.node(dec.param_id(name, 1, 0), "param", None, dec.param_label(name, 1, 0), pos)
    o_param = add_output_param(parts, dec)
    add_inputs(parts, dec, None if values is None else values.x)
    if not dec.rolled:
        add_initial_states(parts, dec)
    _add_bridge(parts, enc, dec)
    step = add_op_step if dec.level == "op" else add_cell_step
    for k in range(1, dec.T + 1):
        step(parts, dec, 1, 0, k)
        add_output(parts, dec, k, o_param, NAN if values is None else float(values.y[k - 1]))
        if not dec.rolled:
            add_step_loss(parts, dec, k, NAN if values is None else float(values.step_loss[k - 1]))
    total = None if trace is None else float(trace.loss)
    add_total_loss(parts, dec, dec.t_attr(dec.T), dec.x(0, dec.T) + 1.0, total)
    if dec.rolled:
        parts.edge(dec.step_id("y", 1), "loss", "loss")
        return
    for k in range(1, dec.T + 1):
        parts.edge(dec.step_id("loss", k), "loss", "loss")


def _add_bridge(parts: GraphParts, enc: Frame, dec: Frame) -> None:
    """Encoder's final state(s) -> decoder's initial state (h -> h', c -> c' at LSTM op level)."""
    label = "s_T -> s'_0" if enc.rolled else ""
    heads = dec.state_ids(1, 0, 0)
    for k, sid in enumerate(final_state_ids(enc)):
        parts.edge(sid, heads[0], "recurrent", label)
        if len(heads) == 2:  # LSTM op level: the cell states travel too
            step = enc.T if k == 0 else 1
            parts.edge(enc.nid("c", enc.L, k, step), heads[1], "cell_path", label)


def decoder_values(trace) -> NodeValues:
    """Norms of the decoder's nodes as (M, 1, 1) arrays, M target tokens; NaN where not stored."""
    with np.errstate(over="ignore", invalid="ignore"):  # an exploded run's norms are inf / NaN
        return _decoder_values(trace)


def _decoder_values(trace) -> NodeValues:
    cfg, dec = trace.config, trace.decoder
    states = np.asarray(dec["states"], dtype=float)  # (M, S') with S' = K*H or 2*K*H (LSTM)
    M, size = states.shape[0], cfg.num_directions * cfg.hidden_size
    lstm = cfg.cell == "lstm"
    e_h = _sentence_vector(trace.h)  # (K*H,)
    e_c = _sentence_vector(trace.c) if lstm else np.zeros(0)
    col = np.linalg.norm
    nan = np.full((M, 1, 1), np.nan)
    inputs = dec.get("inputs")
    return NodeValues(
        x=np.full(M, np.nan) if inputs is None else col(np.asarray(inputs), axis=-1),
        y=col(np.asarray(dec["outputs"], dtype=float), axis=-1),
        s=col(states, axis=-1)[:, None, None],
        h=col(states[:, :size], axis=-1)[:, None, None],
        c=col(states[:, size:], axis=-1)[:, None, None] if lstm else None,
        pre=None,
        gates={},
        s0=np.array([[np.hypot(col(e_h), col(e_c))]]),
        h0=np.array([[col(e_h)]]),
        c0=np.array([[col(e_c)]]) if lstm else None,
        step_loss=_cross_entropies(dec["outputs"], dec["targets"]),
        loss=float(dec["loss"]),
        params={},
        grad_s=nan,
        grad_h=nan,
        grad_c=nan,
    )


def _sentence_vector(per_step: np.ndarray) -> np.ndarray:
    """e: top layer's state at t = T forward joined to t = 1 backward. per_step (T, L, K, H)."""
    parts = [per_step[-1, -1, 0]] + ([per_step[0, -1, 1]] if per_step.shape[2] == 2 else [])
    return np.concatenate(parts)


def _cross_entropies(logits, targets) -> np.ndarray:
    """-log softmax(y'_k)[target_k] per step, computed stably. logits (M, C), targets (M,)."""
    z = np.asarray(logits, dtype=float)
    top = z.max(axis=1, keepdims=True)
    log_norm = top[:, 0] + np.log(np.exp(z - top).sum(axis=1))  # (M,)
    return log_norm - z[np.arange(z.shape[0]), np.asarray(targets, dtype=int)]
