"""Certified sigma_max of a large block's rows m (r × n, unit Frobenius norm), step by step.

* up to DIRECT_EIGVALSH rows: the top eigenvalue of the Gram m m^T from LAPACK's eigvalsh, FLUSH
  Grams per stacked call;
* more rows of which at most SPLIT_ROWS carry all but SPLIT of the largest row's square (the others
  can move lambda_max by that much at most: `top_rows`): the same, on those rows' Gram;
* more rows: power iteration on A = m m^T, warm-started from the last top vector plus a small
  seeded random perturbation (so never an exact invariant direction), accepted only with a
  certificate: rho = u^T A u <= lambda_max always, and when 2 rho > tr A no other eigenvalue
  exceeds tr A - rho, so Kato-Temple gives lambda_max <= rho + ||A u - rho u||^2 / (2 rho - tr A).
  Otherwise a Lanczos estimate on the Gram, certified by a Cholesky factorisation of mu I - G
  (it exists only if lambda_max < mu); eigvalsh where that fails.
"""

from __future__ import annotations

import math

import numpy as np

MAX_POWER_STEPS = 6  # each costs 2 matrix-vector products; beyond this the Gram's eigh is cheaper
POWER_REST = 3  # steps after a failed power iteration that go straight to the Gram
TOL_DECADES = 1e-8  # certified error of the reported log10 sigma_max
PERTURB = 1e-7
LANCZOS_STEPS = 24
SETTLED = 1e-11  # rise of the Ritz value over two Lanczos steps (relative) at which it stops
DIRECT_EIGVALSH = 48  # rows up to which sigma_max is a plain (batched) eigvalsh of the Gram
FLUSH = 128  # pending Grams (at most SPLIT_ROWS² each, <= 9.4 MB) per batched eigvalsh
SPLIT = 10.0**TOL_DECADES - 1.0  # rows whose squares sum below SPLIT max_i G_ii may be left out
SPLIT_ROWS = 96  # the top rows that are left, up to which their Gram's eigvalsh is deferred


class Certifier:
    """log10 sigma_max of one block's rows at the positions handed over (`add`): at once for many
    rows, batched at the end (`deferred`) for few."""

    def __init__(self, rng: np.random.Generator):
        self.rng = rng
        self.u = np.zeros(0)  # warm start: the last top vector (e_1 after a rotation)
        self.power_rest = 0  # steps left before power iteration is tried again
        self.grams: list[tuple[int, np.ndarray, float]] = []  # (position, Gram, log10 scale)
        self.sigma: dict[int, float] = {}  # position -> deferred log10 sigma_max
        self.stats = {"certified": 0, "exact": 0, "cholesky": 0}

    def add(self, position: int, rows: np.ndarray, log: float, rotated: bool) -> float | None:
        """log10 sigma_max of P = rows 10**log at `position`, or None when it is deferred (few
        rows). rotated: the rows are a new basis since the last call (a truncation), so the warm
        start restarts from e_1."""
        top = rows if rows.shape[0] <= DIRECT_EIGVALSH else top_rows(rows)
        if top is not None:
            self.grams.append((position, top @ top.T, log))
            if len(self.grams) >= FLUSH:
                self._flush()
            return None
        if rotated:  # also the first call: RowTransfer starts with rotated = True
            self.u = np.eye(rows.shape[0], 1)[:, 0]
        lam = self._power_iteration(rows)
        if lam is None:
            lam = self._exact(rows)
        return log + 0.5 * math.log10(lam)

    def add_grams(self, positions, grams: np.ndarray, logs: np.ndarray) -> None:
        """Defer sigma_max at many positions at once: grams (K, r, r) of unit-Frobenius rows with
        r <= DIRECT_EIGVALSH, logs (K,) their log10 scales."""
        self.grams.extend(zip(positions, grams, logs, strict=True))
        if len(self.grams) >= FLUSH:
            self._flush()

    def deferred(self) -> dict[int, float]:
        """Every deferred value (position -> log10 sigma_max)."""
        self._flush()
        return self.sigma

    def _flush(self) -> None:
        """eigvalsh of the pending Grams, a stack per size: one LAPACK loop, no Python per step."""
        by_size: dict[int, list] = {}
        for entry in self.grams:
            by_size.setdefault(entry[1].shape[0], []).append(entry)
        for entries in by_size.values():
            top = np.linalg.eigvalsh(np.stack([g for _, g, _ in entries]))[:, -1]
            for (position, _, log), lam in zip(entries, top, strict=True):
                self.sigma[position] = log + 0.5 * math.log10(float(lam))
        self.grams = []

    def _power_iteration(self, m: np.ndarray) -> float | None:
        """lambda_max of A = m m^T (tr A = 1) from Rayleigh quotients with the Kato-Temple bound;
        None when it cannot certify one within MAX_POWER_STEPS (then POWER_REST steps skip it)."""
        if self.power_rest:  # it just failed: a flat spectrum stays flat for a few steps
            self.power_rest -= 1
            return None
        r = m.shape[0]
        u = self.u + PERTURB * self.rng.standard_normal(r) / math.sqrt(r)
        uu = float(u @ u)
        trace = 1.0 + 1e-12
        for _ in range(MAX_POWER_STEPS):  # unnormalised u: each step costs four BLAS calls
            w = u @ m
            rho = float(w @ w) / uu
            v = m @ w  # A u
            vv = float(v @ v)
            gap = 2.0 * rho - trace
            if gap > 0:
                # ||A û - rho û||^2 = v.v/u.u - rho^2 (u.v = w.w), plus a margin for its rounding
                res2 = max(vv / uu - rho * rho, 0.0) + 1e-15 * rho * rho
                if res2 / gap <= rho * (10.0 ** (2 * TOL_DECADES) - 1.0):
                    self.u = v / math.sqrt(vv)
                    self.stats["certified"] += 1
                    return rho
            if not vv > 1e-290:
                break
            u, uu = v / math.sqrt(vv), 1.0
        self.power_rest = POWER_REST
        return None

    def _exact(self, m: np.ndarray) -> float:
        """lambda_max of G = m m^T: a Lanczos estimate (r×r products, cheap) certified by a
        Cholesky factorisation of mu I - G (it exists only if lambda_max < mu); eigvalsh of G
        where the certificate fails."""
        gram = m @ m.T
        r = gram.shape[0]
        self.stats["exact"] += 1
        rho, u = lanczos_top(gram, self.u, min(r, LANCZOS_STEPS))
        # mu: rho raised by the tolerance and by Cholesky's own backward error, (r+1) eps tr G.
        mu = rho * 10.0 ** (2 * TOL_DECADES) + 4 * (r + 1) * 2.3e-16 * float(np.trace(gram))
        shifted = np.negative(gram)  # mu I - G, without an r × r identity and its product
        shifted.flat[:: r + 1] += mu
        try:
            np.linalg.cholesky(shifted)
        except np.linalg.LinAlgError:
            return float(np.linalg.eigvalsh(gram)[-1])
        self.u = u
        self.stats["cholesky"] += 1
        return rho


