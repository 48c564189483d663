"""The one-block fast path of the gradient columns against the entry-by-entry log10 path."""

from __future__ import annotations

import numpy as np
import pytest

from rnnviz import flow


@pytest.mark.parametrize("H, S, L", [(3, 3, 1), (3, 6, 1), (2, 4, 2)])
def test_one_block_columns_match_the_log_path_even_when_squares_underflow(H, S, L):
    rng = np.random.default_rng(0)
    T, n = 7, S * L
    unit = rng.standard_normal((T, n))
    unit[1, H:] *= 1e-200  # every c entry's square underflows next to h's
    unit[2, :H] *= 1e-180  # every h entry's square underflows next to c's (LSTM)
    unit[3] = 0.0  # an exact zero row
    unit[4, -1] = 0.0
    unit /= np.maximum(np.sqrt((unit * unit).sum(axis=1, keepdims=True)), 1e-300)
    unit[2] /= np.abs(unit[2]).max()  # all-h-tiny row stays a unit row in its largest part
    scale = np.array([0.0, -3.5, 12.0, -np.inf, 400.0, np.nan, -1e3])
    unit[5] = np.nan
    fast = flow._one_block_columns(unit, scale, H, S, L)
    slow = flow._block_columns(unit, scale[:, None], np.zeros(n, dtype=np.int64), H, S, L)
    for key in ("log10_grad_norm", "log10_grad_h", "log10_grad_c", "per_layer"):
        a, b = np.asarray(fast[key]), np.asarray(slow[key])
        assert np.array_equal(np.isnan(a), np.isnan(b)), key
        assert np.array_equal(np.isinf(a), np.isinf(b)), key
        finite = np.isfinite(b)
        assert np.allclose(a[finite], b[finite], atol=1e-12, rtol=0), key
    if S > H:  # the c part of row 1 is about 1e-200 of its h part, not -inf
        assert -210 < fast["log10_grad_c"][1] < -190


def test_block_norms_near_the_ends_of_the_float64_range():
    """Per-block L2 norms without squaring into inf or 0 (the scaled path): against exact sums."""
    import math

    v = np.array([3e200, 4e200, 1e-200, -1e-200, 5.0, 12.0])
    label = np.array([0, 0, 1, 1, 2, 2])
    with np.errstate(over="ignore"):  # the first try squares into inf, as inside unroll
        norms = flow._block_norms(v, label, 3)
    expected = [5e200, math.sqrt(2) * 1e-200, 13.0]
    assert np.allclose(norms, expected, rtol=1e-15, atol=0)


def test_an_exactly_zero_gradient_is_minus_infinity_in_a_coupled_block():
    """ReLU units all below 0 (bias -100) pass no gradient: dL/ds_t = 0 exactly before t = T."""
    import torch

    import rnnviz

    torch.manual_seed(0)
    rnn = torch.nn.RNN(2, 3, nonlinearity="relu").double()
    with torch.no_grad():
        rnn.bias_ih_l0.fill_(-100.0)
    trace = rnnviz.unroll("a b c", rnn=rnn)
    grad = trace.flow()["log10_grad_norm"].to_numpy()
    assert np.isfinite(grad[-1]) and np.all(np.isneginf(grad[:-1]))
