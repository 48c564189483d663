"""TrainConfig: every value that decides a Lab run, validated as the engine validates an unroll.

Torch-free on purpose: `rnnviz lab --help` builds its options from these defaults and must not pay
for importing torch; the task's sizes come from the torch-free specs.py.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace

from rnnviz import checks
from rnnviz.config import MAX_HIDDEN_SIZE, MAX_SCALE, MAX_SEED
from rnnviz.errors import RnnvizError
from rnnviz.lab.specs import task_spec

CELLS = ("elman", "lstm", "gru")
OPTIMIZERS = ("adam", "sgd")
GATES = {"elman": 1, "lstm": 4, "gru": 3}
MAX_BATCH_SIZE = 4096
MAX_THREADS = 64
# Floating-point operations per second one torch thread reaches at best on a fused RNN step.
# Measured 70-176 GFLOP/s per thread here (AVX-512, H = 256-512); 2e11 is above that, so a run is
# refused only when even a fast machine could not finish its first step within the budget.
OPTIMISTIC_FLOPS_PER_THREAD = 2e11


@dataclass(frozen=True)
class TrainConfig:
    """Everything that decides a Lab run; plain values, so a UI can cache on it."""

    task: str = "adding"  # "adding" | "copy" | "sentence"
    cell: str = "lstm"  # "elman" | "lstm" | "gru"
    # The defaults are the lecture's demo (docs/lab-results.md): on the adding problem at lag 100
    # with 6,000 steps the Elman RNN solves 0 of 20 seeds and the LSTM 20 of 20.
    lag: int = 100  # steps the deciding input lies back (adding: T = lag)
    seed: int = 0  # decides the weights and every batch
    hidden_size: int = 32  # H
    activation: str = "tanh"  # Elman's nonlinearity: "tanh" | "relu"
    sigma_max: float | None = None  # rescale W_hh to this largest singular value at the start
    # LSTM only: the forget gate's starting bias (None: torch's). 3 (f ~ 0.95) lets the first
    # gradients reach far back (Gers et al. 2000; Jozefowicz et al. 2015); with torch's init the
    # LSTM fails the copy and sentence tasks from lag ~20 in our runs, with 2 from lag ~60.
    forget_bias: float | None = 3.0
    lr: float = 3e-3  # learning rate (1e-2 solves adding faster but fails copy / sentence)
    optimizer: str = "adam"  # "adam" | "sgd" (plain SGD shows exploding gradients undamped)
    batch_size: int = 64
    # The step budget decides a run: the same seed gives the same steps on a quiet or a loaded
    # machine, in process or on a cluster. Wall-clock seconds are only a safety cap.
    max_steps: int = 6_000  # optimisation steps at most
    budget_seconds: float = 1800.0  # safety cap on wall-clock seconds (status "budget")
    clip: float | None = None  # Pascanu's rule: rescale the gradient when its norm exceeds this
    eval_every: int = 50  # steps between evaluations (loss, metric, progress callback)
    record_every: int = 200  # steps between gradient-over-time pictures
    eval_size: int = 512  # held-out sequences to score on
    probe_size: int = 8  # sequences the gradient picture is measured on
    stop_when_solved: bool = True
    # torch threads while training (the CLI's --threads): small RNNs gain little from more, and
    # on a shared CPU extra threads only spin. Set for the run, restored after each chunk.
    threads: int = 1

    def __post_init__(self) -> None:
        checks.plain_numbers(self)  # np.int64 seeds etc.: plain numbers, as JSON and == expect

    def validate(self) -> TrainConfig:
        _int_in("seed", self.seed, 0, MAX_SEED)  # the range UnrollConfig takes
        spec = task_spec(self.task, self.lag, self.seed)
        checks.choice("cell", self.cell, CELLS)
        checks.choice("optimizer", self.optimizer, OPTIMIZERS)
        checks.choice("activation", self.activation, ("tanh", "relu"))
        checks.elman_only_activation(self.cell, self.activation)
        _int_in("hidden_size", self.hidden_size, 1, MAX_HIDDEN_SIZE)
        _int_in("batch_size", self.batch_size, 1, MAX_BATCH_SIZE)
        _int_in("max_steps", self.max_steps, 1, 10**7)
        _int_in("eval_every", self.eval_every, 1, 10**6)
        _int_in("record_every", self.record_every, 1, 10**6)
        _int_in("eval_size", self.eval_size, 1, 100_000)
        _int_in("probe_size", self.probe_size, 1, 1024)
        _int_in("threads", self.threads, 1, MAX_THREADS)
        _positive("lr", self.lr)
        _positive("budget_seconds", self.budget_seconds)
        if self.clip is not None:
            _positive("clip", self.clip)
        if self.sigma_max is not None:  # the engine's range (build_rnn rescales W_hh with it)
            _finite_in("sigma_max", self.sigma_max, 0.0, MAX_SCALE)
        if self.forget_bias is not None:
            _finite_in("forget_bias", self.forget_bias, -20.0, 20.0)
        checks.true_or_false("stop_when_solved", self.stop_when_solved)
        _check_first_step_fits(self, spec.seq_len, spec.input_size)
        return self

    def replace(self, **changes) -> TrainConfig:
        return replace(self, **changes).validate()

    def to_dict(self) -> dict:
        return asdict(self)


def first_step_flops(config: TrainConfig, seq_len: int, input_size: int) -> float:
    """Floating-point operations of one training step: forward and backward (about twice the
    forward) through T steps of G gate blocks, each an (H x (D + H)) product per sequence."""
    gates = GATES.get(config.cell, 4)
    per_sequence = seq_len * gates * config.hidden_size * (input_size + config.hidden_size) * 2
    return 3.0 * config.batch_size * per_sequence


# What training may hold in memory at once: the fused module keeps every step's gate activations
# (and autograd their gradients) for the whole batch; past this the run is refused up front.
MAX_TRAINING_BYTES = 4 * 1024**3


def training_bytes(config: TrainConfig, seq_len: int) -> float:
    """Bytes of float32 activations one step keeps: batch x T x (G gates + h + c) x H, twice."""
    gates = GATES.get(config.cell, 4)
    return 2.0 * 4 * config.batch_size * seq_len * (gates + 2) * config.hidden_size


def _check_first_step_fits(config: TrainConfig, seq_len: int, input_size: int) -> None:
    need = training_bytes(config, seq_len)
    if need > MAX_TRAINING_BYTES:
        raise RnnvizError(
            f"One training step of this run (batch_size {config.batch_size} x T {seq_len} x "
            f"hidden_size {config.hidden_size}) needs about {need / 1024**3:.1f} GB, more than "
            f"{MAX_TRAINING_BYTES / 1024**3:.0f} GB: lower batch_size, hidden_size or lag."
        )
    flops = first_step_flops(config, seq_len, input_size)
    seconds = flops / (OPTIMISTIC_FLOPS_PER_THREAD * config.threads)
    if seconds > config.budget_seconds:
        raise RnnvizError(
            f"One training step of this run (batch_size {config.batch_size} x T {seq_len} x "
            f"hidden_size {config.hidden_size}) takes at least {seconds:.3g} s, more than "
            f"budget_seconds = {config.budget_seconds:g}: lower batch_size, hidden_size or lag."
        )


# The engine's checks (rnnviz.checks: no bool, no array, numpy scalars, huge ints) in the Lab's
# words, which the CLI and the page show ("lr must be a positive number").


def _int_in(name: str, value, low: int, high: int) -> None:
    _reworded(
        lambda: checks.whole_number(name, value, low, high),
        f"{name} must be a whole number between {low} and {high}, got {checks.shown(value)}.",
    )


def _positive(name: str, value) -> None:
    try:
        checks.number_in(name, value, -math.inf, math.inf)  # a finite number (10**400 is not)
        ok = value > 0
    except RnnvizError:
        ok = False
    if not ok:
        raise RnnvizError(f"{name} must be a positive number, got {checks.shown(value)}.")


def _finite_in(name: str, value, low: float, high: float) -> None:
    _reworded(
        lambda: checks.number_in(name, value, low, high),
        f"{name} must be a number between {low:g} and {high:g}, got {checks.shown(value)}.",
    )


def _reworded(check, message: str) -> None:
    """Run an engine check; if it refuses, refuse with the Lab's own message instead."""
    try:
        check()
    except RnnvizError:
        raise RnnvizError(message) from None
