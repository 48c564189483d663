"""Full trace vs the naive way, T in {50, 1000, 10000}, H = 128, Elman, LSTM and GRU.

The naive way: a float32 loop over torch's cell with retain_grad on every h_t and one backward. It
yields only ||dL/dh_t|| and underflows to 0 after a few dozen Elman steps. The full trace:
rnnviz.unroll, float64, every gradient_flow column (grad norms, spectral and Frobenius norms of
ds_T/ds_t, Pascanu's bound / forget-gate product) in log space; per-step singular values are lazy
and timed apart. Each measurement runs in its own process, so its peak RSS is its own, after a
5-step warm-up of the same kind. "ratio" is wall time full / naive (best of 5 each, taken in
turns); "cpu ratio" the same with each process's CPU time, which the other jobs on a shared machine
disturb less.

    .venv/bin/python benchmarks/engine_trace.py            # all cases (about 5 minutes)
    .venv/bin/python benchmarks/engine_trace.py --quick    # T in {50, 1000}
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

H = 128
REPEATS = 5  # processes per method and length up to T = 1,000 (3 naive and 1 full at 10,000)


def naive(cell: str, T: int) -> dict:
    import torch

    torch.set_num_threads(1)
    torch.manual_seed(0)
    step = {"lstm": torch.nn.LSTMCell, "gru": torch.nn.GRUCell, "elman": torch.nn.RNNCell}[cell](
        H, H
    )
    head = torch.nn.Linear(H, 4)
    x = torch.randn(T, 1, H)
    start, cpu = time.perf_counter(), time.process_time()
    h = torch.zeros(1, H)
    c = torch.zeros(1, H)
    hs = []
    for t in range(T):
        if cell == "lstm":
            h, c = step(x[t], (h, c))
        else:
            h = step(x[t], h)
        h.retain_grad()
        hs.append(h)
    loss = torch.nn.functional.cross_entropy(head(h), torch.tensor([1]))
    loss.backward()
    norms = torch.stack([s.grad.norm() for s in hs])
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    return {"seconds": seconds, "cpu": cpu, "zeros": int((norms == 0).sum())}


def full(cell: str, T: int, with_sv: bool) -> dict:
    import numpy as np
    import torch

    import rnnviz

    torch.set_num_threads(1)
    tokens = [f"w{i % 97}" for i in range(T)]
    rnnviz.unroll(tokens[:5], cell=cell, hidden_size=H, input_size=H)  # warm imports and caches
    start, cpu = time.perf_counter(), time.process_time()
    trace = rnnviz.unroll(tokens, cell=cell, hidden_size=H, input_size=H, max_tokens=T)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    out = {
        "seconds": seconds,
        "cpu": cpu,
        "zeros": int(np.isneginf(trace.flow()["log10_grad_norm"]).sum()),
        "min_log10_grad": float(trace.flow()["log10_grad_norm"].min()),
    }
    if with_sv:
        start = time.perf_counter()
        trace.step_singular_values  # noqa: B018 - computed on first access
        out["sv_seconds"] = time.perf_counter() - start
    return out


def child(args) -> None:
    if args.method == "naive":
        naive(args.cell, 5)  # warm torch's kernels and autograd, as `full` warms the engine
        result = naive(args.cell, args.T)
    else:
        result = full(args.cell, args.T, args.sv)
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def measure(method: str, cell: str, T: int, sv: bool = False) -> dict:
    cmd = [sys.executable, __file__, "--child", method, "--cell", cell, "--T", str(T)]
    out = subprocess.run(cmd + (["--sv"] if sv else []), capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--child", choices=["naive", "full"])
    parser.add_argument("--cell", default="lstm")
    parser.add_argument("--T", type=int, default=50)
    parser.add_argument("--sv", action="store_true")
    args = parser.parse_args()
    if args.child:
        args.method = args.child
        child(args)
        return
    lengths = (50, 1000) if args.quick else (50, 1000, 10000)
    print(f"H={H}, one thread, float32 naive vs float64 full trace (times in s, memory peak RSS)")
    print(
        f"{'cell':6} {'T':>6} {'naive s':>8} {'naive 0s':>8} {'full s':>8} {'ratio':>6} {'cpu ratio':>9} "
        f"{'full 0s':>7} {'min log10':>9} {'sv s':>7} {'naive MB':>8} {'full MB':>8}"
    )
    for cell in ("elman", "lstm", "gru"):
        for T in lengths:
            naives, fulls = [], []
            for i in range(REPEATS if T <= 1000 else 3):  # alternating: drift hits both alike
                naives.append(measure("naive", cell, T))
                if T <= 1000 or i == 0:
                    fulls.append(measure("full", cell, T, sv=T <= 1000))
            n = min(naives, key=lambda r: r["seconds"])
            f = min(fulls, key=lambda r: r["seconds"])
            cpu = min(r["cpu"] for r in fulls) / min(r["cpu"] for r in naives)
            print(
                f"{cell:6} {T:>6} {n['seconds']:>8.3f} {n['zeros']:>8} {f['seconds']:>8.3f} "
                f"{f['seconds'] / n['seconds']:>6.2f} {cpu:>9.2f} "
                f"{f['zeros']:>7} {f['min_log10_grad']:>9.1f} "
                f"{f.get('sv_seconds', float('nan')):>7.2f} {n['peak_mb']:>8.0f} {f['peak_mb']:>8.0f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
