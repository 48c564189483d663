"""Gradient flow back through time, carried in log space so nothing underflows.

For one direction the stacked state s_t = [s_t^(1); ...; s_t^(L)] obeys s_t = R(s_{t-1}, x_t).
Walking from the last step back, two things ride the vector-Jacobian products of `cells.vjp`, all
rows of a step in one VJP:

* the gradient g_t = dL/ds_t = (direct loss term at t) + g_{t+1} J_{t+1}, one row;
* the transfer matrix P_t = ds_T/ds_t = P_{t+1} J_{t+1}.

Both are split along the exact block structure of the J_t (`flow_blocks`): blocks never exchange
gradient, so each carries its own log10 scale and a unit at 10^-900 next to one at 10^-3 is exact.
Small blocks are explicit products (`flow_blocks.SmallBlocks`), large ones a few certified rows with a
guarded truncation (`flow_rows.RowTransfer`); with one large block the steps between truncations
run as spans (`_span`). docs/engine-method.md gives the error bounds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from rnnviz import flow_blocks, flow_rows
from rnnviz.cells import LayerRun, vjp, vjp_factors
from rnnviz.flow_blocks import SmallBlocks, find_blocks
from rnnviz.flow_rows import RowTransfer, l2, leading, safe
from rnnviz.span_vjp import Pull, reused, span_vjps


@dataclass
class Stack:
    """One direction's layers: weights, runs, and how to pull cotangents through a whole step."""

    cell: str
    activation: str
    weights: list[dict]  # per layer
    runs: list[LayerRun]  # per layer
    direction: int  # 0 forward, 1 backward
    hidden_size: int
    _chain: dict = field(default_factory=dict, repr=False)  # `_span`'s reused chain buffer

    @property
    def layer_state(self) -> int:
        return 2 * self.hidden_size if self.cell == "lstm" else self.hidden_size

    def step_vjp(self, t: int, cot: np.ndarray) -> np.ndarray:
        """Rows on s_t (r, L*S) -> rows on s_{t-1}, through every layer of step t (top down)."""
        S, H = self.layer_state, self.hidden_size
        if len(self.runs) == 1:  # one layer: no slicing, no copy
            w, run = self.weights[0], self.runs[0]
            return vjp(self.cell, w, run, t, cot, self.activation, to_input=False)[0]
        out = np.empty_like(cot)
        carry = None  # cotangent on h_t^(l) arriving from layer l+1's input at the same step
        for layer in range(len(self.runs) - 1, -1, -1):
            rows = cot[:, layer * S : (layer + 1) * S]
            if carry is not None:
                rows = rows.copy()
                rows[:, :H] += carry
            w, run = self.weights[layer], self.runs[layer]
            out[:, layer * S : (layer + 1) * S], d_input = vjp(
                self.cell, w, run, t, rows, self.activation, to_input=layer > 0
            )
            if layer > 0:  # layer l reads [h_fwd; h_bwd] of l-1; this direction's slice goes on
                carry = d_input[:, self.direction * H : (self.direction + 1) * H]
        return out

    def span_vjps(self, ts) -> Pull:
        """pull(j, cot, out): `step_vjp`(ts[j], cot) into out; one gated layer folds every step
        first."""
        if len(self.runs) == 1 and self.cell != "elman":
            run = self.runs[0]
            k = vjp_factors(self.cell, run, self.activation)
            return span_vjps(self.cell, self.weights[0], k, ts, run._folds, flow_rows.RESVD)

        def pull(j: int, cot: np.ndarray, out: np.ndarray) -> None:
            out[...] = self.step_vjp(ts[j], cot)

        return pull

    def structural_pattern(self) -> np.ndarray:
        """(n, n) bool: where any J_t can be nonzero (rows: s_t coordinates, columns: s_{t-1}).

        The VJP with every nonzero weight set to 1 and every elementwise factor to 1/2 is a sum
        of positive terms: nothing cancels, so its nonzeros are the union over t (flow_blocks)."""
        H = self.hidden_size
        half = np.full((1, H), 0.5)
        weights = [{k: (v != 0).astype(np.float64) for k, v in w.items()} for w in self.weights]
        factors = {
            "elman": {"slope": half},
            "lstm": {"h_to_c": half, "dz": np.full((1, 4 * H), 0.5), "f": half},
            "gru": dict.fromkeys(("dn", "dz", "dr", "r", "z"), half),
        }[self.cell]
        run = LayerRun(h=half, h_prev=half, _factors=factors)
        positive = Stack(
            self.cell, self.activation, weights, [run] * len(self.runs), self.direction, H
        )
        n = self.layer_state * len(self.runs)
        return positive.step_vjp(0, np.eye(n)) != 0

    def step_jacobian(self, t: int) -> np.ndarray:
        """J_t = ds_t/ds_{t-1} (L*S, L*S): the VJP of the identity rows."""
        n = self.layer_state * len(self.runs)
        return self.step_vjp(t, np.eye(n))


