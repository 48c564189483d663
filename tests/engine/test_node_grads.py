"""A gradient on every node, against an independent float64 autograd forward written as the graph
draws it (explicit torch equations with `retain_grad()` on every tensor; no rnnviz step code)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import rnnviz
from rnnviz import patterns
from rnnviz.graph import build_graph
from rnnviz.node_grads import input_saliency, node_gradients
from tests.support import mp_oracle
from tests.support import reference as torch_reference

CELLS = ("elman", "lstm", "gru")
PATTERNS = ("acceptor", "transducer", "encoder", "encoder-decoder")


def weights(trace, layer: int, k: int) -> dict:
    suffix = f"_l{layer}" + ("_reverse" if k else "")
    return {
        n: getattr(trace.rnn, n + suffix).detach().clone()
        for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
    }


def step(cell, act, w, x, h, c):
    """One step as the op-level graph draws it; returns the tensors it names."""
    zx = x @ w["weight_ih"].T + w["bias_ih"]
    zh = h @ w["weight_hh"].T + w["bias_hh"]
    H = h.shape[-1]
    if cell == "elman":
        a = zx + zh
        h_new = {"tanh": torch.tanh, "relu": torch.relu, "sigmoid": torch.sigmoid}.get(
            act, lambda v: v
        )(a)
        return {"a": a, "h": h_new}
    if cell == "lstm":
        z = zx + zh
        i, f = torch.sigmoid(z[:H]), torch.sigmoid(z[H : 2 * H])
        g, o = torch.tanh(z[2 * H : 3 * H]), torch.sigmoid(z[3 * H :])
        c_new = f * c + i * g
        return {"i": i, "f": f, "g": g, "o": o, "c": c_new, "h": o * torch.tanh(c_new)}
    r = torch.sigmoid(zx[:H] + zh[:H])
    u = torch.sigmoid(zx[H : 2 * H] + zh[H : 2 * H])
    n = torch.tanh(zx[2 * H :] + r * zh[2 * H :])
    return {"r": r, "z": u, "n": n, "h": (1 - u) * n + u * h}


def reference(trace, saliency: bool = False):
    """(tensors keyed (name, t, layer, k), x leaves, y tensors, loss or the saliency objective)."""
    cfg = trace.config
    T, L, K, H = trace.seq_len, cfg.num_layers, cfg.num_directions, cfg.hidden_size
    xs = [torch.tensor(trace.inputs[t], requires_grad=True) for t in range(T)]
    nodes: dict = {}
    layer_in = xs
    for layer in range(L):
        outs = [[None] * T for _ in range(K)]
        for k in range(K):
            w = weights(trace, layer, k)
            h = torch.zeros(H, dtype=torch.float64)
            c = torch.zeros(H, dtype=torch.float64)
            for t in range(T) if k == 0 else range(T - 1, -1, -1):
                out = step(cfg.cell, cfg.activation, w, layer_in[t], h, c)
                for name, value in out.items():
                    value.retain_grad()
                    nodes[(name, t, layer, k)] = value
                h, c = out["h"], out.get("c")
                outs[k][t] = h
        layer_in = [torch.cat([outs[k][t] for k in range(K)]) for t in range(T)]
    top = layer_in  # (T) of (K*H,)
    W, b = torch.tensor(trace.head_weight), torch.tensor(trace.head_bias)
    final = torch.cat(
        [nodes[("h", T - 1, L - 1, 0)]] + ([nodes[("h", 0, L - 1, 1)]] if K == 2 else [])
    )
    ys = {}
    if cfg.pattern == "acceptor":
        y = final @ W.T + b
        y.retain_grad()
        if K == 1:
            ys[T - 1] = y
        if saliency:
            return nodes, xs, ys, y[int(torch.argmax(y))]
        loss = F.cross_entropy(y[None], torch.tensor(trace.targets))
    elif cfg.pattern == "transducer":
        loss = 0
        for t in range(T):
            ys[t] = top[t] @ W.T + b
            ys[t].retain_grad()
            loss = loss + F.cross_entropy(ys[t][None], torch.tensor(trace.targets[t : t + 1]))
    elif cfg.pattern == "encoder":
        goal = patterns._encoder_goal(cfg, K * H)
        loss = 0.5 * ((final - goal) ** 2).sum()
    else:  # the encoder-decoder's L depends on the encoder through its final states only: linear surrogate
        loss = 0
        for t, k in ((T - 1, 0), (0, 1))[:K]:
            loss = loss + (nodes[("h", t, L - 1, k)] * torch.tensor(trace.loss_grad_h[t, k])).sum()
            if trace.loss_grad_c is not None:
                loss = (
                    loss + (nodes[("c", t, L - 1, k)] * torch.tensor(trace.loss_grad_c[t, k])).sum()
                )
    return nodes, xs, ys, loss


def norm(tensor) -> float:
    return 0.0 if tensor is None or tensor.grad is None else float(tensor.grad.norm())


def close(log10_value: float, value: float) -> bool:
    if value == 0.0:
        return log10_value == -math.inf
    return math.isfinite(log10_value) and abs(log10_value - math.log10(value)) < 1e-9


CASES = [
    dict(cell=c, pattern=p, num_layers=layers, bidirectional=bidir)
    for c, p, (layers, bidir) in itertools.product(CELLS, PATTERNS, [(1, False), (2, True)])
] + [
    dict(cell="lstm", pattern="acceptor", num_layers=3, bidirectional=False),
    dict(cell="elman", activation="relu", pattern="transducer"),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: "-".join(str(v) for v in c.values()))
def test_every_node_gradient_matches_autograd(case):
    trace = rnnviz.unroll(
        "John lives in Salt Lake City", hidden_size=3, input_size=4, seed=1, **case
    )
    _check_every_node(trace)


def test_relu_at_exactly_zero_passes_no_gradient():
    """torch's relu'(0) = 0: a unit whose input row and biases are 0 has a_1 = 0 exactly (h_0 = 0),
    so dL/da_1 is 0 there and the node's norm is that of the other units only."""
    torch.manual_seed(0)
    rnn = torch.nn.RNN(4, 3, nonlinearity="relu").double()
    with torch.no_grad():
        for name in ("weight_ih_l0", "bias_ih_l0", "bias_hh_l0"):
            getattr(rnn, name)[0] = 0.0
    trace = rnnviz.unroll(
        "John lives in Salt", state_dict=rnn.state_dict(), activation="relu", pattern="transducer"
    )
    assert trace.preactivations[0, 0, 0, 0] == 0.0
    _check_every_node(trace)


