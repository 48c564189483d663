"""What each Lab task asks and how it is scored: names, lags, sizes and baselines (TaskSpec).

Torch- and numpy-free, so `rnnviz lab --help` and TrainConfig.validate() read it without importing
them; the batches themselves are drawn in tasks.py.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

from rnnviz import checks
from rnnviz.errors import RnnvizError

TASKS = ("adding", "copy", "sentence")
MIN_LAG = {"adding": 2, "copy": 1, "sentence": 1}
MAX_LAG = 1000
COPY_SYMBOLS = 8  # K symbols to remember
COPY_DISTRACTORS = 8  # distractor symbols that follow, disjoint from the K
POSITIVE_WORDS = ("great", "good", "lovely", "fine", "happy", "nice")
NEGATIVE_WORDS = ("awful", "bad", "poor", "sad", "boring", "ugly")
_FILLER_TEXT = (
    "John lives in Salt Lake City and he walks to the park with friends on a sunny day while "
    "the lecture on recurrent networks goes on about states inputs and outputs"
)
FILLER_WORDS = tuple(dict.fromkeys(_FILLER_TEXT.split()))  # distinct, in order of appearance
SENTENCE_EMBED_SIZE = 16
ADDING_BASELINE_MSE = 1.0 / 6.0  # Var(u1 + u2) for two independent U(0, 1) values
# Knowing only the later marked number (the recent one) and guessing the earlier: Var(u1) = 1/12.
ADDING_LATER_ONLY_MSE = 1.0 / 12.0


@dataclass(frozen=True)
class TaskSpec:
    """What a task asks and how it is scored."""

    name: str  # "adding" | "copy" | "sentence"
    lag: int  # steps between the deciding input and the output
    seq_len: int  # T
    input_size: int  # D
    output_size: int  # 1 for the regression, C classes otherwise
    kind: str  # "regression" (MSE) | "classification" (cross-entropy, accuracy)
    baseline: float  # MSE of predicting the mean, or accuracy of guessing
    success: float  # solved when MSE < success (regression) or accuracy >= success
    seed: int

    @property
    def references(self) -> dict[str, float]:
        """Named score levels between the baseline and solved (for plots and reports)."""
        if self.name == "adding":
            return {"knows only the later number (1/12)": ADDING_LATER_ONLY_MSE}
        return {}

    @property
    def metric(self) -> str:
        return "mse" if self.kind == "regression" else "accuracy"

    def is_solved(self, value: float) -> bool:
        if self.kind == "regression":
            return value < self.success
        return value >= self.success


def task_spec(name: str, lag: int, seed: int = 0) -> TaskSpec:
    """The spec of a task at a lag; raises RnnvizError naming the bad value."""
    checks.choice("task", name, TASKS)  # a string first: an array's `in` is element-wise
    if isinstance(lag, bool) or not isinstance(lag, numbers.Integral):
        raise RnnvizError(f"lag must be a whole number, got {checks.shown(lag)}.")
    if not MIN_LAG[name] <= lag <= MAX_LAG:
        raise RnnvizError(
            f"lag for {name} must be between {MIN_LAG[name]} and {MAX_LAG}, "
            f"got {checks.shown(int(lag))}."
        )
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise RnnvizError(f"seed must be a whole number >= 0, got {checks.shown(seed)}.")
    lag, seed = int(lag), int(seed)
    if name == "adding":
        return TaskSpec(name, lag, lag, 2, 1, "regression", ADDING_BASELINE_MSE, 0.01, seed)
    if name == "copy":
        size = COPY_SYMBOLS + COPY_DISTRACTORS
        return TaskSpec(name, lag, lag + 1, size, COPY_SYMBOLS, "classification",
                        1.0 / COPY_SYMBOLS, 0.99, seed)  # fmt: skip
    return TaskSpec(name, lag, lag + 1, SENTENCE_EMBED_SIZE, 2, "classification", 0.5, 0.99, seed)
