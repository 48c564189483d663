"""Details of the engine that no test pinned until the mutation run showed it (docs/mutation.md):
the memory and time refusal at its edges, hashed seeds, default targets, decoder inputs, target
lists, the flow frame's index and dtypes, and a clean run's warnings."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import torch

import rnnviz
from rnnviz.config import MAX_SEED, UnrollConfig
from rnnviz.cost import estimate_seconds
from rnnviz.errors import RnnvizError
from rnnviz.inputs import class_id, embed
from rnnviz.patterns import START, decoder_seed, sub_seed
from rnnviz.unroll import MAX_TRACE_BYTES, _check_budget

SLOW_OK = 1e9  # max_seconds that lets a case through the time check: only memory is tested


@pytest.mark.parametrize(
    "seq_len, options",
    [
        (200_000, dict(cell="elman", hidden_size=128)),  # the per-token arrays alone
        (100_000, dict(cell="elman", hidden_size=128, bidirectional=True)),  # both directions
        (10, dict(cell="lstm", hidden_size=1024, num_layers=8)),  # the n × n work arrays alone
    ],
)
def test_each_memory_term_alone_refuses_a_run(seq_len, options):
    with pytest.raises(RnnvizError, match="GB"):
        _check_budget(seq_len, UnrollConfig(**options, max_seconds=SLOW_OK))


def test_a_run_of_exactly_the_memory_limit_is_admitted():
    """8 bytes × (21,504 tokens × 12 floats × 1,024 units + 4 × 1,024²) = 2 GiB exactly."""
    assert MAX_TRACE_BYTES == 8 * (21_504 * 12 * 1024 + 4 * 1024**2)
    _check_budget(21_504, UnrollConfig(cell="elman", hidden_size=1024, max_seconds=SLOW_OK))
    with pytest.raises(RnnvizError, match="GB"):
        _check_budget(21_505, UnrollConfig(cell="elman", hidden_size=1024, max_seconds=SLOW_OK))


def test_the_time_limit_counts_both_directions_and_admits_its_own_estimate():
    both = estimate_seconds("elman", 1024, 1, True, 300)
    one = estimate_seconds("elman", 1024, 1, False, 300)
    assert both > one
    with pytest.raises(RnnvizError, match="could take"):
        _check_budget(
            300,
            UnrollConfig(
                cell="elman", hidden_size=1024, bidirectional=True, max_seconds=(both + one) / 2
            ),
        )
    _check_budget(
        300, UnrollConfig(cell="elman", hidden_size=1024, bidirectional=True, max_seconds=both)
    )


def test_hashed_seeds_are_pinned():
    """Seeds above ~9e15 are hashed (blake2b, 8 bytes, little-endian): these values are the
    documented seeds' parts, so a change to the hash would change published results."""
    assert sub_seed(MAX_SEED, 1) == 624955031836506080
    assert sub_seed(MAX_SEED, 2) == 2595150576883837614
    assert sub_seed(10**16, 3) == 3927861547420444734
    assert decoder_seed(MAX_SEED) == 8797944467480157416
    assert decoder_seed(7) == 8 and sub_seed(7, 1) == 7 * 1009 + 1


@pytest.mark.parametrize("seed", [0, 3])
def test_default_targets_are_the_tokens_classes(seed):
    text = "the cat sat on the mat"
    tokens = text.split()
    acceptor = rnnviz.unroll(text, pattern="acceptor", hidden_size=3, seed=seed)
    assert list(acceptor.targets) == [class_id(text, seed, 4)]
    transducer = rnnviz.unroll(text, pattern="transducer", hidden_size=3, seed=seed)
    assert list(transducer.targets) == [class_id(t, seed, 4) for t in tokens]
    both = rnnviz.unroll(text, pattern="encoder-decoder", hidden_size=3, seed=seed)
    out = tokens[::-1]  # the default decoder task: the sentence reversed
    assert list(both.decoder["targets"]) == [class_id(t, seed, 4) for t in out]
    want = embed([START, *out[:-1]], both.config.input_size, seed)
    np.testing.assert_array_equal(both.decoder["inputs"], want)


