"""`unroll`: one call from a sentence to a Trace of states, gates, outputs, loss and gradient flow."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import torch

from rnnviz import blas
from rnnviz.cells import run_layer
from rnnviz.config import GATE_NAMES, UnrollConfig
from rnnviz.cost import estimate_decoder_seconds, estimate_seconds, jacobian_size
from rnnviz.errors import NumericalWarning, RnnvizError
from rnnviz.flow import Stack, backward_flow, cumulative_log10_forget
from rnnviz.inputs import prepare_inputs
from rnnviz.models import build_rnn, infer_config, layer_weights, load_rnn, rnn_entries
from rnnviz.names import DIRECTIONS as DIRECTION_NAMES
from rnnviz.patterns import attach_loss, target_list
from rnnviz.trace import Trace

# Refuse runs whose stored arrays alone would pass this many bytes (answered before allocating).
MAX_TRACE_BYTES = 2 * 1024**3


def unroll(
    source,
    cell: str | None = None,
    hidden_size: int | None = None,
    seed: int | None = None,
    *,
    config: UnrollConfig | None = None,
    state_dict: dict | None = None,
    rnn: torch.nn.Module | None = None,
    targets=None,
    model=None,
    **fields,
) -> Trace:
    """Unroll s_t = R(s_{t-1}, x_t), y_t = O(s_t) over `source` (text, tokens or a T×D array).

    Cell and sizes come from `config`, then the keyword fields, then (overriding both) the shapes of a
    given `state_dict` or `rnn` module. `model=` names a trained zoo model (`rnnviz.zoo.names()`):
    its tokenizer, x_t, R and O are used and `trace.predictions` reads O. Raises RnnvizError for bad
    input.
    """
    if model is not None:
        return _unroll_model(
            source, model, config, cell, hidden_size, seed, fields, targets, rnn, state_dict
        )
    if rnn is not None:
        if not isinstance(rnn, torch.nn.RNN | torch.nn.LSTM | torch.nn.GRU):
            raise RnnvizError("rnn must be a torch nn.RNN, nn.LSTM or nn.GRU.")
        if state_dict is not None:  # one would silently win over the other
            raise RnnvizError("Give the weights once: rnn= or state_dict=, not both.")
        state_dict = rnn.state_dict()
    if state_dict is not None:
        state_dict = rnn_entries(state_dict)  # a whole model's dict (lab --save): its RNN's part
    config = _resolve_config(config, cell, hidden_size, seed, fields, state_dict, rnn)
    tokens, inputs = prepare_inputs(source, config, weights_given=state_dict is not None)
    decoder_steps = 0
    if config.pattern == "encoder-decoder":  # its decoder takes a step per target: counted too
        targets = None if targets is None else target_list(targets, config)  # read once
        decoder_steps = len(tokens) if targets is None else len(targets)
    _check_budget(len(tokens), config, decoder_steps)
    module = build_rnn(config) if state_dict is None else load_rnn(state_dict, config)
    # One BLAS thread: the work is thousands of small products (rnnviz.blas says why).
    with np.errstate(over="ignore", invalid="ignore"), blas.one_thread():
        stacks = _run_stacks(module, config, inputs)
        return _assemble(config, tokens, inputs, module, stacks, targets)


def _unroll_model(source, model, config, cell, hidden_size, seed, fields, targets, rnn, state_dict):
    """The zoo path: the model's own tokens, x_t, R (its state_dict) and O (its head)."""
    from rnnviz.zoo.bridge import model_config  # the zoo loads weights: only when asked for

    given = {
        k: v
        for k, v in dict(cell=cell, hidden_size=hidden_size, seed=seed).items()
        if v is not None
    }
    zoo, config = model_config(
        model, {**given, **fields}, config, rnn is not None or state_dict is not None
    )
    tokens = zoo.tokens(source)  # refuses arrays (and words for a character model)
    # the engine's own checks (empty text, max_tokens); the same tokenizer as the model's
    tokens, _ = prepare_inputs(source if isinstance(source, str) else list(tokens), config)
    inputs = zoo.inputs(tokens)
    _check_budget(len(tokens), config)
    module = load_rnn(zoo.rnn_state, config)
    with np.errstate(over="ignore", invalid="ignore"), blas.one_thread():
        stacks = _run_stacks(module, config, inputs)
        return _assemble(config, tokens, inputs, module, stacks, targets, zoo)


