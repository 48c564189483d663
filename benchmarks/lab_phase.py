"""Phase diagram: measured decay rate of ||ds_T/ds_t|| against sigma_max(W_hh) x activation, and where
it crosses 0 compared with Pascanu's boundary sigma_max * gamma = 1.

Run: .venv/bin/python benchmarks/lab_phase.py [--step 0.05] [--seq-len 30] [--hidden-size 32]
Writes benchmarks/out/lab_phase.csv.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from rnnviz.lab.experiments import phase_boundary, phase_diagram


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--step", type=float, default=0.05, help="grid step in sigma_max * gamma")
    parser.add_argument("--seq-len", type=int, default=30)
    parser.add_argument("--hidden-size", type=int, default=32)
    args = parser.parse_args()
    torch.set_num_threads(1)
    products = np.round(np.arange(0.5, 1.5 + 1e-9, args.step), 4)  # sigma_max * gamma
    start = time.perf_counter()
    frames = [
        phase_diagram(products / gamma, (act,), args.seq_len, args.hidden_size)
        for act, gamma in (("tanh", 1.0), ("sigmoid", 0.25))
    ]
    seconds = time.perf_counter() - start
    for frame in frames:
        act = frame["activation"].iloc[0]
        print(frame.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
        crossing = phase_boundary(frame, act)
        print(f"{act}: measured rate crosses 0 at sigma_max*gamma = {crossing:.3f} "
              f"(Pascanu: 1; grid step {args.step})\n")  # fmt: skip
    print(f"{sum(len(f) for f in frames)} unrolls in {seconds:.1f} s")
    out = Path(__file__).parent / "out"
    out.mkdir(exist_ok=True)
    pd.concat(frames).to_csv(out / "lab_phase.csv", index=False)


if __name__ == "__main__":
    main()
