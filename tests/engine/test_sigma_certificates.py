"""The Lanczos estimate behind the Cholesky certificate of sigma_max (`flow_sigma.lanczos_top`):
a lower bound on lambda_max that stops once it settles, and stopping loses nothing the
certificate would have accepted from all LANCZOS_STEPS steps. (Where neither is close enough, as
for a spectrum flat to 10 %, the Cholesky certificate fails and eigvalsh is taken.)

The chain itself is held to the mpmath oracle (test_exact_mpmath.py); these pin the estimate on
the spectra it meets there: flat (the first steps back, every direction alive) and gapped."""

from __future__ import annotations

import numpy as np
import pytest

from rnnviz import flow_sigma

TOL = 10.0 ** (2 * flow_sigma.TOL_DECADES) - 1.0  # what the Cholesky certificate then accepts


def _gram(spectrum: np.ndarray, seed: int) -> np.ndarray:
    q, _ = np.linalg.qr(np.random.default_rng(seed).standard_normal((spectrum.size,) * 2))
    return (q * spectrum) @ q.T


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("kind", ["flat", "gapped", "wishart"])
def test_the_early_stop_loses_nothing_the_certificate_would_accept(kind, seed, monkeypatch):
    rng = np.random.default_rng(seed)
    if kind == "wishart":  # a unit-Frobenius product's Gram, as at the first steps back
        m = rng.standard_normal((128, 128))
        gram = (m @ m.T) / np.linalg.norm(m) ** 2
    else:
        spectrum = rng.uniform(0.9, 1.0, 96) if kind == "flat" else 0.5 ** np.arange(96)
        gram = _gram(spectrum, seed)
    top = np.linalg.eigvalsh(gram)[-1]
    for start in (rng.standard_normal(gram.shape[0]), np.linalg.eigh(gram)[1][:, -1] + 1e-7):
        value, u = flow_sigma.lanczos_top(gram, start, flow_sigma.LANCZOS_STEPS)
        with monkeypatch.context() as patch:
            patch.setattr(flow_sigma, "SETTLED", -np.inf)  # never settles: every step is taken
            full, _ = flow_sigma.lanczos_top(gram, start, flow_sigma.LANCZOS_STEPS)
        assert value <= top * (1 + 1e-14)  # a Rayleigh quotient: never above lambda_max
        assert value >= min(full, top / (1 + TOL)) / (1 + 1e-12)
        assert np.isclose(np.linalg.norm(u), 1.0) and np.isclose(u @ gram @ u, value, rtol=1e-12)
    if kind != "flat":
        assert value >= top / (1 + TOL)  # close enough for the certificate


def test_the_tridiagonal_matrix_is_the_one_eigh_reads():
    tri = flow_sigma.tridiagonal(np.array([1.0, 2.0, 3.0]), np.array([0.5, 0.25]))
    full = np.diag([1.0, 2.0, 3.0]) + np.diag([0.5, 0.25], 1) + np.diag([0.5, 0.25], -1)
    np.testing.assert_array_equal(np.linalg.eigvalsh(tri), np.linalg.eigvalsh(full))


@pytest.mark.parametrize("tail", [0.5, 0.99, 5.0])
def test_rows_left_out_move_sigma_by_at_most_half_the_tolerance(tail):
    """More than DIRECT_EIGVALSH rows, few of them large: sigma_max is deferred to the Gram of the
    top rows (`flow_sigma.top_rows`). The small rows here point along the top direction, the worst
    case (they add their whole ||B||_F^2 to lambda_max): below SPLIT max_i G_ii they are all left
    out and the value is low by < TOL_DECADES / 2; above it only as many as that allows."""
    rng = np.random.default_rng(7)
    r, n = flow_sigma.DIRECT_EIGVALSH + 40, 96
    small = r - 8
    rows = np.zeros((r, n))
    rows[:8] = rng.standard_normal((8, n)) * 0.01
    rows[0, 0] = 1.0
    share = tail * flow_sigma.SPLIT / small  # each small row's square, relative to rows[0]'s
    rows[8:, 0] = np.sqrt(share * (rows[0] @ rows[0]))
    scale = np.linalg.norm(rows)
    rows /= scale
    truth = 0.5 * np.log10(np.linalg.eigvalsh(rows @ rows.T)[-1])
    top = flow_sigma.top_rows(rows)
    assert top is not None and (top.shape[0] == 8 if tail < 1 else 8 < top.shape[0] < r)
    certifier = flow_sigma.Certifier(rng)
    assert certifier.add(3, rows, 2.0, rotated=True) is None  # deferred
    value = certifier.deferred()[3] - 2.0
    assert truth - flow_sigma.TOL_DECADES / 2 <= value <= truth + 1e-14
    if tail < 1:
        assert truth - value > 0.4 * tail * flow_sigma.TOL_DECADES / 2  # the bound is tight


def test_rows_that_all_matter_are_not_split():
    """A flat spectrum over more than SPLIT_ROWS rows: no subset will do, the certifier runs."""
    rows = np.random.default_rng(8).standard_normal((flow_sigma.SPLIT_ROWS + 1, 128))
    rows /= np.linalg.norm(rows)
    assert flow_sigma.top_rows(rows) is None
    certifier = flow_sigma.Certifier(np.random.default_rng(0))
    value = certifier.add(0, rows, 0.0, rotated=True)
    assert value == pytest.approx(0.5 * np.log10(np.linalg.eigvalsh(rows @ rows.T)[-1]), abs=1e-8)
