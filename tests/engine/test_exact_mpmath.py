"""Every gradient_flow column against a 40-digit mpmath oracle (tests/support/mp_oracle.py).

The oracle multiplies exact step Jacobians in arbitrary precision, so it sees norms far below 10^-308
and every direction of ds_T/ds_t however small. Cases: decoupled units (IRNN, diagonal W_hh,
init_scale = 0), orthogonal, tiny scales, 1000-step runs whose true norm is near 10^-263 or below
10^-1000, stacked and bidirectional stacks, all cells, all patterns. Each runs on the engine's default
path and, forced, on the large-block path (certified rows with a guarded truncation), and the guard's
recovery is driven by a case built so that a dropped direction later dominates.
"""

from __future__ import annotations

import importlib
import math

import numpy as np
import pandas as pd
import pytest
import torch

import rnnviz
from rnnviz import cells, flow_blocks, flow_rows
from tests.support import mp_oracle
from tests.support.reference import step, torch_cells, unroll_reference

TOL = 1e-6  # decades
SENTENCE = "John lives in Salt Lake City"
A940 = ["a"] * 940 + ["b"] * 60


def _saturated(cell: str) -> dict:
    """A state_dict whose gates sit at sigmoid(60) = 1 - 8.7e-27 (tanh(30) for LSTM's g): float64
    rounds 1 - z to 0 there, the true slopes (and the h part of dL/ds_t through them) do not."""
    torch.manual_seed(0)
    rnn = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[cell](3, 3).double()
    push = [60.0, 60.0, 30.0, 60.0] if cell == "lstm" else [0.0, 60.0, 0.0]  # i f g o / r z n
    with torch.no_grad():
        rnn.bias_hh_l0 += torch.tensor(push, dtype=torch.float64).repeat_interleave(3)
    return rnn.state_dict()


def _mixed_blocks() -> dict:
    """An Elman W_hh with 18 coupled units and 2 on their own: one block through the certified
    rows, two through the small-block products, all rows in the same VJP."""
    torch.manual_seed(1)
    rnn = torch.nn.RNN(3, 20).double()
    with torch.no_grad():
        w = rnn.weight_hh_l0
        w[18:, :] = 0.0
        w[:, 18:] = 0.0
        w[18, 18], w[19, 19] = 0.9, -0.5
    return rnn.state_dict()


CASES = {
    "elman-mixed-blocks": dict(source=SENTENCE, state_dict=_mixed_blocks()),
    "lstm-saturated": dict(source=SENTENCE, state_dict=_saturated("lstm")),
    "gru-saturated": dict(source=SENTENCE, state_dict=_saturated("gru")),
    "irnn-h2": dict(source="a b", cell="elman", init="identity", hidden_size=2, input_size=2, seed=2),
    "orth-h2": dict(source="a b", cell="elman", init="orthogonal", hidden_size=2, input_size=2, seed=2),
    "irnn-h16-sentence": dict(source=SENTENCE, cell="elman", init="identity", hidden_size=16),
    "orth-h4-seed7": dict(source=SENTENCE, cell="elman", init="orthogonal", hidden_size=4, seed=7),
    "orth-h5-relu-seed3": dict(source=SENTENCE, cell="elman", init="orthogonal", activation="relu", hidden_size=5, seed=3),
    "lstm-zero": dict(source=SENTENCE, cell="lstm", init_scale=0.0, hidden_size=3),
    "gru-zero": dict(source=SENTENCE, cell="gru", init_scale=0.0, hidden_size=3),
    "elman-zero": dict(source=SENTENCE, cell="elman", init_scale=0.0, hidden_size=3),
    "elman-h32": dict(source="a b c", cell="elman", hidden_size=32),  # VJPs of more than 24 rows
    "elman-relu-xavier": dict(source=SENTENCE, cell="elman", activation="relu", init="xavier", hidden_size=3),
    "elman-sigmoid-transducer": dict(source=SENTENCE, cell="elman", activation="sigmoid", hidden_size=3, pattern="transducer"),
    "lstm-orth-encoder": dict(source=SENTENCE, cell="lstm", init="orthogonal", hidden_size=3, pattern="encoder"),
    "gru-xavier-encdec": dict(source=SENTENCE, cell="gru", init="xavier", hidden_size=2, pattern="encoder-decoder"),
    "lstm-encdec-bidir": dict(source="a b c d", cell="lstm", hidden_size=2, bidirectional=True, pattern="encoder-decoder"),
    "elman-encdec": dict(source="a b c", cell="elman", hidden_size=2, pattern="encoder-decoder"),
    "lstm-stacked": dict(source=SENTENCE, cell="lstm", hidden_size=2, num_layers=2),
    "gru-stacked-bidir-transducer": dict(source=SENTENCE, cell="gru", hidden_size=2, num_layers=2, bidirectional=True, pattern="transducer"),
    "elman-bidir-orth": dict(source=SENTENCE, cell="elman", init="orthogonal", hidden_size=3, bidirectional=True),
    "elman-huge-scale": dict(source=SENTENCE, cell="elman", hidden_size=3, init_scale=50.0),
    "elman-scale-1e-200": dict(source="a b c", cell="elman", init_scale=1e-200),  # squares underflow
    "lstm-tiny-scale": dict(source=SENTENCE, cell="lstm", hidden_size=2, init_scale=1e-6, forget_bias=3.0),
    "irnn-940a-60b": dict(source=A940, cell="elman", init="identity", init_scale=0.9, hidden_size=4, input_size=4, seed=3, max_tokens=1000),
    "orth-below-1e-1000": dict(source=[f"w{i % 7}" for i in range(400)], cell="elman", init="orthogonal", init_scale=1e-3, hidden_size=3, max_tokens=400),
}  # fmt: skip
LONG = {"irnn-940a-60b", "orth-below-1e-1000"}