def test_explicit_decoder_targets_are_its_tokens_and_inputs():
    trace = rnnviz.unroll("a b c", pattern="encoder-decoder", hidden_size=3, targets=[1, 2, 3])
    assert list(trace.decoder["targets"]) == [1, 2, 3]
    want = embed([START, "1", "2"], trace.config.input_size, 0)
    np.testing.assert_array_equal(trace.decoder["inputs"], want)


@pytest.mark.parametrize("targets", [np.array([0, 1, 2]), [0, 1, 2]])
def test_targets_may_be_an_array_and_exactly_max_tokens_long(targets):
    trace = rnnviz.unroll(
        "a b c", pattern="transducer", hidden_size=3, max_tokens=3, targets=targets
    )
    assert list(trace.targets) == [0, 1, 2]


def test_a_class_id_equal_to_the_number_of_classes_is_refused():
    with pytest.raises(RnnvizError, match="class ids"):
        rnnviz.unroll("a b", pattern="transducer", hidden_size=3, output_size=4, targets=[0, 4])


@pytest.mark.parametrize("cell", ["elman", "lstm", "gru"])
def test_the_flow_frame_is_float_with_one_row_per_step_and_direction(cell):
    trace = rnnviz.unroll("a b c d", cell=cell, hidden_size=3, bidirectional=True)
    flow = trace.gradient_flow
    assert flow.index.equals(pd.RangeIndex(2 * 4))
    numeric = flow.drop(columns=["token", "direction"], errors="ignore")
    assert all(dtype.kind == "f" or dtype.kind in "iu" for dtype in numeric.dtypes), numeric.dtypes
    assert flow["log10_pascanu_bound"].dtype == np.float64


@pytest.mark.parametrize("pattern", ["acceptor", "transducer", "encoder", "encoder-decoder"])
@pytest.mark.parametrize("cell", ["elman", "lstm", "gru"])
def test_a_clean_run_warns_of_nothing(cell, pattern):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        trace = rnnviz.unroll("a b c", cell=cell, pattern=pattern, hidden_size=3)
    assert not trace.warnings


def _head_grad_by_hand(trace) -> float:
    """log10 ||dL/d[W, b]|| of O for the acceptor and transducer, from softmax − one-hot."""
    T, K, H = trace.h[:, -1].shape
    states = trace.h[:, -1].reshape(T, K * H)
    if trace.config.pattern == "acceptor":  # O of the final state: forward's last, backward's first
        states = (
            np.concatenate([trace.h[-1, -1, 0], trace.h[0, -1, 1]])[None]
            if K == 2
            else (states[-1:])
        )
    logits = states @ trace.head_weight.T + trace.head_bias
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    p[np.arange(len(p)), trace.targets] -= 1.0  # dL/dy = softmax − one-hot, per scored step
    dW, db = p.T @ states, p.sum(axis=0)
    return 0.5 * np.log10((dW**2).sum() + (db**2).sum())


@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("pattern", ["acceptor", "transducer"])
@pytest.mark.parametrize("cell", ["elman", "lstm", "gru"])
def test_the_output_functions_gradient_matches_one_computed_by_hand(cell, pattern, bidirectional):
    trace = rnnviz.unroll(
        "a b c d", cell=cell, pattern=pattern, hidden_size=3, bidirectional=bidirectional
    )
    assert trace.head_grad_log10 == pytest.approx(_head_grad_by_hand(trace), abs=1e-12)


@pytest.mark.parametrize("pattern", ["encoder", "encoder-decoder"])
def test_an_unused_output_function_has_no_gradient(pattern):
    """The encoder patterns never read O (the decoder has its own O'): its gradient is exactly 0."""
    assert rnnviz.unroll("a b c", pattern=pattern, hidden_size=3).head_grad_log10 == -np.inf