def chain_order(seq_len: int, direction: int) -> range:
    """Positions (0-based) from the direction's last step back to its first."""
    return range(seq_len - 1, -1, -1) if direction == 0 else range(seq_len)


SEED = 20260101  # the probes and perturbations are random but the same on every run


def backward_flow(stack: Stack, direct: np.ndarray) -> dict:
    """log10 norms along the chain. direct: (T, L*S) loss terms on each s_t. Rows in sentence order.

    Also "g_rows" (T, L*S) unit rows and "g_log10" (T,): dL/ds_t = g_rows[t] * 10**g_log10[t]
    (rows of zeros where the gradient is exactly 0), and "stats" on how the transfer was carried.
    """
    T, n = direct.shape
    order = chain_order(T, stack.direction)
    blocks = find_blocks(stack.structural_pattern())
    label = np.empty(n, dtype=np.int64)
    for b, coords in enumerate(blocks):
        label[coords] = b
    small = [b for b, coords in enumerate(blocks) if len(coords) <= flow_blocks.SMALL_BLOCK]
    large = [b for b, coords in enumerate(blocks) if len(coords) > flow_blocks.SMALL_BLOCK]
    rng = np.random.default_rng(SEED)

    def carry(dropped, position):
        return _carry(stack, order, dropped, position)

    smalls = SmallBlocks([blocks[b] for b in small], n) if small else None
    rows = [RowTransfer(blocks[b], n, rng, carry) for b in large]
    unit, scale = (
        np.zeros((T, n)),
        np.zeros((T, len(blocks))),
    )  # dL/ds_t per block: unit * 10**scale
    log_sigma, log_fro = np.zeros((T, len(blocks))), np.zeros((T, len(blocks)))
    has_direct = np.any(direct != 0, axis=1)
    g, g_log = np.zeros(n), np.full(len(blocks), -np.inf)
    one = rows[0] if len(blocks) == 1 and rows else None  # the coupled case: spans apply
    position, resume = 0, 1
    pulled = None  # (position, its VJP of [g; rows; probes]) when a span pulled it already
    while position < T:
        t = order[position]
        if position >= resume and one is not None and one.span() > 1:
            span = _span(stack, order, position, one, g, g_log, direct, has_direct)
            if span is None:  # a step too steep for one scale: the one-step path for a while
                resume = position + flow_rows.RESVD
            else:
                taken, g, g_log, g_units, g_logs, sigma, fro, ahead = span
                ts = np.asarray(order[position : position + taken])
                unit[ts], scale[ts, 0] = g_units, g_logs
                log_sigma[ts, 0], log_fro[ts, 0] = sigma, fro
                position += taken
                pulled = None if ahead is None else (position, ahead)
                continue
        if position:
            if pulled is not None and pulled[0] == position:
                out = pulled[1]
            else:
                parts = [g[None]] + ([smalls.probes] if smalls else [])
                parts += [p for rt in rows for p in (rt.rows, rt.probes)]
                out = stack.step_vjp(order[position - 1], np.concatenate(parts))  # all rows at once
            g, g_log = _renormalise(out[0], g_log, label)
            at = 1
            if smalls:
                smalls.advance(out[1 : 1 + smalls.k])
                at += smalls.k
            for rt in rows:
                k = rt.rows.shape[0] + rt.probes.shape[0]
                rt.advance(position, out[at : at + k])
                at += k
        if has_direct[t]:
            g, g_log = _add_direct(g, g_log, direct[t], label)
        unit[t], scale[t] = g, g_log
        if smalls:
            log_sigma[t, small], log_fro[t, small] = smalls.log_sigma, smalls.log_fro
        for b, rt in zip(large, rows, strict=True):
            log_sigma[t, b], log_fro[t, b] = rt.log_sigma, rt.log_fro
        position += 1
    for b, rt in zip(large, rows, strict=True):
        for position, value in rt.deferred_sigma().items():
            log_sigma[order[position], b] = value
    columns = _gradient_columns(unit, scale, label, stack)
    columns["log10_jacobian_norm"] = _combine(log_sigma, "max")
    columns["log10_jacobian_frobenius"] = _combine(log_fro, "fro")
    columns["stats"] = {
        "block_sizes": [len(c) for c in blocks],
        **{
            k: sum(rt.stats.get(k, 0) for rt in rows)
            for k in ("certified", "exact", "cholesky", "recoveries")
        },
        "max_rows": max((rt.stats["max_rows"] for rt in rows), default=0),
    }
    stack._chain.clear()  # the spans' buffers (12 MB, LSTM at H = 128) do not outlive the walk
    for run in stack.runs:
        run._folds.clear()
    return columns


