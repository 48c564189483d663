"""Training: the loss goes down, clipping bounds the update, NaN/inf stops the run with advice,
the progress callback can stop it, and the result exports to the explorer."""

from __future__ import annotations

import io
import json
import math

import numpy as np
import pytest
import torch

import rnnviz
from rnnviz import RnnvizError
from rnnviz.lab.train import HISTORY_COLUMNS, TrainConfig, Trainer, train

FAST = dict(eval_size=128, probe_size=4, hidden_size=16)


# Training tests run on one torch thread (as the server and benchmarks do): faster on 2 cores.
pytestmark = pytest.mark.usefixtures("torch_one_thread")


def test_short_training_reduces_the_loss():
    config = TrainConfig(task="copy", cell="gru", lag=4, max_steps=100, eval_every=25,
                         record_every=75, stop_when_solved=False, **FAST)  # fmt: skip
    result = train(config)
    history = result.history
    assert list(history.columns) == list(HISTORY_COLUMNS)
    assert history["step"].tolist() == list(range(25, 101, 25))
    assert history["eval_loss"].iloc[-1] < 0.5 * history["eval_loss"].iloc[0]
    assert history["metric"].iloc[-1] > 2 * result.spec.baseline  # well above chance (1/8)
    assert result.status == "steps" and result.steps == 100


def test_gradient_picture_is_training_step_by_t():
    config = TrainConfig(task="adding", cell="lstm", lag=10, max_steps=60, eval_every=20,
                         record_every=40, stop_when_solved=False, **FAST)  # fmt: skip
    picture = train(config).gradient_picture
    assert sorted(picture["step"].unique()) == [0, 40, 60]  # start, every 40, the end
    assert len(picture) == 3 * 10
    first = picture[picture["step"] == 0]
    assert first["t"].tolist() == list(range(1, 11)) and first["lag"].tolist() == list(
        range(9, -1, -1)
    )
    assert np.all(np.isfinite(picture["log10_grad_norm"]))


def test_clipping_bounds_the_update_by_pascanus_rule():
    """Plain SGD with lr 1: the parameter change is the (clipped) gradient itself."""
    base = TrainConfig(task="adding", cell="elman", lag=8, optimizer="sgd", lr=1.0, max_steps=1,
                       eval_every=1, **FAST)  # fmt: skip
    changes = {}
    for clip in (None, 1e-3):
        trainer = Trainer(base.replace(clip=clip))
        before = torch.cat([p.detach().flatten().clone() for p in trainer.model.parameters()])
        trainer.advance(10.0)
        after = torch.cat([p.detach().flatten() for p in trainer.model.parameters()])
        changes[clip] = (float((after - before).norm()), trainer.result().history.iloc[0])
    unclipped_change, row = changes[None]
    assert unclipped_change == pytest.approx(row["grad_norm"], rel=1e-4)
    assert row["grad_norm"] > 1e-3 and row["clipped"] == 0.0
    clipped_change, clipped_row = changes[1e-3]
    assert clipped_change == pytest.approx(1e-3, rel=1e-3)
    assert clipped_row["clipped"] == 1.0 and clipped_row["grad_norm"] == row["grad_norm"]


def test_exploding_gradient_is_detected_and_reported():
    config = TrainConfig(task="adding", cell="elman", lag=10, sigma_max=3.0, optimizer="sgd",
                         lr=0.1, max_steps=100, eval_every=10, **FAST)  # fmt: skip
    result = train(config)
    assert result.status == "diverged"
    assert 0 < result.steps < 100
    assert f"step {result.steps + 1}" in result.message
    assert "clipping" in result.message and "learning rate" in result.message
    weights = torch.cat([p.detach().flatten() for p in result.model.parameters()])
    assert torch.isfinite(weights).all()  # the bad update was not applied
    clipped = train(config.replace(clip=1.0))
    assert clipped.status == "steps" and clipped.steps == 100
    json.dumps(result.summary())  # still plain JSON (non-finite numbers become null)


def test_nan_in_the_forward_pass_stops_at_once():
    config = TrainConfig(task="adding", cell="elman", lag=50, activation="relu", sigma_max=50.0,
                         **FAST)  # fmt: skip
    result = train(config)
    assert result.status == "diverged" and result.steps == 0
    assert "step 1" in result.message


