"""The lecture's R for Elman, LSTM and GRU: a forward step loop and the step's vector-Jacobian product.

Equations follow torch's nn.RNN / nn.LSTM / nn.GRU exactly (same gate order), in float64 numpy:

    Elman  h_t = phi(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)
    LSTM   i, f, g, o = sig, sig, tanh, sig of (W_ih x_t + b_ih + W_hh h_{t-1} + b_hh) chunks
           c_t = f * c_{t-1} + i * g,   h_t = o * tanh(c_t)
    GRU    r = sig(W_ir x + b_ir + W_hr h + b_hr),  z = sig(W_iz x + b_iz + W_hz h + b_hz)
           n = tanh(W_in x + b_in + r * (W_hn h + b_hn)),  h_t = (1 - z) * n + z * h_{t-1}

The state s_t is h_t (Elman, GRU) or [h_t; c_t] (LSTM). `vjp` pulls r cotangent rows on s_t back to
s_{t-1} and to the layer input: Jacobians are never materialised (T of them would be gigabytes).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from rnnviz.span_vjp import span_vjps


def sigmoid(x: np.ndarray) -> np.ndarray:
    """1 / (1 + exp(-x)) from e = exp(-|x|) <= 1: never overflows, and keeps the tail on both sides
    (sigmoid(-60) = 8.7e-27, where 0.5 (1 + tanh(x/2)) cancels to 0 below x ~ -37)."""
    return _sigmoid(x, np.empty(np.shape(x)))


def _sigmoid(x: np.ndarray, out: np.ndarray, scratch=None) -> np.ndarray:
    """`sigmoid` into out; scratch: (float, bool) arrays of x's shape that the forward loops reuse.
    The numerator max(e, x >= 0) is 1 where x >= 0 (e <= 1) and e elsewhere: where()'s values,
    without its allocations."""
    e, positive = scratch or (np.empty_like(out), np.empty(np.shape(x), dtype=bool))
    np.abs(x, out=e)
    np.negative(e, out=e)
    np.exp(e, out=e)
    np.maximum(e, np.greater_equal(x, 0.0, out=positive), out=out)
    e += 1.0
    return np.divide(out, e, out=out)


ACTIVATION = {
    "tanh": np.tanh,
    "relu": lambda a: np.maximum(a, 0.0),
    "sigmoid": sigmoid,
    "identity": lambda a: a,
}


def tanh_slope(a: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """1 - tanh(a)^2 = sech(a)^2 from a itself: 1 - h*h is 0 once tanh(a) rounds to 1 (|a| > 19),
    while the true slope 4 e^{-2|a|} is representable down to |a| ~ 370."""
    e = np.abs(a, out=out)
    e *= -2.0
    np.exp(e, out=e)
    return _logistic_slope(e, 4.0)


def sigmoid_slope(a: np.ndarray) -> np.ndarray:
    """sig(a) sig(-a) = e / (1 + e)^2 with e = exp(-|a|): no subtraction (1 - sig(a) rounds to 0
    for a > 37), representable down to |a| ~ 745."""
    e = np.abs(a)
    np.negative(e, out=e)
    np.exp(e, out=e)
    return _logistic_slope(e)


ROWS_PER_PASS = 64  # rows of (1 + e)^2 made at a time: a small temporary, not one of e's size


def _logistic_slope(e: np.ndarray, scale: float = 1.0) -> np.ndarray:
    """e <- (scale e) / (1 + e)^2 in place, a block of rows at a time (scale multiplies first)."""
    rows = e.reshape(1, -1) if e.ndim < 2 else e
    square = np.empty((min(len(rows), ROWS_PER_PASS), *rows.shape[1:]))
    for start in range(0, len(rows), ROWS_PER_PASS):
        block = rows[start : start + ROWS_PER_PASS]
        sq = np.add(block, 1.0, out=square[: len(block)])
        sq *= sq
        if scale != 1.0:
            block *= scale
        block /= sq
    return e


def gate_slopes(
    z: np.ndarray, H: int, tanh_block: int, out: np.ndarray | None = None
) -> np.ndarray:
    """`sigmoid_slope` of every H-wide block of z (T, G*H) but block tanh_block, which gets
    `tanh_slope`: both are 4^k e / (1 + e)^2 with e = exp(-2^k |a|), so all gates take one pass.
    Identical values (scaling by 2 or 4 is exact; where e underflows, 1 + e is 1). out may be z."""
    tanh = slice(tanh_block * H, (tanh_block + 1) * H)
    e = np.abs(z, out=out)
    e[:, tanh] *= 2.0
    np.negative(e, out=e)
    np.exp(e, out=e)
    _logistic_slope(e)
    e[:, tanh] *= 4.0
    return e


def activation_slope(name: str, a: np.ndarray, h: np.ndarray) -> np.ndarray:
    """phi'(a) from the pre-activation a (h = phi(a) is not used: it has lost the tail)."""
    if name == "tanh":
        return tanh_slope(a)
    if name == "relu":
        return (a > 0).astype(np.float64)
    if name == "sigmoid":
        return sigmoid_slope(a)
    return np.ones_like(a)