def _resolve_config(config, cell, hidden_size, seed, fields, state_dict, rnn) -> UnrollConfig:
    given = {
        k: v
        for k, v in dict(cell=cell, hidden_size=hidden_size, seed=seed).items()
        if v is not None
    }
    unknown = set(fields) - set(UnrollConfig.__dataclass_fields__)
    if unknown:
        raise RnnvizError(f"Unknown option(s) {sorted(unknown)}: see rnnviz.UnrollConfig.")
    base = config if config is not None else UnrollConfig()
    if not isinstance(base, UnrollConfig):
        raise RnnvizError(
            f"config must be an rnnviz.UnrollConfig, got a {type(base).__name__}: "
            "pass the options as keywords, or UnrollConfig(**options)."
        )
    merged = {**base.to_dict(), **given, **fields}
    if state_dict is not None:
        shape = infer_config(state_dict)
        shape.pop("bias")
        if shape["cell"] == "elman" and rnn is not None and "activation" not in fields:
            merged["activation"] = "relu" if rnn.nonlinearity == "relu" else "tanh"
        # each option as given (its type and range, for the weights' cell) before comparing
        UnrollConfig(**{**merged, "cell": shape["cell"]}).validate()
        _check_weights_options(merged, {**given, **fields}, shape)
        merged.update(shape)
    return UnrollConfig(**merged).validate()


WEIGHT_OPTIONS = ("init", "init_scale", "spectral_radius", "sigma_max", "forget_bias")


def _check_weights_options(merged: dict, explicit: dict, shape: dict) -> None:
    """With given weights, an option that would change them, or a size that contradicts them, is
    refused by name (it would be silently ignored: the weights are used as they are)."""
    default = UnrollConfig().to_dict()
    for name in WEIGHT_OPTIONS:
        if merged[name] != default[name]:
            raise RnnvizError(
                f"{name}={merged[name]!r} does not apply to weights you give (state_dict= or "
                "rnn= are used as they are): leave it out."
            )
    for name, value in shape.items():
        if name in explicit and explicit[name] != value:
            raise RnnvizError(
                f"{name}={explicit[name]!r} contradicts the weights you give ({name}={value!r}): "
                "leave it out, it is read from them."
            )


def _check_budget(seq_len: int, config: UnrollConfig, decoder_steps: int = 0) -> None:
    """Refuse, before anything is allocated, runs too big to store or too slow to wait for."""
    per_step = config.num_layers * config.num_directions * config.hidden_size * 12  # floats kept
    transfer = (config.num_layers * config.state_size) ** 2 * 4  # SVD work arrays
    need = 8 * (seq_len * per_step + transfer)
    if need > MAX_TRACE_BYTES:
        raise RnnvizError(
            f"This run would need about {need / 1024**3:.1f} GB: lower hidden_size, num_layers or "
            "the number of tokens."
        )
    seconds = estimate_seconds(
        config.cell, config.hidden_size, config.num_layers, config.bidirectional, seq_len
    ) + estimate_decoder_seconds(config.num_directions * config.hidden_size, decoder_steps)
    if seconds > config.max_seconds:
        n = jacobian_size(config.cell, config.hidden_size, config.num_layers)
        tokens = f"{seq_len:,} token{'s' * (seq_len != 1)}"
        both = ", both directions" if config.bidirectional else ""
        decoder = f", {decoder_steps:,} decoder steps" if decoder_steps else ""
        raise RnnvizError(
            f"This run could take up to about {_duration(seconds)} ({tokens}, {n}×{n} step "
            f"Jacobians{both}{decoder}), more than "
            f"max_seconds={config.max_seconds:g}: lower hidden_size, num_layers or the number of "
            "tokens, or raise max_seconds if you mean to wait."
        )


def _duration(seconds: float) -> str:
    if seconds < 10:
        return f"{seconds:.2g} s"
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 2 * 3600:
        return f"{seconds / 60:.0f} minutes"
    return f"{seconds / 3600:,.0f} hours"


def _run_stacks(module, config: UnrollConfig, inputs: np.ndarray) -> list[Stack]:
    """Run every layer in both directions (layer by layer: layer l+1 reads [h_fwd; h_bwd] of l)."""
    K = config.num_directions
    stacks = [
        Stack(config.cell, config.activation, [], [], d, config.hidden_size) for d in range(K)
    ]
    layer_input = inputs
    for layer in range(config.num_layers):
        for d in range(K):
            w = layer_weights(module, layer, d)
            stacks[d].weights.append(w)
            stacks[d].runs.append(run_layer(config.cell, w, layer_input, d == 1, config.activation))
        if layer + 1 < config.num_layers:
            layer_input = np.concatenate([s.runs[layer].h for s in stacks], axis=1)  # (T, K*H)
    return stacks


