"""Re-run each mutant `mutmut` reports as survived, alone, on the tests its stats say reach it
(and on --extra test files, which mutmut's stats may not map).

mutmut 3.8's forked runs reported some mutants as survived that fail the tests when run alone
(for example `sigmoid` returning None), so every survivor is checked again here, in a fresh
process per mutant, before it is counted or explained. Run from the folder holding `mutants/`:

    python tools/mutation_recheck.py [--timeout 120] [--extra tests/engine/test_x.py ...] > recheck.tsv
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path


def survivors() -> list[str]:
    out = subprocess.run(
        [sys.executable, "-m", "mutmut", "results"], capture_output=True, text=True, check=False
    ).stdout
    return [line.split(":")[0].strip() for line in out.splitlines() if line.endswith(": survived")]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--extra", nargs="*", default=[], help="test files run for every survivor")
    args = parser.parse_args()
    stats = json.loads(Path("mutants/mutmut-stats.json").read_text())["tests_by_mangled_function_name"]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    env.setdefault("HYPOTHESIS_PROFILE", "mutation")
    env.pop("PYTHONPATH", None)
    for name in survivors():
        tests = sorted(stats.get(name.rsplit("__mutmut_", 1)[0], [])) + args.extra
        if not tests:
            print(f"{name}\tno tests", flush=True)
            continue
        command = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *tests]
        try:
            done = subprocess.run(
                command, cwd="mutants", env={**env, "MUTANT_UNDER_TEST": name},
                capture_output=True, text=True, timeout=args.timeout, check=False,
            )
            verdict = "survived" if done.returncode == 0 else "killed"
        except subprocess.TimeoutExpired:
            verdict = "timeout"
        print(f"{name}\t{verdict}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