def _span(stack: Stack, order: range, position: int, rt: RowTransfer, g, g_log, direct, has_direct):
    """Steps from `position` on with few Python calls each: one VJP of [g; rows; probes] per step
    and no rescaling in between (the chain is linear), then every step's norms in one pass
    (`RowTransfer.advance_span`). The gradient row takes its direct terms in its own units.
    Returns (steps taken, g, g_log, its unit rows and log10 norms, log10 sigma and Frobenius
    per step, and the next step's VJP of [g; rows; probes] in their new units, pulled with the
    span's folds for the one-step path that truncates there: None where the span stopped short),
    or None where the one-step path must take this step."""
    k = min(rt.span(), len(order) - position)
    log = float(g_log[0])
    direct_in = has_direct[list(order[position : position + k])].any()
    if not math.isfinite(log) or (direct_in and not -300.0 < log < 300.0):
        return None  # a direct term is added in the row's units, 10**-log: a normal float
    x = np.concatenate([g[None], rt.rows, rt.probes])
    steps = k + (position + k < len(order))  # and the step after the span, where it truncates
    # nothing keeps a view of it; sized for a whole span of these rows (later spans have fewer)
    chain = reused(stack._chain, "chain", (steps, *x.shape), reserve=flow_rows.RESVD)
    units = 10.0**-log if direct_in else 0.0  # a direct term in the gradient row's units
    pull = stack.span_vjps(order[position - 1 : position - 1 + steps])
    for j in range(steps):
        pull(j, x, chain[j])
        x = chain[j]
        t = order[position + j]
        if j < k and has_direct[t]:  # the step after the span takes its own in the one-step path
            x[0] += direct[t] * units
    g2 = np.einsum("kj,kj->k", chain[:k, 0], chain[:k, 0])
    taken = leading(safe(g2))
    after = chain[k, 1:] if taken == k < steps else None
    if not taken:
        return None
    done = rt.advance_span(range(position, position + taken), chain[:taken, 1:], after)
    if done is None:
        return None
    sigma, fro, rows_after = done
    taken = len(sigma)
    sizes = np.sqrt(g2[:taken])
    g_units = chain[:taken, 0] / sizes[:, None]
    g_logs = log + np.log10(sizes)
    ahead = None if rows_after is None else np.vstack([chain[taken, :1] / sizes[-1], rows_after])
    return taken, g_units[-1], g_logs[-1:], g_units, g_logs, sigma, fro, ahead


def _carry(stack: Stack, order: range, dropped, position: int) -> tuple[np.ndarray, float]:
    """Dropped row sets [(position, rows, log10)] carried exactly by VJPs to `position`, joined."""
    n = stack.layer_state * len(stack.runs)
    rows, log = np.zeros((0, n)), -math.inf
    start = min(p for p, _, _ in dropped)
    for q in range(start, position + 1):
        if q > start and rows.shape[0]:
            rows = stack.step_vjp(order[q - 1], rows)
            size = l2(rows)
            if size == 0.0 or not math.isfinite(size):
                rows, log = rows[:0], (-math.inf if size == 0.0 else math.nan)
                if math.isnan(log):
                    return rows, log
            else:
                rows, log = rows / size, log + math.log10(size)
        for p, extra, extra_log in dropped:
            if p == q:
                top = max(log, extra_log)
                rows = np.vstack([rows * 10.0 ** (log - top), extra * 10.0 ** (extra_log - top)])
                log = top
    return rows, log