def _check_every_node(trace):
    grads = node_gradients(trace)
    nodes, xs, ys, loss = reference(trace)
    loss.backward()
    T = trace.seq_len
    checked = 0
    for (name, t, layer, k), tensor in nodes.items():
        if name in ("h", "c"):
            value = norm(tensor)
            got = grads.h[t, layer, k] if name == "h" else grads.c[t, layer, k]
        else:
            value, got = norm(tensor), (grads.a if name == "a" else grads.gates[name])[t, layer, k]
        assert close(got, value), (name, t, layer, k, got, value)
        checked += 1
    for t in range(T):
        assert close(grads.x[t], norm(xs[t])), ("x", t)
        assert close(grads.y[t], norm(ys.get(t))), ("y", t)
    assert checked == len(nodes) > 0


def test_lstm_cell_level_state_is_h_and_the_c_part_that_flows_on():
    trace = rnnviz.unroll(
        "a b c d", cell="lstm", hidden_size=3, input_size=2, seed=3, pattern="transducer"
    )
    grads = node_gradients(trace)
    nodes, _, _, loss = reference(trace)
    loss.backward()
    for t in range(trace.seq_len):
        dh = nodes[("h", t, 0, 0)].grad
        dc = nodes[("c", t, 0, 0)].grad - dh * nodes[("o", t, 0, 0)] * (
            1 - torch.tanh(nodes[("c", t, 0, 0)]) ** 2
        )
        assert close(grads.s[t, 0, 0], float(torch.cat([dh, dc]).detach().norm()))
    # c_T's gradient is not -inf: c_T -> h_T -> y_T -> L
    assert np.isfinite(grads.c[-1, 0, 0])


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("bidir", [False, True])
def test_saliency_of_the_predicted_class(cell, bidir):
    trace = rnnviz.unroll(
        "John lives in Salt Lake City",
        cell=cell,
        hidden_size=3,
        input_size=4,
        bidirectional=bidir,
        num_layers=2,
    )
    loss_x, output_x = input_saliency(trace)
    nodes, xs, _, objective = reference(trace, saliency=True)
    objective.backward()
    for t in range(trace.seq_len):
        assert close(output_x[t], norm(xs[t]))
    assert np.array_equal(loss_x, node_gradients(trace).x)


