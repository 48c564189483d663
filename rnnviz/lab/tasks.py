"""Long-lag tasks for the Lab: seeded generators of (inputs, targets) batches with a known baseline.

Every task is an acceptor (the lecture's usage pattern): the RNN reads x_1..x_T and one output
y_T = O(s_T) is scored. What decides the answer sits far back in the sequence, so the gradient that
teaches the RNN to keep it must travel back `lag` steps.

- adding: x_t = (value_t, marker_t), value ~ U(0, 1), two markers (one in each half); y = sum of the two
  marked values. T = lag. Predicting the mean (1.0) scores MSE = Var(u1 + u2) = 2/12 ≈ 0.167.
- copy: x_1 is one of K symbols, then `lag` distractor symbols; y = the first symbol. T = lag + 1.
  Guessing scores accuracy 1/K.
- sentence: a sentence whose first word is positive or negative ("great", "awful", ...), followed by
  `lag` neutral words from the lecture's example ("John lives in Salt Lake City ..."); y = its polarity.
  Inputs are the explorer's word embeddings, so a trained model reads the explorer's sentences as is.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import torch

from rnnviz.errors import RnnvizError
from rnnviz.inputs import embed
from rnnviz.lab.config import MAX_LAG, MIN_LAG, TASKS

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
    if name not in TASKS:
        raise RnnvizError(f"Unknown task {name!r}: choose one of {', '.join(TASKS)}.")
    if isinstance(lag, bool) or not isinstance(lag, int | np.integer):
        raise RnnvizError(f"lag must be a whole number, got {lag!r}.")
    if not MIN_LAG[name] <= lag <= MAX_LAG:
        raise RnnvizError(
            f"lag for {name} must be between {MIN_LAG[name]} and {MAX_LAG}, got {lag}."
        )
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise RnnvizError(f"seed must be a whole number >= 0, got {seed!r}.")
    lag, seed = int(lag), int(seed)
    if name == "adding":
        return TaskSpec(name, lag, lag, 2, 1, "regression", ADDING_BASELINE_MSE, 0.01, seed)
    if name == "copy":
        size = COPY_SYMBOLS + COPY_DISTRACTORS
        return TaskSpec(name, lag, lag + 1, size, COPY_SYMBOLS, "classification",
                        1.0 / COPY_SYMBOLS, 0.99, seed)  # fmt: skip
    return TaskSpec(name, lag, lag + 1, SENTENCE_EMBED_SIZE, 2, "classification", 0.5, 0.99, seed)


def sample_batch(
    spec: TaskSpec, batch_size: int, generator: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """One batch: inputs (B, T, D) float32 and targets ((B, 1) float32 or (B,) int64)."""
    if spec.name == "adding":
        return _adding_batch(spec.seq_len, batch_size, generator)
    if spec.name == "copy":
        return _copy_batch(spec.seq_len, batch_size, generator)
    return _sentence_batch(spec, batch_size, generator)


def _adding_batch(T: int, B: int, g: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    values = torch.rand(B, T, generator=g)  # (B, T)
    first = torch.randint(0, T // 2, (B,), generator=g)  # first marker in the first half
    second = torch.randint(T // 2, T, (B,), generator=g)  # second marker in the second half
    markers = torch.zeros(B, T)
    rows = torch.arange(B)
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    target = (values * markers).sum(dim=1, keepdim=True)  # (B, 1)
    return torch.stack([values, markers], dim=-1), target  # (B, T, 2), (B, 1)


def _copy_batch(T: int, B: int, g: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    first = torch.randint(0, COPY_SYMBOLS, (B,), generator=g)  # (B,) the symbol to remember
    # Distractors after it (not one constant blank: constant inputs let an Elman RNN park the
    # symbol in a fixed point, and the task would no longer need gradients from far back).
    noise = torch.randint(COPY_SYMBOLS, COPY_SYMBOLS + COPY_DISTRACTORS, (B, T - 1), generator=g)
    symbols = torch.cat([first[:, None], noise], dim=1)  # (B, T)
    inputs = torch.nn.functional.one_hot(symbols, COPY_SYMBOLS + COPY_DISTRACTORS).float()
    return inputs, first  # (B, T, K + N), (B,)


def sentence_vocabulary() -> tuple[str, ...]:
    return POSITIVE_WORDS + NEGATIVE_WORDS + FILLER_WORDS


@lru_cache(maxsize=16)
def sentence_embeddings(seed: int) -> torch.Tensor:
    """(V, D) float32 embeddings of `sentence_vocabulary()`, the explorer's own for that seed."""
    table = embed(list(sentence_vocabulary()), SENTENCE_EMBED_SIZE, seed)  # (V, D) float64
    return torch.as_tensor(table).float()


def _sentence_batch(
    spec: TaskSpec, B: int, g: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    table = sentence_embeddings(spec.seed)  # (V, D)
    label = torch.randint(0, 2, (B,), generator=g)  # 1 = positive
    pick = torch.randint(0, len(POSITIVE_WORDS), (B,), generator=g)
    polar = torch.where(label == 1, pick, pick + len(POSITIVE_WORDS))  # vocabulary index
    offset = len(POSITIVE_WORDS) + len(NEGATIVE_WORDS)
    T = spec.seq_len
    words = torch.randint(offset, offset + len(FILLER_WORDS), (B, T), generator=g)  # (B, T)
    where = torch.randint(0, (T + 1) // 2, (B,), generator=g)  # the polar word: first half
    words[torch.arange(B), where] = polar
    return table[words], label  # (B, T, D), (B,)
