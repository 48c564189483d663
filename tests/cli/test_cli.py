"""The command line, run as a user runs it: `python -m rnnviz ...` in a subprocess."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rnnviz.cli import main
from rnnviz.cli.ui import STREAMLIT_SETTINGS, app_script, ui_command
from rnnviz.errors import RnnvizError
from rnnviz.serve.workers import healthy

ROOT = Path(__file__).resolve().parents[2]
SENTENCE = "John lives in Salt Lake City"
FLOW_COLUMNS = ["t", "token", "direction", "lag", "log10_grad_norm", "log10_jacobian_norm"]


def rnnviz_cli(
    *args: str, stdin: str | None = None, timeout: float = 120
) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    return subprocess.run(
        [sys.executable, "-m", "rnnviz", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        env=env,
    )


def test_trace_json_has_config_summary_and_tables():
    run = rnnviz_cli("trace", "--text", SENTENCE, "--cell", "lstm", "--hidden-size", "8",
                     "--seed", "0", "--bidirectional", "--table", "all")  # fmt: skip
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["config"]["cell"] == "lstm" and report["config"]["hidden_size"] == 8
    assert report["config"]["bidirectional"] is True
    assert report["tokens"] == SENTENCE.split()
    assert report["summary"]["seq_len"] == 6
    tables = report["tables"]
    assert set(tables) == {"gradient_flow", "states", "gates", "outputs", "singular_values"}
    flow = tables["gradient_flow"]
    assert len(flow) == 6 * 2  # one row per (direction, t)
    assert set(FLOW_COLUMNS) <= set(flow[0])
    assert {row["t"] for row in flow} == set(range(1, 7))
    assert len(tables["gates"]) == 6 * 1 * 2 * 4 * 8  # T * L * K * gates * H
    assert {row["part"] for row in tables["states"]} == {"h", "c"}


def test_trace_csv_prints_the_chosen_table():
    run = rnnviz_cli("trace", "--text", SENTENCE, "--cell", "gru", "--hidden-size", "4",
                     "--format", "csv")  # fmt: skip
    assert run.returncode == 0, run.stderr
    rows = list(csv.DictReader(io.StringIO(run.stdout)))
    assert list(rows[0])[: len(FLOW_COLUMNS)] == FLOW_COLUMNS
    assert [int(r["t"]) for r in rows] == [1, 2, 3, 4, 5, 6]
    assert [r["token"] for r in rows] == SENTENCE.split()
    assert float(rows[0]["log10_grad_norm"]) < float(rows[-1]["log10_grad_norm"]) + 10
    outputs = rnnviz_cli("trace", "--text", "a b c", "--output-size", "3", "--format", "csv",
                         "--table", "outputs")  # fmt: skip
    out_rows = list(csv.DictReader(io.StringIO(outputs.stdout)))
    assert list(out_rows[0]) == ["t", "token", "unit", "value"] and len(out_rows) == 3 * 3


def test_trace_reads_stdin_and_prints_the_graph():
    run = rnnviz_cli("trace", "--text-file", "-", "--cell", "elman", "--graph", "op",
                     "--pattern", "transducer", stdin="the cat sat\n")  # fmt: skip
    assert run.returncode == 0, run.stderr
    graph = json.loads(run.stdout)
    ids = [node["id"] for node in graph["nodes"]]
    assert {"x[1]", "a[l1,fwd,3]", "s[l1,fwd,3]", "loss[3]", "loss"} <= set(ids)
    assert graph["graph"]["tokens"] == ["the", "cat", "sat"]
    assert all("source" in e and "target" in e for e in graph["edges"])


def test_trace_reads_a_text_file(tmp_path, capsys):
    path = tmp_path / "sentence.txt"
    path.write_text("ünïcode wörds here", encoding="utf-8")
    status, out, err = in_process(capsys, "trace", "--text-file", str(path), "--format", "csv")
    assert status == 0, err
    tokens = [r["token"] for r in csv.DictReader(io.StringIO(out))]
    assert tokens == ["ünïcode", "wörds", "here"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--cell", "transformer"], "Unknown --cell 'transformer': choose one of elman, lstm, gru"),
        (["--hidden-size", "0"], "--hidden-size must be between 1 and 1024, got 0"),
        (["--hidden-size", str(10**9)], "--hidden-size must be between 1 and 1024"),
        (["--text", ""], "The text is empty"),
        (["--max-tokens", "3"], "more than --max-tokens=3"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(args, message):
    run = rnnviz_cli("trace", "--text", SENTENCE, *args)
    assert run.returncode == 2
    assert message in run.stderr
    assert "Traceback" not in run.stderr
    assert run.stderr.startswith("rnnviz trace: error: ")
    assert run.stderr.count("\n") == 1 and run.stdout == ""


def in_process(capsys, *args: str) -> tuple[int, str, str]:
    """main(argv) in this process (fast): exit status, stdout, stderr; argparse's exits included."""
    try:
        status = main(list(args))
    except SystemExit as exc:
        status = exc.code
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--pattern", "seq2seq"], "Unknown --pattern 'seq2seq'"),
        (["--forget-bias", "1", "--cell", "gru"], "--forget-bias applies to the LSTM only"),
        (["--init", "identity", "--cell", "lstm"], "IRNN"),
        (["--table", "all", "--format", "csv"], "CSV holds one table"),
        (["--graph", "cell", "--format", "csv"], "--graph prints node-link JSON"),
        (["--graph", "op", "--table", "states"], "drop --table"),  # --table was ignored
        (["--activation", "relu", "--cell", "lstm"], "applies to the Elman cell only"),
        (["--text-file", "/no/such/file.txt"], "no such file"),
        (["--spectral-radius", "1", "--sigma-max", "1"], "not both"),
    ],
)
def test_more_bad_arguments_in_process(capsys, args, message):
    source = [] if "--text-file" in args else ["--text", SENTENCE]
    status, out, err = in_process(capsys, "trace", *source, *args)
    assert status == 2 and out == ""
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_argparse_errors_and_no_command_exit_2(capsys):
    status, _, err = in_process(capsys, "trace", "--text", "a", "--hidden-size", "many")
    assert status == 2 and "invalid int value: 'many'" in err
    status, _, err = in_process(capsys, "trace", "--cell", "lstm")
    assert status == 2 and "one of the arguments --text --text-file is required" in err
    status, _, err = in_process(capsys)
    assert status == 2 and "trace" in err and "ui" in err


