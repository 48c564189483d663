"""`rnnviz lab`: JSON summary with the promised keys, exit 2 with a message naming the flag for bad
arguments, --save checked before training and loadable by rnnviz.unroll as written."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

import rnnviz
from rnnviz.cli import main as cli_main

ROOT = Path(__file__).resolve().parents[2]


def main(argv: list[str]) -> int:
    return cli_main(["lab", *argv])


@pytest.fixture(autouse=True)
def restore_threads():
    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)


def test_json_summary_has_the_promised_fields_and_the_save_loads_into_unroll(capsys, tmp_path):
    path = tmp_path / "model.pt"
    argv = ["--task", "copy", "--cell", "gru", "--lag", "3", "--seed", "7", "--steps", "40",
            "--hidden-size", "8", "--format", "json", "--save", str(path)]  # fmt: skip
    assert main(argv) == 0
    summary = json.loads(capsys.readouterr().out)
    for key in ("final_accuracy", "baseline", "solved", "steps", "seconds", "status"):
        assert key in summary
    assert summary["steps"] <= 40 and summary["seed"] == 7 and summary["baseline"] == 0.125
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.pt"]  # no temporary left
    state = torch.load(path, weights_only=True)
    assert state["rnn.weight_hh_l0"].shape == (24, 8) and state["head.weight"].shape == (8, 8)
    # The whole model's dict goes straight into the explorer's engine: rnn.* read, head.* ignored.
    trace = rnnviz.unroll("a b c", state_dict=torch.load(path, weights_only=True))
    assert trace.config.cell == "gru" and trace.config.hidden_size == 8
    assert torch.equal(trace.rnn.weight_hh_l0.float(), state["rnn.weight_hh_l0"])


def test_adding_reports_final_mse_in_text(capsys):
    assert main(["--task", "adding", "--cell", "lstm", "--lag", "5", "--steps", "20"]) == 0
    out = capsys.readouterr().out
    assert "lstm on adding (lag 5, seed 0)" in out and "final_mse" in out and "baseline" in out


@pytest.mark.parametrize(
    ("argv", "phrase"),
    [
        (["--lag", "0"], "--lag for adding must be between 2 and 1000"),
        (["--lr", "-1"], "--lr must be a positive number"),
        (["--budget-seconds", "0"], "--budget-seconds must be a positive number"),
        (["--clip", "0"], "--clip must be a positive number"),
        (["--seed", str(2**63)], "--seed must be a whole number between 0 and 9223372036854775807"),
        (["--seed", "-1"], "--seed must be a whole number between 0"),
        (["--sigma-max", "1e7"], "--sigma-max must be a number between 0 and 1e+06"),
        (["--sigma-max", "nan"], "--sigma-max must be a number between"),
        (["--batch-size", "100000"], "--batch-size must be a whole number between 1 and 4096"),
        (["--hidden-size", "5000"], "--hidden-size must be a whole number between 1 and 1024"),
        (["--threads", "0"], "--threads must be a whole number between 1 and 64"),
        (["--steps", "0"], "--steps must be a whole number between 1"),
        (
            ["--batch-size", "4096", "--hidden-size", "1024", "--lag", "1000"],
            "lower --batch-size, --hidden-size or --lag",
        ),  # fmt: skip
        (["--save", "/no/such/folder/m.pt"], "does not exist"),
        (["--cell", "gru", "--activation", "relu"], "--activation='relu' applies to the Elman"),
    ],
)
def test_bad_values_exit_2_with_a_message_naming_the_flag(capsys, argv, phrase):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert phrase in err and err.startswith("rnnviz lab: error: ") and err.count("\n") == 1


@pytest.mark.parametrize("argv", [["--cell", "transformer"], ["--lag", "ten"], ["--task", "x"]])
def test_bad_choices_exit_2(capsys, argv):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    assert "invalid" in capsys.readouterr().err


def test_a_run_too_big_for_its_budget_is_refused_before_training(capsys):
    """The estimate counts batch x T x H^2: a budget of 1 s cannot start this step, 1000 s can."""
    from rnnviz.lab.config import TrainConfig

    big = ["--batch-size", "256", "--hidden-size", "1024", "--lag", "200", "--budget-seconds"]
    assert main([*big, "1"]) == 2
    assert "lower --batch-size, --hidden-size or --lag" in capsys.readouterr().err
    TrainConfig(batch_size=256, hidden_size=1024, lag=200, budget_seconds=1000).validate()


def test_a_run_too_big_for_memory_is_refused_whatever_its_budget(capsys):
    """batch 4096 x T 200 x H 1024 would hold ~40 GB of activations: refused before anything."""
    big = ["--batch-size", "4096", "--hidden-size", "1024", "--lag", "200"]
    assert main([*big, "--budget-seconds", "1000000"]) == 2
    assert "GB" in capsys.readouterr().err


def _unwritable_folder() -> Path:
    """/proc takes no new files, even from root (chmod would not stop root)."""
    if not Path("/proc/self").is_dir():
        pytest.skip("needs Linux's /proc")
    return Path("/proc")


@pytest.mark.parametrize(
    ("target", "phrase"),
    [
        (lambda tmp: tmp, "is a folder; give a file name"),
        (lambda tmp: _unwritable_folder() / "model.pt", "cannot write in '/proc'"),
        (lambda tmp: Path("/dev/null"), "exists and is not a regular file"),
        (lambda tmp: tmp / "file.txt" / "model.pt", "is not a folder"),
    ],
    ids=["a folder", "an unwritable folder", "a device", "under a file"],
)
def test_save_target_is_checked_before_training(capsys, tmp_path, target, phrase):
    (tmp_path / "file.txt").write_text("x")
    # 10**7 steps and 1000 s would run for long: an answer at once means nothing was trained.
    argv = ["--steps", "10000000", "--budget-seconds", "1000", "--save", str(target(tmp_path))]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert phrase in err and "Traceback" not in err


def test_summary_to_a_full_disk_ends_with_one_line():
    """stdout on /dev/full: status 1 and one line on stderr, not Python's exit-time traceback."""
    if not Path("/dev/full").exists():
        pytest.skip("needs /dev/full")
    command = [sys.executable, "-m", "rnnviz", "lab", "--task", "copy", "--lag", "2", "--steps",
               "3", "--hidden-size", "4", "--format", "json"]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with open("/dev/full", "w") as full:
        run = subprocess.run(command, stdout=full, stderr=subprocess.PIPE, text=True,
                             timeout=120, env=env)  # fmt: skip
    assert run.returncode == 1
    assert run.stderr == "rnnviz lab: error: cannot write to stdout (No space left on device).\n"


def test_train_uses_the_configured_threads_and_restores_them():
    """rnnviz.lab.train sets torch's threads as --threads does, for the run only."""
    from rnnviz.lab import TrainConfig, train

    torch.set_num_threads(2)
    seen = []
    config = TrainConfig(
        task="copy", cell="gru", lag=2, hidden_size=4, max_steps=100, eval_every=50
    )
    train(config, on_progress=lambda step, metrics: seen.append(torch.get_num_threads()) or True)
    assert seen and set(seen) == {1}
    assert torch.get_num_threads() == 2
