"""The lecture's usage patterns: where the loss attaches, and O, the output function.

    acceptor         L = CE(O(e), target), e = final state: y_T one way  (one class per sentence)
    transducer       L = sum_t CE(y_t, target_t)         (a tag per token)
    encoder          L = 1/2 ||e - target||^2,  e = final top-layer h (both directions joined)
    encoder-decoder  e (and c for LSTM) is the initial state of a decoder RNN of the same cell that
                     generates the input reversed (teacher forced, starting from "<s>");
                     L = sum_k CE(y'_k, target_k)

y_t = O(s_t) = W_out h_t^(top) + b_out: logits over `output_size` classes. Default targets are
deterministic functions of (token, seed); pass `targets` to choose them. The loss is computed with
torch autograd in float64 and only its *direct* gradient on each top-layer state is returned: the
chain through time is `flow`'s job.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from rnnviz.config import UnrollConfig
from rnnviz.errors import RnnvizError
from rnnviz.inputs import class_id, embed
from rnnviz.models import build_rnn, layer_weights

START = "<s>"


@dataclass
class LossResult:
    loss: float
    loss_name: str
    step_losses: np.ndarray  # (T,)
    outputs: np.ndarray  # (T, C)
    targets: np.ndarray | None
    direct_h: np.ndarray  # (T, K, H) dL/dh_t^(top) through O and the decoder, not through time
    direct_c: np.ndarray | None  # (T, K, H) LSTM encoder-decoder only
    decoder: dict[str, Any] | None
    head_weight: np.ndarray  # (C, K*H) O's weight
    head_bias: np.ndarray  # (C,)


def make_head(config: UnrollConfig, salt: int = 1) -> tuple[torch.Tensor, torch.Tensor]:
    """O's weight (C, K*H) and bias (C,), uniform like nn.Linear's default, seeded."""
    fan_in = config.num_directions * config.hidden_size
    gen = torch.Generator().manual_seed(config.seed * 1009 + salt)
    k = 1.0 / np.sqrt(fan_in)
    weight = torch.empty(config.output_size, fan_in, dtype=torch.float64).uniform_(
        -k, k, generator=gen
    )
    bias = torch.empty(config.output_size, dtype=torch.float64).uniform_(-k, k, generator=gen)
    return weight, bias


def attach_loss(
    config, tokens, top_h, top_c, targets=None, head=None, default_targets=None
) -> LossResult:
    """Apply O and the pattern's loss to the top layer's h (T, K, H) [and c]; direct gradients.

    `head` = (weight, bias) float64 replaces the seeded random O (a trained zoo model's);
    `default_targets(logits)` then gives the transducer's targets when none are passed."""
    T, K, H = top_h.shape
    h = torch.tensor(top_h, requires_grad=True)
    c = torch.tensor(top_c, requires_grad=True) if top_c is not None else None
    weight, bias = make_head(config) if head is None else head
    logits = h.reshape(T, K * H) @ weight.T + bias  # (T, C) y_t = O(s_t)
    final = _final_vector(h, K)  # (K*H,) forward's last step joined to backward's last (t=1)
    step = torch.zeros(T, dtype=torch.float64)
    decoder = None
    if config.pattern == "acceptor":
        tgt = _targets(
            targets,
            1,
            config,
            lambda: [class_id(" ".join(tokens), config.seed, config.output_size)],
        )
        # O of the final state: y_T one way; both directions' final states when bidirectional
        # (the backward RNN's final state is the one that has read the whole sentence, at t = 1).
        last = (final @ weight.T + bias)[None]  # (1, C)
        step[T - 1] = F.cross_entropy(last, torch.tensor(tgt), reduction="sum")
        name = "cross-entropy of O(final state), y_T one way (acceptor)"
    elif config.pattern == "transducer":
        tgt = _targets(
            targets,
            T,
            config,
            (lambda: default_targets(logits.detach().numpy()))
            if default_targets is not None
            else (lambda: [class_id(t, config.seed, config.output_size) for t in tokens]),
        )
        step = F.cross_entropy(logits, torch.tensor(tgt), reduction="none")
        name = "sum over t of the cross-entropy of y_t (transducer)"
    elif config.pattern == "encoder":
        tgt = None
        goal = _encoder_goal(config, K * H)
        step[T - 1] = 0.5 * ((final - goal) ** 2).sum()
        name = "1/2 ||e - target||^2 on the sentence vector e = final state (encoder)"
    else:
        tgt, decoder, dec_loss = _run_decoder(
            config, tokens, final, _final_vector(c, K) if c is not None else None, targets
        )
        step[T - 1] = dec_loss
        name = "sum of the decoder's cross-entropies (encoder-decoder)"
    loss = step.sum()
    wrt = [h] if c is None else [h, c]
    grads = torch.autograd.grad(loss, wrt, allow_unused=True)
    grads = [torch.zeros_like(x) if gr is None else gr for gr, x in zip(grads, wrt, strict=True)]
    return LossResult(
        loss=float(loss.detach()),
        loss_name=name,
        step_losses=step.detach().numpy(),
        outputs=logits.detach().numpy(),
        targets=None if tgt is None else np.asarray(tgt, dtype=np.int64),
        direct_h=grads[0].numpy(),
        direct_c=grads[1].numpy() if c is not None else None,
        decoder=decoder,
        head_weight=weight.numpy(),
        head_bias=bias.numpy(),
    )


def _final_vector(x: torch.Tensor, K: int) -> torch.Tensor:
    """The sentence's vector: the forward direction's last state, joined to the backward's (t=1)."""
    parts = [x[-1, 0]] + ([x[0, 1]] if K == 2 else [])
    return torch.cat(parts)


def _targets(given, count: int, config: UnrollConfig, default) -> list[int]:
    if given is None:
        return list(default())
    values = [given] if np.isscalar(given) else list(given)
    if len(values) != count:
        raise RnnvizError(
            f"Expected {count} target(s) for the {config.pattern}, got {len(values)}."
        )
    for v in values:
        if (
            isinstance(v, bool)
            or not isinstance(v, int | np.integer)
            or not 0 <= v < config.output_size
        ):
            raise RnnvizError(
                f"Targets must be class ids in 0..{config.output_size - 1}, got {v!r}."
            )
    return [int(v) for v in values]


def _encoder_goal(config: UnrollConfig, size: int) -> torch.Tensor:
    gen = torch.Generator().manual_seed(config.seed * 1009 + 2)
    return torch.rand(size, dtype=torch.float64, generator=gen) * 1.6 - 0.8  # inside tanh's range


def _run_decoder(config, tokens, h0, c0, targets):
    """Teacher-forced decoder of the same cell, one layer of size K*H, generating the reversed input."""
    out_tokens = list(reversed(tokens)) if targets is None else [str(t) for t in targets]
    if not out_tokens:
        raise RnnvizError("The encoder-decoder needs at least one target token.")
    size = h0.shape[0]
    dec_config = UnrollConfig(
        cell=config.cell,
        hidden_size=size,
        input_size=config.input_size,
        activation=config.activation,
        seed=config.seed + 1,
        output_size=config.output_size,
        init=config.init if config.init != "identity" or config.cell == "elman" else "default",
        forget_bias=config.forget_bias,
    ).validate()
    w = {k: torch.tensor(v) for k, v in layer_weights(build_rnn(dec_config), 0, 0).items()}
    weight, bias = make_head(dec_config, salt=3)
    inputs = torch.tensor(embed([START, *out_tokens[:-1]], config.input_size, config.seed))
    if targets is None:
        labels = torch.tensor([class_id(t, config.seed, config.output_size) for t in out_tokens])
    else:
        labels = torch.tensor(_targets(targets, len(out_tokens), config, list))
    h, c = h0, c0
    states, logits = [], []
    for x in inputs:  # s'_k = R(s'_{k-1}, x'_k), y'_k = O'(s'_k)
        h, c = _torch_step(config, w, x, h, c)
        states.append(h if c is None else torch.cat([h, c]))
        logits.append(h @ weight.T + bias)
    logits_t = torch.stack(logits)  # (T_out, C)
    loss = F.cross_entropy(logits_t, labels, reduction="sum")
    decoder = {
        "tokens": out_tokens,
        "inputs": inputs.numpy(),  # (T_out, D) x'_k: "<s>", then the targets shifted by one
        "states": torch.stack(states).detach().numpy(),
        "outputs": logits_t.detach().numpy(),
        "targets": labels.numpy(),
        "loss": float(loss.detach()),
    }
    return labels.numpy(), decoder, loss


def _torch_step(config, w, x, h, c):
    """One differentiable step of the decoder, the same equations as rnnviz.cells."""
    H = h.shape[0]
    z = w["w_ih"] @ x + w["b_ih"]
    hh = w["w_hh"] @ h + w["b_hh"]
    if config.cell == "elman":
        a = z + hh
        act = {"tanh": torch.tanh, "relu": torch.relu, "sigmoid": torch.sigmoid}.get(
            config.activation
        )
        return (act(a) if act else a), None
    if config.cell == "lstm":
        i, f, g, o = (z + hh).split(H)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        return torch.sigmoid(o) * torch.tanh(c), c
    r = torch.sigmoid(z[:H] + hh[:H])
    u = torch.sigmoid(z[H : 2 * H] + hh[H : 2 * H])
    n = torch.tanh(z[2 * H :] + r * hh[2 * H :])
    return (1 - u) * n + u * h, None