def test_far_below_float64_the_gradient_is_still_a_number():
    tokens = [f"w{i % 40}" for i in range(1500)]
    trace = rnnviz.unroll(tokens, cell="elman", hidden_size=8, input_size=8, seed=0, sigma_max=0.3)
    grads = node_gradients(trace)
    assert grads.x[0] < -400 and np.isfinite(grads.x[0])
    assert np.all(np.isfinite(grads.h))
    # the total derivative of a single layer's s_t is the gradient_flow's dL/ds_t
    flow = trace.flow()["log10_grad_norm"].to_numpy()
    assert np.allclose(grads.s[:, 0, 0], flow, atol=1e-9)


def test_no_gradient_is_minus_infinity_and_params_are_covered():
    trace = rnnviz.unroll("a b c", cell="elman", hidden_size=3, input_size=2, init_scale=0.0)
    grads = node_gradients(trace)
    assert grads.y[0] == -math.inf and grads.y[1] == -math.inf and np.isfinite(grads.y[2])
    assert grads.x[0] == -math.inf  # W_hh = 0: x_1 cannot reach y_T
    assert {("W_ih", 1, 0), ("W_hh", 1, 0), ("b", 1, 0), ("O", None, None)} <= set(grads.params)


@pytest.mark.parametrize("cell", CELLS)
def test_parameter_gradients_match_autograd(cell):
    trace = rnnviz.unroll(
        "John lives in Salt Lake City",
        cell=cell,
        hidden_size=3,
        input_size=4,
        num_layers=2,
        bidirectional=True,
        pattern="transducer",
    )
    grads = node_gradients(trace)
    module = trace.rnn.requires_grad_(True)
    x = torch.tensor(trace.inputs)[:, None]
    out, _ = module(x)
    logits = out[:, 0] @ torch.tensor(trace.head_weight).T + torch.tensor(trace.head_bias)
    F.cross_entropy(logits, torch.tensor(trace.targets), reduction="sum").backward()
    for layer in range(2):
        for k in range(2):
            suffix = f"_l{layer}" + ("_reverse" if k else "")
            p = dict(module.named_parameters())
            assert close(
                grads.params[("W_ih", layer + 1, k)], float(p["weight_ih" + suffix].grad.norm())
            )
            assert close(
                grads.params[("W_hh", layer + 1, k)], float(p["weight_hh" + suffix].grad.norm())
            )
            both = torch.cat([p["bias_ih" + suffix].grad, p["bias_hh" + suffix].grad])
            assert close(grads.params[("b", layer + 1, k)], float(both.norm()))
    module.requires_grad_(False)


@pytest.mark.parametrize("level", ["cell", "op"])
@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("pattern", PATTERNS)
def test_graph_nodes_carry_a_gradient(level, cell, pattern):
    trace = rnnviz.unroll(
        "a b c", cell=cell, pattern=pattern, hidden_size=2, input_size=2, bidirectional=True
    )
    G = build_graph(trace, level=level)
    missing = [n for n, a in G.nodes(data=True) if math.isnan(a["grad_log10"])]
    assert missing == []
    for _u, v, data in G.edges(data=True):
        assert data["grad_log10"] == G.nodes[v]["grad_log10"] or (
            math.isinf(data["grad_log10"]) and data["grad_log10"] == G.nodes[v]["grad_log10"]
        )