def _unroll(case: dict, monkeypatch, rows_path: bool):
    options = dict(case)
    source = options.pop("source")
    if rows_path:  # every block through RowTransfer (certified rows, guarded truncation)
        monkeypatch.setattr(flow_blocks, "SMALL_BLOCK", 0)
    stats = []
    module = importlib.import_module("rnnviz.unroll")
    inner = module.backward_flow

    def recording(*args, **kwargs):
        out = inner(*args, **kwargs)
        stats.append(out["stats"])
        return out

    monkeypatch.setattr(module, "backward_flow", recording)
    return rnnviz.unroll(source, **options), stats


def _close(actual, expected, what):
    actual, expected = np.asarray(actual, float), np.asarray(expected, float)
    same_inf = np.isinf(expected) & (actual == expected)
    both_nan = np.isnan(expected) & np.isnan(actual)
    with np.errstate(invalid="ignore"):  # inf - inf where both are -inf: handled by same_inf
        ok = same_inf | both_nan | (np.abs(actual - expected) <= TOL)
    assert ok.all(), (
        f"{what}: rows {np.flatnonzero(~ok)[:8]} engine {actual[~ok][:4]} exact {expected[~ok][:4]}"
    )


def check_against_oracle(trace, spectral_every: int = 1):
    cfg = trace.config
    T = trace.seq_len
    for d in range(cfg.num_directions):
        flow = trace.flow(("forward", "backward")[d])
        at = sorted(set(range(0, T, spectral_every)) | {0, 1, T - 2, T - 1})
        exact = mp_oracle.exact_flow(trace, d, spectral_at=at)
        _close(flow["lag"], np.arange(T)[::-1] if d == 0 else np.arange(T), "lag")
        _close(flow["log10_grad_norm"], exact["grad"], "log10_grad_norm")
        _close(flow["log10_grad_h"], exact["grad_h"], "log10_grad_h")
        _close(flow["log10_grad_c"], exact["grad_c"], "log10_grad_c")
        _close(flow["log10_jacobian_frobenius"], exact["fro"], "log10_jacobian_frobenius")
        _close(flow["log10_jacobian_norm"].to_numpy()[at], exact["jac"][at], "log10_jacobian_norm")
        if cfg.cell == "elman" and cfg.num_layers == 1:
            _close(flow["log10_pascanu_bound"], mp_oracle.pascanu(trace, d), "log10_pascanu_bound")
        else:
            assert flow["log10_pascanu_bound"].isna().all()
        if cfg.cell == "lstm":
            _close(flow["log10_forget_product"], mp_oracle.forget_product(trace, d), "forget")
        else:
            assert flow["log10_forget_product"].isna().all()
    return flow, exact


