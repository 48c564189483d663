"""Parameters live in torch's own nn.RNN / nn.LSTM / nn.GRU: names, shapes and gate order as torch.

A trained module's state_dict loads as is (`infer_config` reads its shapes), and ours save back.
Initialisation is seeded through one torch.Generator, so it never touches the global RNG.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from rnnviz.config import UnrollConfig
from rnnviz.errors import RnnvizError
from rnnviz.names import GATES_PER_CELL

_CELL_OF_GATES = {gates: cell for cell, gates in GATES_PER_CELL.items()}


def make_module(config: UnrollConfig, bias: bool = True) -> nn.Module:
    """An uninitialised float64 torch module of the config's shape."""
    kwargs = dict(
        input_size=config.input_size,
        hidden_size=config.hidden_size,
        num_layers=config.num_layers,
        bidirectional=config.bidirectional,
        bias=bias,
        batch_first=False,
        dtype=torch.float64,
    )
    if config.cell == "elman":
        # torch's RNN knows tanh and relu; sigmoid/identity Elman cells reuse its parameters.
        nonlinearity = "relu" if config.activation == "relu" else "tanh"
        return nn.RNN(nonlinearity=nonlinearity, **kwargs)
    return nn.LSTM(**kwargs) if config.cell == "lstm" else nn.GRU(**kwargs)


def build_rnn(config: UnrollConfig) -> nn.Module:
    """A float64 nn.RNN/LSTM/GRU initialised as the config says (seeded, deterministic)."""
    if not isinstance(config, UnrollConfig):
        raise RnnvizError(
            f"build_rnn needs an UnrollConfig (e.g. UnrollConfig(cell='lstm')), got {config!r:.60}."
        )
    config.validate()
    module = make_module(config)
    gen = torch.Generator().manual_seed(config.seed)
    H, G = config.hidden_size, GATES_PER_CELL[config.cell]
    with torch.no_grad():
        for name, param in module.named_parameters():
            _init_param(name, param, config, gen)
            if name.startswith("weight_hh"):
                _rescale_recurrent(param, config, H, G)
            if name.startswith("bias") and config.forget_bias is not None:
                # The forget gate is torch's second chunk; put the whole bias in b_ih.
                value = config.forget_bias if name.startswith("bias_ih") else 0.0
                param[H : 2 * H] = value
    return module.requires_grad_(False)


def _init_param(name: str, param: torch.Tensor, config: UnrollConfig, gen) -> None:
    H, G = config.hidden_size, GATES_PER_CELL[config.cell]
    k = 1.0 / math.sqrt(H)
    if config.init == "default":
        param.uniform_(-k, k, generator=gen)  # torch's own default for RNN modules
    elif name.startswith("bias"):
        param.zero_()
    elif config.init == "xavier":
        for block in param.split(H):  # one gate at a time, as each gate is its own layer
            nn.init.xavier_uniform_(block, generator=gen)
    elif name.startswith("weight_ih"):
        param.uniform_(-k, k, generator=gen)
    elif config.init == "orthogonal":
        for block in param.split(H):
            nn.init.orthogonal_(block, generator=gen)
    else:  # identity (IRNN, Le et al. 2015): W_hh = I
        param.copy_(torch.eye(H, dtype=param.dtype).repeat(G, 1))


def _rescale_recurrent(weight: torch.Tensor, config: UnrollConfig, H: int, G: int) -> None:
    for block in weight.split(H):  # (H, H) per gate
        if config.spectral_radius is not None:
            current = torch.linalg.eigvals(block).abs().max().item()
            block.mul_(config.spectral_radius / current if current > 0 else 0.0)
        elif config.sigma_max is not None:
            current = torch.linalg.matrix_norm(block, ord=2).item()
            block.mul_(config.sigma_max / current if current > 0 else 0.0)
        block.mul_(config.init_scale)


