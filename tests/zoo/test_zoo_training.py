"""Training code runs end to end (a few steps, not the shipped budget) and ships loadable files."""

from __future__ import annotations

import json

import pytest
import torch

import rnnviz
from rnnviz.zoo import train as cli
from rnnviz.zoo.training import train_one


@pytest.mark.slow  # reads the 3.7 M training characters
def test_train_one_ships_a_loadable_char_lm(tmp_path):
    result = train_one("charlm-gru", seed=1, out_dir=str(tmp_path), steps=3, eval_chars=3000)
    assert result["name"] == "charlm-gru" and result["path"].endswith("charlm-gru.pt")
    assert 0 < result["held_out_bits_per_char"] < 10
    state = torch.load(result["path"], weights_only=True)
    assert all(v.dtype == torch.float32 for v in state.values())
    meta = json.loads((tmp_path / "charlm-gru.json").read_text())
    assert meta["training"]["options"]["steps"] == 3 and meta["labels"][0] == "\ufffd"
    rnn = {k[4:]: v for k, v in state.items() if k.startswith("rnn.")}
    assert rnnviz.infer_config(rnn)["cell"] == "gru"


@pytest.mark.slow
def test_a_zoo_model_trains_as_a_distributed_trial(tmp_path):
    """The CLI hands `train_trial` to run_trials, which calls it with one dict per trial."""
    from rnnviz.distributed import run_trials
    from rnnviz.zoo.training import train_trial

    trial = {"name": "charlm-gru", "seed": 1, "out_dir": str(tmp_path), "steps": 2}
    (row,) = run_trials(train_trial, [{**trial, "eval_chars": 2000}], workers=0)
    assert "error" not in row and row["path"].endswith("charlm-gru.pt")


@pytest.mark.slow
@pytest.mark.parametrize("penalty", ["tar", "tv"])
def test_each_penalty_changes_what_a_char_lm_learns(tmp_path, penalty):
    """charlm-lstm's TAR and TV terms are in the loss: the same seed and steps without one of them
    end elsewhere."""
    runs = [
        train_one(
            "charlm-lstm",
            seed=0,
            out_dir=str(tmp_path / k),
            steps=2,
            eval_chars=2000,
            **{penalty: w},
        )
        for k, w in (("with", 10.0), ("without", 0.0))
    ]
    a, b = (torch.load(r["path"], weights_only=True) for r in runs)
    assert not torch.equal(a["rnn.weight_hh_l0"], b["rnn.weight_hh_l0"])


@pytest.mark.slow
def test_train_one_is_seeded(tmp_path):
    a = train_one("charlm-elman", seed=2, out_dir=str(tmp_path / "a"), steps=2, eval_chars=2000)
    b = train_one("charlm-elman", seed=2, out_dir=str(tmp_path / "b"), steps=2, eval_chars=2000)
    sa, sb = (torch.load(r["path"], weights_only=True) for r in (a, b))
    assert all(torch.equal(sa[k], sb[k]) for k in sa)


def test_a_tagger_trains_when_faker_is_installed(tmp_path):
    pytest.importorskip("faker")
    result = train_one("tagger-gru", seed=0, out_dir=str(tmp_path), steps=3, sentences=300, batch=8)
    assert 0 <= result["held_out_token_accuracy"] <= 1


def test_a_failed_trial_is_reported_not_fatal():
    from rnnviz.distributed import run_trials
    from rnnviz.zoo.training import train_trial

    seen = []
    results = run_trials(
        train_trial,
        [{"name": "tagger-transformer", "seed": 0}],
        workers=0,
        on_result=lambda *args: seen.append(args),
    )
    assert results[0]["status"] == "failed" and "Unknown model" in results[0]["error"]
    assert seen == [(0, 1, results[0])]


def test_the_cli_reports_each_trial_as_run_trials_finishes_it(monkeypatch, capsys):
    """run_trials calls on_result(index, total, row); the CLI prints progress and fails with 1."""

    def fake_run_trials(func, trials, cluster=None, workers=None, on_result=None):
        with pytest.raises(rnnviz.RnnvizError, match="Unknown model 'tagger-transformer'"):
            func({"name": "tagger-transformer", "seed": 0})  # one dict per trial, as run_trials
        rows = [{**t, "status": "failed", "error": "worker lost"} for t in trials]
        for index, row in enumerate(rows):
            on_result(index, len(trials), row)
        return rows

    monkeypatch.setattr(cli, "run_trials", fake_run_trials)
    assert cli.main(["--only", "charlm-gru", "--only", "charlm-lstm"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == ["[1/2]", "[2/2]"]
    assert json.loads(lines[1].split(" ", 1)[1])["name"] == "charlm-lstm"


def test_a_bad_cluster_address_is_a_message_not_a_traceback(capsys):
    assert cli.main(["--only", "charlm-gru", "--cluster", "bogus"]) == 2
    err = capsys.readouterr().err
    assert "cluster must be a Dask scheduler address" in err and "Traceback" not in err
