"""Lag sweep: success rate over seeds against lag for each cell, the same step budget per run.

Run: .venv/bin/python benchmarks/lab_lag_sweep.py [--task adding] [--lags 10 20 50 100]
     [--cells elman lstm] [--seeds 0-9] [--steps 6000] [--workers 2] [--cluster tcp://host:8786]
Seeds are a list and/or ranges ("0-9 20 21"). Trials go through rnnviz.distributed.run_trials
(--workers 0: in this process). Prints one line per finished run, then each cell's success rate
per lag ("Elman 0/10 at lag 100") and the sweep's wall time; writes benchmarks/out/<--out>.csv.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from rnnviz.lab.sweeps import lag_sweep, rate_sentence, success_rates
from rnnviz.lab.train import TrainConfig


def seed_list(parts: list[str]) -> list[int]:
    seeds: list[int] = []
    for part in parts:
        low, _, high = part.partition("-")
        seeds.extend(range(int(low), int(high or low) + 1))
    return seeds


def main() -> None:
    demo = TrainConfig()
    parser = argparse.ArgumentParser()
    parser.add_argument("--task", default=demo.task)
    parser.add_argument("--lags", type=int, nargs="+", default=[10, 20, 50, 100])
    parser.add_argument("--cells", nargs="+", default=["elman", "lstm"])
    parser.add_argument("--seeds", nargs="+", default=["0-9"])
    parser.add_argument("--steps", type=int, default=demo.max_steps, help="step budget per run")
    parser.add_argument("--cap", type=float, default=demo.budget_seconds,
                        help="safety cap in wall-clock seconds per run")  # fmt: skip
    parser.add_argument("--hidden-size", type=int, default=demo.hidden_size)
    parser.add_argument("--lr", type=float, default=demo.lr)
    parser.add_argument("--workers", type=int, default=None, help="local Dask workers (0: none)")
    parser.add_argument("--cluster", default=None, help="a running Dask scheduler's address")
    parser.add_argument("--out", default="lab_lag_sweep")
    args = parser.parse_args()
    base = TrainConfig(task=args.task, max_steps=args.steps, budget_seconds=args.cap,
                       hidden_size=args.hidden_size, lr=args.lr)  # fmt: skip
    seeds = seed_list(args.seeds)

    def show(done: int, runs: int, row: dict) -> None:
        what = row["error"] or f"metric {row['metric']:.4f} solved={row['solved']}"
        print(f"[{done}/{runs}] {row['cell']:6s} lag {row['lag']:4d} seed {row['seed']:3d}: "
              f"{what} {row['status']} {row['steps']} steps {row['seconds']:.1f} s", flush=True)  # fmt: skip

    start = time.perf_counter()
    sweep = lag_sweep(base, args.cells, args.lags, seeds, on_run=show,
                      cluster=args.cluster, workers=args.workers)  # fmt: skip
    wall = time.perf_counter() - start
    rates = success_rates(sweep)
    print(rates.to_string(index=False))
    for line in rate_sentence(rates):
        print(line)
    print(f"{len(sweep)} runs, {len(seeds)} seeds, {args.steps} steps each: wall {wall:.1f} s "
          f"(sum of run times {sweep['seconds'].sum():.1f} s)")  # fmt: skip
    out = Path(__file__).parent / "out"
    out.mkdir(exist_ok=True)
    sweep.to_csv(out / f"{args.out}.csv", index=False)


if __name__ == "__main__":
    main()