def top_rows(rows: np.ndarray) -> np.ndarray | None:
    """The rows T of m whose Gram's lambda_max is m's within TOL_DECADES / 2, or None when more
    than SPLIT_ROWS are needed. The rest B have ||B||_F^2 <= SPLIT max_i ||m_i||^2 <= SPLIT
    lambda_max(T T^T), and m^T m = T^T T + B^T B, so lambda(T) <= lambda(m) <= lambda(T) (1 + SPLIT):
    the reported sqrt(lambda(T)) is low by at most log10(1 + SPLIT) / 2 = TOL_DECADES / 2."""
    squares = np.einsum("ij,ij->i", rows, rows)
    order = np.argsort(squares)
    tail = np.cumsum(squares[order])
    small = int(np.searchsorted(tail, SPLIT * squares[order[-1]], side="right"))
    if rows.shape[0] - small > SPLIT_ROWS:
        return None
    return rows[order[small:]]


def lanczos_top(gram: np.ndarray, start: np.ndarray, steps: int) -> tuple[float, np.ndarray]:
    """Largest Ritz value of a symmetric PSD matrix after at most `steps` Lanczos steps (full
    re-orthogonalisation), and its Ritz vector: a lower bound that converges fast even with small
    gaps. It stops once the Ritz value settles (SETTLED, checked every other step): the Cholesky
    certificate in `Certifier._exact` decides whether it is close enough, so the rule only saves
    time (warm starts settle in 4-16 steps at H = 128)."""
    r = gram.shape[0]
    basis = np.zeros((steps, r))
    q = start / math.sqrt(float(start @ start))
    alpha, beta = np.zeros(steps), np.zeros(steps)
    settled = -math.inf
    k = 0
    for k in range(steps):
        basis[k] = q
        w = gram @ q
        alpha[k] = q @ w
        w -= basis[: k + 1].T @ (basis[: k + 1] @ w)  # full re-orthogonalisation: r is small
        b = math.sqrt(float(w @ w))
        if b <= 1e-14 * abs(alpha[k]) or k == steps - 1:
            break
        if k >= 3 and k % 2 == 1:
            top = float(np.linalg.eigvalsh(tridiagonal(alpha[: k + 1], beta[:k]))[-1])
            if top - settled <= SETTLED * top:
                break
            settled = top
        beta[k], q = b, w / b
    k += 1
    vectors = np.linalg.eigh(tridiagonal(alpha[:k], beta[: k - 1]))[1]
    u = vectors[:, -1] @ basis[:k]
    return float(u @ gram @ u) / float(u @ u), u / math.sqrt(float(u @ u))


def tridiagonal(diagonal: np.ndarray, below: np.ndarray) -> np.ndarray:
    """The symmetric tridiagonal matrix as LAPACK's eigh reads it (the lower triangle)."""
    k = diagonal.size
    tri = np.zeros((k, k))
    tri.flat[:: k + 1] = diagonal
    tri.flat[k :: k + 1] = below
    return tri
