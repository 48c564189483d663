"""An arbitrary-precision oracle for gradient_flow: exact step Jacobians and their products in mpmath.

From the trace's float64 weights, inputs and states it rebuilds each step's gates in mp, writes the
step Jacobian J_t = ds_t/ds_{t-1} analytically (stacked: layer l reads layer l-1's h of the same step),
multiplies P_t = ds_T/ds_t = P_{t+1} J_{t+1} and g_t = direct_t + g_{t+1} J_{t+1} in mp (40 digits,
no exponent range limit), and takes the norms in mp. Nothing here calls rnnviz's VJPs or flow code.
"""

from __future__ import annotations

import mpmath
import numpy as np
import torch
from mpmath import mp

DPS = 40
_tanh = np.frompyfunc(mpmath.tanh, 1, 1)
_exp = np.frompyfunc(mpmath.exp, 1, 1)
_log10 = np.frompyfunc(mpmath.log10, 1, 1)


def mpa(x) -> np.ndarray:
    """float64 array -> object array of mpf (exact conversion)."""
    return np.frompyfunc(mp.mpf, 1, 1)(np.asarray(x, dtype=np.float64))


def sig(x):
    return 1 / (1 + _exp(-x))


def weights(trace, layer: int, d: int) -> dict:
    suffix = f"_l{layer}" + ("_reverse" if d else "")
    rnn = trace.rnn
    out = {}
    for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
        p = getattr(rnn, name + suffix, None)
        out[name] = mpa(p.detach().double().numpy()) if p is not None else None
    rows = out["weight_hh"].shape[0]
    for name in ("bias_ih", "bias_hh"):
        out[name] = out[name] if out[name] is not None else mpa(np.zeros(rows))
    return out


def cell_jacobians(cell, activation, w, u, h_prev, c_prev):
    """(A, B): ds_t/ds_{t-1} (S×S) and ds_t/du_t (S×D) for one layer, in mp."""
    H = h_prev.shape[0]
    z_in = w["weight_ih"].dot(u) + w["bias_ih"]
    z_hh = w["weight_hh"].dot(h_prev) + w["bias_hh"]
    Wi, Wh = w["weight_ih"], w["weight_hh"]
    if cell == "elman":
        a = z_in + z_hh
        if activation == "tanh":
            slope = 1 - _tanh(a) ** 2
        elif activation == "relu":
            slope = np.array([mp.mpf(1) if v > 0 else mp.mpf(0) for v in a], dtype=object)
        elif activation == "sigmoid":
            s = sig(a)
            slope = s * (1 - s)
        else:
            slope = np.array([mp.mpf(1)] * H, dtype=object)
        return slope[:, None] * Wh, slope[:, None] * Wi
    if cell == "lstm":
        z = z_in + z_hh
        i, f, g, o = sig(z[:H]), sig(z[H : 2 * H]), _tanh(z[2 * H : 3 * H]), sig(z[3 * H :])
        c = f * c_prev + i * g
        tc = _tanh(c)

        def dc_d(W):  # dc/d(input of W) through i, f, g
            return (
                (g * i * (1 - i))[:, None] * W[:H]
                + (c_prev * f * (1 - f))[:, None] * W[H : 2 * H]
                + (i * (1 - g**2))[:, None] * W[2 * H : 3 * H]
            )

        def dh_d(W, dc):
            return (tc * o * (1 - o))[:, None] * W[3 * H :] + (o * (1 - tc**2))[:, None] * dc

        dc_dh, dc_du = dc_d(Wh), dc_d(Wi)
        dc_dc = np.diag(f).astype(object)
        dh_dc = np.diag(o * (1 - tc**2) * f).astype(object)  # through c_t = f c_{t-1} + ...
        A = np.block([[dh_d(Wh, dc_dh), dh_dc], [dc_dh, dc_dc]])
        B = np.vstack([dh_d(Wi, dc_du), dc_du])
        return A, B
    r = sig(z_in[:H] + z_hh[:H])
    zz = sig(z_in[H : 2 * H] + z_hh[H : 2 * H])
    hn = z_hh[2 * H :]
    n = _tanh(z_in[2 * H :] + r * hn)

    def dh_d(W_r, W_z, n_direct):  # dh'/d(input of W): through r (inside n), z and n
        dr = (r * (1 - r))[:, None] * W_r
        dz = (zz * (1 - zz))[:, None] * W_z
        dn = (1 - n**2)[:, None] * (n_direct + hn[:, None] * dr)
        return (h_prev - n)[:, None] * dz + (1 - zz)[:, None] * dn

    A = dh_d(Wh[:H], Wh[H : 2 * H], r[:, None] * Wh[2 * H :]) + np.diag(zz).astype(object)
    B = dh_d(Wi[:H], Wi[H : 2 * H], Wi[2 * H :])
    return A, B