def rnn_entries(state_dict):
    """A whole model's state_dict holding one RNN (`rnn.weight_ih_l0`, ..., `head.weight`, as the
    lab's --save writes it) -> that RNN's own entries without the prefix; the other keys (the
    head's) are dropped. Anything else is returned as is, for infer_config to judge."""
    if not isinstance(state_dict, dict) or "weight_ih_l0" in state_dict:
        return state_dict
    if not all(isinstance(key, str) for key in state_dict):  # the door refuses such names itself
        return state_dict
    prefixes = [
        key[: -len("weight_ih_l0")]
        for key in state_dict
        if isinstance(key, str) and key.endswith(".weight_ih_l0")
    ]
    if len(prefixes) != 1:  # none, or several RNNs: no way to choose, infer_config says why
        return state_dict
    prefix = prefixes[0]
    return {key[len(prefix) :]: v for key, v in state_dict.items() if key.startswith(prefix)}


def infer_config(state_dict) -> dict:
    """Cell and sizes of a torch nn.RNN/LSTM/GRU state_dict, or RnnvizError saying what is wrong.

    Every tensor's kind, dtype, shape and strides are checked, and the shapes matched against the
    module they imply, before any of its numbers is read: a zero-stride view can declare 10^12
    elements, and torch.isfinite on it would try to allocate them."""
    if not isinstance(state_dict, dict) or not state_dict:
        raise RnnvizError(
            "Expected a state_dict (a dict of tensors) of a torch nn.RNN, nn.LSTM or nn.GRU."
        )
    for key, value in state_dict.items():
        _check_entry(key, value)
    if any(k.startswith("weight_hr") for k in state_dict):
        raise RnnvizError("LSTMs with proj_size are not supported: use proj_size=0.")
    if "weight_ih_l0" not in state_dict or "weight_hh_l0" not in state_dict:
        raise RnnvizError(
            "No weight_ih_l0/weight_hh_l0: this is not the state_dict of an nn.RNN/LSTM/GRU "
            "(a whole model's dict? pass model.rnn.state_dict(), or strip the key prefix)."
        )
    w_ih, w_hh = state_dict["weight_ih_l0"], state_dict["weight_hh_l0"]
    if w_ih.ndim != 2 or w_hh.ndim != 2:
        raise RnnvizError("weight_ih_l0 and weight_hh_l0 must be matrices.")
    hidden = w_hh.shape[1]
    gates, rem = divmod(w_hh.shape[0], hidden)
    if rem or gates not in _CELL_OF_GATES or w_ih.shape[0] != w_hh.shape[0]:
        raise RnnvizError(
            f"weight_hh_l0 has shape {tuple(w_hh.shape)}: expected (H, H), (4H, H) or (3H, H)."
        )
    layers = sum(1 for k in state_dict if k.startswith("weight_ih_l") and "reverse" not in k)
    info = dict(
        cell=_CELL_OF_GATES[gates],
        hidden_size=int(hidden),
        input_size=int(w_ih.shape[1]),
        num_layers=int(layers),
        bidirectional="weight_ih_l0_reverse" in state_dict,
        bias="bias_ih_l0" in state_dict,
    )
    _check_keys(state_dict, info)
    for key, value in state_dict.items():  # shapes are now known to be the module's: small
        try:
            finite = bool(torch.isfinite(value).all())
        except (RuntimeError, NotImplementedError):  # no kernel for it (float8): a float64 copy
            try:
                finite = bool(torch.isfinite(value.double()).all())
            except (TypeError, RuntimeError, NotImplementedError) as exc:
                raise RnnvizError(f"{key} has dtype {value.dtype}, which cannot be read.") from exc
        if not finite:
            raise RnnvizError(f"{key} contains NaN or inf.")
    return info


