"""How fast the command line answers: `rnnviz --help` and each subcommand's --help, against a bare
`python -c pass` and `python -c "import torch"` measured in the same run (ratios, not absolutes:
the machine is shared). Each command is a fresh process; the median of --repeats runs is shown.

    .venv/bin/python benchmarks/cli_startup.py              # 7 runs each
    .venv/bin/python benchmarks/cli_startup.py --repeats 15

Not a test: nothing here asserts a time. Written down in README.md (Benchmarks).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CASES = {
    "python -c pass": ["-c", "pass"],
    "python -c 'import torch'": ["-c", "import torch"],
    "rnnviz --help": ["-m", "rnnviz", "--help"],
    "rnnviz trace --help": ["-m", "rnnviz", "trace", "--help"],
    "rnnviz lab --help": ["-m", "rnnviz", "lab", "--help"],
    "rnnviz ui --help": ["-m", "rnnviz", "ui", "--help"],
    "rnnviz --version": ["-m", "rnnviz", "--version"],
    "rnnviz trace --hiden-size 8 (typo)": [
        "-m",
        "rnnviz",
        "trace",
        "--text",
        "a",
        "--hiden-size",
        "8",
    ],
}


def seconds(args: list[str], env: dict) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, *args], env=env, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=False)  # fmt: skip
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    repeats = parser.parse_args().repeats
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for args in CASES.values():  # warm the disk cache and the .pyc files first
        seconds(args, env)
    medians = {}
    # Interleaved rounds: a burst of load on the shared machine hits every case alike.
    runs: dict[str, list[float]] = {name: [] for name in CASES}
    for _ in range(repeats):
        for name, args in CASES.items():
            runs[name].append(seconds(args, env))
    medians = {name: statistics.median(values) for name, values in runs.items()}
    bare, torch_import = medians["python -c pass"], medians["python -c 'import torch'"]
    print(f"load average {os.getloadavg()[0]:.1f}; {repeats} runs each, median")
    print(f"{'command':40} {'median s':>9} {'max s':>7} {'/ python':>9} {'/ import torch':>15}")
    for name, median in medians.items():
        print(f"{name:40} {median:9.3f} {max(runs[name]):7.3f} {median / bare:9.1f} "
              f"{median / torch_import:15.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