@pytest.mark.parametrize("cell", ["elman", "lstm", "gru"])
@pytest.mark.parametrize("options", [{}, {"num_layers": 2}, {"bidirectional": True}])
def test_the_traces_arrays_are_its_runs_values_and_cannot_be_written(cell, options):
    """One run's h, c, gates and states are views of the engine's own arrays (no copies), so
    writing to them, which would change what `rnnviz.jacobians` reads, is refused."""
    trace = rnnviz.unroll("the cat sat on the mat", cell=cell, hidden_size=6, **options)
    run = trace._stacks[0].runs[0]
    np.testing.assert_array_equal(trace.h[:, 0, 0], run.h)
    parts = ("h", "c") if cell == "lstm" else ("h",)
    L, K = trace.h.shape[1:3]
    layer_states = [
        getattr(trace, p)[:, layer, d] for layer in range(L) for d in range(K) for p in parts
    ]
    np.testing.assert_array_equal(trace.states, np.concatenate(layer_states, axis=1))
    if options:  # several runs: joined copies, writable as before
        return
    arrays = [trace.h, trace.states, *trace.gates.values()]
    arrays += [trace.c] if cell == "lstm" else [trace.preactivations] if cell == "elman" else []
    for array in arrays:
        with pytest.raises(ValueError, match="read-only"):
            array[0, ...] = 0.0
    assert np.shares_memory(trace.h, run.h) and np.shares_memory(trace.states, run.h)


def test_slopes_made_a_block_of_rows_at_a_time_are_the_closed_forms():
    """`_logistic_slope` divides by (1 + e)^2 ROWS_PER_PASS rows at a time: the same numbers as
    the whole-array formulas, for more rows than one pass, one row, and 1-D input."""
    from rnnviz import cells

    a = np.random.default_rng(0).standard_normal((3 * cells.ROWS_PER_PASS + 5, 7)) * 40
    a[0, :3] = [0.0, 400.0, -800.0]  # slope 1/4 (or 1), a subnormal, and 0
    for x in (a, a[:1], a[0]):
        e = np.exp(-np.abs(x))
        np.testing.assert_array_equal(cells.sigmoid_slope(x), e / (1.0 + e) ** 2)
        e = np.exp(-2.0 * np.abs(x))
        np.testing.assert_array_equal(cells.tanh_slope(x), 4.0 * e / (1.0 + e) ** 2)
        out = np.empty_like(x)
        assert cells.tanh_slope(x, out=out) is out
        np.testing.assert_array_equal(out, 4.0 * e / (1.0 + e) ** 2)
    z = np.concatenate([a, -a, 2 * a, a / 3], axis=1)
    slopes = cells.gate_slopes(z, 7, 2)
    for block in range(4):
        part = z[:, 7 * block : 7 * (block + 1)]
        expected = cells.tanh_slope(part) if block == 2 else cells.sigmoid_slope(part)
        np.testing.assert_array_equal(slopes[:, 7 * block : 7 * (block + 1)], expected)


@pytest.mark.parametrize(
    "options",
    [
        dict(cell="elman", activation="sigmoid", init_scale=1e4),  # |a| past 708: sigmoid' = 0
        dict(cell="elman", init_scale=1e4),  # tanh' = 4 e^(-2|a|) = 0 past |a| ~ 372
        dict(cell="lstm", init_scale=1e6),
        dict(cell="gru", init_scale=1e4),
    ],
    ids=["elman-sigmoid", "elman-tanh", "lstm", "gru"],
)
def test_slopes_that_underflow_are_reported_not_silent(options):
    """Saturated past float64's range, a unit's true slope (10^-1000 and less) is 0 here, and a
    gradient through it reads -inf: the trace says where, once, as a NumericalWarning."""
    with pytest.warns(rnnviz.NumericalWarning, match="saturate past float64's range"):
        trace = rnnviz.unroll("a b c d e", hidden_size=4, input_size=4, **options)
    (text,) = trace.warnings
    assert "first at t=" in text and "init_scale" in text


def test_saturation_short_of_underflow_warns_of_nothing():
    """|pre-activation| ~ 300 under tanh: slopes ~ 1e-260, tiny but exact (the gradient at t = 1
    lies near 10^-526), and no warning."""
    x = np.full((3, 1), 300.0)
    sd = {
        "weight_ih_l0": torch.ones(1, 1, dtype=torch.float64),
        "weight_hh_l0": torch.full((1, 1), 1e-3, dtype=torch.float64),
        "bias_ih_l0": torch.zeros(1, dtype=torch.float64),
        "bias_hh_l0": torch.zeros(1, dtype=torch.float64),
    }
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        trace = rnnviz.unroll(x, cell="elman", state_dict=sd)
    assert not trace.warnings
    assert np.isfinite(trace.gradient_flow["log10_grad_norm"]).all()
