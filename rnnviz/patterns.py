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

import hashlib
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from rnnviz.cells import torch_step
from rnnviz.config import MAX_SEED, UnrollConfig
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
    output_grad: np.ndarray  # (T, C) dL/dy_t for the y_t the graph draws (0 where L reads none)
    head_grad_log10: float  # log10 ||dL/d[W_out, b_out]||
    final_output: np.ndarray | None  # (C,) acceptor: O(final state), the logits it predicts from


def sub_seed(seed: int, salt: int) -> int:
    """A seed in 0..MAX_SEED for one part of a run (O's weights, the encoder's goal, ...).

    Seeds up to ~9e15 keep the historical `seed * 1009 + salt` (so every published number stays);
    above that, where the product would overflow torch's manual_seed, a hash of (seed, salt)."""
    legacy = seed * 1009 + salt
    if legacy <= MAX_SEED:
        return legacy
    digest = hashlib.blake2b(f"{seed}\x1f{salt}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") & MAX_SEED


def decoder_seed(seed: int) -> int:
    """The encoder-decoder's decoder weights: seed + 1, or a hashed seed at the top of the range."""
    return seed + 1 if seed < MAX_SEED else sub_seed(seed, 4)


def make_head(config: UnrollConfig, salt: int = 1) -> tuple[torch.Tensor, torch.Tensor]:
    """O's weight (C, K*H) and bias (C,), uniform like nn.Linear's default, seeded."""
    fan_in = config.num_directions * config.hidden_size
    gen = torch.Generator().manual_seed(sub_seed(config.seed, salt))
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
    weight, bias = (p.detach().clone().requires_grad_(True) for p in (weight, bias))
    logits = h.reshape(T, K * H) @ weight.T + bias  # (T, C) y_t = O(s_t)
    logits.retain_grad()
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
        last.retain_grad()
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
        if targets is not None:
            raise RnnvizError(
                "The encoder takes no targets (its goal vector is drawn from the seed): drop "
                "targets=, or use pattern='acceptor', 'transducer' or 'encoder-decoder'."
            )
        tgt = None
        goal = _encoder_goal(config, K * H)
        step[T - 1] = 0.5 * ((final - goal) ** 2).sum()
        name = "1/2 ||e - target||^2 on the sentence vector e = final state (encoder)"
    else:
        tgt, decoder, dec_loss, dec_tensors = _run_decoder(
            config, tokens, final, _final_vector(c, K) if c is not None else None, targets
        )
        step[T - 1] = dec_loss
        name = "sum of the decoder's cross-entropies (encoder-decoder)"
    loss = step.sum()
    loss.backward()  # _run_decoder kept the grad of every decoder tensor, s'_0 included
    if decoder is not None:
        decoder["grads"] = decoder_grads(config.cell, *dec_tensors)
    grads = [
        torch.zeros_like(x) if x.grad is None else x.grad for x in ([h] if c is None else [h, c])
    ]
    return LossResult(
        loss=float(loss.detach()),
        loss_name=name,
        step_losses=step.detach().numpy(),
        outputs=logits.detach().numpy(),
        targets=None if tgt is None else np.asarray(tgt, dtype=np.int64),
        direct_h=grads[0].numpy(),
        direct_c=grads[1].numpy() if c is not None else None,
        decoder=decoder,
        head_weight=weight.detach().numpy(),
        head_bias=bias.detach().numpy(),
        output_grad=_output_grad(
            config.pattern, K, logits, last if config.pattern == "acceptor" else None
        ),
        head_grad_log10=log10_norm(weight.grad, bias.grad),
        final_output=last.detach().numpy()[0] if config.pattern == "acceptor" else None,
    )


def _output_grad(pattern: str, K: int, logits: torch.Tensor, last) -> np.ndarray:
    """dL/dy_t for the y_t nodes the graph draws: every step for the transducer; y_T alone for a
    one-way acceptor (its L reads O(s_T)); zeros where L reads no y_t (a bidirectional acceptor's L
    reads O of both final states directly; the encoders have no y_t)."""
    out = np.zeros(tuple(logits.shape))
    if pattern == "transducer" and logits.grad is not None:
        out = logits.grad.numpy().copy()
    elif pattern == "acceptor" and K == 1 and last.grad is not None:
        out[-1] = last.grad.numpy()[0]
    return out


def log10_norm(*tensors) -> float:
    """log10 of the joint 2-norm of some tensors (None counts as 0; -inf when all are 0)."""
    total = sum(float((t.detach() ** 2).sum()) for t in tensors if t is not None)
    return float(np.log10(np.sqrt(total))) if total > 0 else -np.inf


def decoder_grads(cell: str, kept: list, inputs, w: dict, weight, bias) -> dict:
    """log10 ||dL/dv|| of every tensor the decoder's graph draws, per step k = 0..M (k = 0: s'_0):
    "h", "c" (LSTM; c's total, also through h), "s" (the cell-level node: [dL/dh; the part of
    dL/dc that flows to the next step], as for the encoder), "a" (Elman), gates, "y", and "x" per
    input (k = 1..M), plus "params" (W_ih, W_hh, b, O). Float64 autograd: every decoder step has
    a loss of its own, so these gradients never come near float64's limits."""
    M = inputs.shape[0]

    def at(k: int, name: str) -> float:
        x = kept[k].get(name)
        return log10_norm(x.grad) if isinstance(x, torch.Tensor) and x.grad is not None else -np.inf

    out: dict = {
        name: np.array([at(k, name) for k in range(M + 1)]) for name in ("h", "c", "a", "y")
    }
    out["gates"] = {
        g: np.array([-np.inf] + [log10_norm(kept[k]["gates"][g].grad) for k in range(1, M + 1)])
        for g in kept[1]["gates"]
    }
    if cell == "lstm":  # the cell-level node s' = (h', c'): c's own part excludes the path via h'
        s = [-np.inf] * (M + 1)
        for k in range(M + 1):
            h, c = kept[k]["h"], kept[k]["c"]
            dh = h.grad if h.grad is not None else torch.zeros_like(h)
            dc = c.grad if c.grad is not None else torch.zeros_like(c)
            if k > 0:
                o = kept[k]["gates"]["o"]
                dc = dc - dh * o * (1 - torch.tanh(c) ** 2)
            s[k] = log10_norm(dh, dc)
        out["s"] = np.array(s)
    else:
        out["s"] = out["h"]
    out["x"] = np.array([log10_norm(inputs.grad[k]) for k in range(M)])
    out["params"] = {
        "W_ih": log10_norm(w["w_ih"].grad),
        "W_hh": log10_norm(w["w_hh"].grad),
        "b": log10_norm(w["b_ih"].grad, w["b_hh"].grad),
        "O": log10_norm(weight.grad, bias.grad),
    }
    return out


