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
