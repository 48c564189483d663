"""One large block of ds_T/ds_t as a few rows: certified sigma_max, and a truncation that is guarded.

The block's part of P_t = ds_T/ds_t is kept as rows m (r × n, zero outside the block) with
P_t = Q [m; D] 10**log for some orthonormal Q, where D are directions dropped earlier. Each step:

* m <- m J (the VJP), rescaled to unit Frobenius norm: the Frobenius column is exact.
* sigma_max of m: certified by `flow_sigma.Certifier` (at once for many rows; for few, batched
  at the end, while the guard below reads the lower bound max_i (m m^T)_ii).
* At step FIRST and every RESVD-th step after it: an exact eigh of the r × r Gram, which rotates
  m to U^T m (U: the Gram's eigenvectors) and drops rows below EPS_RANK·sigma_max. The steps in
  between may run as one span (`advance_span`).
  The dropped rows are kept (with the position they were dropped at) and PROBES seeded Gaussian
  combinations of them ride along with m, each set with its own log scale. Dropped rows change
  sigma_max(P) by at most ||D~||^2 / (2 sigma) (they are stacked rows) and ||P||_F^2 by ||D~||_F^2.
  If the probes' rms ever reaches GUARD·sigma_max(m) (D~ might have grown to 10^-4 of it: the
  probability that the probes underestimate by 100× is below 1e-11), every dropped set is
  carried exactly from its own step to now and merged back into m before truncating again.
"""

from __future__ import annotations

import math

import numpy as np

from rnnviz.flow_sigma import DIRECT_EIGVALSH, Certifier

EPS_RANK = 1e-8  # dropped rows move sigma by <= (1e-8)^2/2 relative; the guard watches them
RESVD = 16  # exact re-diagonalisation every so many steps keeps the rows few
FIRST = 8  # the first one sooner: an LSTM's ds_T/ds_t has lost half its rank by step 7 back
PROBES = 6  # P(6 Gaussian probes underestimate ||D~||_F by 100x) < P(chi2_6 < 6e-4) ~ 4.5e-12
GUARD = 1e-6  # probe rms that triggers recovery: ||D~||_F may then be up to ~1e-4 sigma


def _root(square: float) -> float | None:
    """sqrt of a sum of squares, or None where the squares may have under- or overflowed."""
    return math.sqrt(square) if 1e-290 < square < 1e290 else None


def safe(squares: np.ndarray) -> np.ndarray:
    """Which sums of squares lie where their square roots are exact to rounding."""
    return (squares > 1e-290) & (squares < 1e290)