@pytest.mark.parametrize("rows_path", [False, True], ids=["default", "rows"])
@pytest.mark.parametrize("name", [k for k in CASES if k not in LONG])
def test_every_column_matches_the_40_digit_oracle(name, rows_path, monkeypatch):
    trace, _ = _unroll(CASES[name], monkeypatch, rows_path)
    check_against_oracle(trace)


@pytest.mark.parametrize("rows_path", [False, True], ids=["default", "rows"])
@pytest.mark.parametrize("name", sorted(LONG))
def test_long_runs_far_below_float64_match_the_oracle(name, rows_path, monkeypatch):
    trace, _ = _unroll(CASES[name], monkeypatch, rows_path)
    flow, exact = check_against_oracle(trace, spectral_every=37)
    first = flow["log10_jacobian_norm"].iloc[0]
    if name == "irnn-940a-60b":  # the case: the old engine said -885.0
        assert first == pytest.approx(-262.86, abs=0.01)
    else:
        assert first < -1000


def test_documented_relations_hold():
    trace = rnnviz.unroll(SENTENCE, cell="elman", init="identity", hidden_size=16)
    flow = trace.flow()
    n = trace.states.shape[1]
    assert (
        flow["log10_jacobian_norm"] >= flow["log10_jacobian_frobenius"] - 0.5 * np.log10(n) - 1e-12
    ).all()
    assert (flow["log10_jacobian_norm"] <= flow["log10_jacobian_frobenius"] + 1e-12).all()
    # acceptor: dL/ds_t = dL/ds_T ds_T/ds_t, so its norm is at most the product of the norms
    last = flow["log10_grad_norm"].iloc[-1]
    assert (flow["log10_grad_norm"] <= last + flow["log10_jacobian_norm"] + 1e-9).all()


def _guard_case():
    """Two tanh units coupled by 1e-250 (one block): unit 2 is saturated (slope ~1e-10) for the last
    20 steps, so its direction is dropped at the 16th step back (at ~1e-157, far above the coupling's
    leak), then unit 1 for 30 steps before, so the dropped direction becomes the largest again."""
    H = 2
    sd = {
        "weight_ih_l0": torch.eye(H, dtype=torch.float64),
        "weight_hh_l0": torch.tensor([[0.5, 1e-250], [1e-250, 0.5]], dtype=torch.float64),
        "bias_ih_l0": torch.zeros(H, dtype=torch.float64),
        "bias_hh_l0": torch.zeros(H, dtype=torch.float64),
    }
    x = np.full((60, H), 0.1)
    x[10:40, 0] = 12.0
    x[40:, 1] = 12.0
    return x, sd


def _driven(w: np.ndarray, target: np.ndarray, phi) -> tuple[np.ndarray, dict]:
    """Inputs and an Elman state_dict (W_ih = I, no biases, W_hh = w) that put every
    pre-activation exactly on `target` (T, H): x_t = target_t - W_hh h_{t-1}, so each unit's
    slope, and with it its gain at every step, is chosen."""
    x, h = np.zeros_like(target), np.zeros(target.shape[1])
    for t in range(len(target)):
        x[t] = target[t] - w @ h
        h = phi(x[t] + w @ h)
    eye, zeros = torch.eye(len(w), dtype=torch.float64), torch.zeros(len(w), dtype=torch.float64)
    sd = {"weight_ih_l0": eye, "weight_hh_l0": torch.tensor(w), "bias_ih_l0": zeros,
          "bias_hh_l0": zeros}  # fmt: skip
    return x, sd


def _growing_case(kept_gain: float, T: int = 130):
    """Elman tanh, units coupled by 1e-250 into two blocks {0, 1, 2} and {3, 4}, every
    pre-activation driven to 0 (slope 1, so the unit's gain is W_ii) or 12 (saturated, slope
    1.5e-10). Counting steps back from T, units 1 and 4 saturate at the last 2 steps (dropped at
    the 16th step back), unit 2 at steps 17-18 back (dropped at the 32nd); then they grow 1.5,
    1.3 and 1.5 times faster a step than the kept units 0 and 3, so every dropped set must come
    back: two blocks with probes in one VJP, and one block carrying two sets dropped at different
    steps. With kept_gain = 1 the dropped directions grow in absolute size while the kept ones
    stay; at 0.8 and 0.05 each set carries its own scale (at 0.05 the product falls ~1.3
    decades a step, to ~1e-167)."""
    H = 5
    w = np.diag(kept_gain * np.array([1.0, 1.5, 1.3, 1.0, 1.5]))
    for i, j in ((0, 1), (1, 2), (3, 4)):
        w[i, j] = w[j, i] = 1e-250
    target = np.zeros((T, H))
    target[np.ix_([T - 1, T - 2], [1, 4])] = 12.0
    target[[T - 17, T - 18], 2] = 12.0
    x, sd = _driven(w, target, np.tanh)
    return dict(source=x, cell="elman", state_dict=sd, input_size=H)


