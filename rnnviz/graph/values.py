"""Per-node numbers for the graph, read from a Trace: value norms and log10 gradient norms.

Everything is computed vectorised once (arrays indexed [t-1, layer-1, direction]) so the builders
only index. Gradients: `fill_gradients` gives every node the total derivative log10 ||dL/dv|| from
`rnnviz.node_grads` (exact in log space; -inf where none flows).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from rnnviz.names import DIRECTIONS_SHORT as DIRECTIONS
from rnnviz.node_grads import node_gradients


@dataclass(frozen=True)
class NodeValues:
    """Norms (T, L, K) per step, layer, direction unless noted; grads (T, L, K) log10 norms."""

    x: np.ndarray  # (T,) ||x_t||
    y: np.ndarray  # (T,) ||y_t||
    s: np.ndarray  # ||s_t|| (LSTM: ||[h_t; c_t]||)
    h: np.ndarray
    c: np.ndarray | None  # LSTM only
    pre: np.ndarray | None  # Elman pre-activation a_t
    gates: dict[str, np.ndarray]
    s0: np.ndarray  # (L, K) ||s_0||
    h0: np.ndarray  # (L, K)
    c0: np.ndarray | None  # (L, K)
    step_loss: np.ndarray  # (T,)
    loss: float
    params: dict[tuple[str, int | None, int | None], float]  # (name, layer, direction) -> norm
    grad_s: np.ndarray  # log10 ||dL/ds_t||
    grad_h: np.ndarray  # log10 ||dL/dh_t||
    grad_c: np.ndarray  # log10 ||dL/dc_t|| (NaN unless LSTM)


def node_values(trace) -> NodeValues:
    """All norms and gradients the graph shows, for one trace. An exploded run's norms are inf or
    NaN (the engine already warned about it), so numpy's overflow warnings are silenced here."""
    with np.errstate(over="ignore", invalid="ignore"):
        return _node_values(trace)


def _node_values(trace) -> NodeValues:
    cfg = trace.config
    T, L, K, H = trace.seq_len, cfg.num_layers, cfg.num_directions, cfg.hidden_size
    S = cfg.state_size
    s = np.linalg.norm(trace.states.reshape(T, L, K, S), axis=-1)  # (T, L, K)
    s0_blocks = trace.initial_state.reshape(L, K, S)  # (L, K, S)
    return NodeValues(
        x=np.linalg.norm(trace.inputs, axis=-1),
        y=np.linalg.norm(trace.outputs, axis=-1),
        s=s,
        h=np.linalg.norm(trace.h, axis=-1),
        c=None if trace.c is None else np.linalg.norm(trace.c, axis=-1),
        pre=_preactivation_norms(trace),
        gates={name: np.linalg.norm(v, axis=-1) for name, v in trace.gates.items()},
        s0=np.linalg.norm(s0_blocks, axis=-1),
        h0=np.linalg.norm(s0_blocks[..., :H], axis=-1),
        c0=np.linalg.norm(s0_blocks[..., H:], axis=-1) if cfg.cell == "lstm" else None,
        step_loss=np.abs(np.asarray(trace.step_losses, dtype=float)),
        loss=float(trace.loss),
        params=_param_norms(trace),
        grad_s=_flow_array(trace, "log10_grad_norm"),
        grad_h=_flow_array(trace, "log10_grad_h"),
        grad_c=_flow_array(trace, "log10_grad_c"),
    )


def _preactivation_norms(trace) -> np.ndarray | None:
    if trace.config.cell != "elman" or trace.preactivations is None:
        return None
    return np.linalg.norm(trace.preactivations, axis=-1)


def _flow_array(trace, column: str) -> np.ndarray:
    """Each layer's log10 gradient norm (T, L, K) for column log10_grad_norm / _h / _c."""
    part = {"log10_grad_norm": 0, "log10_grad_h": 1, "log10_grad_c": 2}[column]
    return np.array(trace.layer_grad_log10[..., part], dtype=float)


def _param_norms(trace) -> dict:
    """Frobenius norms of W_ih, W_hh, b = [b_ih; b_hh] per layer/direction, and O = [W; b]."""
    cfg = trace.config
    named = dict(trace.rnn.named_parameters())
    norms: dict[tuple[str, int | None, int | None], float] = {}
    for layer in range(1, cfg.num_layers + 1):
        for k in range(cfg.num_directions):
            suffix = f"_l{layer - 1}" + ("_reverse" if k else "")
            norms[("W_ih", layer, k)] = _norm(named["weight_ih" + suffix])
            norms[("W_hh", layer, k)] = _norm(named["weight_hh" + suffix])
            biases = [named[n + suffix] for n in ("bias_ih", "bias_hh") if n + suffix in named]
            norms[("b", layer, k)] = math.hypot(*(_norm(b) for b in biases)) if biases else 0.0
    head = np.concatenate([np.ravel(trace.head_weight), np.ravel(trace.head_bias)])
    norms[("O", None, None)] = float(np.linalg.norm(head))
    return norms


def _norm(tensor) -> float:
    return float(np.linalg.norm(tensor.detach().double().cpu().numpy()))


_ID = re.compile(r"^(?:(gate|param):)?([A-Za-z_]+)(?:\[([^\]]*)\])?$")


def fill_gradients(parts, trace) -> None:
    """Set every node's grad_log10 (and so its in-edges') from `rnnviz.node_grads`: the total
    derivative log10 ||dL/dv||, read off the node's id ("s[l1,fwd,3]", "gate:f[dec,2]", "x[3]",
    "param:W_hh[l2,bwd]", ...). -inf where no gradient reaches a node; never NaN unless the run is."""
    grads = node_gradients(trace)
    T = trace.seq_len
    for nid, attrs in parts.nodes:
        value = _grad_of(grads, nid, T)
        attrs["grad_log10"] = value
        parts.grad[nid] = value


def _grad_of(grads, nid: str, T: int) -> float:
    prefix, name, where = _ID.match(nid).groups()
    key = where.split(",") if where else []
    if name == "loss":  # L and L_t: dL/dL = 1
        return 0.0
    if key and key[0] == "dec":
        return _decoder_grad(grads.decoder, prefix, name, key)
    if prefix == "param":
        layer, k = (None, None) if not key else (int(key[0][1:]), DIRECTIONS.index(key[1]))
        return float(grads.params.get((name, layer, k), np.nan))
    if name in ("x", "y"):
        return float(getattr(grads, name)[int(key[0]) - 1])
    layer, k, t = int(key[0][1:]) - 1, DIRECTIONS.index(key[1]), int(key[2])
    if t == 0:
        return float({"s": grads.s0, "h": grads.h0, "c": grads.c0}[name][layer, k])
    table = grads.gates[name] if prefix == "gate" else getattr(grads, name)
    return float(table[t - 1, layer, k])


def _decoder_grad(dec: dict, prefix: str | None, name: str, key: list[str]) -> float:
    if prefix == "param":
        return float(dec["params"][name])
    k = int(key[1])
    if name == "x":
        return float(dec["x"][k - 1])
    table = dec["gates"][name] if prefix == "gate" else dec[name]
    return float(table[k])
