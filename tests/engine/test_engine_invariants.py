"""Invariants that teach (docs/design.md, tests) and the log-space chain far below float range."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import rnnviz
import rnnviz.tables
from rnnviz import flow_sigma
from tests.support.reference import unroll_reference

WORDS = [f"w{i % 37}" for i in range(300)]


def test_log_space_is_exact_where_the_true_norm_is_known_far_below_float64():
    # identity activation + orthogonal W_hh scaled to sigma: J_t = W_hh, so ||ds_T/ds_t|| = sigma^(T-t)
    # exactly; at sigma = 1e-3 and T = 1000 that is 1e-2997, far below float64's 1e-308.
    tokens = [f"w{i % 50}" for i in range(1000)]
    trace = rnnviz.unroll(
        tokens,
        cell="elman",
        activation="identity",
        init="orthogonal",
        sigma_max=1e-3,
        hidden_size=8,
    )
    flow = trace.flow()
    np.testing.assert_allclose(flow["log10_jacobian_norm"], -3.0 * flow["lag"], atol=1e-8)
    np.testing.assert_allclose(
        flow["log10_jacobian_frobenius"], -3.0 * flow["lag"] + 0.5 * np.log10(8), atol=1e-8
    )
    # acceptor: dL/ds_t = dL/ds_T @ P_t and P_t is sigma^(T-t) times an orthogonal matrix
    last = flow["log10_grad_norm"].iloc[-1]
    np.testing.assert_allclose(flow["log10_grad_norm"], last - 3.0 * flow["lag"], atol=1e-8)
    assert flow["log10_grad_norm"].iloc[0] < -2990  # reported, not 0 and not -inf


@pytest.mark.parametrize(
    "options",
    [
        dict(cell="elman", init_scale=0.8),
        dict(cell="lstm", forget_bias=3.0),  # many near-equal singular values: slow power steps
        dict(cell="gru", init="orthogonal"),
        dict(cell="elman", activation="identity", init="orthogonal"),  # all singular values equal
    ],
)
def test_log_space_chain_equals_plain_products_where_they_do_not_underflow(options):
    trace = rnnviz.unroll(WORDS[:60], hidden_size=10, **options)
    T, n = trace.seq_len, trace.states.shape[1]
    P = np.eye(n)
    for t in range(T, 0, -1):  # plain float64 product ds_T/ds_t = J_T ... J_{t+1}
        row = trace.flow().iloc[t - 1]
        assert row["log10_jacobian_norm"] == pytest.approx(np.log10(np.linalg.norm(P, 2)), abs=1e-8)
        assert row["log10_jacobian_frobenius"] == pytest.approx(
            np.log10(np.linalg.norm(P)), abs=1e-8
        )
        P = P @ trace.step_jacobian(t)
    if trace.config.activation in ("tanh", "relu"):  # torch's RNNCell knows only these two
        _, grads, _ = unroll_reference(trace)
        expected = np.log10(np.linalg.norm(grads[0], axis=1))
        np.testing.assert_allclose(trace.flow()["log10_grad_norm"], expected, atol=1e-8)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_sigma_from_the_top_rows_equals_the_plain_product(cell, monkeypatch):
    """H = 64: from ~25 steps back most of the 128 rows are tiny and σ_max comes from the Gram of
    the top ones (flow_sigma.top_rows); it is σ_max of the plain float64 product all the same."""
    left_out = []

    def recording(rows):
        top = top_rows(rows)
        left_out.append(0 if top is None else rows.shape[0] - top.shape[0])
        return top

    top_rows = flow_sigma.top_rows
    monkeypatch.setattr(flow_sigma, "top_rows", recording)
    trace = rnnviz.unroll(WORDS[:50], cell=cell, hidden_size=64, input_size=8)
    assert max(left_out) > 20  # the split was taken, with many rows left out
    flow, P = trace.flow(), np.eye(trace.states.shape[1])
    for t in range(trace.seq_len, 0, -1):
        expected = np.log10(np.linalg.norm(P, 2))
        assert flow["log10_jacobian_norm"].iloc[t - 1] == pytest.approx(expected, abs=1e-8)
        P = P @ trace.step_jacobian(t)


def test_300_token_elman_gradient_below_float32_range_is_reported():
    trace = rnnviz.unroll(WORDS, cell="elman", hidden_size=16, seed=1)
    flow = trace.flow()
    assert np.isfinite(flow["log10_grad_norm"]).all()
    assert flow["log10_grad_norm"].iloc[0] < -45  # float32 would print 0 here
    assert flow["log10_jacobian_norm"].iloc[0] < -45
    # float64 autograd agrees wherever it has not itself underflowed
    _, grads, _ = unroll_reference(trace)
    norms = np.linalg.norm(grads[0], axis=1)
    ok = norms > 1e-290
    np.testing.assert_allclose(flow["log10_grad_norm"][ok], np.log10(norms[ok]), atol=1e-6)


@pytest.mark.parametrize("activation", ["tanh", "sigmoid"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_pascanu_bound_holds_when_gamma_sigma_below_one(activation, seed):
    gamma = 0.25 if activation == "sigmoid" else 1.0
    trace = rnnviz.unroll(
        WORDS[:80],
        cell="elman",
        activation=activation,
        sigma_max=0.9 / gamma,
        seed=seed,
        hidden_size=12,
    )
    flow = trace.flow()
    assert (flow["log10_pascanu_bound"] < 0).iloc[:-1].all()
    assert (flow["log10_jacobian_norm"] <= flow["log10_pascanu_bound"] + 1e-9).all()


@pytest.mark.parametrize("cell", ["elman", "gru"])
def test_zero_recurrent_weights_pass_no_gradient_back(cell):
    trace = rnnviz.unroll(WORDS[:20], cell=cell, init_scale=0.0, hidden_size=8)
    flow = trace.flow()
    if cell == "elman":
        assert np.isneginf(flow["log10_grad_norm"].iloc[:-1]).all()
        assert np.isneginf(flow["log10_jacobian_norm"].iloc[:-1]).all()
    else:  # GRU keeps its z * h_{t-1} path even with W_hh = 0: the gradient still flows through z
        assert np.isfinite(flow["log10_grad_norm"]).all()
    assert np.isfinite(flow["log10_grad_norm"].iloc[-1])


def test_forget_gate_near_one_keeps_the_cell_path_near_one():
    trace = rnnviz.unroll(WORDS[:100], cell="lstm", forget_bias=25.0, hidden_size=8)
    flow = trace.flow()
    assert flow["log10_forget_product"].min() > -1e-6
    assert flow["log10_jacobian_norm"].min() > -0.01  # dc_T/dc_t ~ I: the cell path does not decay
    low = rnnviz.unroll(WORDS[:100], cell="lstm", forget_bias=-3.0, hidden_size=8).flow()
    assert low["log10_forget_product"].iloc[0] < -50  # a closed forget gate cuts the path


def test_transducer_outputs_see_both_directions_acceptor_sees_final_states():
    back = rnnviz.unroll("a b c d", cell="gru", bidirectional=True).flow("backward")
    assert np.isfinite(back["log10_grad_norm"]).all()  # the acceptor reads h_bwd at t = 1
    assert back["log10_grad_norm"].iloc[0] > back["log10_grad_norm"].iloc[-1]  # decays toward T


def test_exploding_network_warns_and_flags():
    with pytest.warns(rnnviz.NumericalWarning, match="NaN or inf"):
        trace = rnnviz.unroll(WORDS[:200], cell="elman", activation="relu", init_scale=1e6)
    assert trace.warnings and "init_scale" in trace.warnings[0]


def test_trained_lstm_state_dict_loads_and_is_explored():
    torch.manual_seed(0)
    lstm = torch.nn.LSTM(5, 6, num_layers=2, batch_first=True)
    opt = torch.optim.Adam(lstm.parameters(), lr=0.05)
    x, y = torch.randn(16, 9, 5), torch.randn(16, 9, 6).tanh()
    for _ in range(20):  # a real (tiny) training run, so the weights are not an init
        opt.zero_grad()
        loss = ((lstm(x)[0] - y) ** 2).mean()
        loss.backward()
        opt.step()
    trace = rnnviz.unroll(x[0].double().numpy(), state_dict=lstm.state_dict())
    assert (trace.config.cell, trace.config.hidden_size, trace.config.num_layers) == ("lstm", 6, 2)
    out = lstm.double()(x[:1].double())[0][0].detach().numpy()
    np.testing.assert_allclose(trace.h[:, -1, 0], out, atol=1e-12)
    saved = trace.rnn.state_dict()
    assert all(torch.equal(saved[k], v.double()) for k, v in lstm.state_dict().items())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isfinite(trace.gradient_flow["log10_grad_norm"]).all()


def test_singular_values_of_a_subset_of_steps_match_the_full_set():
    trace = rnnviz.unroll(WORDS[:120], cell="lstm", hidden_size=6, bidirectional=True)
    frame = rnnviz.tables.singular_values_frame(trace, max_steps=10)
    assert frame["t"].nunique() == 10 and {1, 120} <= set(frame["t"])
    full = rnnviz.tables.singular_values_frame(trace)
    merged = frame.merge(full, on=["t", "direction", "index"], suffixes=("", "_full"))
    assert len(merged) == len(frame)
    np.testing.assert_array_equal(merged["value"], merged["value_full"])
