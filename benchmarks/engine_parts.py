"""Where a full trace's time goes at T = 1,000, H = 128, against the naive loop, one run per cell.

The full trace (`rnnviz.unroll`, one thread) is timed with wall clocks around its parts:
"forward" (`cells.run_layer`), "vjp" (every VJP of the chain, the rows of the gradient and of
ds_T/ds_t: `Stack.step_vjp`, and in spans `Stack.span_vjps`' folds and the pulls it returns),
"sigma" (`flow_sigma.Certifier`: certificates, deferred eigvalsh; truncations)
and "rest" (everything else: the spans' norms and Grams, rescaling, probes, tables). Each part is
printed as a fraction of the naive float32 loop of `engine_trace.py` measured in the same run, so
the line "forward + vjp" says what the trace would cost if nothing but its arithmetic were left.

    PYTHONPATH=$PWD .venv/bin/python benchmarks/engine_parts.py
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

from engine_trace import H, naive


def parts(cell: str, T: int) -> dict:
    import torch

    import rnnviz
    from rnnviz import cells, flow, flow_rows, flow_sigma

    torch.set_num_threads(1)
    spent = {"forward": 0.0, "vjp": 0.0, "sigma": 0.0}
    depth = [0]  # only the outermost timed call counts (a stacked pull calls step_vjp)

    def clocked(inner, part):
        def wrapper(*args, **kwargs):
            depth[0] += 1
            start = time.perf_counter()
            try:
                return inner(*args, **kwargs)
            finally:
                depth[0] -= 1
                if depth[0] == 0:
                    spent[part] += time.perf_counter() - start

        return wrapper

    def timed(owner, name, part):
        setattr(owner, name, clocked(getattr(owner, name), part))

    timed(cells, "run_layer", "forward")
    timed(flow.Stack, "step_vjp", "vjp")
    span_vjps = flow.Stack.span_vjps
    flow.Stack.span_vjps = clocked(lambda *a: clocked(span_vjps(*a), "vjp"), "vjp")
    sigma = [(flow_sigma.Certifier, name) for name in ("add", "add_grams", "deferred")]
    for owner, name in [*sigma, (flow_rows.RowTransfer, "_truncate")]:
        timed(owner, name, "sigma")
    tokens = [f"w{i % 97}" for i in range(T)]
    rnnviz.unroll(tokens[:5], cell=cell, hidden_size=H, input_size=H)
    best = None
    for _ in range(3):
        spent.update(dict.fromkeys(spent, 0.0))
        start = time.perf_counter()
        rnnviz.unroll(tokens, cell=cell, hidden_size=H, input_size=H, max_tokens=T)
        run = {"total": time.perf_counter() - start, **spent}
        best = run if best is None or run["total"] < best["total"] else best
    best["rest"] = best["total"] - best["forward"] - best["vjp"] - best["sigma"]
    return best


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        cell, T = sys.argv[2], int(sys.argv[3])
        result = min((naive(cell, T) for _ in range(3)), key=lambda r: r["seconds"])
        print(json.dumps({"naive": result["seconds"], **parts(cell, T)}))
        return
    T = 1000
    print(f"T={T}, H={H}, one thread; ms, and in brackets the fraction of the naive loop")
    print(
        f"{'cell':6} {'naive':>7} {'total':>13} {'forward':>12} {'vjp':>12} {'sigma':>12} "
        f"{'rest':>12} {'forward+vjp':>12}"
    )
    for cell in ("elman", "lstm", "gru"):
        out = subprocess.run(
            [sys.executable, __file__, "--child", cell, str(T)],
            capture_output=True,
            text=True,
            check=True,
        )
        r = json.loads(out.stdout.strip().splitlines()[-1])
        base = r["naive"]
        cols = [r[k] for k in ("total", "forward", "vjp", "sigma", "rest")]
        cols.append(r["forward"] + r["vjp"])
        print(
            f"{cell:6} {1e3 * base:>7.1f} "
            + " ".join(f"{1e3 * v:>6.1f} ({v / base:4.2f})" for v in cols)
        )


if __name__ == "__main__":
    main()
