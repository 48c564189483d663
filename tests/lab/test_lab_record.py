"""The gradient-over-time picture against an independent float64 autograd through torch's cells."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

from rnnviz.lab.model import build_model
from rnnviz.lab.record import log10_grad_over_time, unroll_states
from rnnviz.lab.tasks import sample_batch, task_spec

CELL_CLASSES = {"elman": nn.RNNCell, "lstm": nn.LSTMCell, "gru": nn.GRUCell}


def lab_model(cell: str, task: str = "adding", lag: int = 12, hidden: int = 6, seed: int = 1):
    spec = task_spec(task, lag, seed)
    model = build_model(cell, spec, hidden, seed)
    x, y = sample_batch(spec, 5, torch.Generator().manual_seed(seed))
    return model, x, y


def reference_grad_norms(model, x, y) -> np.ndarray:
    """log10 ||dL/ds_t|| by plain autograd through torch's nn.*Cell with the module's weights: every
    s_t (h_t, or [h_t; c_t]) is one tensor that the next step reads."""
    rnn, H = model.rnn, model.rnn.hidden_size
    cell_name = {nn.RNN: "elman", nn.LSTM: "lstm", nn.GRU: "gru"}[type(rnn)]
    extra = {"nonlinearity": rnn.nonlinearity} if cell_name == "elman" else {}
    cell = CELL_CLASSES[cell_name](rnn.input_size, H, dtype=torch.float64, **extra)
    with torch.no_grad():
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(cell, name).copy_(getattr(rnn, name + "_l0").double())
    B, T, _ = x.shape
    s = torch.zeros(B, 2 * H if cell_name == "lstm" else H, dtype=torch.float64)
    states = []
    for t in range(T):
        if cell_name == "lstm":
            h, c = cell(x[:, t].double(), (s[:, :H], s[:, H:]))
            s = torch.cat([h, c], dim=1)
        else:
            s = cell(x[:, t].double(), s)
        states.append(s)
    y_hat = states[-1][:, :H] @ model.head.weight.double().T + model.head.bias.double()
    if y.dtype.is_floating_point:
        loss = ((y_hat - y.double()) ** 2).mean()
    else:
        loss = nn.functional.cross_entropy(y_hat, y)
    grads = torch.autograd.grad(loss, states)
    return np.array([log10_norm(g) for g in grads])


def log10_norm(g: torch.Tensor) -> float:
    """log10 ||g||, scaled first so squaring tiny entries does not lose them to subnormals."""
    top = float(g.abs().max())
    return -math.inf if top == 0.0 else math.log10(top) + math.log10(float((g / top).norm()))


@pytest.mark.parametrize("cell", ["elman", "lstm", "gru"])
@pytest.mark.parametrize("task", ["adding", "copy"])
def test_picture_matches_autograd_through_torch_cells(cell, task):
    model, x, y = lab_model(cell, task)
    measured = log10_grad_over_time(model.rnn, model.head, x, y)
    expected = reference_grad_norms(model, x, y)
    assert measured.shape == (x.shape[1],)
    np.testing.assert_allclose(measured, expected, atol=1e-9)


@pytest.mark.parametrize("cell", ["elman", "lstm", "gru"])
def test_step_loop_reproduces_the_fused_module(cell):
    model, x, _ = lab_model(cell)
    states = unroll_states(model.rnn, x)  # (T + 1, B, S)
    with torch.no_grad():
        out, _ = model.rnn.double()(x.double())  # (B, T, H)
    H = model.rnn.hidden_size
    np.testing.assert_allclose(states[1:, :, :H].transpose(0, 1).numpy(), out.numpy(), atol=1e-12)


def test_picture_reports_gradients_below_float64_range_instead_of_zero():
    """A contracting Elman over 400 steps: plain autograd underflows to exactly 0, the log-scaled
    chain keeps going, and where both are representable they agree."""
    spec = task_spec("adding", 400, 0)
    model = build_model("elman", spec, 6, 0, sigma_max=0.05)
    x, y = sample_batch(spec, 3, torch.Generator().manual_seed(0))
    x = x * 1e-3  # small inputs: the state stays near 0, every J_t has norm about 0.05
    measured = log10_grad_over_time(model.rnn, model.head, x, y)
    assert np.all(np.isfinite(measured))
    assert measured[0] < -320  # far below the smallest float64 (about 1e-324)
    decay = np.diff(measured)  # decades gained per step towards T
    assert np.all(decay >= -math.log10(0.05) - 1e-9)  # Pascanu: at least (gamma * sigma_max)^lag
    plain = reference_grad_norms(model, x, y)
    representable = plain > -300
    assert (~representable).any(), "the plain product should underflow somewhere"
    np.testing.assert_allclose(measured[representable], plain[representable], atol=1e-8)


def test_zero_recurrence_passes_no_gradient_back():
    spec = task_spec("adding", 6, 0)
    model = build_model("elman", spec, 4, 0)
    with torch.no_grad():
        model.rnn.weight_hh_l0.zero_()
    x, y = sample_batch(spec, 2, torch.Generator().manual_seed(0))
    measured = log10_grad_over_time(model.rnn, model.head, x, y)
    assert np.isfinite(measured[-1])
    assert np.all(measured[:-1] == -math.inf)  # W_hh = 0: s_T does not depend on s_t, t < T
