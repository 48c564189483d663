"""`rnnviz lab`: JSON summary with the promised keys, exit 2 with a message for bad arguments."""

from __future__ import annotations

import json

import pytest
import torch

from rnnviz.lab.cli import main


@pytest.fixture(autouse=True)
def restore_threads():
    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)


def test_json_summary_has_the_promised_fields(capsys, tmp_path):
    path = tmp_path / "model.pt"
    argv = ["--task", "copy", "--cell", "gru", "--lag", "3", "--seed", "7", "--steps", "40",
            "--hidden-size", "8", "--format", "json", "--save", str(path)]  # fmt: skip
    assert main(argv) == 0
    summary = json.loads(capsys.readouterr().out)
    for key in ("final_accuracy", "baseline", "solved", "steps", "seconds", "status"):
        assert key in summary
    assert summary["steps"] <= 40 and summary["seed"] == 7 and summary["baseline"] == 0.125
    state = torch.load(path, weights_only=True)
    assert state["rnn.weight_hh_l0"].shape == (24, 8) and state["head.weight"].shape == (8, 8)


def test_adding_reports_final_mse_in_text(capsys):
    assert main(["--task", "adding", "--cell", "lstm", "--lag", "5", "--steps", "20"]) == 0
    out = capsys.readouterr().out
    assert "lstm on adding (lag 5, seed 0)" in out and "final_mse" in out and "baseline" in out


@pytest.mark.parametrize(
    ("argv", "phrase"),
    [
        (["--lag", "0"], "lag for adding must be between 2 and 1000"),
        (["--lr", "-1"], "lr must be a positive number"),
        (["--budget-seconds", "0"], "budget_seconds must be a positive number"),
        (["--clip", "0"], "clip must be a positive number"),
        (["--save", "/no/such/folder/m.pt"], "does not exist"),
    ],
)
def test_bad_values_exit_2_with_a_message(capsys, argv, phrase):
    assert main(argv) == 2
    assert phrase in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["--cell", "transformer"], ["--lag", "ten"], ["--task", "x"]])
def test_bad_choices_exit_2(capsys, argv):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    assert "invalid" in capsys.readouterr().err