def test_too_many_tokens_by_default(capsys):
    status, _, err = in_process(capsys, "trace", "--text", " ".join(["w"] * 10_001))
    assert status == 2 and "10,001 tokens" in err


def test_exploding_run_warns_on_stderr_and_still_prints(capsys):
    words = " ".join(f"w{i}" for i in range(120))
    status, out, err = in_process(capsys, "trace", "--text", words, "--cell", "elman",
                                  "--activation", "identity", "--init-scale", "1e6",
                                  "--format", "csv")  # fmt: skip
    assert status == 0
    assert "rnnviz trace: warning: The state became NaN or inf" in err
    assert "Traceback" not in err and "RuntimeWarning" not in err
    assert len(list(csv.DictReader(io.StringIO(out)))) == 120
    status, out, err = in_process(capsys, "trace", "--text", words, "--cell", "elman",
                                  "--activation", "identity", "--init-scale", "1e6",
                                  "--graph", "cell")  # fmt: skip
    assert status == 0 and json.loads(out)["graph"]["seq_len"] == 120  # strict JSON despite NaN


def test_lab_is_wired(capsys):
    status, out, _ = in_process(capsys, "lab", "--help")
    assert status == 0 and "--task" in out
    status, _, err = in_process(capsys, "lab", "--cell", "transformer")
    assert status == 2 and "Traceback" not in err


def test_ui_command_binds_localhost_and_finds_the_app(capsys):
    command = ui_command(8765, "127.0.0.1", headless=True)
    assert command[1:4] == ["-m", "streamlit", "run"]
    # explorer/main.py once the app moves there; until then the root's streamlit_app.py
    expected = ROOT / "explorer" / "main.py"
    assert (
        Path(command[4])
        == app_script()
        == (expected if expected.is_file() else ROOT / "streamlit_app.py")
    )
    assert command[command.index("--server.address") + 1] == "127.0.0.1"
    assert command[command.index("--server.port") + 1] == "8765"
    with pytest.raises(RnnvizError, match="65535"):
        ui_command(0, "127.0.0.1")
    status, _, err = in_process(capsys, "ui", "--port", "70000")  # refused before any start
    assert status == 2 and "--port must be between" in err


def test_ui_passes_every_setting_of_the_repository_config_on_the_command_line():
    """An installed wheel run elsewhere never reads .streamlit/config.toml: the command line must
    say all of it. Read the file itself, so a setting added there and not here fails."""
    import tomllib

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    wanted = {
        f"{section}.{key}": value for section, keys in config.items() for key, value in keys.items()
    }
    command = ui_command(8765, "127.0.0.1")
    given = {command[i][2:]: command[i + 1] for i in range(5, len(command), 2)}
    for name, value in wanted.items():
        assert name in given, f"{name} missing from `rnnviz ui`'s command line"
        shown = str(value).lower() if isinstance(value, bool) else str(value)
        assert given[name] == shown, (name, given[name], shown)
    assert {"server.maxUploadSize", "theme.base", "client.showErrorDetails"} <= {
        n for n, _ in STREAMLIT_SETTINGS
    }


def test_ui_finds_the_app_without_importing_explorer():
    code = ("import sys; from rnnviz.cli.ui import app_script; print(app_script()); "
            "print(any(m == 'explorer' or m.startswith('explorer.') for m in sys.modules))")  # fmt: skip
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, env={**os.environ, "PYTHONPATH": str(ROOT)}, cwd="/")  # fmt: skip
    assert run.returncode == 0, run.stderr
    path, imported = run.stdout.split()
    assert Path(path).is_file() and imported == "False"


def test_ui_without_streamlit_says_how_to_install(monkeypatch, capsys):
    import importlib.util

    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "streamlit" else real_find_spec(name, *a),
    )
    status, _, err = in_process(capsys, "ui", "--port", "8600")
    assert status == 2 and "pip install 'streamlit>=1.67'" in err


@pytest.mark.slow
def test_ui_serves_the_app_on_localhost_from_another_directory(tmp_path):
    from tools.apphost import free_port

    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "rnnviz", "ui", "--port", str(port), "--headless"]
    process = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and not healthy("127.0.0.1", port):
            time.sleep(0.5)
        assert healthy("127.0.0.1", port)
    finally:
        process.terminate()
        process.wait(timeout=30)
