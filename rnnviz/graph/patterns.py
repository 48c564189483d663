"""Inputs x_t, outputs y_t = O(s_t) and the loss, attached where the lecture's usage pattern says.

    acceptor     y_t at every step (the trace computes them all); the loss L reads y_T only, or
                 for a bidirectional RNN O of both final states (forward s_T, backward s_1)
    transducer   y_t -> L_t at every step, and L_t -> L (L = sum_t L_t, so dL/dL_t = 1)
    encoder      the loss reads the final top-layer state (forward s_T, backward s_1); O is unused,
                 so there are no y_t nodes (the sentence vector is the state itself)
    enc-decoder  the encoder as above feeds the decoder's s'_0 (see decoder.py)

The loss node's grad_log10 is 0 (dL/dL = 1); L_t's too, since L is their sum.
"""

from __future__ import annotations

import math

from rnnviz.graph.frame import Frame
from rnnviz.graph.parts import NAN, PARAM_COLUMN, GraphParts

OUTPUT_PATTERNS = ("acceptor", "transducer")  # patterns whose loss reads y_t = O(s_t)


def add_inputs(parts: GraphParts, frame: Frame, norms=None) -> None:
    """x_t for t = 1..T on the bottom lane."""
    for t in range(1, frame.T + 1):
        parts.node(
            frame.step_id("x", t),
            "x",
            frame.t_attr(t),
            frame.plain_label("x", t),
            (frame.input_x(t), 0.0),
            value_norm=NAN if norms is None else float(norms[t - 1]),
        )


def add_output_param(parts: GraphParts, frame: Frame, norm: float = NAN) -> str:
    """O's weights (one node: [W_out, b_out]) left of the output lane."""
    return parts.node(
        f"param:O[{frame.scope}]" if frame.scope else "param:O",
        "param",
        None,
        "O'" if frame.scope else "O",
        (frame.t0 + frame.x0 + PARAM_COLUMN, frame.output_lane),
        value_norm=norm,
    )


def add_output(parts: GraphParts, frame: Frame, t: int, o_param: str, norm: float = NAN) -> str:
    """y_t = O(s_t): fed by the top layer's state in every direction, and by O."""
    yid = parts.node(
        frame.step_id("y", t),
        "y",
        frame.t_attr(t),
        frame.plain_label("y", t),
        (frame.x(0, t), frame.output_lane),
        value_norm=norm,
    )
    for k in range(frame.K):
        parts.edge(frame.output_id(frame.L, k, t), yid, "output")
    parts.edge(o_param, yid, "param")
    return yid


def add_step_loss(parts: GraphParts, frame: Frame, t: int, value: float) -> str:
    """L_t, the loss of step t (transducer, decoder), read from y_t."""
    lid = parts.node(
        frame.step_id("loss", t),
        "loss",
        frame.t_attr(t),
        frame.plain_label("L", t),
        (frame.x(0, t), frame.loss_lane),
        value_norm=abs(value),
        grad_log10=0.0,  # dL/dL_t = 1: L is the sum of the step losses
    )
    parts.edge(frame.step_id("y", t), lid, "loss")
    return lid


def add_total_loss(parts: GraphParts, frame: Frame, t: int | None, column: float, value) -> str:
    """L, the number the gradients are taken of."""
    return parts.node(
        "loss",
        "loss",
        t,
        "L",
        (column, frame.loss_lane),
        value_norm=NAN if value is None or not math.isfinite(value) else abs(value),
        grad_log10=0.0,  # dL/dL = 1
    )


def final_state_ids(frame: Frame) -> list[str]:
    """The sentence vector e: the top layer's last state forward (t = T) and backward (t = 1)."""
    steps = (frame.T, 1)
    return [frame.output_id(frame.L, k, steps[k]) for k in range(frame.K)]


def add_encoder_losses(parts: GraphParts, frame: Frame, pattern: str, values) -> None:
    """Loss nodes of the three single-RNN patterns (after all steps and outputs exist)."""
    T = frame.T
    loss_value = None if values is None else values.loss
    if pattern == "acceptor":
        add_total_loss(parts, frame, frame.t_attr(T), frame.x(0, T), loss_value)
        finals = final_state_ids(frame) if frame.K == 2 and not frame.rolled else []
        for sid in finals or [frame.step_id("y", T)]:
            parts.edge(sid, "loss", "loss")
    elif pattern == "encoder":
        add_total_loss(parts, frame, frame.t_attr(T), frame.x(0, T) + 1.0, loss_value)
        for sid in final_state_ids(frame):
            parts.edge(sid, "loss", "loss")
    elif pattern == "transducer" and frame.rolled:
        add_total_loss(parts, frame, None, frame.x(0, T), loss_value)
        parts.edge(frame.step_id("y", T), "loss", "loss")
    elif pattern == "transducer":
        add_total_loss(parts, frame, frame.t_attr(T), frame.x(0, T) + 1.0, loss_value)
        for t in range(1, T + 1):
            parts.edge(frame.step_id("loss", t), "loss", "loss")