def test_tables_list_every_node_and_the_saliency():
    from rnnviz import tables

    trace = rnnviz.unroll(
        "a b c", cell="lstm", hidden_size=2, input_size=2, pattern="encoder-decoder"
    )
    frame = tables.node_gradients_frame(trace)
    assert list(frame.columns) == ["t", "token", "layer", "direction", "node", "log10_grad_norm"]
    assert set(frame["node"]) == {"x", "y", "s", "h", "c", "i", "f", "g", "o"}  # y: the decoder's
    assert frame["log10_grad_norm"].notna().all()
    assert (frame["direction"] == "decoder").sum() > 0
    sal = tables.saliency_frame(rnnviz.unroll("a b c", hidden_size=2, input_size=2))
    assert list(sal.columns) == ["t", "token", "log10_grad_input", "log10_grad_output_input"]
    assert np.isfinite(sal[["log10_grad_input", "log10_grad_output_input"]].to_numpy()).all()


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_saturated_gates_pass_their_true_tiny_gradient(cell):
    """Gates at sigmoid(60) = 1 - 8.7e-27 (and tanh(30)): 1 - z rounds to 0 in float64, the true
    slopes do not. ||dL/dx_t|| against a 50-digit product of the exact Jacobians."""
    torch.manual_seed(0)
    H = 2
    rnn = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[cell](2, H).double()
    with torch.no_grad():
        push = [60.0, 60.0, 30.0, 60.0] if cell == "lstm" else [0.0, 60.0, 0.0]  # i f g o / r z n
        rnn.bias_hh_l0 += torch.tensor(push, dtype=torch.float64).repeat_interleave(H)
    trace = rnnviz.unroll("a b c", state_dict=rnn.state_dict(), seed=0)
    engine = node_gradients(trace).x
    exact = mp_oracle.input_gradient(trace)
    assert np.all(np.isfinite(engine)) and exact.max() < -20  # the gradient is tiny, not zero
    assert np.allclose(engine, exact, atol=1e-6, rtol=0)


def _log10(*tensors) -> float:
    total = sum(float((t.double() ** 2).sum()) for t in tensors)
    return -math.inf if total == 0 else 0.5 * math.log10(total)


DECODER_CASES = {
    "elman": dict(cell="elman"),
    "lstm-bidir": dict(cell="lstm", bidirectional=True),
    "gru": dict(cell="gru"),
    # options the decoder must take over from the encoder's config
    "elman-relu-irnn": dict(cell="elman", activation="relu", init="identity"),
    "elman-sigmoid": dict(cell="elman", activation="sigmoid"),
    "elman-identity": dict(cell="elman", activation="identity", init_scale=0.5),
    "lstm-forget-bias": dict(cell="lstm", forget_bias=3.0),
    "gru-6-classes-seed-2": dict(cell="gru", output_size=6, seed=2),
}


