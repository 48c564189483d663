"""An independent float64 reference: torch's own cells, autograd through the whole unrolled graph.

Nothing here calls rnnviz's step loop or VJPs; only the weights are shared (copied from trace.rnn).
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

CELL_CLASS = {"elman": nn.RNNCell, "lstm": nn.LSTMCell, "gru": nn.GRUCell}


def torch_cells(trace) -> list[list[nn.Module]]:
    """cells[layer][direction]: torch cells holding a copy of the trace's weights."""
    cfg, rnn = trace.config, trace.rnn
    out = []
    for layer in range(cfg.num_layers):
        row = []
        for d in range(cfg.num_directions):
            suffix = f"_l{layer}" + ("_reverse" if d else "")
            w_ih = getattr(rnn, "weight_ih" + suffix)
            kwargs = {"nonlinearity": cfg.activation} if cfg.cell == "elman" else {}
            cell = CELL_CLASS[cfg.cell](
                w_ih.shape[1], cfg.hidden_size, dtype=torch.float64, **kwargs
            )
            cell.load_state_dict(
                {
                    name: getattr(rnn, name + suffix).detach().clone()
                    for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
                }
            )
            row.append(cell)
        out.append(row)
    return out


def step(cfg, cells, d, s_prev, layer_inputs_other, x):
    """The stacked step R for direction d: s_prev (L*S,) -> s_t; other-direction lower h held fixed."""
    H, S = cfg.hidden_size, cfg.state_size
    parts, below = [], x
    for layer, row in enumerate(cells):
        cell = row[d]
        prev = s_prev[layer * S : (layer + 1) * S]
        if cfg.cell == "lstm":
            h, c = cell(below[None], (prev[None, :H], prev[None, H:]))
            h, new = h[0], torch.cat([h[0], c[0]])
        else:
            h = new = cell(below[None], prev[None])[0]
        parts.append(new)
        if layer + 1 < len(cells) and cfg.num_directions == 1:
            below = h
        elif layer + 1 < len(cells):
            other = layer_inputs_other[layer]
            below = torch.cat([h, other] if d == 0 else [other, h])
    return torch.cat(parts)


def unroll_reference(trace):
    """States per direction (T, L*S) recomputed with torch cells, plus dL/ds_t by autograd."""
    cfg = trace.config
    T, L, K, H, S = (
        trace.seq_len,
        cfg.num_layers,
        cfg.num_directions,
        cfg.hidden_size,
        cfg.state_size,
    )
    cells = torch_cells(trace)
    x = torch.tensor(trace.inputs)
    # Other direction's lower-layer h, taken from the trace as constants (they are exogenous here).
    other = [torch.tensor(trace.h[:, :, 1 - d]) if K == 2 else None for d in range(K)]
    states, leaves = [], []
    for d in range(K):
        order = range(T) if d == 0 else range(T - 1, -1, -1)
        s = torch.zeros(L * S, dtype=torch.float64)
        seq = [None] * T
        for t in order:
            lower = [other[d][t, layer] for layer in range(L - 1)] if K == 2 else []
            s = step(cfg, cells, d, s, lower, x[t])
            s.retain_grad()
            seq[t] = s
        states.append(seq)
        leaves.append(seq)
    top_h = torch.stack(
        [
            torch.stack([states[d][t][(L - 1) * S : (L - 1) * S + H] for d in range(K)])
            for t in range(T)
        ]
    )  # (T, K, H)
    top_c = None
    if cfg.cell == "lstm":
        top_c = torch.stack(
            [
                torch.stack([states[d][t][(L - 1) * S + H : L * S] for d in range(K)])
                for t in range(T)
            ]
        )
    loss = pattern_loss(trace, top_h, top_c)
    loss.backward()
    grads = [np.stack([s.grad.numpy() for s in seq]) for seq in leaves]  # per direction (T, L*S)
    values = [np.stack([s.detach().numpy() for s in seq]) for seq in states]
    return values, grads, float(loss.detach())