@dataclass
class LayerRun:
    """One layer and direction over the sentence; row t holds step t+1's values (sentence order)."""

    h: np.ndarray  # (T, H)
    h_prev: np.ndarray  # (T, H) the h the step read
    c: np.ndarray | None = None  # (T, H) LSTM
    c_prev: np.ndarray | None = None
    gates: dict[str, np.ndarray] = field(default_factory=dict)  # name -> (T, H)
    pre: np.ndarray | None = None  # (T, H) Elman pre-activation a_t
    hn: np.ndarray | None = None  # (T, H) GRU W_hn h_{t-1} + b_hn
    # (T, G*H) LSTM/GRU gate pre-activations (GRU: n's inner); an LSTM's become its slopes (dz)
    gate_pre: np.ndarray | None = None
    _factors: dict | None = None  # the VJP's elementwise factors for all t, made on first use
    s: np.ndarray | None = None  # (T, 2H) LSTM [h | c]: h and c are its halves
    # (T, H) LSTM log10 f_t, from the pre-activation where f_t is below 1e-300 (there log10 of
    # the subnormal or underflowed gate is off or -inf): the forget-product column reads it
    forget_log10: np.ndarray | None = None
    _folds: dict = field(default_factory=dict, repr=False)  # `span_vjps`' reused fold buffers

    def state(self) -> np.ndarray:
        """s_t rows: h, or [h; c] for LSTM. (T, S)"""
        return self.h if self.s is None else self.s