def _check_entry(key, value) -> None:
    """One state_dict entry: a string key and a dense, real, strided CPU/GPU float tensor."""
    if not isinstance(key, str):
        raise RnnvizError(
            f"The key {str(key)[:40]!r} is of type {type(key).__name__}, not a string: "
            "not an RNN state_dict."
        )
    name = key[:60]
    if not isinstance(value, torch.Tensor):
        raise RnnvizError(f"Entry {name!r} is not a tensor: not an RNN state_dict.")
    if value.layout != torch.strided:
        raise RnnvizError(f"{name} is a sparse tensor ({value.layout}): pass v.to_dense().")
    if value.is_quantized:
        raise RnnvizError(f"{name} is a quantised tensor: pass v.dequantize().")
    if value.is_meta:
        raise RnnvizError(
            f"{name} is on the meta device (a shape without numbers): load real weights first."
        )
    if not value.is_floating_point():
        raise RnnvizError(
            f"{name} has dtype {value.dtype}; RNN weights must be floating-point "
            "(float16, bfloat16, float32 or float64)."
        )
    if value.requires_grad:
        raise RnnvizError(
            f"{name} requires grad: pass rnn.state_dict() (or v.detach()) rather than the "
            "parameters themselves."
        )
    shape = tuple(value.shape)
    if value.ndim not in (1, 2) or 0 in shape:
        raise RnnvizError(
            f"{name} has shape {shape}: RNN weights are non-empty vectors or matrices."
        )
    if any(stride == 0 for stride, size in zip(value.stride(), shape, strict=True) if size > 1):
        raise RnnvizError(
            f"{name} is an expanded view (a zero stride: {shape} declared over one row of "
            "numbers): pass v.contiguous() or v.clone()."
        )


def _expected_shapes(info: dict) -> dict[str, tuple[int, ...]]:
    """The state_dict keys and shapes of torch's module of this kind, without building it."""
    H, K, G = info["hidden_size"], 2 if info["bidirectional"] else 1, GATES_PER_CELL[info["cell"]]
    shapes = {}
    for layer in range(info["num_layers"]):
        width = info["input_size"] if layer == 0 else K * H
        for suffix in ("", "_reverse")[:K]:
            shapes[f"weight_ih_l{layer}{suffix}"] = (G * H, width)
            shapes[f"weight_hh_l{layer}{suffix}"] = (G * H, H)
            if info["bias"]:
                shapes[f"bias_ih_l{layer}{suffix}"] = (G * H,)
                shapes[f"bias_hh_l{layer}{suffix}"] = (G * H,)
    return shapes


def _check_keys(state_dict: dict, info: dict) -> None:
    config = UnrollConfig(
        cell=info["cell"],
        hidden_size=info["hidden_size"],
        input_size=info["input_size"],
        num_layers=info["num_layers"],
        bidirectional=info["bidirectional"],
    )
    try:
        config.validate()
    except RnnvizError as exc:
        raise RnnvizError(f"The state_dict's sizes are out of range: {exc}") from exc
    expected = _expected_shapes(info)
    missing = sorted(set(expected) - set(state_dict))
    extra = sorted(set(state_dict) - set(expected))
    if missing or extra:
        raise RnnvizError(
            f"Keys do not match a {info['cell'].upper()} of this shape: missing {missing[:4]}, "
            f"unexpected {[k[:40] for k in extra[:4]]}."
        )
    for key, shape in expected.items():
        if tuple(state_dict[key].shape) != shape:
            raise RnnvizError(f"{key} has shape {tuple(state_dict[key].shape)}, expected {shape}.")


def load_rnn(state_dict: dict, config: UnrollConfig) -> nn.Module:
    """A float64 module holding the given weights (shapes already checked by infer_config)."""
    module = make_module(config, bias="bias_ih_l0" in state_dict)
    module.load_state_dict({k: v.detach().to(torch.float64) for k, v in state_dict.items()})
    return module.requires_grad_(False)


def layer_weights(module: nn.Module, layer: int, direction: int) -> dict[str, np.ndarray]:
    """One layer and direction's weights as float64 numpy (zero biases when the module has none)."""
    suffix = f"_l{layer}" + ("_reverse" if direction else "")
    w_ih = getattr(module, "weight_ih" + suffix).detach().double().numpy()
    w_hh = getattr(module, "weight_hh" + suffix).detach().double().numpy()
    rows = w_hh.shape[0]
    b_ih = getattr(module, "bias_ih" + suffix, None)
    b_hh = getattr(module, "bias_hh" + suffix, None)
    return {
        "w_ih": w_ih,  # (G*H, D_in)
        "w_hh": w_hh,  # (G*H, H)
        "b_ih": np.zeros(rows) if b_ih is None else b_ih.detach().double().numpy(),
        "b_hh": np.zeros(rows) if b_hh is None else b_hh.detach().double().numpy(),
    }
