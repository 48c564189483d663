"""The command line's manners: exact flags only (no silent abbreviations), the closest flag or
value suggested for a typo, every option's default in --help, errors naming the flag, and no
torch/numpy/pandas imported before the arguments are parsed (so --help answers at once)."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import pytest

import rnnviz
from rnnviz.cli import build_parser, main
from rnnviz.cli.parser import flag_names

ROOT = Path(__file__).resolve().parents[2]
SUBCOMMANDS = ("trace", "ui", "lab", "serve")


def run_main(capsys, *argv: str) -> tuple[int, str, str]:
    try:
        status = main(list(argv))
    except SystemExit as exc:
        status = exc.code
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.parametrize(
    ("argv", "suggestion"),
    [
        (["trace", "--text", "a", "--hiden-size", "8"], "did you mean --hidden-size?"),
        (["trace", "--text", "a", "--bidirectonal"], "did you mean --bidirectional?"),
        (["trace", "--text", "a", "--sigma_max", "1"], "did you mean --sigma-max?"),
        (["lab", "--budget-second", "9"], "did you mean --budget-seconds?"),
        (["trace", "--text", "a", "--hidden", "8"], "did you mean --hidden-size?"),  # a prefix
        (["lab", "--task", "adding", "--sav", "m.pt"], "did you mean --save?"),
        (["trcae", "--text", "a"], "did you mean 'trace'?"),
        (["trace", "--text", "a", "--table", "state"], "did you mean 'states'?"),
        (["lab", "--cell", "lstn"], "did you mean 'lstm'?"),
    ],
)
def test_typos_and_abbreviations_are_refused_with_the_closest_name(capsys, argv, suggestion):
    status, out, err = run_main(capsys, *argv)
    assert status == 2 and out == ""
    assert suggestion in err and err.count("\n") == 1 and "Traceback" not in err


def test_arguments_after_a_double_dash_are_named_not_mistaken_for_help(capsys):
    """`-- --cell` made argparse's '--' the unknown word, and every flag starts with '--'."""
    status, out, err = run_main(capsys, "trace", "--text", "a", "--", "--cell")
    assert status == 2 and out == "" and err.count("\n") == 1
    assert "after '--': --cell" in err and "did you mean" not in err


def test_python_m_rnnviz_serve_parses_like_rnnviz_serve(capsys):
    """The module's own entry point: exact flags (no --work for --workers), one-line errors."""
    from rnnviz.serve.cli import main as serve_main

    for argv, said in ((["--work", "1"], "did you mean --workers?"), (["--bogus"], "--bogus")):
        with pytest.raises(SystemExit) as stop:
            serve_main(argv)
        err = capsys.readouterr().err
        assert stop.value.code == 2 and said in err and err.count("\n") == 1


def test_an_abbreviation_is_never_taken_for_the_flag(capsys):
    """allow_abbrev=False everywhere: `--hidden 8` must not silently run with --hidden-size 8."""
    parser = build_parser()
    parsers = [parser, *parser._subparsers._group_actions[0].choices.values()]
    assert all(isinstance(p, argparse.ArgumentParser) and not p.allow_abbrev for p in parsers)
    status, out, _ = run_main(capsys, "trace", "--text", "a b", "--hid", "3", "--format", "csv")
    assert status == 2 and out == ""


def test_a_bad_choice_names_the_allowed_values(capsys):
    status, _, err = run_main(capsys, "trace", "--text", "a", "--format", "xml")
    assert status == 2 and "invalid choice: 'xml' (choose from 'json', 'csv')" in err
    status, _, err = run_main(capsys, "trace", "--text", "a", "--cell", "transformer")
    assert status == 2 and "Unknown --cell 'transformer': choose one of elman, lstm, gru." in err


def test_loose_words_are_explained(capsys):
    status, _, err = run_main(capsys, "trace", "--text", "John", "lives", "here")
    assert status == 2 and "unrecognized arguments: lives here (quote a value" in err


