"""The VJPs of an LSTM or GRU layer over a span of steps, with the gate factors folded into W_hh.

Every gate's cotangent is the incoming row times an elementwise factor, so each step's VJP is one
product with a folded matrix. All K steps' folds come from one batched matmul, (H, K, 3) @
(H, 3, H), into a buffer that is reused from call to call (fresh memory costs a page fault per
4 KB, ~2 µs here: more than a short span's arithmetic), and each step is then a single GEMM
written straight into the caller's array:

    LSTM  [dc | dh * k_o] (r × 2H) @ [A_t; W_o] (2H × H),  A_t = sum over i, f, g of diag(k) W
    GRU   cot (r × H) @ (diag(z_t) + F_r W_r + F_z W_z + F_n r_t W_n)

`flow._span` pulls a span's rows through up to RESVD steps this way; `cells.vjp` folds its one
step as a span of one. Same numbers as the unfolded `cells.step_cotangents` up to rounding
(tests/engine/test_span_vjp.py).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

Pull = Callable[[int, np.ndarray, np.ndarray], None]  # (j, rows on s_t, out: rows on s_{t-1})


def span_vjps(cell: str, w: dict, k: dict, ts: Sequence[int], store: dict, steps: int = 1) -> Pull:
    """pull(j, cot, out): the VJP of step ts[j] (rows on s_t -> rows on s_{t-1}) into out, for an
    LSTM or GRU layer without the rows on its input. k: the layer's `cells.vjp_factors`; store
    keeps the fold buffers between calls (one layer's): a new call's folds replace the last's.
    steps: how many steps a new fold buffer is sized for (a later, longer span then reuses it)."""
    H = w["w_hh"].shape[1]
    ts = np.asarray(ts)
    K = ts.size
    if cell == "lstm":

        def with_w_o(fresh: np.ndarray) -> None:  # the W_o half never changes: once per buffer
            fresh[:, H:] = w["w_hh"][3 * H :]

        mats = reused(store, "lstm", (K, 2 * H, H), fill=with_w_o, reserve=steps)
        kz = k["dz"][ts].reshape(K, 4, H)
        _fold(kz[:, :3], w["w_hh"], mats[:, :H])
        dh_factors = np.stack([k["h_to_c"][ts], kz[:, 3]], axis=1)  # (K, 2, H): h_to_c, k_o
        f = k["f"][ts]

        def pull(j: int, cot: np.ndarray, out: np.ndarray) -> None:
            both = reused(store, "both", cot.shape)  # [dc | dh * k_o]
            # [dh * h_to_c | dh * k_o] in one product (a row-broadcast costs ~2 ns per element)
            np.multiply(cot[:, None, :H], dh_factors[j], out=both.reshape(-1, 2, H))
            dc = both[:, :H]
            dc += cot[:, H:]  # the total cotangent on c_t
            np.matmul(both, mats[j], out=out[:, :H])
            np.multiply(dc, f[j], out=out[:, H:])

        return pull
    mats = reused(store, "gru", (K, H, H), reserve=steps)
    _fold(np.stack([k["dr"][ts], k["dz"][ts], k["dn"][ts] * k["r"][ts]], axis=1), w["w_hh"], mats)
    mats.reshape(K, H * H)[:, :: H + 1] += k["z"][ts]  # + diag(z_t): h_t's own carry

    def pull(j: int, cot: np.ndarray, out: np.ndarray) -> None:
        np.matmul(cot, mats[j], out=out)

    return pull


def _fold(factors: np.ndarray, w_hh: np.ndarray, out: np.ndarray) -> None:
    """out[k] = sum_g diag(factors[k, g]) W_g for the first three gate blocks W_g of w_hh: one
    batched matmul over the H output rows, (H, K, 3) @ (H, 3, H), written through a transposed view."""
    H = w_hh.shape[1]
    w3 = w_hh[: 3 * H].reshape(3, H, H).transpose(1, 0, 2)  # (H, 3, H): row i of each gate's W
    np.matmul(factors.transpose(2, 0, 1), w3, out=out.transpose(1, 0, 2))


RESERVE_BYTES = 64 * 2**20  # the most a buffer reserves ahead of its need (virtual until touched)


def reused(
    store: dict, key: str, shape: tuple[int, ...], fill=None, reserve: int = 0
) -> np.ndarray:
    """A C-contiguous array of `shape` carved from the flat buffer store[key], which grows only
    when too small: then to room for `reserve` leading entries where that takes at most
    RESERVE_BYTES (np.empty: pages never touched cost nothing; a regrowth faults every page
    anew), and fill(whole buffer, with shape's trailing dimensions) sets what every use shares.
    Its leading index keeps its place: [k, ...] is the same memory for any K."""
    size, entry = math.prod(shape), math.prod(shape[1:])
    if key not in store or store[key].size < size:
        ahead = reserve * entry if 8 * reserve * entry <= RESERVE_BYTES else 0
        store[key] = np.empty(max(size, ahead))
        if fill is not None:
            fill(store[key].reshape(-1, *shape[1:]))
    return store[key][:size].reshape(shape)