def _assemble(config, tokens, inputs, module, stacks: list[Stack], targets, zoo=None) -> Trace:
    L = config.num_layers
    lstm = config.cell == "lstm"

    one_run = L == 1 and len(stacks) == 1  # its arrays go in as views (a copy: ~2 ms per MB here)

    def gather(field) -> np.ndarray:
        """One per-run array (T, H) from every layer and direction: (T, L, K, H)."""
        if one_run:
            return _read_only(field(stacks[0].runs[0])[:, None, None, :])
        return np.stack(
            [np.stack([field(s.runs[layer]) for s in stacks], 1) for layer in range(L)], 1
        )

    h = gather(lambda run: run.h)
    c = gather(lambda run: run.c) if lstm else None
    gates = {
        name: gather(lambda run, name=name: run.gates[name]) for name in GATE_NAMES[config.cell]
    }
    pre = gather(lambda run: run.pre) if config.cell == "elman" else None
    per_layer = [s.runs[layer].state() for layer in range(L) for s in stacks]  # torch h_n order
    states = _read_only(per_layer[0]) if one_run else np.concatenate(per_layer, axis=1)
    problems = _numerical_problems(states) + _saturation_problems(stacks)
    head = default_targets = None
    if zoo is not None:  # O is the model's trained head; its targets are tags / next characters
        head = (zoo.head_weight.double(), zoo.head_bias.double())
        targets = None if targets is None else zoo.target_ids(tokens, targets)
        default_targets = lambda logits: zoo.default_target_ids(tokens, logits)  # noqa: E731
    result = attach_loss(
        config, tokens, h[:, -1], c[:, -1] if lstm else None, targets, head, default_targets
    )
    if not math.isfinite(result.loss):
        problems.append("The loss is NaN or inf.")
    flow, layer_grads = _flow_frame(config, tokens, stacks, result)
    for text in problems:
        warnings.warn(text, NumericalWarning, stacklevel=3)
    return Trace(
        config=config,
        tokens=tuple(tokens),
        inputs=inputs,
        rnn=module,
        initial_state=np.zeros(states.shape[1]),
        states=states,
        h=h,
        c=c,
        gates=gates,
        preactivations=pre,
        outputs=result.outputs,
        head_weight=result.head_weight,
        head_bias=result.head_bias,
        targets=result.targets,
        loss=result.loss,
        loss_name=result.loss_name,
        step_losses=result.step_losses,
        gradient_flow=flow,
        layer_grad_log10=layer_grads,
        loss_grad_h=result.direct_h,
        loss_grad_c=result.direct_c,
        output_grad=result.output_grad,
        head_grad_log10=result.head_grad_log10,
        final_output=result.final_output,
        decoder=result.decoder,
        predictions=None if zoo is None else zoo.predictions(result.outputs),
        warnings=tuple(problems),
        _stacks=tuple(stacks),
    )


def _read_only(array: np.ndarray) -> np.ndarray:
    """A read-only view of an engine array for the Trace: writing to it would change the runs
    `jacobians` reads (the array itself stays writable)."""
    view = array.view()
    view.flags.writeable = False
    return view


def _numerical_problems(states: np.ndarray) -> list[str]:
    if np.isfinite(states.min()) and np.isfinite(states.max()):  # NaN propagates; no bool copy
        return []
    first = int(np.argmax(~np.isfinite(states).all(axis=1))) + 1
    return [
        f"The state became NaN or inf at t={first}: the network explodes at this scale. "
        "Lower init_scale / spectral_radius / sigma_max, or use tanh instead of relu or identity."
    ]


# |pre-activation| past which a slope leaves float64's normal range (below 2.2e-308): tanh's
# 4 e^(-2|a|) and sigmoid's e^(-|a|) / (1 + e^(-|a|))^2; beyond ~372 and ~745 they are 0.
TANH_SLOPE_LIMIT, SIGMOID_SLOPE_LIMIT = 354.0, 708.0


