"""Exploding gradients with and without clipping: the Lab's demo run (tanh Elman, W_hh started at
sigma_max = 3, plain SGD) trained twice.

Run: .venv/bin/python benchmarks/lab_exploding.py [--seeds 0 1 2] [--clip 1.0]
"""

from __future__ import annotations

import argparse
import json

import torch

from rnnviz.lab.experiments import EXPLODING_DEMO, exploding_runs


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--clip", type=float, default=1.0)
    args = parser.parse_args()
    torch.set_num_threads(1)
    for seed in args.seeds:
        runs = exploding_runs(EXPLODING_DEMO.replace(seed=seed), clip=args.clip)
        for name, result in runs.items():
            s = result.summary()
            keep = ("status", "steps", "final_mse", "baseline", "max_grad_norm", "message")
            print(json.dumps({"seed": seed, "run": name, **{k: s[k] for k in keep}}), flush=True)


if __name__ == "__main__":
    main()