def _block_norms(v: np.ndarray, label: np.ndarray, count: int) -> np.ndarray:
    """L2 norm of each block's part of v, with no under/overflow of the squares."""
    with np.errstate(over="ignore", invalid="ignore"):  # squares that overflow are redone below
        sq = np.bincount(label, weights=v * v, minlength=count)
    if ((sq > 1e-290) & (sq < 1e290)).all():
        return np.sqrt(sq)
    top = np.zeros(count)
    with np.errstate(invalid="ignore"):  # a NaN entry makes its block's top NaN, as it should
        np.maximum.at(top, label, np.abs(v))  # rare: entries near the ends of the float64 range
    safe = np.where((top > 0) & np.isfinite(top), top, 1.0)
    w = v / safe[label]
    norms = safe * np.sqrt(np.bincount(label, weights=w * w, minlength=count))
    return np.where(np.isfinite(top), norms, top)


def _renormalise(v: np.ndarray, log: np.ndarray, label: np.ndarray):
    """Each block of v to unit norm, its log10 scale accumulated; exact zeros give -inf, inf/NaN NaN."""
    if log.size == 1:  # one block (the common, coupled case): plain scalars, far fewer numpy calls
        size = l2(v)
        if size > 0 and math.isfinite(size):
            return v / size, log + math.log10(size)
        if size == 0:
            return v, np.full(1, -np.inf)
        return np.zeros_like(v), np.full(1, np.nan)
    norms = _block_norms(v, label, log.size)
    good = (norms > 0) & np.isfinite(norms)
    safe = np.where(good, norms, 1.0)
    v = np.where(good[label], v / safe[label], 0.0)  # a NaN block must not leak through 0 * NaN
    new = log + np.log10(safe)
    new[norms == 0] = -np.inf
    new[~np.isfinite(norms)] = np.nan
    return v, new


def _add_direct(v: np.ndarray, log: np.ndarray, extra: np.ndarray, label: np.ndarray):
    """(v * 10**log + extra) block by block, each scaled to the larger so 10**big is never formed."""
    extra_norm = _block_norms(extra, label, log.size)
    with np.errstate(divide="ignore"):
        extra_log = np.log10(extra_norm)
    top = np.maximum(log, extra_log)
    finite = np.isfinite(top)
    own = np.where(finite & (log > -np.inf), 10.0 ** (log - np.where(finite, top, 0.0)), 0.0)
    add = np.where(finite & (extra_norm > 0), 10.0 ** (extra_log - np.where(finite, top, 0.0)), 0.0)
    safe = np.where(extra_norm > 0, extra_norm, 1.0)
    total = v * own[label] + (extra / safe[label]) * add[label]
    new, new_log = _renormalise(total, np.where(finite, top, log), label)
    return new, np.where(np.isnan(top), np.nan, new_log)


