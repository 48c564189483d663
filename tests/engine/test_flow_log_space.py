"""The gradient row's log-space bookkeeping in `rnnviz.flow`, on inputs where it matters: blocks
hundreds of decades apart, exact zeros (-inf) and NaN, which must stay in their own block.

dL/ds_t is carried as a unit row per block times 10**log; `_renormalise` rescales after each VJP,
`_add_direct` adds the loss's own term at t. The mutation run (docs/mutation.md) showed that no
trace in the suite reaches these cases, so they are pinned here directly."""

from __future__ import annotations

import math

import numpy as np

from rnnviz.flow import _add_direct, _renormalise

TWO = np.array([0, 0, 1, 1])  # two blocks of two coordinates
ONE = np.zeros(3, dtype=np.int64)


def test_blocks_600_decades_apart_are_each_rescaled_to_unit_norm():
    v = np.array([3e-300, 4e-300, 1e300, 0.0])
    unit, log = _renormalise(v, np.array([1.0, -2.0]), TWO)
    np.testing.assert_allclose(unit, [0.6, 0.8, 1.0, 0.0], rtol=1e-14)
    np.testing.assert_allclose(log, [1.0 + math.log10(5e-300), -2.0 + 300.0], rtol=1e-14)


def test_a_zero_block_is_minus_infinity_and_a_nan_block_nan_without_touching_the_other():
    unit, log = _renormalise(np.array([0.0, 0.0, np.nan, 1.0]), np.zeros(2), TWO)
    assert log[0] == -np.inf and np.isnan(log[1])
    assert np.array_equal(unit, np.zeros(4))  # no NaN leaks into the row
    unit, log = _renormalise(np.array([0.0, 0.0, 6.0, 8.0]), np.zeros(2), TWO)
    assert log[0] == -np.inf and np.isclose(log[1], 1.0)


def test_one_block_zero_then_a_direct_term_gives_the_direct_term():
    unit, log = _renormalise(np.zeros(3), np.zeros(1), ONE)
    assert log[0] == -np.inf
    unit, log = _add_direct(unit, log, np.array([0.0, 3e-200, 4e-200]), ONE)
    np.testing.assert_allclose(unit, [0.0, 0.6, 0.8], rtol=1e-14)
    assert np.isclose(log[0], math.log10(5e-200), rtol=0, atol=1e-12)


def test_one_block_overflow_is_nan_and_stays_nan_with_a_direct_term():
    unit, log = _renormalise(np.array([np.inf, 1.0, 0.0]), np.zeros(1), ONE)
    assert np.isnan(log[0]) and np.array_equal(unit, np.zeros(3))
    _, log = _add_direct(unit, log, np.array([1.0, 0.0, 0.0]), ONE)
    assert np.isnan(log[0])


def test_a_direct_term_adds_block_by_block_and_nan_stays_nan():
    """Block 0 is NaN and meets a finite direct term: still NaN. Block 1 gets none: unchanged."""
    v = np.array([0.0, 0.0, 0.6, 0.8])
    unit, log = _add_direct(v, np.array([np.nan, 250.0]), np.array([1.0, 2.0, 0.0, 0.0]), TWO)
    assert np.isnan(log[0]) and np.array_equal(unit[:2], [0.0, 0.0])  # and carries no row
    assert log[1] == 250.0 and np.array_equal(unit[2:], v[2:])
    # block 1 at 10^-300 meets a direct term of norm 5: the sum is 5 (the rest is below rounding)
    v = np.array([0.6, 0.8, 0.6, 0.8])
    unit, log = _add_direct(v, np.array([-3.0, -300.0]), np.array([0.0, 0.0, 3.0, 4.0]), TWO)
    np.testing.assert_allclose(unit, v, rtol=1e-14)
    assert log[0] == -3.0 and np.isclose(log[1], math.log10(5.0), rtol=0, atol=1e-12)