@pytest.mark.parametrize("text", ["a b c d", "a"])  # "a": a decoder of one step
@pytest.mark.parametrize("case", DECODER_CASES)
def test_decoder_nodes_match_torch_cells(case, text):
    """The decoder's h'_k (s'_k), x'_k, y'_k and parameters against torch's own cell, run apart."""
    options = DECODER_CASES[case]
    cell, bidirectional = options["cell"], options.get("bidirectional", False)
    trace = rnnviz.unroll(text, hidden_size=3, pattern="encoder-decoder", **options)
    top = torch.tensor(trace.h[:, -1])  # (T, K, H): the encoder's final states are s'_0
    h0 = torch.cat([top[-1, 0]] + ([top[0, 1]] if bidirectional else [])).requires_grad_(True)
    c0 = None
    if cell == "lstm":
        top_c = torch.tensor(trace.c[:, -1])
        c0 = torch.cat([top_c[-1, 0]] + ([top_c[0, 1]] if bidirectional else []))
        c0.requires_grad_(True)
    run = torch_reference.decoder_run(trace, h0, c0)
    run["loss"].backward()
    got = trace.decoder["grads"]
    M = len(run["h"])
    params = run["cell"]
    assert np.allclose(got["h"][0], _log10(h0.grad), atol=1e-9)
    assert np.allclose(got["h"][1:], [_log10(h.grad) for h in run["h"]], atol=1e-9)
    assert np.allclose(got["y"][1:], [_log10(y.grad) for y in run["y"]], atol=1e-9)
    assert np.allclose(got["x"], [_log10(run["inputs"].grad[k]) for k in range(M)], atol=1e-9)
    assert got["y"][0] == -np.inf  # s'_0 has no output of its own
    if cell == "elman":  # a'_k, the decoder's pre-activations (absent at k = 0)
        assert got["a"][0] == -np.inf
        assert np.allclose(got["a"][1:], [_log10(a.grad) for a in run["a"]], atol=1e-9)
    else:
        assert np.all(got["a"] == -np.inf)
    if cell != "lstm":
        assert np.all(got["c"] == -np.inf)
    if cell == "lstm":  # torch's c'_k feeds h'_k = o tanh(c'_k) too: its grad is the total
        assert np.allclose(got["c"][1:], [_log10(c.grad) for c in run["c"]], atol=1e-9)
        assert np.isclose(got["c"][0], _log10(c0.grad), atol=1e-9)
        assert np.isclose(got["s"][0], _log10(h0.grad, c0.grad), atol=1e-9)
        # s'_k = (h'_k, c'_k) as a state: c'_k's own part reaches L only through c'_{k+1} = f ⊙ c'_k
        # + ..., so it is c'_{k+1}'s total gradient times the forget gate f'_{k+1} (0 at k = M).
        H = h0.shape[0]

        def forget(k: int) -> torch.Tensor:  # f'_k from the cell's own weights, k = 1..M
            prev = h0 if k == 1 else run["h"][k - 2][0]
            z = params.weight_ih @ run["inputs"][k - 1] + params.bias_ih
            return torch.sigmoid(z + params.weight_hh @ prev + params.bias_hh)[H : 2 * H].detach()

        for k in range(1, M + 1):
            own_c = run["c"][k].grad[0] * forget(k + 1) if k < M else torch.zeros(H)
            assert np.isclose(got["s"][k], _log10(run["h"][k - 1].grad, own_c), atol=1e-9), k
    else:
        assert np.array_equal(got["s"], got["h"])
    assert np.isclose(got["params"]["W_ih"], _log10(params.weight_ih.grad), atol=1e-9)
    assert np.isclose(got["params"]["W_hh"], _log10(params.weight_hh.grad), atol=1e-9)
    assert np.isclose(
        got["params"]["b"], _log10(params.bias_ih.grad, params.bias_hh.grad), atol=1e-9
    )
    assert np.isclose(got["params"]["O"], _log10(run["weight"].grad, run["bias"].grad), atol=1e-9)
    if not bidirectional:  # s'_0 = s_T: the encoder's last nodes get the decoder's gradient
        enc = node_gradients(trace)
        assert np.isclose(enc.h[-1, -1, 0], got["h"][0], atol=1e-9)
        if cell == "lstm":  # c_T reaches L as c'_0 and through h_T = o_T tanh(c_T)
            o_T, c_T = (torch.tensor(a[-1, -1, 0]) for a in (trace.gates["o"], trace.c))
            total = c0.grad + h0.grad * o_T * (1 - torch.tanh(c_T) ** 2)
            assert np.isclose(enc.c[-1, -1, 0], _log10(total), atol=1e-9)
    for name, values in got["gates"].items():  # present, finite, and -inf only at k = 0
        assert values[0] == -np.inf and np.all(np.isfinite(values[1:])), name