def run_layer(cell: str, w: dict, inputs: np.ndarray, reverse: bool, activation: str) -> LayerRun:
    """Unroll one layer in one direction over inputs (T, D_in), from s_0 = 0.

    The loops write into preallocated rows (out=): a step is a dozen numpy calls on vectors of
    (3 or 4) H, so the calls, not the arithmetic, are the cost. Each step's gates are written
    straight into the (T, G*H) gate table, so the table holds the very values the states were
    made from, and no pass over it follows the loop. Few fresh arrays (each fresh page costs a
    fault): h_prev (and c_prev) are views of the states' own buffer, one row apart, and the gate
    pre-activations are written over the input projection."""
    T, H = inputs.shape[0], w["w_hh"].shape[1]
    order = range(T - 1, -1, -1) if reverse else range(T)
    zs = inputs @ w["w_ih"].T  # (T, G*H) input part of every step at once
    zs += w["b_ih"]
    w_hh, b_hh = w["w_hh"], w["b_hh"]
    if cell == "lstm":  # rows [h_t | c_t] of one buffer: the states s_t themselves, never joined
        states, previous = _with_previous(T, 2 * H, reverse)
        hs, cs, h_prev, c_prev = states[:, :H], states[:, H:], previous[:, :H], previous[:, H:]
    else:
        hs, h_prev = _with_previous(T, H, reverse)
    h = h_prev[order[0]]  # s_0 = 0
    if cell == "elman":
        phi = ACTIVATION[activation]
        zs += b_hh
        for t in order:
            a = zs[t]
            a += w_hh @ h  # a_t
            h = hs[t] = phi(a)
        return LayerRun(h=hs, h_prev=h_prev, pre=zs)
    if cell == "lstm":
        zs += b_hh
        gates = np.empty((T, 4 * H))  # every step's i f g o, kept as the loop makes them
        ig = np.empty(H)
        scratch = np.empty(4 * H), np.empty(4 * H, dtype=bool)
        c = c_prev[order[0]]
        for t in order:
            z, s, c_new, h_new = zs[t], gates[t], cs[t], hs[t]
            z += w_hh @ h  # (4H,) gate pre-activations, torch order i f g o
            _sigmoid(z, s, scratch)
            g = np.tanh(z[2 * H : 3 * H], out=s[2 * H : 3 * H])  # g is tanh, not sigmoid
            np.multiply(s[H : 2 * H], c, out=c_new)  # c_t = f * c_{t-1} + i * g
            c_new += np.multiply(s[:H], g, out=ig)
            np.tanh(c_new, out=h_new)  # h_t = o * tanh(c_t)
            h_new *= s[3 * H :]
            h, c = h_new, c_new
        return LayerRun(
            h=hs,
            h_prev=h_prev,
            c=cs,
            c_prev=c_prev,
            s=states,
            gates={name: gates[:, k * H : (k + 1) * H] for k, name in enumerate("ifgo")},
            gate_pre=zs,
            forget_log10=_forget_log10(gates[:, H : 2 * H], zs[:, H : 2 * H]),
        )
    hn_all = np.empty((T, H))
    gates = np.empty((T, 3 * H))  # every step's r z n, kept as the loop makes them
    hh = np.empty(3 * H)
    scratch = np.empty(2 * H), np.empty(2 * H, dtype=bool)
    for t in order:
        z, rzn, h_new = zs[t], gates[t], hs[t]
        np.add(w_hh @ h, b_hh, out=hh)  # (3H,) W_hh h_{t-1} + b_hh
        z[: 2 * H] += hh[: 2 * H]
        _sigmoid(z[: 2 * H], rzn[: 2 * H], scratch)
        hn_all[t] = hh[2 * H :]
        np.multiply(rzn[:H], hh[2 * H :], out=hh[2 * H :])  # n reads r * (W_hn h + b_hn)
        z[2 * H :] += hh[2 * H :]
        n = np.tanh(z[2 * H :], out=rzn[2 * H :])
        np.subtract(h, n, out=h_new)  # h_t = (1 - z) n + z h = n + z (h - n)
        h_new *= rzn[H : 2 * H]
        h_new += n
        h = h_new
    gates = {name: gates[:, k * H : (k + 1) * H] for k, name in enumerate("rzn")}
    return LayerRun(h=hs, h_prev=h_prev, gates=gates, hn=hn_all, gate_pre=zs)


def _forget_log10(f: np.ndarray, z: np.ndarray) -> np.ndarray:
    """log10 f for every step, f = sigmoid(z). Where f is below 1e-300 it is subnormal or 0 in
    float64, but log10 sigmoid(z) = -log(1 + e^-z) / ln 10 is exact."""
    with np.errstate(divide="ignore"):
        out = np.log10(f)
    if f.min() < 1e-300:  # rare: a mask and the exact form only then
        tiny = f < 1e-300
        out[tiny] = -np.logaddexp(0.0, -z[tiny]) / np.log(10.0)
    return out


def _with_previous(T: int, W: int, reverse: bool) -> tuple[np.ndarray, np.ndarray]:
    """(values, previous) (T, W) views of one zeroed (T + 1, W) buffer: previous row t is the
    value step t read (the row before it in the direction's order; 0 first)."""
    both = np.zeros((T + 1, W))
    return (both[:-1], both[1:]) if reverse else (both[1:], both[:-1])