def _saturation_problems(stacks: list[Stack]) -> list[str]:
    """A warning where some unit's derivative underflows (read before the VJP factors replace
    the gate pre-activations): the chain multiplies float64 slopes, so a gradient that runs only
    through such units reads -inf or too small there, though its true value is finite."""
    saturated, top = set(), 0.0
    for stack in stacks:
        for run in stack.runs:
            for values, limit in _slope_inputs(stack.cell, stack.activation, run):
                if max(values.max(), -values.min()) <= limit:  # the common case, no temporaries
                    continue
                size = np.abs(values)
                saturated.update(np.flatnonzero((size > limit).any(axis=1)).tolist())
                top = max(top, float(size.max()))
    if not saturated:
        return []
    return [
        f"Units saturate past float64's range at {len(saturated)} step(s), first at "
        f"t={min(saturated) + 1} (|pre-activation| up to {top:.3g}): their slopes, truly below "
        "1e-308, are 0 here, so a gradient or transfer norm that runs only through them reads "
        "-inf or too small. Lower init_scale or the inputs' scale."
    ]


def _slope_inputs(cell: str, activation: str, run) -> list[tuple[np.ndarray, float]]:
    """(values, limit) pairs: what each of the cell's slopes is taken of, and where it
    underflows."""
    H = run.h.shape[1]
    if cell == "elman":
        limit = {"tanh": TANH_SLOPE_LIMIT, "sigmoid": SIGMOID_SLOPE_LIMIT}.get(activation)
        return [] if limit is None else [(run.pre, limit)]
    z = run.gate_pre  # read before vjp_factors turns an LSTM's into its slopes
    if cell == "lstm":  # i f o sigmoid, g tanh; h_t = o tanh(c_t)
        return [
            (z[:, : 2 * H], SIGMOID_SLOPE_LIMIT),
            (z[:, 3 * H :], SIGMOID_SLOPE_LIMIT),
            (z[:, 2 * H : 3 * H], TANH_SLOPE_LIMIT),
            (run.c, TANH_SLOPE_LIMIT),
        ]
    return [(z[:, : 2 * H], SIGMOID_SLOPE_LIMIT), (z[:, 2 * H :], TANH_SLOPE_LIMIT)]  # GRU r z | n


def _flow_frame(config, tokens, stacks: list[Stack], result) -> tuple[pd.DataFrame, np.ndarray]:
    """The gradient_flow table, and each layer's gradient parts (T, L, K, 3: s, h, c) in log10."""
    T, H, S, L = len(tokens), config.hidden_size, config.state_size, config.num_layers
    frames, per_layer = [], np.full((T, L, len(stacks), 3), np.nan)
    for stack in stacks:
        d = stack.direction
        direct = np.zeros((T, L * S))
        direct[:, (L - 1) * S : (L - 1) * S + H] = result.direct_h[:, d]
        if result.direct_c is not None:
            direct[:, (L - 1) * S + H : L * S] = result.direct_c[:, d]
        columns = backward_flow(stack, direct)
        per_layer[:, :, d] = columns["per_layer"]
        t = np.arange(1, T + 1)
        lag = (T - t) if d == 0 else (t - 1)
        frame = pd.DataFrame(
            {"t": t, "token": list(tokens), "direction": DIRECTION_NAMES[d], "lag": lag}
        )
        for name in ("log10_grad_norm", "log10_jacobian_norm", "log10_jacobian_frobenius"):
            frame[name] = columns[name]
        frame["log10_pascanu_bound"] = _pascanu(config, stack, lag)
        frame["log10_forget_product"] = (
            cumulative_log10_forget(np.concatenate([r.forget_log10 for r in stack.runs], 1), d)
            if config.cell == "lstm"
            else np.nan
        )
        frame["log10_grad_h"] = columns["log10_grad_h"]
        frame["log10_grad_c"] = columns["log10_grad_c"]
        frames.append(frame)
    return pd.concat(frames, ignore_index=True), per_layer


def _pascanu(config: UnrollConfig, stack: Stack, lag: np.ndarray) -> np.ndarray:
    """log10 (gamma * sigma_max(W_hh))^(T - t): Pascanu et al.'s bound, single-layer Elman only."""
    if config.cell != "elman" or config.num_layers != 1:
        return np.full(lag.shape, np.nan)
    sigma = np.linalg.norm(stack.weights[0]["w_hh"], ord=2)
    if sigma == 0:
        return np.where(lag == 0, 0.0, -np.inf)
    return lag * np.log10(config.gamma * sigma)