def _final_vector(x: torch.Tensor, K: int) -> torch.Tensor:
    """The sentence's vector: the forward direction's last state, joined to the backward's (t=1)."""
    parts = [x[-1, 0]] + ([x[0, 1]] if K == 2 else [])
    return torch.cat(parts)


def _targets(given, count: int, config: UnrollConfig, default) -> list[int]:
    if given is None:
        return list(default())
    values = target_list(given, config)
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


def target_list(given, config: UnrollConfig) -> list:
    """targets as a list: one class id, or any iterable of them (at most max_tokens)."""
    if isinstance(given, torch.Tensor) and (given.is_meta or given.layout != torch.strided):
        raise RnnvizError(  # a meta tensor has no values; a sparse one no plain order of them
            "targets must hold class ids (a list, array or dense tensor), got a "
            f"{'meta' if given.is_meta else 'sparse'} tensor."
        )
    if np.isscalar(given) or isinstance(given, np.ndarray | torch.Tensor) and given.ndim == 0:
        return [given.item() if isinstance(given, np.ndarray | torch.Tensor) else given]
    if isinstance(given, dict | set | frozenset) or not hasattr(given, "__iter__"):
        raise RnnvizError(
            f"targets must be a class id or a list of class ids, got type {type(given).__name__}."
        )
    if isinstance(given, np.ndarray | torch.Tensor):
        if given.ndim != 1 or given.shape[0] > config.max_tokens:
            raise RnnvizError(f"targets must be a flat list of class ids, got shape {given.shape}.")
        return given.tolist()
    values = []
    for value in given:
        values.append(value)
        if len(values) > config.max_tokens:
            raise RnnvizError(f"More than max_tokens={config.max_tokens:,} targets.")
    return values


def _encoder_goal(config: UnrollConfig, size: int) -> torch.Tensor:
    gen = torch.Generator().manual_seed(sub_seed(config.seed, 2))
    return torch.rand(size, dtype=torch.float64, generator=gen) * 1.6 - 0.8  # inside tanh's range


def _run_decoder(config, tokens, h0, c0, targets):
    """Teacher-forced decoder of the same cell, one layer of size K*H, generating the reversed input."""
    # targets: None or the list `unroll` made of them (once: a generator can be read only once)
    out_tokens = list(reversed(tokens)) if targets is None else [str(t) for t in targets]
    if not out_tokens:
        raise RnnvizError("The encoder-decoder needs at least one target token.")
    size = h0.shape[0]
    dec_config = UnrollConfig(
        cell=config.cell,
        hidden_size=size,
        input_size=config.input_size,
        activation=config.activation,
        seed=decoder_seed(config.seed),
        output_size=config.output_size,
        init=config.init if config.init != "identity" or config.cell == "elman" else "default",
        forget_bias=config.forget_bias,
    ).validate()
    w = {
        k: torch.tensor(v, requires_grad=True)
        for k, v in layer_weights(build_rnn(dec_config), 0, 0).items()
    }
    weight, bias = (p.requires_grad_(True) for p in make_head(dec_config, salt=3))
    inputs = torch.tensor(
        embed([START, *out_tokens[:-1]], config.input_size, config.seed), requires_grad=True
    )
    if targets is None:
        labels = torch.tensor([class_id(t, config.seed, config.output_size) for t in out_tokens])
    else:
        labels = torch.tensor(_targets(targets, len(out_tokens), config, list))
    h, c = h0, c0
    kept = [{"h": h0, "c": c0}]  # every drawn tensor of every step, s'_0 first, for its gradient
    states, logits = [], []
    for k in range(inputs.shape[0]):  # s'_k = R(s'_{k-1}, x'_k), y'_k = O'(s'_k)
        out = torch_step(config.cell, w, inputs[k], h, c, config.activation)
        h, c = out["h"], out.get("c")
        states.append(h if c is None else torch.cat([h, c]))
        logits.append(h @ weight.T + bias)
        kept.append({**out, "y": logits[-1]})
    for tensors in kept:
        for x in (*tensors.values(), *tensors.get("gates", {}).values()):
            if isinstance(x, torch.Tensor) and x.requires_grad:
                x.retain_grad()
    logits_t = torch.stack(logits)  # (T_out, C)
    loss = F.cross_entropy(logits_t, labels, reduction="sum")
    decoder = {
        "tokens": out_tokens,
        "inputs": inputs.detach().numpy(),  # (T_out, D) x'_k: "<s>", then the targets shifted by one
        "states": torch.stack(states).detach().numpy(),
        "outputs": logits_t.detach().numpy(),
        "targets": labels.numpy(),
        "loss": float(loss.detach()),
    }
    return labels.numpy(), decoder, loss, (kept, inputs, w, weight, bias)