def test_progress_callback_can_stop_the_run():
    seen = []

    def on_progress(step: int, metrics: dict) -> bool:
        seen.append((step, metrics["metric_name"], metrics["baseline"]))
        return step < 40

    config = TrainConfig(task="adding", cell="gru", lag=6, max_steps=1000, eval_every=20, **FAST)
    result = train(config, on_progress)
    assert [s for s, *_ in seen] == [20, 40]
    assert seen[0][1:] == ("mse", pytest.approx(1 / 6))
    assert result.status == "stopped" and result.steps == 40


def test_budget_and_step_limits_end_the_run():
    tiny = train(TrainConfig(task="adding", cell="lstm", lag=20, budget_seconds=0.05, **FAST))
    assert tiny.status == "budget" and not tiny.solved
    assert len(tiny.history) >= 1  # scored at the end, even before the first evaluation


def test_budget_message_says_the_wall_clock_is_only_a_safety_cap():
    tiny = train(TrainConfig(task="adding", cell="lstm", lag=20, budget_seconds=0.05, **FAST))
    assert "safety cap of 0.05 s" in tiny.message and "depends on the machine" in tiny.message


@pytest.mark.parametrize("cell", ["elman", "lstm", "gru"])
def test_the_same_seed_gives_the_same_run_and_another_seed_does_not(cell):
    config = TrainConfig(task="adding", cell=cell, lag=6, max_steps=60, eval_every=20,
                         record_every=40, batch_size=16, **FAST)  # fmt: skip
    first, again = train(config), train(config)
    numbers = ["step", "loss", "eval_loss", "metric", "grad_norm", "clipped"]
    assert first.history[numbers].equals(again.history[numbers])  # bit for bit
    assert first.gradient_picture.equals(again.gradient_picture)
    other = train(config.replace(seed=1))
    assert not np.allclose(other.history["metric"], first.history["metric"])


def test_the_defaults_are_the_lecture_demo_decided_by_steps():
    demo = TrainConfig()
    assert (demo.task, demo.lag, demo.max_steps, demo.hidden_size) == ("adding", 100, 6000, 32)
    assert (demo.lr, demo.forget_bias, demo.optimizer) == (3e-3, 3.0, "adam")
    assert demo.budget_seconds >= 600  # a safety cap the demo does not reach on this machine


def test_summary_has_what_the_cli_promises():
    result = train(TrainConfig(task="copy", cell="lstm", lag=3, max_steps=30, **FAST))
    summary = result.summary()
    for key in ("final_accuracy", "baseline", "solved", "steps", "seconds", "status"):
        assert key in summary
    assert summary["baseline"] == pytest.approx(1 / 8) and summary["steps"] == 30
    assert math.isfinite(summary["seconds"]) and summary["seconds"] > 0


def test_trained_model_loads_into_the_explorer():
    result = train(TrainConfig(task="sentence", cell="gru", lag=3, max_steps=20, **FAST))
    rnn_dict = result.model.rnn_state_dict()
    info = rnnviz.infer_config(rnn_dict)
    assert (info["cell"], info["hidden_size"], info["input_size"]) == ("gru", 16, 16)
    trace = rnnviz.unroll("great John lives in Salt Lake City", state_dict=rnn_dict)
    x = torch.as_tensor(trace.inputs)[None].float()  # (1, T, D) the explorer's own x_t
    with torch.no_grad():
        out, _ = result.model.rnn(x)
    np.testing.assert_allclose(trace.h[:, 0, 0], out[0].numpy(), atol=1e-5)
    buffer = io.BytesIO()
    torch.save(result.model.state_dict(), buffer)  # what --save and the page's download write
    loaded = torch.load(io.BytesIO(buffer.getvalue()), weights_only=True)
    assert set(loaded) == {f"rnn.{k}" for k in rnn_dict} | {"head.weight", "head.bias"}


@pytest.mark.parametrize(
    ("changes", "phrase"),
    [
        ({"cell": "transformer"}, "choose one of elman, lstm, gru"),
        ({"lr": 0.0}, "lr must be a positive number"),
        ({"clip": -1.0}, "clip must be a positive number"),
        ({"budget_seconds": float("nan")}, "budget_seconds"),
        ({"hidden_size": 0}, "hidden_size"),
        ({"optimizer": "rmsprop"}, "choose one of adam, sgd"),
        ({"lag": 0}, "lag"),
    ],
)
def test_bad_configs_are_refused_with_a_message(changes, phrase):
    with pytest.raises(RnnvizError, match=phrase):
        TrainConfig().replace(**changes)
