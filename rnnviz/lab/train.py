"""Train an Elman RNN, LSTM or GRU on a long-lag task and record how the gradient reaches back in time.

Training uses torch's fused nn.RNN/LSTM/GRU in float32 (fast); the gradient-over-time picture is
measured on the same weights by the float64 step loop of `record.py`. A `Trainer` advances in chunks so
a UI can show progress and stop it between chunks; `train()` runs one to the end with a callback.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch
from torch import nn

from rnnviz import checks
from rnnviz.errors import RnnvizError
from rnnviz.lab.config import CELLS, OPTIMIZERS, TrainConfig  # noqa: F401 (the pages import them here)
from rnnviz.lab.model import LabModel, build_model
from rnnviz.lab.record import log10_grad_over_time
from rnnviz.lab.tasks import TaskSpec, sample_batch, task_spec

ProgressCallback = Callable[[int, dict], bool]
MAX_CHUNK_SECONDS = 7 * 24 * 3600.0  # the longest chunk one advance() call may train (a week)


@dataclass
class TrainResult:
    """A run's outcome as plain data (the model is kept for export and the explorer)."""

    config: TrainConfig
    spec: TaskSpec
    status: str  # "solved" | "budget" | "steps" | "stopped" | "diverged" | "running"
    message: str
    steps: int
    seconds: float
    history: pd.DataFrame  # step, seconds, loss, eval_loss, metric, grad_norm, clipped
    gradient_picture: pd.DataFrame  # step, t, lag, log10_grad_norm (training step x t)
    model: LabModel = field(repr=False)

    @property
    def final_metric(self) -> float:
        return float(self.history["metric"].iloc[-1]) if len(self.history) else math.nan

    @property
    def solved(self) -> bool:
        return bool(len(self.history)) and self.spec.is_solved(self.final_metric)

    def summary(self) -> dict:
        """Plain JSON-ready summary (the CLI prints this)."""
        key = "final_mse" if self.spec.kind == "regression" else "final_accuracy"
        last_loss = float(self.history["loss"].iloc[-1]) if len(self.history) else math.nan
        return {
            "task": self.spec.name,
            "cell": self.config.cell,
            "lag": self.spec.lag,
            "seq_len": self.spec.seq_len,
            "seed": self.config.seed,
            "hidden_size": self.config.hidden_size,
            key: _round(self.final_metric),
            "final_train_loss": _round(last_loss),
            "baseline": _round(self.spec.baseline),
            "baseline_name": "mse_of_predicting_mean" if key == "final_mse" else "chance_accuracy",
            "success_threshold": self.spec.success,
            "solved": self.solved,
            "steps": self.steps,
            "seconds": round(self.seconds, 2),
            "status": self.status,
            "message": self.message,
            "clip": self.config.clip,
            "lr": self.config.lr,
            "forget_bias": self.config.forget_bias if self.config.cell == "lstm" else None,
            "max_grad_norm": _round(float(self.history["grad_norm"].max()))
            if len(self.history)
            else None,
        }