@pytest.mark.parametrize("kept_gain", [1.0, 0.8, 0.05])
def test_dropped_sets_that_grow_back_are_recovered_in_every_block(kept_gain, monkeypatch):
    trace, stats = _unroll(_growing_case(kept_gain), monkeypatch, rows_path=True)
    assert stats[0]["block_sizes"] == [3, 2] and stats[0]["recoveries"] >= 2  # one per block
    assert stats[0]["cholesky"] == 0  # at most 3 rows: eigvalsh, never the Cholesky certificate
    flow, _ = check_against_oracle(trace)
    lost = 129 * math.log10(kept_gain)  # where sigma_max would be had no dropped set come back
    assert flow["log10_jacobian_norm"].iloc[0] > lost + 3


def test_the_random_probes_are_seeded_so_a_trace_repeats_bit_for_bit(monkeypatch):
    """When the guard fires depends on the probes' random draws: with the seed, never on the run."""
    first, stats = _unroll(_growing_case(1.0), monkeypatch, rows_path=True)
    again, stats_again = _unroll(_growing_case(1.0), monkeypatch, rows_path=True)
    assert stats[0] == stats_again[0]  # (the second _unroll wraps the first: stats gets both)
    pd.testing.assert_frame_equal(first.flow(), again.flow(), check_exact=True)


def test_a_block_that_dies_after_a_drop_is_minus_infinity_from_there_on(monkeypatch):
    """ReLU units coupled by 1e-250 (one block) with gains 1, 0.2, 0.45: unit 1 is dropped at the
    16th step back; at the 25th every unit's pre-activation is -1, so the whole product is exactly
    0 from there on. The guard fires (the kept rows died), carries the dropped set to its death
    and the block reads -inf, not NaN, in the engine as in the oracle."""
    T, H = 40, 3
    w = np.diag([1.0, 0.2, 0.45])
    w[0, 1] = w[1, 0] = w[1, 2] = w[2, 1] = 1e-250
    target = np.ones((T, H))
    target[T - 25] = -1.0
    x, sd = _driven(w, target, lambda a: np.maximum(a, 0.0))
    options = dict(source=x, cell="elman", activation="relu", state_dict=sd, input_size=H)
    trace, stats = _unroll(options, monkeypatch, rows_path=True)
    assert stats[0]["block_sizes"] == [3] and stats[0]["recoveries"] == 1
    flow, _ = check_against_oracle(trace)
    norm = flow["log10_jacobian_norm"].to_numpy()
    assert np.isneginf(norm[: T - 25]).all() and np.isfinite(norm[T - 25 :]).all()


@pytest.mark.parametrize("bidirectional", [False, True])
def test_forget_products_are_exact_where_the_gates_round_to_1_or_underflow(bidirectional):
    """init_scale = 1e6: pre-activations of ±1e5 and more, so float64 forget gates are 1 or 0.
    The products come from log sigmoid(z_f), never NaN (0 at the last step). The gradients there
    truly lie below 10^-30000, past float64's slopes: the trace says so (the saturation test in
    test_engine_details.py)."""
    with pytest.warns(rnnviz.NumericalWarning, match="saturate"):
        trace = rnnviz.unroll(
            "a b c d",
            cell="lstm",
            hidden_size=4,
            input_size=4,
            init_scale=1e6,
            seed=1,
            bidirectional=bidirectional,
        )
    assert (trace.gates["f"] == 0).any() and (trace.gates["f"] == 1).any()
    for d in range(trace.config.num_directions):
        flow = trace.flow(("forward", "backward")[d])
        _close(flow["log10_forget_product"], mp_oracle.forget_product(trace, d), "forget")
        assert flow["log10_forget_product"].iloc[-1 if d == 0 else 0] == 0.0


