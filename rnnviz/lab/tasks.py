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

from functools import lru_cache

import torch

from rnnviz.inputs import embed
from rnnviz.lab.specs import (  # noqa: F401 (re-exported: callers import them from here)
    ADDING_BASELINE_MSE,
    ADDING_LATER_ONLY_MSE,
    COPY_DISTRACTORS,
    COPY_SYMBOLS,
    FILLER_WORDS,
    MAX_LAG,
    MIN_LAG,
    NEGATIVE_WORDS,
    POSITIVE_WORDS,
    SENTENCE_EMBED_SIZE,
    TASKS,
    TaskSpec,
    task_spec,
)


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
