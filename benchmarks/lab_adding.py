"""The lecture's demo over seeds: on the adding problem at TrainConfig's defaults (lag 100, 6,000
steps, H = 32, Adam lr 3e-3, LSTM forget-gate bias 3) the Elman RNN fails and the LSTM solves it.

Run: .venv/bin/python benchmarks/lab_adding.py [--seeds 0-9] [--workers 2] [--cluster tcp://...]
Prints one line per run as it finishes and the success rate of each cell ("elman solves 0/10 at
lag 100"); writes benchmarks/out/lab_adding.csv. The outcome of a run depends only on its seed and
settings (a step budget, one thread per run), not on the machine's load.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from lab_lag_sweep import seed_list

from rnnviz.lab.sweeps import lag_sweep, rate_sentence, success_rates
from rnnviz.lab.train import TrainConfig


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", nargs="+", default=["0-9"], help='e.g. "0-9" or "10-19 42"')
    parser.add_argument("--cells", nargs="+", default=["elman", "lstm"])
    parser.add_argument("--workers", type=int, default=None, help="local Dask workers (0: none)")
    parser.add_argument("--cluster", default=None, help="a running Dask scheduler's address")
    args = parser.parse_args()
    demo = TrainConfig()
    seeds = seed_list(args.seeds)

    def show(done: int, runs: int, row: dict) -> None:
        print(f"[{done}/{runs}] {row['cell']:6s} seed {row['seed']:3d}: MSE {row['metric']:.4f} "
              f"{row['status']} after {row['steps']} steps, {row['seconds']:.1f} s", flush=True)  # fmt: skip

    start = time.perf_counter()
    sweep = lag_sweep(demo, args.cells, [demo.lag], seeds, on_run=show,
                      cluster=args.cluster, workers=args.workers)  # fmt: skip
    for line in rate_sentence(success_rates(sweep)):
        print(line)
    print(f"wall {time.perf_counter() - start:.1f} s for {len(sweep)} runs")
    out = Path(__file__).parent / "out"
    out.mkdir(exist_ok=True)
    sweep.to_csv(out / "lab_adding.csv", index=False)


if __name__ == "__main__":
    main()