def vjp_factors(cell: str, run: LayerRun, activation: str) -> dict:
    """Every elementwise factor of the VJP for all t at once (T, ·), each derivative taken from its
    pre-activation so saturated units keep their true (tiny) slope instead of rounding to 0."""
    if run._factors is not None:
        return run._factors
    H = run.h.shape[1]
    if cell == "elman":
        out = {"slope": activation_slope(activation, run.pre, run.h)}
    elif cell == "lstm":
        g = run.gates
        # dz = [dc_t, dc_t, dc_t, dh_t] times these; made over the pre-activations, which nothing
        # else of an LSTM reads (a (T, 4H) array fewer: ~1,000 fresh pages at T = 1,000, H = 128)
        dz = gate_slopes(run.gate_pre, H, 2, out=run.gate_pre)
        run.gate_pre = None
        dz[:, :H] *= g["g"]
        dz[:, H : 2 * H] *= run.c_prev
        dz[:, 2 * H : 3 * H] *= g["i"]
        h_to_c = np.tanh(run.c)
        dz[:, 3 * H :] *= h_to_c
        tanh_slope(run.c, out=h_to_c)
        h_to_c *= g["o"]
        out = {"h_to_c": h_to_c, "dz": dz, "f": g["f"]}  # dc_t += dh_t * h_to_c
    else:
        g, z = run.gates, run.gate_pre
        slopes = gate_slopes(z, H, 2)
        dn = sigmoid(-z[:, H : 2 * H])  # 1 - z without the subtraction
        dn *= slopes[:, 2 * H :]
        slopes[:, H : 2 * H] *= run.h_prev - g["n"]
        slopes[:, :H] *= dn * run.hn
        out = {"dn": dn, "dz": slopes[:, H : 2 * H], "dr": slopes[:, :H], "r": g["r"], "z": g["z"]}
    run._factors = out
    return out


# Above this many rows, folding the gate factors into W_hh first is cheaper: the fold costs a few
# passes over (3 or 4) H^2 once, then H^2 (GRU) or 2 H^2 (LSTM) per row instead of 3 or 4 H^2.
FOLD_ROWS = {"lstm": 12, "gru": 8}
MKL_ROWS = 8  # up to this many rows against a gate-stacked matrix, torch's MKL GEMM may be faster


def rows_times(rows: np.ndarray, w: np.ndarray) -> np.ndarray:
    """rows @ w. For 2..MKL_ROWS rows and a gate-stacked w ((3 or 4)H × H) OpenBLAS's small-matrix
    path cost 2-4x MKL's on one box (46 against 12-33 us for 2-8 rows of an LSTM's 512 × 128, one
    thread); on another the two were even there and OpenBLAS 35 % faster at 16-32 rows. Those few
    rows go through torch (zero-copy); more through numpy."""
    if 1 < rows.shape[0] <= MKL_ROWS and w.shape[0] >= 3 * w.shape[1]:
        import torch  # loaded already: every trace starts from a torch module

        return torch.mm(torch.from_numpy(rows), torch.from_numpy(w)).numpy()
    return rows @ w


def vjp(cell: str, w: dict, run: LayerRun, t: int, cot: np.ndarray, activation: str, to_input=True):
    """Pull cotangent rows cot (r, S) on s_t back: returns (rows on s_{t-1} (r, S), on the input).
    to_input=False skips the rows on the input (None): the bottom layer's are never used.
    The chain's fast path: many rows fold the gate factors into W_hh first; otherwise the core
    of `step_cotangents`."""
    if cell == "elman":  # `step_cotangents`' Elman part, without building its dict of parts
        da = cot * vjp_factors(cell, run, activation)["slope"][t]
        return da @ w["w_hh"], (da @ w["w_ih"] if to_input else None)
    if cot.shape[0] > FOLD_ROWS[cell] and not to_input:  # folded: a span of one (span_vjp.py)
        out = np.empty_like(cot)
        span_vjps(cell, w, vjp_factors(cell, run, activation), [t], run._folds)(0, cot, out)
        return out, None
    parts = step_cotangents(cell, w, run, t, cot, activation, full=False)
    return parts["prev"], (parts["z_ih"] @ w["w_ih"] if to_input else None)


