"""One large block of ds_T/ds_t as a few rows: certified sigma_max, and a truncation that is guarded.

The block's part of P_t = ds_T/ds_t is kept as rows m (r × n, zero outside the block) with
P_t = Q [m; D] 10**log for some orthonormal Q, where D are directions dropped earlier. Each step:

* m <- m J (the VJP), rescaled to unit Frobenius norm: the Frobenius column is exact.
* sigma_max, with at most DIRECT_EIGVALSH rows (every step but the first few dozen): the top
  eigenvalue of the Gram m m^T from LAPACK's eigvalsh, batched over a few hundred steps at once.
* sigma_max, with more rows: power iteration on A = m m^T, warm-started from the last top vector plus a small seeded
  random perturbation (so never an exact invariant direction), accepted only with a certificate:
  rho = u^T A u <= lambda_max always, and when 2 rho > tr A no other eigenvalue exceeds tr A - rho, so
  Kato-Temple gives lambda_max <= rho + ||A u - rho u||^2 / (2 rho - tr A). Uncertified steps (and
  every RESVD-th) take the exact route: eigh of the r × r Gram matrix, which also truncates.
* Truncation rotates m to U^T m (U: the Gram's eigenvectors) and drops rows below EPS_RANK·sigma_max.
  The dropped rows are kept (with the position they were dropped at) and PROBES seeded Gaussian
  combinations of them ride along with m, each set with its own log scale. Dropped rows change
  sigma_max(P) by at most ||D~||^2 / (2 sigma) (they are stacked rows) and ||P||_F^2 by ||D~||_F^2.
  If the probes' rms ever reaches GUARD·sigma_max(m) (D~ might have grown to 10^-5 of it: the
  probability that a Gaussian probe underestimates by 1000× is below 1e-11), every dropped set is
  carried exactly from its own step to now and merged back into m before truncating again.
"""

from __future__ import annotations

import math

import numpy as np

EPS_RANK = 1e-10  # dropped rows move sigma by <= (1e-10)^2/2 relative; the guard watches them
RESVD = 16  # exact re-diagonalisation every so many steps keeps the rows few and the start good
MAX_POWER_STEPS = 6  # each costs 2 matrix-vector products; beyond this the Gram's eigh is cheaper
POWER_REST = 3  # steps after a failed power iteration that go straight to the Gram
TOL_DECADES = 1e-8  # certified error of the reported log10 sigma_max
PERTURB = 1e-7
PROBES = 4
LANCZOS_STEPS = 24
SETTLED = 1e-11  # rise of the Ritz value over two Lanczos steps (relative) at which it stops
DIRECT_EIGVALSH = 48  # rows up to which sigma_max is a plain (deferred) eigvalsh of the Gram
FLUSH = 256  # pending Grams (at most 48 × 48 each) before a batched eigvalsh: bounded memory
GUARD = 1e-7  # probe rms that triggers recovery: ||D~||_F may then be up to ~1e-4 sigma


def _lanczos_top(gram: np.ndarray, start: np.ndarray, steps: int) -> tuple[float, np.ndarray]:
    """Largest Ritz value of a symmetric PSD matrix after at most `steps` Lanczos steps (full
    re-orthogonalisation), and its Ritz vector: a lower bound that converges fast even with small
    gaps. It stops once the Ritz value settles (SETTLED, checked every other step): the Cholesky
    certificate in `RowTransfer._exact_sigma` decides whether it is close enough, so the rule only
    saves time (warm starts settle in 4-16 steps at H = 128)."""
    r = gram.shape[0]
    basis = np.zeros((steps, r))
    q = start / l2(start)
    alpha, beta = np.zeros(steps), np.zeros(steps)
    settled = -math.inf
    k = 0
    for k in range(steps):
        basis[k] = q
        w = gram @ q
        alpha[k] = q @ w
        w -= basis[: k + 1].T @ (basis[: k + 1] @ w)  # full re-orthogonalisation: r is small
        b = l2(w)
        if b <= 1e-14 * abs(alpha[k]) or k == steps - 1:
            break
        if k >= 3 and k % 2 == 1:
            top = float(np.linalg.eigvalsh(_tridiagonal(alpha[: k + 1], beta[:k]))[-1])
            if top - settled <= SETTLED * top:
                break
            settled = top
        beta[k], q = b, w / b
    k += 1
    vectors = np.linalg.eigh(_tridiagonal(alpha[:k], beta[: k - 1]))[1]
    u = vectors[:, -1] @ basis[:k]
    return float(u @ gram @ u) / float(u @ u), u / l2(u)