def test_the_carry_statistics_say_how_each_block_was_carried(monkeypatch):
    """backward_flow's "stats": IRNN units are 16 blocks of 1 (no rows carried); an LSTM of
    H = 64 is one block of 128 whose first steps back need all 128 rows (more than
    flow_sigma.SPLIT_ROWS), so σ_max there is exact from a Cholesky certificate."""
    _, stats = _unroll(CASES["irnn-h16-sentence"], monkeypatch, rows_path=False)
    assert stats == [
        dict(block_sizes=[1] * 16, certified=0, exact=0, cholesky=0, recoveries=0, max_rows=0)
    ]
    _, stats = _unroll(dict(source=SENTENCE, cell="lstm", hidden_size=64), monkeypatch, False)
    (lstm,) = stats
    assert lstm["block_sizes"] == [128] and lstm["max_rows"] == 128 and lstm["recoveries"] == 0
    assert lstm["exact"] >= lstm["cholesky"] >= 1


def test_guard_recovers_a_dropped_direction_that_becomes_the_largest(monkeypatch):
    x, sd = _guard_case()
    trace, stats = _unroll(
        dict(source=x, cell="elman", state_dict=sd, input_size=2), monkeypatch, rows_path=True
    )
    assert stats[0]["recoveries"] >= 1 and stats[0]["block_sizes"] == [2]
    check_against_oracle(trace)


@pytest.mark.parametrize("case", ["guard", "growing"])
def test_the_guard_tests_fail_without_the_guard(case, monkeypatch):
    if case == "guard":
        x, sd = _guard_case()
        options = dict(source=x, cell="elman", state_dict=sd, input_size=2)
    else:
        options = _growing_case(kept_gain=1.0)
    monkeypatch.setattr(flow_rows, "GUARD", np.inf)  # never fires: dropped directions stay dropped
    trace, stats = _unroll(options, monkeypatch, rows_path=True)
    assert stats[0]["recoveries"] == 0
    with pytest.raises(AssertionError):
        check_against_oracle(trace)


@pytest.mark.parametrize(
    "case",
    [
        dict(cell="lstm", num_layers=2, bidirectional=True),
        dict(cell="gru", num_layers=2, bidirectional=True),
        dict(cell="elman", activation="relu", num_layers=2),
    ],
    ids=lambda c: "-".join(map(str, c.values())),
)
def test_oracle_jacobians_match_autograd(case):
    trace = rnnviz.unroll("a b c d", hidden_size=3, input_size=3, **case)
    cfg = trace.config
    cells = torch_cells(trace)
    T, L, K, S = trace.seq_len, cfg.num_layers, cfg.num_directions, cfg.state_size
    states = trace.states.reshape(T, L, K, S)
    for d in range(K):
        for t in (1, 2):
            prev = t - 1 if d == 0 else t + 1
            other = (
                [torch.tensor(trace.h[t, layer, 1 - d]) for layer in range(L - 1)] if K == 2 else []
            )
            x = torch.tensor(trace.inputs[t])
            s_prev = torch.tensor(states[prev, :, d].reshape(-1))
            auto = torch.autograd.functional.jacobian(
                lambda s, d=d, other=other, x=x: step(cfg, cells, d, s, other, x), s_prev
            ).numpy()
            exact = mp_oracle.stack_jacobian(trace, d, t).astype(float)
            np.testing.assert_allclose(exact, auto, atol=1e-12)


