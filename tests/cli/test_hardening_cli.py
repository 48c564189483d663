"""Property tests for the `rnnviz trace` command: any argument list ends in exit 0 with strict
JSON / CSV on stdout, or exit 2 with a one-line error on stderr. Never a traceback.

Most cases call `rnnviz.cli.main(argv)` in-process (fast); a few run the real console script to
cover what only a process sees: undecodable bytes in argv and text on stdin.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import subprocess
import sys
import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

cli = pytest.importorskip("rnnviz.cli")

any_character = st.characters(codec=None, exclude_categories=())
values = st.one_of(
    st.integers(-5, 40).map(str),
    st.sampled_from(["nan", "inf", "-inf", "1e308", "1e-320", "0", "", "lstm", "gru", "elman"]),
    st.sampled_from(["tanh", "relu", "orthogonal", "encoder-decoder", "char", "99999999999999"]),
    st.text(any_character, max_size=6),
)
OPTION_FLAGS = (
    "--cell", "--hidden-size", "--input-size", "--layers", "--seed", "--activation", "--init",
    "--init-scale", "--spectral-radius", "--sigma-max", "--forget-bias", "--pattern",
    "--output-size", "--tokenize", "--max-tokens",
)  # fmt: skip
options = st.lists(st.tuples(st.sampled_from(OPTION_FLAGS), values), max_size=4)
outputs = st.sampled_from(
    [[], ["--table", "all"], ["--table", "states", "--format", "csv"], ["--graph", "cell"],
     ["--format", "csv", "--table", "all"], ["--graph", "op", "--format", "csv"]]
)  # fmt: skip


def run_main(argv: list[str]) -> tuple[int, str, str]:
    """main(argv) with stdout/stderr captured; argparse's SystemExit becomes its exit code."""
    out, err = io.StringIO(), io.StringIO()
    with (
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
        warnings.catch_warnings(),
    ):
        warnings.simplefilter("ignore")
        try:
            code = cli.main(argv)
        except SystemExit as stop:
            code = stop.code
    return code, out.getvalue(), err.getvalue()


def strict_json(text: str):
    def refuse(constant):
        raise ValueError(f"non-standard JSON constant {constant}")

    return json.loads(text, parse_constant=refuse)


def check_cli_outcome(argv: list[str], code, out: str, err: str) -> None:
    assert "Traceback" not in err, err[-2000:]
    assert code in (0, 2), (argv, code, err[-500:])
    if code == 2:
        lines = [line for line in err.splitlines() if "error:" in line]
        assert len(lines) == 1, err[-1000:]  # one message a person reads (after usage, if any)
        return
    if "--format" in argv and argv[argv.index("--format") + 1] == "csv" and "--graph" not in argv:
        rows = list(csv.reader(io.StringIO(out)))
        assert len(rows) >= 2 and len(rows[0]) >= 3, out[:300]
    else:
        document = strict_json(out)
        assert isinstance(document, dict) and document, out[:300]


@settings(max_examples=60, deadline=None)
@given(
    text=st.one_of(st.text(any_character, max_size=40), st.just("John lives in Salt Lake City")),
    options=options,
    output=outputs,
)
def test_trace_answers_any_arguments_with_output_or_one_error(text, options, output):
    argv = ["trace", "--text", text, *[item for pair in options for item in pair], *output]
    if not any(flag == "--hidden-size" for flag, _ in options):
        argv += ["--hidden-size", "3"]  # keep the valid runs small
    check_cli_outcome(argv, *run_main(argv))


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["trace"],
        ["nonsense"],
        ["trace", "--text", "a", "--text-file", "x"],
        ["trace", "--text-file", "/nonexistent/file.txt"],
        ["trace", "--text-file", "/"],
        ["trace", "--text", "a b", "--hidden-size", "100000"],
        ["trace", "--text", "a " * 20_000],
        ["trace", "--text", "a b", "--forget-bias", "3", "--cell", "gru"],
    ],
    ids=lambda argv: " ".join(argv)[:40] or "no arguments",
)
def test_bad_invocations_exit_2_with_one_error_line(argv):
    code, out, err = run_main(argv)
    assert code == 2, (code, err)
    assert "Traceback" not in err
    # One "error:" line that says what was wrong; with no arguments at all, the help instead.
    said = [line for line in err.splitlines() if "error:" in line]
    assert len(said) == 1 or (argv == [] and err.startswith("usage:")), err


def test_real_process_with_undecodable_argv_bytes_and_stdin():
    script = [sys.executable, "-m", "rnnviz"]
    bad_bytes = subprocess.run(
        [*script, "trace", "--text", b"caf\xe9 \xff\xfe end", "--hidden-size", "2"],
        capture_output=True,
        timeout=120,
    )
    assert b"Traceback" not in bad_bytes.stderr, bad_bytes.stderr[-2000:]
    assert bad_bytes.returncode in (0, 2), bad_bytes.stderr[-500:]
    if bad_bytes.returncode == 0:
        strict_json(bad_bytes.stdout.decode("utf-8", "surrogateescape"))

    piped = subprocess.run(
        [*script, "trace", "--text-file", "-", "--hidden-size", "2", "--cell", "gru"],
        input="שלום 👍 world\x00\n".encode(),
        capture_output=True,
        timeout=120,
    )
    assert piped.returncode == 0, piped.stderr[-2000:]
    assert strict_json(piped.stdout.decode())["tokens"][0] == "שלום"


def test_property_tests_run_derandomized_without_deadline():
    """tests/conftest.py's profile: the same examples on every run, no flaky per-example deadline."""
    assert settings().derandomize is True and settings().deadline is None
