"""Lag sweep: success against lag for each cell on one task, the same budget per run.

Run: .venv/bin/python benchmarks/lab_lag_sweep.py [--task adding] [--lags 5 10 20 30 50 75 100]
     [--cells elman lstm gru] [--seeds 0] [--budget 60] [--threads 1]
Prints one line per run, then the lag from which each cell fails; writes
benchmarks/out/lab_lag_sweep.csv.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch

from rnnviz.lab.experiments import failing_lag, lag_sweep
from rnnviz.lab.train import TrainConfig


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--task", default="adding")
    parser.add_argument("--lags", type=int, nargs="+", default=[5, 10, 20, 30, 50, 75, 100])
    parser.add_argument("--cells", nargs="+", default=["elman", "lstm"])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--budget", type=float, default=60.0)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    base = TrainConfig(task=args.task, budget_seconds=args.budget, max_steps=10**6)

    def show(index: int, runs: int, row: dict) -> bool:
        print(f"[{index}/{runs}] {row['cell']:6s} lag {row['lag']:4d} seed {row['seed']}: "
              f"metric {row['metric']:.4f} (baseline {row['baseline']:.3f}) "
              f"solved={row['solved']} {row['steps']} steps {row['seconds']:.1f} s", flush=True)  # fmt: skip
        return True

    sweep = lag_sweep(base, args.cells, args.lags, args.seeds, on_run=show)
    for cell in args.cells:
        lag = failing_lag(sweep, cell)
        print(f"{cell}: " + (f"fails from lag {lag} on" if lag else "solves every swept lag"))
    out = Path(__file__).parent / "out"
    out.mkdir(exist_ok=True)
    sweep.to_csv(out / "lab_lag_sweep.csv", index=False)


if __name__ == "__main__":
    main()