def stack_jacobian(trace, d: int, t: int) -> np.ndarray:
    """J_t (0-based sentence position t) of direction d's stack, (L*S, L*S) in mp."""
    cfg = trace.config
    T, L, H, S = trace.seq_len, cfg.num_layers, cfg.hidden_size, cfg.state_size
    prev = t - 1 if d == 0 else t + 1
    J = np.zeros((L * S, L * S), dtype=object)
    J[:] = mp.mpf(0)
    for layer in range(L):
        below_h = trace.inputs[t] if layer == 0 else trace.h[t, layer - 1].reshape(-1)
        u = mpa(below_h)  # the layer's input: x_t, or [h_fwd; h_bwd] of the layer below
        h_prev = mpa(trace.h[prev, layer, d] if 0 <= prev < T else np.zeros(H))
        c_prev = None
        if cfg.cell == "lstm":
            c_prev = mpa(trace.c[prev, layer, d] if 0 <= prev < T else np.zeros(H))
        A, B = cell_jacobians(cfg.cell, cfg.activation, weights(trace, layer, d), u, h_prev, c_prev)
        rows = slice(layer * S, (layer + 1) * S)
        J[rows, rows] = A
        if layer:
            B = B[:, d * H : (d + 1) * H]  # only this direction's lower h depends on its chain
            below = J[(layer - 1) * S : (layer - 1) * S + H, : layer * S]  # dh^(l-1)_t / ds_{t-1}
            J[rows, : layer * S] = B.dot(below)
    return J


def direct_terms(trace, d: int) -> np.ndarray:
    """dL/ds_t's terms not through time, (T, L*S) in mp, from the loss's own formula."""
    cfg = trace.config
    T, L, K, H, S = (
        trace.seq_len,
        cfg.num_layers,
        cfg.num_directions,
        cfg.hidden_size,
        cfg.state_size,
    )
    out = np.zeros((T, L * S), dtype=object)
    out[:] = mp.mpf(0)
    top = (L - 1) * S
    Wo, bo = mpa(trace.head_weight), mpa(trace.head_bias)

    def ce_grad(logits, target):
        e = _exp(logits - max(logits))
        p = e / sum(e)
        p[target] -= 1
        return Wo.T.dot(p)

    final = np.concatenate([mpa(trace.h[-1, -1, 0])] + ([mpa(trace.h[0, -1, 1])] if K == 2 else []))
    at = T - 1 if d == 0 else 0
    if cfg.pattern == "acceptor":
        grad = ce_grad(Wo.dot(final) + bo, int(trace.targets[0]))
        out[at, top : top + H] = grad[d * H : (d + 1) * H]
    elif cfg.pattern == "transducer":
        for t in range(T):
            y = Wo.dot(mpa(trace.h[t, -1].reshape(-1))) + bo
            out[t, top : top + H] = ce_grad(y, int(trace.targets[t]))[d * H : (d + 1) * H]
    elif cfg.pattern == "encoder":
        gen = torch.Generator().manual_seed(cfg.seed * 1009 + 2)
        goal = torch.rand(K * H, dtype=torch.float64, generator=gen) * 1.6 - 0.8
        out[at, top : top + H] = (final - mpa(goal.numpy()))[d * H : (d + 1) * H]
    else:
        gh, gc = decoder_gradient(trace, final)
        out[at, top : top + H] = gh[d * H : (d + 1) * H]
        if gc is not None:
            out[at, top + H : top + 2 * H] = gc[d * H : (d + 1) * H]
    return out