@pytest.mark.parametrize(
    "case",
    [
        dict(cell="lstm", pattern="encoder", bidirectional=True),
        dict(cell="gru", pattern="encoder", num_layers=2),
        dict(cell="lstm", pattern="encoder-decoder", bidirectional=True, num_layers=2),
        dict(cell="elman", pattern="encoder-decoder"),
        dict(cell="gru", pattern="encoder-decoder"),
    ],
    ids=lambda c: "-".join(map(str, c.values())),
)
def test_encoder_losses_match_float64_autograd(case):
    """The float64 autograd reference (torch cells, whole graph) for the encoder patterns."""
    trace = rnnviz.unroll(SENTENCE, hidden_size=3, input_size=3, **case)
    values, grads, loss = unroll_reference(trace)
    assert trace.loss == pytest.approx(loss, rel=1e-12)
    for d in range(trace.num_directions):
        with np.errstate(divide="ignore"):
            expected = np.log10(np.linalg.norm(grads[d], axis=1))
        flow = trace.flow(("forward", "backward")[d])
        np.testing.assert_allclose(flow["log10_grad_norm"], expected, atol=1e-9)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_folded_vjp_for_many_rows_equals_the_plain_one(cell, monkeypatch):
    """Above cells.FOLD_ROWS rows the gate factors are folded into W_hh first: same numbers."""
    options = dict(cell=cell, hidden_size=32, input_size=8)
    trace = rnnviz.unroll(SENTENCE, **options)
    stack = trace._stacks[0]
    rows = np.random.default_rng(0).standard_normal((40, stack.layer_state))
    folded = stack.step_vjp(3, rows)
    columns = ["log10_grad_norm", "log10_jacobian_norm", "log10_jacobian_frobenius"]
    with_fold = trace.flow()[columns].to_numpy()
    monkeypatch.setattr(cells, "FOLD_ROWS", dict.fromkeys(cells.FOLD_ROWS, 10**9))
    np.testing.assert_allclose(folded, stack.step_vjp(3, rows), rtol=1e-12, atol=1e-14)
    plain = rnnviz.unroll(SENTENCE, **options).flow()[columns].to_numpy()
    np.testing.assert_allclose(with_fold, plain, atol=1e-9)


def _dead_relu() -> dict:
    """One coupled block whose ReLUs are all below 0 (bias -100): dL/ds_t = 0 exactly before T."""
    torch.manual_seed(0)
    rnn = torch.nn.RNN(3, 3, nonlinearity="relu").double()
    with torch.no_grad():
        rnn.bias_ih_l0.fill_(-100.0)
    return dict(rnn=rnn)


@pytest.mark.parametrize(
    "make",
    [
        lambda: dict(cell="lstm", num_layers=2, bidirectional=True),
        lambda: dict(cell="elman", init_scale=0.0),
        _dead_relu,
    ],
    ids=["lstm-2-layer-bidir", "elman-zero", "elman-dead-relu"],
)
def test_backward_flow_returns_unit_gradient_rows_and_their_scales(make, monkeypatch):
    """The contract for per-node gradients: dL/ds_t = g_rows[t] * 10**g_log10[t], unit rows, zeros
    where the gradient is exactly 0 (many blocks or one), sentence order; against float64 autograd."""
    case = make()
    outputs = []
    module = importlib.import_module("rnnviz.unroll")
    inner = module.backward_flow
    monkeypatch.setattr(
        module, "backward_flow", lambda *a, **k: outputs.append(inner(*a, **k)) or outputs[-1]
    )
    trace = rnnviz.unroll(SENTENCE, hidden_size=3, input_size=3, **case)
    _, grads, _ = unroll_reference(trace)
    for d, out in enumerate(outputs):
        rows, scale = out["g_rows"], out["g_log10"]
        assert rows.shape == grads[d].shape and scale.shape == (trace.seq_len,)
        norms = np.linalg.norm(rows, axis=1)
        zero = np.isneginf(scale)
        np.testing.assert_allclose(norms[~zero], 1.0, rtol=1e-12)
        assert (rows[zero] == 0).all() and (grads[d][zero] == 0).all()
        rebuilt = rows * 10.0 ** np.where(zero, 0.0, scale)[:, None]
        np.testing.assert_allclose(rebuilt, grads[d], rtol=1e-9, atol=1e-300)
    if case.get("cell", "elman") == "elman":
        assert zero[:-1].all()  # W_hh = 0 or dead units: no gradient reaches any earlier step


def test_random_orthogonal_elman_configs_match_a_float64_product():
    """The issue's sweep: 72 random orthogonal Elman configs against plain float64 products of
    the step Jacobians (exact to ~1e-15 here: at most 6 steps, no underflow), at every lag.
    The engine before the exact-norm rewrite was off in 28 of these 72."""
    rng = np.random.default_rng(72)
    for _ in range(72):
        H = int(rng.integers(2, 9))
        options = dict(
            cell="elman",
            init="orthogonal",
            hidden_size=H,
            input_size=int(rng.integers(2, 6)),
            seed=int(rng.integers(0, 1000)),
            activation=str(rng.choice(["tanh", "relu", "sigmoid", "identity"])),
            init_scale=float(rng.choice([0.5, 1.0, 2.0])),
        )
        trace = rnnviz.unroll("a b c d e f", **options)
        flow = trace.flow()
        P = np.eye(H)
        for t in range(trace.seq_len, 0, -1):  # P = ds_T/ds_t, built from the last step back
            sigma = np.linalg.svd(P, compute_uv=False)
            with np.errstate(divide="ignore"):  # relu can zero P: then -inf is the answer
                top, fro = np.log10(sigma[0]), np.log10(np.sqrt(np.sum(sigma**2)))
            assert flow["log10_jacobian_norm"].iloc[t - 1] == pytest.approx(top, abs=1e-9), options
            assert flow["log10_jacobian_frobenius"].iloc[t - 1] == pytest.approx(fro, abs=1e-9)
            P = P @ trace.step_jacobian(t)