def _group_log10(coord_log: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """log10 of the L2 norm over columns `cols` of rows given as per-entry log10 |value|. (T,)"""
    x = coord_log[:, cols]
    top = x.max(axis=1)
    base = np.where(np.isfinite(top), top, 0.0)
    total = np.sum(10.0 ** (2.0 * (x - base[:, None])), axis=1)
    with np.errstate(divide="ignore"):
        return np.where(np.isfinite(top), base + 0.5 * np.log10(total), top)


def _gradient_columns(unit: np.ndarray, scale: np.ndarray, label: np.ndarray, stack: Stack) -> dict:
    """Norms of dL/ds_t and its parts from the per-block rows, and the rows themselves."""
    T, n = unit.shape
    H, S = stack.hidden_size, stack.layer_state
    L = n // S
    if scale.shape[1] == 1:
        return _one_block_columns(unit, scale[:, 0], H, S, L)
    return _block_columns(unit, scale, label, H, S, L)


def _block_columns(unit, scale, label, H: int, S: int, L: int) -> dict:
    """`_gradient_columns` for several blocks, each with its own scale: entry by entry in log10."""
    T, n = unit.shape
    with np.errstate(divide="ignore"):
        coord_log = np.log10(np.abs(unit)) + scale[:, label]  # log10 |dL/ds_t| entry by entry
    columns = {
        k: _group_log10(coord_log, cols) if cols.size else np.full(T, np.nan)
        for k, cols in _column_groups(n, H, S, L).items()
    }
    grad = columns["all"]
    base = np.where(np.isfinite(grad), grad, 0.0)
    g_rows = np.sign(unit) * 10.0 ** (coord_log - base[:, None])
    g_rows[~np.isfinite(grad)] = 0.0
    g_rows[np.isnan(grad)] = np.nan
    return _columns(columns, g_rows, L)


def _one_block_columns(unit: np.ndarray, scale: np.ndarray, H: int, S: int, L: int) -> dict:
    """`_gradient_columns` for one block (the coupled case): each unit row has norm 1 or is 0, so
    a group's norm is 10**scale * sqrt(its sum of squares), all groups in one product. A group
    whose squares all underflow (every entry below 1e-154 of the row's norm) is redone per entry."""
    T, n = unit.shape
    every = _column_groups(n, H, S, L)
    groups = {k: cols for k, cols in every.items() if cols.size}
    member = np.zeros((n, len(groups)))
    for j, cols in enumerate(groups.values()):
        member[cols, j] = 1.0
    sums = (unit * unit) @ member  # (T, groups)
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = scale[:, None] + 0.5 * np.log10(sums)
    logs[np.isneginf(scale)[:, None] | (sums == 0)] = -np.inf
    logs[np.isnan(scale)] = np.nan
    lost = (sums == 0) & np.isfinite(scale)[:, None]
    for j, cols in enumerate(groups.values()):
        rows = np.flatnonzero(lost[:, j])
        rows = rows[(unit[np.ix_(rows, cols)] != 0).any(axis=1)]
        if rows.size:
            with np.errstate(divide="ignore"):
                entry_log = np.log10(np.abs(unit[rows])) + scale[rows, None]
            logs[rows, j] = _group_log10(entry_log, cols)
    columns = dict.fromkeys(every, np.full(T, np.nan))  # the empty groups (no c): NaN
    columns.update({k: logs[:, j] for j, k in enumerate(groups)})
    g_rows = np.where(np.isfinite(columns["all"])[:, None], unit, 0.0)
    g_rows[np.isnan(columns["all"])] = np.nan
    return _columns(columns, g_rows, L)


def _columns(columns: dict[str, np.ndarray], g_rows: np.ndarray, L: int) -> dict:
    """The gradient columns `backward_flow` returns, from the per-group log10 norms."""
    per_layer = np.stack(
        [np.stack([columns[f"{p}{layer}"] for p in "shc"], axis=1) for layer in range(L)], axis=1
    )
    return {
        "per_layer": per_layer,
        "log10_grad_norm": columns["all"],
        "log10_grad_h": columns["h"],
        "log10_grad_c": columns["c"],
        "g_rows": g_rows,
        "g_log10": columns["all"],
    }


def _column_groups(n: int, H: int, S: int, L: int) -> dict[str, np.ndarray]:
    """The coordinates each gradient column sums over: all, every h, every c (empty without c),
    and s, h, c per layer."""
    h_cols = np.concatenate([np.arange(layer * S, layer * S + H) for layer in range(L)])
    groups = {"all": np.arange(n), "h": h_cols, "c": np.setdiff1d(np.arange(n), h_cols)}
    for layer in range(L):
        groups[f"s{layer}"] = np.arange(layer * S, (layer + 1) * S)
        groups[f"h{layer}"] = np.arange(layer * S, layer * S + H)
        groups[f"c{layer}"] = np.arange(layer * S + H, (layer + 1) * S)
    return groups


def _combine(per_block: np.ndarray, how: str) -> np.ndarray:
    """Per-block log10 norms (T, B) -> the whole matrix's: max (spectral) or root sum of squares."""
    top = per_block.max(axis=1)
    if how == "max":
        return top
    base = np.where(np.isfinite(top), top, 0.0)
    total = np.sum(10.0 ** (2.0 * (per_block - base[:, None])), axis=1)
    with np.errstate(divide="ignore"):
        return np.where(np.isfinite(top), base + 0.5 * np.log10(total), top)


def cumulative_log10_forget(log_forget: np.ndarray, direction: int) -> np.ndarray:
    """log10 of the largest per-unit product of forget gates from step t to the end, from the
    gates' log10 (T, U). A gate that is exactly 0 (-inf) ends its unit's products there and only
    there: sums over the later steps, never a difference of them (-inf - -inf is NaN)."""
    logf = log_forget[::-1] if direction == 1 else log_forget
    after = np.zeros_like(logf)  # sum over k > t (in direction order); 0 at the last step
    after[:-1] = np.cumsum(logf[:0:-1], axis=0)[::-1]
    best = after.max(axis=1)
    return best[::-1] if direction == 1 else best