def leading(mask: np.ndarray) -> int:
    """How many entries of mask are True before the first False."""
    return mask.size if mask.all() else int(np.argmin(mask))


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
    """One block's rows; `advance` after each VJP, then `log_sigma` / `log_fro` hold log10 norms
    (log_sigma: a lower bound where `deferred_sigma` gives the value later)."""

    def __init__(self, coords: np.ndarray, n: int, rng: np.random.Generator, carry):
        k = len(coords)
        self.rows = np.zeros((k, n))
        self.rows[np.arange(k), coords] = 1.0  # P_T restricted to the block: the identity
        self.log = 0.0
        self.log_sigma, self.log_fro = 0.0, 0.5 * math.log10(k)
        self.probes = np.zeros((0, n))
        self.probe_log = -math.inf
        self.dropped: list[tuple[int, np.ndarray, float]] = []  # (position, rows, log10 scale)
        self.rng, self.carry = rng, carry  # carry(dropped, position) -> (rows, log): exact
        self.certifier = Certifier(rng)
        self.rotated = True  # the rows are a new basis (the certifier's warm start restarts)
        self.exact_at: set[int] = set()  # positions whose sigma a truncation computed exactly
        self.steps = self.truncations = 0
        self.counts = {"recoveries": 0, "max_rows": k}

    def advance(self, position: int, block: np.ndarray) -> None:
        """block: the VJP of [rows; probes] (this object's rows, then its probes), scaled in place."""
        if math.isnan(self.log):
            return
        self.steps += 1
        r = self.rows.shape[0]
        rows, probes = block[:r], block[r:]
        squares = np.einsum("ij,ij->i", block, block)  # every row's norm^2 in one pass
        fro2 = float(squares[:r].sum())
        fro = _root(fro2) or l2(rows)  # l2: no under/overflow where the squares left the range
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
        self._advance_probes(probes, _root(float(squares[r:].sum())))
        if fro > 0:
            if (self.steps + RESVD - FIRST) % RESVD == 0:
                self._truncate(position)
            else:
                value = self.certifier.add(position, self.rows, self.log, self.rotated)
                self.rotated = False
                if value is None:  # deferred: the guard reads max_i G_ii <= lambda_max meanwhile
                    top = float(squares[:r].max()) / fro2 if _root(fro2) else 0.0
                    if not top > 0:  # the squares left the range: take them from the unit rows
                        top = float(np.einsum("ij,ij->i", self.rows, self.rows).max())
                    value = self.log + 0.5 * math.log10(top)
                self.log_sigma = value
        if self._guard_fires():
            self._recover(position)

    def span(self) -> int:
        """How many next steps `advance_span` may take: those before the next truncation."""
        if not math.isfinite(self.log) or self.probe_log == math.inf:
            return 0
        return RESVD - 1 - (self.steps + RESVD - FIRST) % RESVD

    def advance_span(
        self, positions: range, blocks: np.ndarray, after: np.ndarray | None = None
    ) -> tuple[np.ndarray, ...] | None:
        """`advance` for K steps at once (K <= `span()`): blocks (K, r + probes, n) is the VJP chain
        of [rows; probes] from their present scale, not rescaled between steps (it is linear: the
        same rows up to rounding). Returns log10 (sigma_max, Frobenius) per step taken, and `after`
        (the chain's next step, the VJP of blocks[-1]) in the units the rows and probes are left
        in, where all K steps were taken and no guard fired (else None: `advance` needs a VJP of
        the rows as they are). It stops after a step whose guard fires (recovered) and before one
        whose squares leave their safe range (a set grew or died too fast for one scale); None
        where that is the first step."""
        r = self.rows.shape[0]
        squares = np.einsum("kij,kij->ki", blocks, blocks)  # every row's norm^2, every step
        fro2, probe2 = squares[:, :r].sum(axis=1), squares[:, r:].sum(axis=1)
        probes = r < blocks.shape[1]
        k = leading(safe(fro2) & (safe(probe2) if probes else True))
        if k == 0:
            return None
        positions, squares, fro2, probe2 = positions[:k], squares[:k], fro2[:k], probe2[:k]
        logs = self.log + 0.5 * np.log10(fro2)
        probe_logs = self.probe_log + 0.5 * np.log10(probe2) if probes else np.full(k, -np.inf)
        alarm = 0.5 * math.log10(PROBES) + math.log10(GUARD)  # probe log - sigma log that fires
        if r <= DIRECT_EIGVALSH:  # deferred; the guard reads max_i G_ii <= lambda_max meanwhile
            sigma = logs + 0.5 * np.log10(squares[:, :r].max(axis=1) / fro2)
            fires = (probe_logs - sigma >= alarm) & bool(self.dropped)
            k = int(np.argmax(fires)) + 1 if fires.any() else k
            grams = np.matmul(blocks[:k, :r], blocks[:k, :r].transpose(0, 2, 1))
            self.certifier.add_grams(positions[:k], grams / fro2[:k, None, None], logs[:k])
        else:  # certified one by one: each warm-starts from the last
            sigma, fires = np.empty(k), np.zeros(k, dtype=bool)
            for j, position in enumerate(positions):
                rows = blocks[j, :r] / math.sqrt(fro2[j])
                value = self.certifier.add(position, rows, logs[j], self.rotated)
                self.rotated = False
                if value is None:  # deferred: the guard reads max_i G_ii <= lambda_max meanwhile
                    value = logs[j] + 0.5 * math.log10(squares[j, :r].max() / fro2[j])
                sigma[j] = value
                fires[j] = probe_logs[j] - sigma[j] >= alarm and bool(self.dropped)
                if fires[j]:
                    k = j + 1
                    break
        self.rotated = False
        last = k - 1
        self.steps += k
        self.rows = blocks[last, :r] / math.sqrt(fro2[last])
        self.log = self.log_fro = float(logs[last])
        self.log_sigma = float(sigma[last])
        if probes:
            self.probes = blocks[last, r:] / math.sqrt(probe2[last])
            self.probe_log = float(probe_logs[last])
        sigma, fro = sigma[:k].copy(), logs[:k].copy()
        if fires[last]:
            self._recover(positions[last])
            sigma[last], fro[last] = self.log_sigma, self.log_fro
        if after is None or k < blocks.shape[0] or fires[last]:
            return sigma, fro, None
        scaled = np.empty_like(after)  # a copy: the caller's chain buffer is reused
        np.divide(after[:r], math.sqrt(fro2[last]), out=scaled[:r])
        if probes:
            np.divide(after[r:], math.sqrt(probe2[last]), out=scaled[r:])
        return sigma, fro, scaled

    def deferred_sigma(self) -> dict[int, float]:
        """log10 sigma_max at every position whose value was deferred (after the last step)."""
        sigma = self.certifier.deferred()
        return {p: v for p, v in sigma.items() if p not in self.exact_at}

    @property
    def stats(self) -> dict[str, int]:
        """How the block was carried: recoveries, the most rows, and how sigma_max was found
        (exact: eigh at truncations and Gram routes; certified: power iteration; cholesky)."""
        done = self.certifier.stats
        return {
            **self.counts,
            "certified": done["certified"],
            "exact": self.truncations + done["exact"],
            "cholesky": done["cholesky"],
        }

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

    def _truncate(self, position: int) -> None:
        """Exact sigma_max from the Gram's eigh; rotate, drop rows below EPS_RANK, guard them."""
        self.truncations += 1
        self.exact_at.add(position)  # wins over a value deferred before a recovery
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
        self.counts["max_rows"] = max(self.counts["max_rows"], self.rows.shape[0])
        self.rotated = True
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
        self.counts["recoveries"] += 1
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
