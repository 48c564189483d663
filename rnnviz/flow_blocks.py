"""The exact block structure of a stack's step Jacobians, and exact products for the small blocks.

Every J_t = ds_t/ds_{t-1} has its nonzeros inside one fixed pattern: the VJP evaluated with every
weight replaced by 1 where it is nonzero (0 where it is exactly 0) and every elementwise factor of
the cell (slopes, gates, c_{t-1}, h_{t-1} - n, ...) set to 1/2 (`flow.Stack.structural_pattern`) is
a sum of positive terms, so nothing cancels and its nonzeros are the union of the nonzeros of every
J_t. The connected components
of that pattern (made symmetric) split the state into blocks that never exchange gradient: each J_t,
and so each product ds_T/ds_t, is block diagonal in them. Decoupled units (diagonal W_hh, IRNN,
init_scale = 0) become blocks of one or two coordinates, each with its own log10 scale, so a unit at
10^-900 next to one at 10^-3 is carried exactly. sigma_max is the largest block's, ||.||_F^2 the sum.

`SmallBlocks` carries every block of at most SMALL_BLOCK coordinates as an explicit product (no
truncation, exact SVD each step), all blocks in one batched matmul; their Jacobians come from one
VJP of k "colour" rows (row i has a 1 at each block's i-th coordinate: blocks never mix, so the
output's block-b columns are row i of block b's Jacobian).
"""

from __future__ import annotations

import math

import numpy as np

SMALL_BLOCK = 16  # blocks up to this size are exact explicit products (an SVD of k×k per step)


def find_blocks(pattern: np.ndarray) -> list[np.ndarray]:
    """Coordinates of each connected component of a step pattern (`Stack.structural_pattern`),
    in order of their first coordinate."""
    linked = pattern | pattern.T
    n = linked.shape[0]
    seen = np.zeros(n, dtype=bool)
    blocks = []
    for start in range(n):
        if seen[start]:
            continue
        member = np.zeros(n, dtype=bool)
        member[start] = True
        frontier = member.copy()
        while frontier.any():  # breadth first: each pass adds every neighbour of the frontier
            reach = linked[frontier].any(axis=0) & ~member
            member |= reach
            frontier = reach
        seen |= member
        blocks.append(np.flatnonzero(member))
    return blocks


class SmallBlocks:
    """Blocks of <= SMALL_BLOCK coordinates: products M_b (k×k, zero padded) each with a log10 scale."""

    def __init__(self, blocks: list[np.ndarray], n: int):
        self.k = max(len(b) for b in blocks)
        B = len(blocks)
        self.index = np.zeros((B, self.k), dtype=np.int64)
        self.valid = np.zeros((B, self.k), dtype=bool)
        for b, coords in enumerate(blocks):
            self.index[b, : len(coords)], self.valid[b, : len(coords)] = coords, True
        self.probes = np.zeros((self.k, n))  # the k colour rows fed to the VJP
        for i in range(self.k):
            self.probes[i, self.index[self.valid[:, i], i]] = 1.0
        self.mask = self.valid[:, :, None] & self.valid[:, None, :]  # (B, k, k)
        self.product = np.where(self.mask, np.eye(self.k)[None], 0.0)  # P_T = I
        self.log = np.zeros(B)
        sizes = self.valid.sum(axis=1)
        self.log_sigma = np.zeros(B)
        self.log_fro = 0.5 * np.log10(sizes.astype(np.float64))

    def advance(self, colour_rows: np.ndarray) -> None:
        """colour_rows: the VJP of `probes` (k, n). M_b <- M_b J_b, rescaled per block."""
        jac = colour_rows[:, self.index]  # (k, B, k): row i of every block's J
        jac = np.where(self.mask, jac.transpose(1, 0, 2), 0.0)  # (B, k, k)
        prod = self.product @ jac
        # Frobenius norms from the product scaled by its largest entry: the squares of a step near
        # 1e-200 (J_t of init_scale = 1e-200) would underflow to 0 and read as an exact zero.
        top = np.abs(prod).max(axis=(1, 2))
        unit = np.where(np.isfinite(top) & (top > 0), top, 1.0)
        scaled = prod / unit[:, None, None]
        fro = unit * np.sqrt(np.einsum("bij,bij->b", scaled, scaled))  # NaN/inf pass through
        alive = np.isfinite(fro) & (fro > 0)
        scale = np.where(alive, fro, 1.0)
        self.product = prod / scale[:, None, None]
        self.log = self.log + np.log10(scale)
        self.log[fro == 0] = -np.inf  # the product became exactly 0: -inf from now on
        self.log[~np.isfinite(fro)] = np.nan  # inf or NaN: NaN from now on
        top = (
            np.abs(self.product[:, 0, 0])
            if self.k == 1
            else np.linalg.svd(np.where(alive[:, None, None], self.product, 0.0), compute_uv=False)[
                :, 0
            ]
        )
        self.log_sigma = self.log + np.log10(np.where(alive, top, 1.0))
        self.log_fro = self.log.copy()  # each product has unit Frobenius norm after rescaling


def combine_log10(values: np.ndarray, how: str) -> float:
    """max (spectral) or sqrt of the sum of squares (Frobenius) of 10**values, in log10; NaN wins."""
    if values.size == 0 or np.isnan(values).any():
        return math.nan if values.size else -math.inf
    top = values.max()
    if how == "max" or top == -np.inf:
        return float(top)
    return float(top + 0.5 * np.log10(np.sum(10.0 ** (2.0 * (values - top)))))