def decoder_gradient(trace, h0):
    """dL/d(h'_0, c'_0) of the teacher-forced decoder, by its own exact chain in mp."""
    from rnnviz.config import UnrollConfig
    from rnnviz.models import build_rnn
    from rnnviz.patterns import make_head

    cfg = trace.config
    dec_cfg = UnrollConfig(
        cell=cfg.cell,
        hidden_size=h0.shape[0],
        input_size=cfg.input_size,
        activation=cfg.activation,
        seed=cfg.seed + 1,
        output_size=cfg.output_size,
        init=cfg.init if cfg.init != "identity" or cfg.cell == "elman" else "default",
        forget_bias=cfg.forget_bias,
    ).validate()
    rnn = build_rnn(dec_cfg)
    w = {k: mpa(getattr(rnn, k + "_l0").detach().double().numpy()) for k in
         ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}  # fmt: skip
    weight, bias = make_head(dec_cfg, salt=3)
    Wo, bo = mpa(weight.numpy()), mpa(bias.numpy())
    dec = trace.decoder
    Hd = h0.shape[0]
    states = dec["states"]  # (T_out, S')
    lstm = cfg.cell == "lstm"
    final_c = None
    if lstm:
        final_c = np.concatenate(
            [mpa(trace.c[-1, -1, 0])]
            + ([mpa(trace.c[0, -1, 1])] if cfg.num_directions == 2 else [])
        )
    g = None
    for k in range(len(states) - 1, -1, -1):
        h_prev = h0 if k == 0 else mpa(states[k - 1][:Hd])
        c_prev = (final_c if k == 0 else mpa(states[k - 1][Hd:])) if lstm else None
        logits = Wo.dot(mpa(states[k][:Hd])) + bo
        e = _exp(logits - max(logits))
        p = e / sum(e)
        p[int(dec["targets"][k])] -= 1
        local = np.concatenate([Wo.T.dot(p)] + ([mpa(np.zeros(Hd))] if lstm else []))
        g = local if g is None else g + local
        A, _ = cell_jacobians(cfg.cell, cfg.activation, w, mpa(dec["inputs"][k]), h_prev, c_prev)
        g = g.dot(A)
    return (g[:Hd], g[Hd:]) if lstm else (g, None)


def mp_log10(x) -> float:
    return float(mpmath.log10(x)) if x != 0 else -np.inf


def exact_flow(trace, d: int, spectral_at=None) -> dict:
    """The gradient_flow columns of direction d in mp. spectral_at: 0-based t to take sigma_max at."""
    mp.dps = DPS
    cfg = trace.config
    T, L, H, S = trace.seq_len, cfg.num_layers, cfg.hidden_size, cfg.state_size
    n = L * S
    order = range(T - 1, -1, -1) if d == 0 else range(T)
    direct = direct_terms(trace, d)
    spectral_at = set(range(T) if spectral_at is None else spectral_at)
    P = np.eye(n).astype(np.int64).astype(object) * mp.mpf(1)
    g = None
    out = {k: np.full(T, np.nan) for k in ("grad", "grad_h", "grad_c", "jac", "fro")}
    h_cols = np.concatenate([np.arange(layer * S, layer * S + H) for layer in range(L)])
    c_cols = np.setdiff1d(np.arange(n), h_cols)
    previous = None
    for t in order:
        if previous is not None:
            J = stack_jacobian(trace, d, previous)
            P = P.dot(J)
            g = g.dot(J)
        g = direct[t] if g is None else g + direct[t]
        out["grad"][t] = mp_log10(mpmath.sqrt(sum(g * g)))
        out["grad_h"][t] = mp_log10(mpmath.sqrt(sum(g[h_cols] ** 2)))
        if cfg.cell == "lstm":
            out["grad_c"][t] = mp_log10(mpmath.sqrt(sum(g[c_cols] ** 2)))
        out["fro"][t] = mp_log10(mpmath.sqrt(sum((P * P).ravel())))
        if t in spectral_at:
            out["jac"][t] = mp_log10(spectral_norm(P))
        previous = t
    return out