def pattern_loss(trace, top_h, top_c=None):
    cfg = trace.config
    T, K, H = top_h.shape
    logits = top_h.reshape(T, K * H) @ torch.tensor(trace.head_weight).T + torch.tensor(
        trace.head_bias
    )
    final = torch.cat([top_h[-1, 0]] + ([top_h[0, 1]] if K == 2 else []))  # e: both final states
    if cfg.pattern == "acceptor":  # O of [h_fwd at T; h_bwd at 1]: each direction's final state
        logits = final[None] @ torch.tensor(trace.head_weight).T + torch.tensor(trace.head_bias)
        return F.cross_entropy(logits, torch.tensor(trace.targets), reduction="sum")
    if cfg.pattern == "transducer":
        return F.cross_entropy(logits, torch.tensor(trace.targets), reduction="sum")
    if cfg.pattern == "encoder":  # 1/2 ||e - goal||^2, the goal drawn as the README documents
        gen = torch.Generator().manual_seed(cfg.seed * 1009 + 2)
        goal = torch.rand(K * H, dtype=torch.float64, generator=gen) * 1.6 - 0.8
        return 0.5 * ((final - goal) ** 2).sum()
    c0 = None
    if top_c is not None:
        c0 = torch.cat([top_c[-1, 0]] + ([top_c[0, 1]] if K == 2 else []))
    return decoder_loss(trace, final, c0)


def decoder_loss(trace, h0, c0):
    """The encoder-decoder's loss: torch's own cell, teacher forced on trace.decoder's inputs."""
    return decoder_run(trace, h0, c0)["loss"]


def decoder_run(trace, h0, c0) -> dict:
    """The decoder with torch's own cell: the loss and every tensor whose gradient the graph shows
    (h'_k, c'_k for k = 1..M with retain_grad, Elman's a'_k, the inputs x'_k, the logits y'_k, the
    cell, O'). Elman's step is written out from the cell's weights (for a'_k, and for sigmoid or
    identity, which torch has no cell for) and checked against the cell where torch has one."""
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
    rnn = build_rnn(dec_cfg)  # only the decoder's weights come from rnnviz
    torch_cell = cfg.cell != "elman" or cfg.activation in ("tanh", "relu")
    kwargs = {"nonlinearity": cfg.activation} if cfg.cell == "elman" and torch_cell else {}
    cell = CELL_CLASS[cfg.cell](cfg.input_size, h0.shape[0], dtype=torch.float64, **kwargs)
    cell.load_state_dict(
        {
            name: getattr(rnn, name + "_l0").detach().double().clone()
            for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
        }
    )
    weight, bias = make_head(dec_cfg, salt=3)
    weight.requires_grad_(True)
    bias.requires_grad_(True)
    h, c = h0[None], (c0[None] if c0 is not None else None)
    inputs = torch.tensor(trace.decoder["inputs"], requires_grad=True)
    logits, hs, cs, pre = [], [], [], []
    phi = {"tanh": torch.tanh, "relu": torch.relu, "sigmoid": torch.sigmoid}.get(cfg.activation)
    for x in inputs:
        if c is not None:
            h, c = cell(x[None], (h, c))
            c.retain_grad()
            cs.append(c)
        elif cfg.cell == "elman":  # a'_k written out, so its gradient can be read; torch's cell,
            # where there is one, must give the same h'_k
            a = x[None] @ cell.weight_ih.T + cell.bias_ih + h @ cell.weight_hh.T + cell.bias_hh
            a.retain_grad()
            pre.append(a)
            if torch_cell:
                assert torch.allclose(phi(a), cell(x[None], h), rtol=0, atol=1e-14)
            h = phi(a) if phi else a
        else:
            h = cell(x[None], h)
        h.retain_grad()
        hs.append(h)
        logits.append(h[0] @ weight.T + bias)
        logits[-1].retain_grad()
    labels = torch.tensor(trace.decoder["targets"])
    loss = F.cross_entropy(torch.stack(logits), labels, reduction="sum")
    return dict(
        loss=loss, h=hs, c=cs, a=pre, inputs=inputs, y=logits, cell=cell, weight=weight, bias=bias
    )


def transfer_matrix(trace, t: int, d: int = 0) -> np.ndarray:
    """ds_T/ds_t (1-based t) by autograd through the continuation of the unroll from s_t."""
    cfg = trace.config
    T, K, L = trace.seq_len, cfg.num_directions, cfg.num_layers
    cells = torch_cells(trace)
    x = torch.tensor(trace.inputs)
    other = torch.tensor(trace.h[:, :, 1 - d]) if K == 2 else None
    S = cfg.state_size
    per_dir = trace.states.reshape(T, L, K, S)[:, :, d].reshape(T, L * S)
    later = range(t, T) if d == 0 else range(t - 2, -1, -1)

    def run(s):
        for k in later:
            lower = [other[k, layer] for layer in range(L - 1)] if K == 2 else []
            s = step(cfg, cells, d, s, lower, x[k])
        return s

    return torch.autograd.functional.jacobian(run, torch.tensor(per_dir[t - 1])).numpy()