def _tridiagonal(diagonal: np.ndarray, below: np.ndarray) -> np.ndarray:
    """The symmetric tridiagonal matrix as LAPACK's eigh reads it (the lower triangle)."""
    k = diagonal.size
    tri = np.zeros((k, k))
    tri.flat[:: k + 1] = diagonal
    tri.flat[k :: k + 1] = below
    return tri


def l2(v: np.ndarray) -> float:
    """L2 / Frobenius norm without under- or overflow of the squares (scaled only when needed)."""
    s = float(np.vdot(v, v))
    if 1e-290 < s < 1e290:
        return math.sqrt(s)
    top = float(np.max(np.abs(v))) if v.size else 0.0
    if top == 0.0 or not math.isfinite(top):
        return top
    w = v / top
    return top * math.sqrt(float(np.vdot(w, w)))


class RowTransfer:
    """One block's rows; `advance` after each VJP, then `log_sigma` / `log_fro` hold log10 norms."""

    def __init__(self, coords: np.ndarray, n: int, rng: np.random.Generator, carry):
        k = len(coords)
        self.rows = np.zeros((k, n))
        self.rows[np.arange(k), coords] = 1.0  # P_T restricted to the block: the identity
        self.log = 0.0
        self.log_sigma, self.log_fro = 0.0, 0.5 * math.log10(k)
        self.u = np.eye(k, 1)[:, 0]
        self.probes = np.zeros((0, n))
        self.probe_log = -math.inf
        self.dropped: list[tuple[int, np.ndarray, float]] = []  # (position, rows, log10 scale)
        self.rng, self.carry = rng, carry  # carry(dropped, position) -> (rows, log): exact
        self.steps = 0
        self.power_rest = 0  # steps left before power iteration is tried again
        self.pending: dict[int, tuple[np.ndarray, float]] = {}  # position -> (Gram, log10 scale)
        self.sigma_at: dict[int, float] = {}  # position -> deferred log10 sigma_max, once flushed
        self.stats = {"certified": 0, "exact": 0, "recoveries": 0, "max_rows": k}

    def advance(self, position: int, block: np.ndarray) -> None:
        """block: the VJP of [rows; probes] (this object's rows, then its probes), scaled in place."""
        if math.isnan(self.log):
            return
        self.steps += 1
        r = self.rows.shape[0]
        rows, probes = block[:r], block[r:]
        squares = np.einsum("ij,ij->i", block, block)  # every row's norm^2 in one pass
        fro2, probe2 = (
            np.add.reduceat(squares, [0, r]).tolist()
            if r < len(block)
            else (
                float(squares.sum()),
                0.0,
            )
        )
        fro = math.sqrt(fro2) if 1e-290 < fro2 < 1e290 else l2(rows)  # else: no under/overflow
        if not math.isfinite(fro):
            self._nan()
            return
        if fro > 0:
            rows *= 1.0 / fro  # the VJP's fresh output: scaled in place, no copy
            self.rows = rows
            self.log += math.log10(fro)
            self.log_fro = self.log  # unit Frobenius norm now; a truncation below updates it
        else:
            self.rows, self.log = rows, -math.inf
            self.log_sigma = self.log_fro = -math.inf
        self._advance_probes(probes, math.sqrt(probe2) if 1e-290 < probe2 < 1e290 else None)
        if fro > 0:
            if self.steps % RESVD == 0:
                self._truncate(position)
            elif self.rows.shape[0] <= DIRECT_EIGVALSH:
                self._defer(position, float(squares[:r].max()) / fro2 if fro2 > 1e-290 else None)
            elif not self._power_iteration():
                self._exact_sigma()
        if self._guard_fires():
            self._recover(position)

    def _defer(self, position: int, top_diagonal: float | None) -> None:
        """Few rows: keep the Gram for one batched eigvalsh later (exact; no per-step power
        iteration) and hold a lower bound meanwhile, max_i G_ii <= lambda_max, for the guard (it
        then fires early, never late). top_diagonal: that max when the caller has it."""
        gram = self.rows @ self.rows.T
        self.pending[position] = (gram, self.log)
        if top_diagonal is None:
            top_diagonal = float(gram.diagonal().max())
        self.log_sigma = self.log + 0.5 * math.log10(top_diagonal)
        if len(self.pending) >= FLUSH:
            self._flush()

    def _flush(self) -> None:
        """eigvalsh of every pending Gram, a stack per size: one LAPACK loop, no Python per step."""
        by_size: dict[int, list] = {}
        for position, (gram, log) in self.pending.items():
            by_size.setdefault(gram.shape[0], []).append((position, gram, log))
        for entries in by_size.values():
            top = np.linalg.eigvalsh(np.stack([g for _, g, _ in entries]))[:, -1]
            for (position, _, log), lam in zip(entries, top, strict=True):
                self.sigma_at[position] = log + 0.5 * math.log10(float(lam))
        self.pending.clear()

    def deferred_sigma(self) -> dict[int, float]:
        """log10 sigma_max at every position whose value was deferred (after the last step)."""
        self._flush()
        return self.sigma_at

    def _advance_probes(self, probes: np.ndarray, size: float | None) -> None:
        """probes: their VJP (scaled in place); size: its Frobenius norm, when the caller has it."""
        if probes.shape[0] == 0:
            return
        if size is None:
            size = l2(probes)
        if size == 0.0:
            self.probes, self.probe_log = probes[:0], -math.inf  # the dropped part died exactly
        elif not math.isfinite(size):
            self.probe_log = math.inf  # overflowed: recompute exactly
        else:
            probes *= 1.0 / size
            self.probes, self.probe_log = probes, self.probe_log + math.log10(size)

    def _guard_fires(self) -> bool:
        if not self.dropped:
            return False
        rms = self.probe_log - 0.5 * math.log10(PROBES)
        return rms >= self.log_sigma + math.log10(GUARD) or self.log == -math.inf

    def _power_iteration(self) -> bool:
        if self.power_rest:  # it just failed: a flat spectrum stays flat for a few steps
            self.power_rest -= 1
            return False
        certified = self._power_steps()
        self.power_rest = 0 if certified else POWER_REST
        return certified

    def _power_steps(self) -> bool:
        """Rayleigh quotients of A = m m^T (m has unit Frobenius norm, so tr A = 1), accepted
        with the Kato-Temple bound; unnormalised u so each step costs four BLAS calls."""
        m = self.rows
        r = m.shape[0]
        u = self.u + PERTURB * self.rng.standard_normal(r) / math.sqrt(r)
        uu = float(u @ u)
        trace = 1.0 + 1e-12
        for _ in range(MAX_POWER_STEPS):
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
                    self.log_sigma = self.log + 0.5 * math.log10(rho)
                    self.stats["certified"] += 1
                    return True
            if not vv > 1e-290:
                return False
            u, uu = v / math.sqrt(vv), 1.0
        return False

    def _exact_sigma(self) -> None:
        """sigma_max from the Gram matrix G = m m^T: a Lanczos estimate (r×r products, cheap),
        certified by a Cholesky factorisation of mu I - G (it exists only if lambda_max < mu);
        eigvalsh of G where the certificate fails."""
        gram = self.rows @ self.rows.T
        r = gram.shape[0]
        self.stats["exact"] += 1
        if r <= DIRECT_EIGVALSH:  # small: LAPACK's eigvalsh is cheaper than Lanczos + Cholesky
            self.log_sigma = self.log + 0.5 * math.log10(float(np.linalg.eigvalsh(gram)[-1]))
            return
        rho, u = _lanczos_top(gram, self.u, min(r, LANCZOS_STEPS))
        # mu: rho raised by the tolerance and by Cholesky's own backward error, (r+1) eps tr G.
        mu = rho * 10.0 ** (2 * TOL_DECADES) + 4 * (r + 1) * 2.3e-16 * float(np.trace(gram))
        try:
            np.linalg.cholesky(mu * np.eye(r) - gram)
            lam = rho
            self.u = u
            self.stats["cholesky"] = self.stats.get("cholesky", 0) + 1
        except np.linalg.LinAlgError:
            lam = float(np.linalg.eigvalsh(gram)[-1])
        self.log_sigma = self.log + 0.5 * math.log10(lam)

    def _truncate(self, position: int) -> None:
        """Exact sigma_max from the Gram's eigh; rotate, drop rows below EPS_RANK, guard them."""
        self.stats["exact"] += 1
        self.pending.pop(position, None)  # this step's sigma is exact here (after a recovery)
        self.sigma_at.pop(position, None)
        lam, vec = np.linalg.eigh(self.rows @ self.rows.T)
        rotated = vec[:, ::-1].T @ self.rows  # rows along the eigenvectors, largest first
        norms = np.sqrt(np.einsum("ij,ij->i", rotated, rotated))
        top = math.sqrt(max(float(lam[-1]), 0.0)) or float(norms.max())
        self.log_sigma = self.log + math.log10(top)
        keep = norms > EPS_RANK * top
        keep[0] = True
        self.log += math.log10(top)
        self.rows = rotated[keep] / top
        self.log_fro = self.log + math.log10(l2(rotated) / top)  # dropped rows included
        self.stats["max_rows"] = max(self.stats["max_rows"], self.rows.shape[0])
        self.u = np.eye(self.rows.shape[0], 1)[:, 0]
        if keep.all():
            return
        drop = rotated[~keep] / top
        self.dropped.append((position, drop, self.log))
        mix = self.rng.standard_normal((PROBES, drop.shape[0])) @ drop
        mix_log = self.log
        if self.probes.shape[0]:  # one probe set for all drops: sum of independent combinations
            base = max(self.probe_log, mix_log)
            mix = self.probes * 10.0 ** (self.probe_log - base) + mix * 10.0 ** (mix_log - base)
            mix_log = base
        size = l2(mix)
        self.probes, self.probe_log = (
            (mix / size, mix_log + math.log10(size)) if size else (mix[:0], -math.inf)
        )

    def _recover(self, position: int) -> None:
        """Carry every dropped set exactly to this step and merge it back into the rows."""
        self.stats["recoveries"] += 1
        back, back_log = self.carry(self.dropped, position)
        self.dropped, self.probes, self.probe_log = [], self.probes[:0], -math.inf
        if back_log == -math.inf or back.shape[0] == 0:
            if self.log == -math.inf:
                self.log_sigma = -math.inf
                return
            self._truncate(position)
            return
        if not math.isfinite(back_log):
            self._nan()
            return
        top = back_log if self.log == -math.inf else max(self.log, back_log)
        own = self.rows * 10.0 ** (self.log - top) if self.log > -math.inf else self.rows[:0]
        merged = np.vstack([own, back * 10.0 ** (back_log - top)])
        size = l2(merged)
        self.rows, self.log = merged / size, top + math.log10(size)
        self._truncate(position)

    def _nan(self) -> None:
        self.rows = self.rows[:0]
        self.probes = self.probes[:0]
        self.log = self.log_sigma = self.log_fro = math.nan