def spectral_norm(P: np.ndarray):
    """sigma_max of an mp matrix: sqrt of the largest eigenvalue of P^T P (mp Jacobi/QR)."""
    scale = max(abs(x) for x in P.ravel())
    if scale == 0:
        return mp.mpf(0)
    Q = P / scale  # keep the eigen-solver's numbers near 1; the exponent is put back after
    G = mp.matrix(Q.T.dot(Q).tolist())
    values = mp.eigsy(G, eigvals_only=True)
    return scale * mpmath.sqrt(max(values))


def forget_product(trace, d: int) -> np.ndarray:
    """log10 of the largest per-unit product of forget gates after t (direction order), in mp,
    each gate sigmoid(z_f) from its pre-activation rebuilt in mp (exact where the float64 gate
    rounds to 1 or underflows to 0)."""
    cfg = trace.config
    T, L, H = trace.seq_len, cfg.num_layers, cfg.hidden_size
    logs = np.empty((T, L * H), dtype=object)
    for t in range(T):
        prev = t - 1 if d == 0 else t + 1
        for layer in range(L):
            w = weights(trace, layer, d)
            below = trace.inputs[t] if layer == 0 else trace.h[t, layer - 1].reshape(-1)
            h_prev = mpa(trace.h[prev, layer, d] if 0 <= prev < T else np.zeros(H))
            z = w["weight_ih"].dot(mpa(below)) + w["bias_ih"] + w["weight_hh"].dot(h_prev)
            z_f = (z + w["bias_hh"])[H : 2 * H]  # torch's gate order i f g o
            logs[t, layer * H : (layer + 1) * H] = _log10(sig(z_f))
    order = list(range(T)) if d == 0 else list(range(T - 1, -1, -1))
    out = np.full(T, np.nan)
    acc = np.zeros(logs.shape[1], dtype=object) * mp.mpf(0)
    for t in reversed(order):
        out[t] = float(max(acc))
        acc = acc + logs[t]
    return out


def pascanu(trace, d: int) -> np.ndarray:
    cfg = trace.config
    T = trace.seq_len
    W = weights(trace, 0, d)["weight_hh"]
    s = mp.svd_r(mp.matrix(W.tolist()), compute_uv=False)
    sigma = max(s)
    lag = np.arange(T)[::-1] if d == 0 else np.arange(T)
    if sigma == 0:
        return np.where(lag == 0, 0.0, -np.inf)
    return np.array([float(k * mpmath.log10(cfg.gamma * sigma)) for k in lag])


def input_gradient(trace) -> np.ndarray:
    """log10 ||dL/dx_t|| per token of a one-layer, one-direction trace, in mp: the exact dL/ds_t
    (as in `exact_flow`) times ds_t/dx_t of `cell_jacobians`."""
    mp.dps = DPS
    cfg = trace.config
    T, H = trace.seq_len, cfg.hidden_size
    direct = direct_terms(trace, 0)
    w = weights(trace, 0, 0)
    out = np.full(T, np.nan)
    g = None
    for t in range(T - 1, -1, -1):
        g = direct[t] if g is None else g.dot(stack_jacobian(trace, 0, t + 1)) + direct[t]
        h_prev = mpa(trace.h[t - 1, 0, 0] if t else np.zeros(H))
        c_prev = None
        if cfg.cell == "lstm":
            c_prev = mpa(trace.c[t - 1, 0, 0] if t else np.zeros(H))
        _, B = cell_jacobians(cfg.cell, cfg.activation, w, mpa(trace.inputs[t]), h_prev, c_prev)
        out[t] = mp_log10(mpmath.sqrt(sum(v * v for v in g.dot(B))))
    return out