@pytest.mark.parametrize("command", SUBCOMMANDS)
def test_every_option_help_shows_its_default(capsys, command):
    parser = build_parser()
    sub = parser._subparsers._group_actions[0].choices[command]
    status, out, _ = run_main(capsys, command, "--help")
    assert status == 0
    options = [a for a in sub._actions if a.option_strings and a.default is not argparse.SUPPRESS]
    for action in options:
        if action.dest in ("text", "text_file"):  # one of the two is required: no default
            continue
        flag = action.option_strings[-1]
        # the flag's help paragraph, up to the next option
        body = out.split("options:", 1)[1]
        paragraph = body.split("\n  " + flag, 1)[1].split("\n  -", 1)[0]
        assert "default" in paragraph, f"{command} {flag}: no default in --help"


def test_errors_use_the_flag_not_the_field():
    flags = {"hidden_size": "--hidden-size", "num_layers": "--layers", "cell": "--cell",
             "max_tokens": "--max-tokens", "lag": "--lag"}  # fmt: skip
    assert flag_names("hidden_size must be between 1 and 1024", flags) == (
        "--hidden-size must be between 1 and 1024"
    )
    assert flag_names("num_layers must be", flags) == "--layers must be"
    assert flag_names("Unknown cell 'x': the cell R", flags) == "Unknown --cell 'x': the cell R"
    assert flag_names("more than max_tokens=3", flags) == "more than --max-tokens=3"
    assert flag_names("lag for adding must be", flags) == "--lag for adding must be"
    assert flag_names("the lag of a cell", flags) == "the lag of a cell"  # prose stays prose
    assert flag_names("--hidden-size already", flags) == "--hidden-size already"


def test_version_and_no_command(capsys):
    status, out, _ = run_main(capsys, "--version")
    assert status == 0 and out.strip() == f"rnnviz {rnnviz.__version__}"
    status, _, err = run_main(capsys)
    assert status == 2 and all(name in err for name in SUBCOMMANDS)


def test_serve_says_it_is_not_available_until_its_module_exists(capsys):
    import importlib.util

    if importlib.util.find_spec("rnnviz.serve") is not None:
        pytest.skip("rnnviz.serve exists: its own tests cover `rnnviz serve`")
    status, _, err = run_main(capsys, "serve")
    assert status == 2 and "not available yet" in err


@pytest.mark.parametrize("argv", [["--help"], *[[name, "--help"] for name in SUBCOMMANDS]])
def test_help_imports_no_torch_numpy_or_pandas(argv):
    """-X importtime lists every module the process imported: none of the heavy ones."""
    run = subprocess.run([sys.executable, "-X", "importtime", "-m", "rnnviz", *argv],
                         capture_output=True, text=True, timeout=60,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})  # fmt: skip
    assert run.returncode == 0 and "usage: rnnviz" in run.stdout
    imported = {line.rsplit("|", 1)[-1].strip() for line in run.stderr.splitlines() if "|" in line}
    assert "rnnviz.cli" in imported  # the listing works
    heavy = {name for name in imported if name.split(".")[0] in ("torch", "numpy", "pandas")}
    assert not heavy, sorted(heavy)[:5]


def test_lazy_package_offers_the_readme_names():
    names = dir(rnnviz)
    for name in (
        "unroll",
        "UnrollConfig",
        "Trace",
        "RnnvizError",
        "tables",
        "graph",
        "formula",
        "lab",
    ):
        assert name in names
    code = "import rnnviz; t = rnnviz.unroll('a b', cell='gru'); print(len(rnnviz.tables.states_frame(t)) > 0, rnnviz.formula.nested_formula(2))"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert run.stdout.split()[0] == "True" and "R(R(s_0, x_1), x_2)" in run.stdout
    with pytest.raises(AttributeError, match="no attribute 'nonsense'"):
        rnnviz.nonsense  # noqa: B018


def test_importing_the_submodule_does_not_hide_the_function():
    """`import rnnviz.unroll` binds the submodule on the package; rnnviz.unroll stays callable."""
    code = ("import rnnviz.unroll, rnnviz.lab.train, rnnviz; from rnnviz.lab import train; "
            "print(callable(rnnviz.unroll), callable(train), callable(rnnviz.lab.train))")  # fmt: skip
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})  # fmt: skip
    assert run.returncode == 0 and run.stdout.split() == ["True", "True", "True"], run.stderr
