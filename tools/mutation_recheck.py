"""Re-run each mutant `mutmut` reports as survived, alone, on the tests its stats say reach it and
on --extra test files (tests written after mutmut's stats run, or that its stats do not map).

mutmut 3.8's forked runs reported mutants as survived that fail the tests when run alone (for
example `sigmoid` returning None), so every survivor is checked again here before it is counted or
explained. One process: mutmut's trampolines read MUTANT_UNDER_TEST at each call, so each mutant is
one `pytest.main` with the variable set. Run from the folder holding `mutants/`:

    python tools/mutation_recheck.py [--extra tests/engine/test_x.py ...] > recheck.tsv
"""

from __future__ import annotations

import argparse
import contextlib
import io
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
    parser.add_argument("--extra", nargs="*", default=[], help="test files run for every survivor")
    args = parser.parse_args()
    names = survivors()
    stats = json.loads(Path("mutants/mutmut-stats.json").read_text())
    tests_of = stats["tests_by_mangled_function_name"]
    for key, value in (("OMP_NUM_THREADS", "1"), ("HYPOTHESIS_PROFILE", "mutation")):
        os.environ.setdefault(key, value)
    os.chdir("mutants")
    sys.path.insert(0, os.getcwd())
    import pytest

    for name in names:
        tests = sorted(tests_of.get(name.rsplit("__mutmut_", 1)[0], [])) + args.extra
        os.environ["MUTANT_UNDER_TEST"] = name
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            code = pytest.main(["-x", "-q", "-p", "no:cacheprovider", *tests])
        verdict = {0: "survived", 5: "no tests"}.get(int(code), "killed")
        print(f"{name}\t{verdict}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
