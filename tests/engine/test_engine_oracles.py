"""Test layers 1-3 of docs/design.md: states against torch's cells, gradients against float64 autograd."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import rnnviz
from tests.support.reference import transfer_matrix, unroll_reference

SENTENCE = "John lives in Salt Lake City"
CASES = [
    dict(cell="elman"),
    dict(cell="elman", activation="relu"),
    dict(cell="lstm"),
    dict(cell="gru"),
    dict(cell="lstm", num_layers=2),
    dict(cell="gru", num_layers=3, seed=5),
    dict(cell="elman", bidirectional=True),
    dict(cell="lstm", bidirectional=True, num_layers=2),
    dict(cell="gru", bidirectional=True, num_layers=2, pattern="transducer"),
    dict(cell="lstm", pattern="transducer", seed=3),
]


def _id(case):
    return "-".join(f"{k}={v}" for k, v in case.items())


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_states_match_torch_modules(case):
    trace = rnnviz.unroll(SENTENCE, hidden_size=7, input_size=4, **case)
    out, h_n = trace.rnn(torch.tensor(trace.inputs))
    h_n = h_n[0] if isinstance(h_n, tuple) else h_n
    cfg = trace.config
    top = trace.h[:, -1].reshape(trace.seq_len, -1)  # (T, K*H) like torch's output
    np.testing.assert_allclose(top, out.numpy(), atol=1e-12) if cfg.activation in (
        "tanh",
        "relu",
    ) else None
    # h_n: forward's last step, backward's first, per layer
    L, K = cfg.num_layers, cfg.num_directions
    for layer in range(L):
        np.testing.assert_allclose(trace.h[-1, layer, 0], h_n[layer * K].numpy(), atol=1e-12)
        if K == 2:
            np.testing.assert_allclose(trace.h[0, layer, 1], h_n[layer * K + 1].numpy(), atol=1e-12)


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_states_and_gradients_match_autograd(case):
    trace = rnnviz.unroll(SENTENCE, hidden_size=7, input_size=4, **case)
    values, grads, loss = unroll_reference(trace)
    cfg = trace.config
    T, L, K, S = trace.seq_len, cfg.num_layers, cfg.num_directions, cfg.state_size
    assert trace.loss == pytest.approx(loss, rel=1e-12)
    by_dir = trace.states.reshape(T, L, K, S)
    for d in range(K):
        np.testing.assert_allclose(by_dir[:, :, d].reshape(T, L * S), values[d], atol=1e-6)
        flow = trace.flow(("forward", "backward")[d])
        with np.errstate(divide="ignore"):
            expected = np.log10(np.linalg.norm(grads[d], axis=1))
        np.testing.assert_allclose(flow["log10_grad_norm"], expected, atol=1e-9)
        blocks = grads[d].reshape(T, L, S)  # each layer's part of dL/ds_t
        with np.errstate(divide="ignore"):
            per_layer = np.log10(np.linalg.norm(blocks, axis=-1))
            per_h = np.log10(np.linalg.norm(blocks[..., : cfg.hidden_size], axis=-1))
            per_c = np.log10(np.linalg.norm(blocks[..., cfg.hidden_size :], axis=-1))
        np.testing.assert_allclose(trace.layer_grad_log10[:, :, d, 0], per_layer, atol=1e-9)
        np.testing.assert_allclose(trace.layer_grad_log10[:, :, d, 1], per_h, atol=1e-9)
        if cfg.cell == "lstm":  # each layer's c part
            np.testing.assert_allclose(trace.layer_grad_log10[:, :, d, 2], per_c, atol=1e-9)
        else:
            assert np.isnan(trace.layer_grad_log10[:, :, d, 2]).all()


@pytest.mark.parametrize("case", CASES[:8], ids=_id)
def test_transfer_norms_match_autograd_jacobians(case):
    trace = rnnviz.unroll(SENTENCE, hidden_size=7, input_size=4, **case)
    for d in range(trace.num_directions):
        flow = trace.flow(("forward", "backward")[d])
        for t in range(1, trace.seq_len + 1):
            P = transfer_matrix(trace, t, d)
            row = flow.iloc[t - 1]
            assert row["log10_jacobian_norm"] == pytest.approx(
                np.log10(np.linalg.norm(P, 2)), abs=1e-9
            )
            assert row["log10_jacobian_frobenius"] == pytest.approx(
                np.log10(np.linalg.norm(P)), abs=1e-9
            )


def test_step_jacobian_and_singular_values_match_autograd():
    trace = rnnviz.unroll(SENTENCE, cell="lstm", hidden_size=6, input_size=3, num_layers=2)
    T = trace.seq_len
    for t in range(2, T + 1):
        J = trace.step_jacobian(t)
        # J_t from the transfer matrices: ds_T/ds_{t-1} = ds_T/ds_t @ J_t; check the t = T case directly
        if t == T:
            np.testing.assert_allclose(J, transfer_matrix(trace, T - 1), atol=1e-12)
        np.testing.assert_allclose(
            trace.step_singular_values[0, t - 1], np.linalg.svd(J, compute_uv=False)
        )


def test_gates_match_torch_equations():
    trace = rnnviz.unroll(SENTENCE, cell="lstm", hidden_size=5, input_size=4)
    rnn, x = trace.rnn, torch.tensor(trace.inputs)
    h_prev = np.vstack([np.zeros(5), trace.h[:-1, 0, 0]])
    z = (
        x @ rnn.weight_ih_l0.T
        + rnn.bias_ih_l0
        + torch.tensor(h_prev) @ rnn.weight_hh_l0.T
        + rnn.bias_hh_l0
    )
    i, f, g, o = z.split(5, dim=1)
    np.testing.assert_allclose(trace.gates["i"][:, 0, 0], torch.sigmoid(i).numpy(), atol=1e-12)
    np.testing.assert_allclose(trace.gates["f"][:, 0, 0], torch.sigmoid(f).numpy(), atol=1e-12)
    np.testing.assert_allclose(trace.gates["g"][:, 0, 0], torch.tanh(g).numpy(), atol=1e-12)
    np.testing.assert_allclose(trace.gates["o"][:, 0, 0], torch.sigmoid(o).numpy(), atol=1e-12)


@pytest.mark.parametrize("activation", ["sigmoid", "identity"])
def test_elman_activations_without_a_torch_cell(activation):
    trace = rnnviz.unroll(
        SENTENCE, cell="elman", activation=activation, hidden_size=5, input_size=3
    )
    rnn, h = trace.rnn, torch.zeros(5, dtype=torch.float64)
    phi = torch.sigmoid if activation == "sigmoid" else (lambda a: a)
    for t, x in enumerate(torch.tensor(trace.inputs)):
        h = phi(rnn.weight_ih_l0 @ x + rnn.bias_ih_l0 + rnn.weight_hh_l0 @ h + rnn.bias_hh_l0)
        np.testing.assert_allclose(trace.h[t, 0, 0], h.numpy(), atol=1e-12)