class Trainer:
    """A run that can be advanced in chunks (`advance`) and stopped between them."""

    def __init__(self, config: TrainConfig) -> None:
        _check_config(config)
        self.config = config.validate()
        self.spec = task_spec(config.task, config.lag, config.seed)
        self.model = build_model(config.cell, self.spec, config.hidden_size, config.seed,
                                 activation=config.activation, sigma_max=config.sigma_max,
                                 forget_bias=config.forget_bias)  # fmt: skip
        params = list(self.model.parameters())
        opt = torch.optim.Adam if config.optimizer == "adam" else torch.optim.SGD
        self.optimizer = opt(params, lr=config.lr)
        self.batches = torch.Generator().manual_seed(config.seed)
        held_out = torch.Generator().manual_seed(config.seed + 1_000_003)
        self.eval_x, self.eval_y = sample_batch(self.spec, config.eval_size, held_out)
        self.probe_x, self.probe_y = (
            self.eval_x[: config.probe_size],
            self.eval_y[: config.probe_size],
        )
        self.steps = 0
        self.seconds = 0.0
        self.status = "running"
        self.message = ""
        self._rows: list[dict] = []
        self._picture: list[np.ndarray] = []
        self._picture_steps: list[int] = []
        # (loss, gradient norm, clipped?) of each step since the last evaluation
        self._window: list[tuple[float, float, bool]] = []
        with torch_threads(config.threads):
            self._record_picture()

    @property
    def done(self) -> bool:
        return self.status != "running"

    def advance(self, seconds: float, on_progress: ProgressCallback | None = None) -> None:
        """Train for about `seconds` (or until done); `on_progress(step, metrics)` False stops."""
        checks.number_in("seconds", seconds, 0.0, MAX_CHUNK_SECONDS)
        _check_callback(on_progress)
        with torch_threads(self.config.threads):
            self._advance(seconds, on_progress)

    def _advance(self, seconds: float, on_progress: ProgressCallback | None) -> None:
        chunk_end = time.perf_counter() + seconds
        while not self.done and time.perf_counter() < chunk_end:
            start = time.perf_counter()
            ok = self._train_step()
            evaluate = ok and self.steps % self.config.eval_every == 0
            metrics = self._evaluate() if evaluate else None
            self.seconds += time.perf_counter() - start  # training, evaluation and recording
            if not ok:
                break
            report = metrics is not None and on_progress is not None
            if report and on_progress(self.steps, metrics) is False:
                self.stop("Stopped by the user.")
                break
            self._check_limits()

    def stop(self, message: str = "Stopped by the user.") -> None:
        if not self.done:
            if not self._rows or self._rows[-1]["step"] != self.steps:
                self._evaluate()
            self.status, self.message = "stopped", message

    def _train_step(self) -> bool:
        x, y = sample_batch(self.spec, self.config.batch_size, self.batches)
        loss = self.model.loss(x, y)
        if not torch.isfinite(loss):
            return self._diverged(f"the loss became {loss.item()}")
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        limit = self.config.clip if self.config.clip is not None else math.inf
        # clip_grad_norm_ returns the norm before clipping; with limit inf it only measures it.
        norm = float(nn.utils.clip_grad_norm_(self.model.parameters(), limit))
        if not math.isfinite(norm):
            return self._diverged(f"the gradient norm became {norm}")
        self.optimizer.step()
        self.steps += 1
        self._window.append((loss.item(), norm, norm > limit))
        return True

    def _diverged(self, what: str) -> bool:
        advice = ("turn on gradient clipping (e.g. clip = 1.0), lower the learning rate, or start "
                  "with a smaller sigma_max(W_hh)")  # fmt: skip
        message = (f"Exploding gradient detected at step {self.steps + 1}: {what}. Training "
                   f"stopped before applying that update. To fix it, {advice}.")  # fmt: skip
        self._finish("diverged", message)
        return False

    def _evaluate(self) -> dict:
        with torch.no_grad():
            eval_loss, metric = self.model.score(self.eval_x, self.eval_y)
        window = self._window or [(math.nan, math.nan, False)]
        row = {
            "step": self.steps,
            "seconds": self.seconds,
            "loss": float(np.mean([w[0] for w in window])),
            "eval_loss": eval_loss,
            "metric": metric,
            "grad_norm": float(np.max([w[1] for w in window])),
            "clipped": float(np.mean([w[2] for w in window])),
        }
        self._window = []
        self._rows.append(row)
        if self.steps % self.config.record_every == 0 or self.spec.is_solved(metric):
            self._record_picture()
        return {**row, "metric_name": self.spec.metric, "baseline": self.spec.baseline}

    def _record_picture(self) -> None:
        if self._picture_steps and self._picture_steps[-1] == self.steps:
            return
        log10 = log10_grad_over_time(self.model.rnn, self.model.head, self.probe_x, self.probe_y)
        self._picture.append(log10)  # (T,)
        self._picture_steps.append(self.steps)

    def _check_limits(self) -> None:
        if self.done:
            return
        last = self._rows[-1] if self._rows else None
        evaluated_now = last is not None and last["step"] == self.steps
        if evaluated_now and self.config.stop_when_solved and self.spec.is_solved(last["metric"]):
            self.status = "solved"
            self.message = f"Solved at step {self.steps}: {self.spec.metric} {last['metric']:.4g}."
        elif self.steps >= self.config.max_steps:
            self._finish("steps", f"Reached max_steps = {self.config.max_steps}.")
        elif self.seconds >= self.config.budget_seconds:
            self._finish("budget", f"Stopped by the safety cap of {self.config.budget_seconds:g} s "
                         f"before max_steps = {self.config.max_steps}: this run's outcome depends on "
                         "the machine's speed. Raise budget_seconds or lower max_steps.")  # fmt: skip

    def _finish(self, status: str, message: str) -> None:
        if not self._rows or self._rows[-1]["step"] != self.steps:
            self._evaluate()
        self._record_picture()
        self.status, self.message = status, message

    def result(self) -> TrainResult:
        return TrainResult(self.config, self.spec, self.status, self.message, self.steps,
                           self.seconds, self.history_frame(), self.picture_frame(), self.model)  # fmt: skip

    def history_frame(self) -> pd.DataFrame:
        """The evaluations so far: step, seconds, loss, eval_loss, metric, grad_norm, clipped."""
        return pd.DataFrame(self._rows, columns=list(HISTORY_COLUMNS))

    def picture_frame(self) -> pd.DataFrame:
        T = self.spec.seq_len
        rows = [
            {"step": step, "t": t + 1, "lag": T - (t + 1), "log10_grad_norm": float(values[t])}
            for step, values in zip(self._picture_steps, self._picture, strict=True)
            for t in range(T)
        ]
        return pd.DataFrame(rows, columns=["step", "t", "lag", "log10_grad_norm"])


HISTORY_COLUMNS = ("step", "seconds", "loss", "eval_loss", "metric", "grad_norm", "clipped")


@contextmanager
def torch_threads(threads: int):
    """torch.set_num_threads for a block, restored after: the thread count the CLI's --threads
    sets, applied the same way when the lab is called from Python or the page."""
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def train(config: TrainConfig, on_progress: ProgressCallback | None = None) -> TrainResult:
    """Run to the end (solved, budget, max_steps, stopped by the callback, or diverged)."""
    _check_config(config)
    _check_callback(on_progress)  # before training starts, not at the first evaluation
    trainer = Trainer(config)
    while not trainer.done:
        trainer.advance(1.0, on_progress)
    return trainer.result()


def _check_config(config) -> None:
    if not isinstance(config, TrainConfig):
        raise RnnvizError(
            "config: give a TrainConfig (rnnviz.lab.TrainConfig(task='adding', ...)), got "
            f"{checks.shown(config)}."
        )


def _check_callback(on_progress) -> None:
    if on_progress is not None and not callable(on_progress):
        raise RnnvizError(
            "on_progress must be a function on_progress(step, metrics) (return False to stop) "
            f"or None, got {checks.shown(on_progress)}."
        )


def _round(value: float) -> float | None:
    return None if value is None or not math.isfinite(value) else round(float(value), 6)
