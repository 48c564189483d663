"""Re-run mutants `mutmut` reports as survived, each alone, on the tests its stats say reach it and
on --extra test files (tests written after mutmut's stats run, or that its stats do not map).

mutmut 3.8's forked runs reported mutants as survived that fail the tests when run alone (for
example `sigmoid` returning None), so survivors are checked again here before they are counted or
explained. Each mutant runs in a child forked from a parent that has imported the libraries but run
no test (running mutants one after another in one process leaks state: a later mutant was reported
killed that survives alone). The survivors are taken in a seeded random order, so the first
--limit of them are a fair sample. Run from the folder holding `mutants/`:

    python tools/mutation_recheck.py [--limit N] [--shard K/N] [--extra tests/x.py ...] > recheck.tsv
    python tools/mutation_recheck.py --only-extra --extra tests/x.py --names MUTANT ...
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import random
import subprocess
import sys
from pathlib import Path


def survivors() -> list[str]:
    out = subprocess.run(
        [sys.executable, "-m", "mutmut", "results"], capture_output=True, text=True, check=False
    ).stdout
    return [line.split(":")[0].strip() for line in out.splitlines() if line.endswith(": survived")]


def run_alone(name: str, tests: list[str]) -> str:
    """pytest in a forked child with the mutant active: killed, survived, or what went wrong."""
    pid = os.fork()
    if pid == 0:  # the child: never returns
        import pytest

        os.environ["MUTANT_UNDER_TEST"] = name
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            code = int(pytest.main(["-x", "-q", "-p", "no:cacheprovider", *tests]))
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    return {0: "survived", 1: "killed", 5: "no tests"}.get(code, f"error {code}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--extra", nargs="*", default=[], help="test files run for every survivor")
    parser.add_argument("--limit", type=int, help="recheck only the first N (a random sample)")
    parser.add_argument(
        "--only-extra",
        action="store_true",
        help="run only the --extra tests: which survivors do tests written since the run kill?",
    )
    parser.add_argument(
        "--shard",
        default="1/1",
        help="K/N: every N-th survivor from the K-th (one process per core)",
    )
    parser.add_argument("--names", nargs="*", help="recheck these mutants, not every survivor")
    args = parser.parse_args()
    names = args.names or survivors()
    random.Random(0).shuffle(names)
    k, n = (int(part) for part in args.shard.split("/"))
    names = names[: args.limit][k - 1 :: n]
    tests_of = json.loads(Path("mutants/mutmut-stats.json").read_text())
    tests_of = tests_of["tests_by_mangled_function_name"]
    for key, value in (("OMP_NUM_THREADS", "1"), ("HYPOTHESIS_PROFILE", "mutation")):
        os.environ.setdefault(key, value)
    os.chdir("mutants")
    sys.path.insert(0, os.getcwd())
    import numpy  # noqa: F401 - the heavy imports once, in the parent; no test runs here
    import pandas  # noqa: F401
    import torch  # noqa: F401

    for name in names:
        reached = [] if args.only_extra else tests_of.get(name.rsplit("__mutmut_", 1)[0], [])
        tests = sorted(reached) + args.extra
        print(f"{name}\t{run_alone(name, tests)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