def step_cotangents(
    cell: str, w: dict, run: LayerRun, t: int, cot: np.ndarray, activation: str, full: bool = True
) -> dict[str, np.ndarray]:
    """Cotangent rows cot (r, S) on s_t pulled through step t, part by part (the step's VJP):

    "prev" on s_{t-1}, "z_ih" on W_ih x_t + b_ih and "z_hh" on W_hh h_{t-1} + b_hh (G*H each), and
    with full=True also "input" (on the layer's input), "s" (= cot), "h" (cot's h part) and the
    tensors the op-level graph draws: LSTM "c" (total on c_t, also through h_t) and the gates
    i f g o; GRU gates r z n; Elman "a" (the pre-activation). Every slope is `vjp_factors`' (from
    the pre-activation), so a saturated unit passes its true tiny gradient, as in the chain."""
    H = w["w_hh"].shape[1]
    k = vjp_factors(cell, run, activation)
    if cell == "elman":
        da = cot * k["slope"][t]  # (r, H)
        parts = {"prev": da @ w["w_hh"], "z_ih": da, "z_hh": da}
        if full:
            parts["a"] = da
    elif cell == "lstm":
        dh = cot[:, :H]
        dc = cot[:, H:] + dh * k["h_to_c"][t]  # total cotangent on c_t
        dz = np.concatenate([dc, dc, dc, dh], axis=1) * k["dz"][t]  # (r, 4H) through i f g o
        prev = np.concatenate([rows_times(dz, w["w_hh"]), dc * k["f"][t]], axis=1)
        parts = {"prev": prev, "z_ih": dz, "z_hh": dz}
        if full:
            g = run.gates
            parts.update(c=dc, i=dc * g["g"][t], f=dc * run.c_prev[t], g=dc * g["i"][t])
            parts["o"] = dh * np.tanh(run.c[t])
    else:
        dn = cot * k["dn"][t]  # on n's pre-activation
        dz = cot * k["dz"][t]
        dr = cot * k["dr"][t]
        z_hh = np.concatenate([dr, dz, dn * k["r"][t]], axis=1)
        parts = {
            "prev": cot * k["z"][t] + rows_times(z_hh, w["w_hh"]),
            "z_ih": np.concatenate([dr, dz, dn], axis=1),
            "z_hh": z_hh,
        }
        if full:
            parts["n"] = cot * sigmoid(-run.gate_pre[t, H : 2 * H])  # 1 - z, no subtraction
            parts["z"] = cot * (run.h_prev[t] - run.gates["n"][t])
            parts["r"] = dn * run.hn[t]
    if full:
        parts.update(input=parts["z_ih"] @ w["w_ih"], s=cot, h=cot[:, :H])
    return parts


def torch_step(cell: str, w: dict, x, h, c, activation: str) -> dict:
    """One differentiable step of R in torch, the same equations as `run_layer`, batched over any
    leading dimensions: x (..., D_in), h and c (..., H; c is None but for the LSTM); w holds torch
    tensors w_ih, w_hh, b_ih, b_hh; activation is Elman's phi.

    Returns every tensor the op-level graph draws: {"h", "c" (LSTM), "a" (Elman pre-activation),
    "gates": {name: activation}}. The encoder-decoder's decoder and the Lab's float64 recorder
    both step through this function."""
    import torch  # the engine's numpy loop does not need torch; only these callers do

    zx = x @ w["w_ih"].T + w["b_ih"]  # (..., G*H) input part
    zh = h @ w["w_hh"].T + w["b_hh"]  # (..., G*H) recurrent part
    if cell == "elman":
        a = zx + zh  # a_t = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh
        phi = {"tanh": torch.tanh, "relu": torch.relu, "sigmoid": torch.sigmoid}.get(activation)
        return {"h": phi(a) if phi else a, "a": a, "gates": {}}
    if cell == "lstm":
        i, f, g, o = (zx + zh).chunk(4, dim=-1)  # torch's gate order
        i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
        c_new = f * c + i * g  # c_t = f * c_{t-1} + i * g
        return {"h": o * torch.tanh(c_new), "c": c_new, "gates": {"i": i, "f": f, "g": g, "o": o}}
    xr, xz, xn = zx.chunk(3, dim=-1)
    hr, hz, hn = zh.chunk(3, dim=-1)
    r, z = torch.sigmoid(xr + hr), torch.sigmoid(xz + hz)
    n = torch.tanh(xn + r * hn)  # n reads r * (W_hn h_{t-1} + b_hn)
    return {"h": (1 - z) * n + z * h, "gates": {"r": r, "z": z, "n": n}}