SPAN_CASES = {
    "elman-h24-acceptor": dict(source=[f"w{i % 9}" for i in range(80)], cell="elman", hidden_size=24),
    "lstm-h10-transducer": dict(source=[f"w{i % 9}" for i in range(70)], cell="lstm", hidden_size=10, pattern="transducer"),
    "gru-stacked-bidir": dict(source=[f"w{i % 9}" for i in range(50)], cell="gru", hidden_size=9, num_layers=2, bidirectional=True),
    "elman-orth-tiny": dict(source=[f"w{i % 9}" for i in range(60)], cell="elman", init="orthogonal", init_scale=1e-12, hidden_size=20),
}  # fmt: skip


def _spans(monkeypatch) -> list:
    """Record what every `RowTransfer.advance_span` took: its first position and step count (None
    where it took nothing), and the recoveries run inside one."""
    taken, inner, recover = [], flow_rows.RowTransfer.advance_span, flow_rows.RowTransfer._recover
    inside = []

    def span(self, positions, blocks, *after):
        inside.append(True)
        try:
            out = inner(self, positions, blocks, *after)
        finally:
            inside.pop()
        taken.append((positions.start, None if out is None else len(out[0])))
        return out

    def recovering(self, position):
        taken.append(("recovery", position, bool(inside)))
        return recover(self, position)

    monkeypatch.setattr(flow_rows.RowTransfer, "advance_span", span)
    monkeypatch.setattr(flow_rows.RowTransfer, "_recover", recovering)
    return taken


@pytest.mark.parametrize("name", sorted(SPAN_CASES))
def test_spans_give_the_numbers_of_single_steps_and_the_oracle(name, monkeypatch):
    """Between truncations the chain's steps run as spans (one VJP a step, norms for all at once,
    flow.py `_span`); with spans off every step goes through `advance`. Same columns to rounding,
    and both match the oracle. The tiny-scale case falls ~12 decades a step, so its spans stop
    where the squares leave their range and the one-step path takes over."""
    options = dict(SPAN_CASES[name])
    source = options.pop("source")
    taken = _spans(monkeypatch)
    with_spans = rnnviz.unroll(source, **options)
    spans = [entry for entry in taken if entry[0] != "recovery"]
    assert any(n for _, n in spans), "no span was taken"
    if name == "elman-orth-tiny":  # ~12 decades a step: the squares leave their range in a span
        assert any(n is None or n < 7 for _, n in spans)
    check_against_oracle(with_spans, spectral_every=7)
    monkeypatch.setattr(flow_rows.RowTransfer, "span", lambda self: 0)
    single = rnnviz.unroll(source, **options)
    columns = ["log10_grad_norm", "log10_grad_h", "log10_grad_c"]
    columns += ["log10_jacobian_norm", "log10_jacobian_frobenius"]
    for d in ("forward", "backward")[: with_spans.config.num_directions]:
        a, b = with_spans.flow(d)[columns].to_numpy(), single.flow(d)[columns].to_numpy()
        np.testing.assert_allclose(a, b, atol=1e-10, equal_nan=True)


def test_a_guard_that_fires_inside_a_span_recovers_there(monkeypatch):
    """The guard case with the first truncation at step 5 back: the dropped direction's probes
    cross the guard between truncations, so the recovery runs inside a span, which stops there."""
    x, sd = _guard_case()
    monkeypatch.setattr(flow_rows, "FIRST", 5)
    taken = _spans(monkeypatch)
    trace, stats = _unroll(
        dict(source=x, cell="elman", state_dict=sd, input_size=2), monkeypatch, rows_path=True
    )
    assert ("recovery", 40, True) in taken and stats[0]["recoveries"] >= 1
    check_against_oracle(trace)
