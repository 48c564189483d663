"""The Lab's task generators: targets follow the rule, baselines are what guessing scores."""

from __future__ import annotations

import pytest
import torch

from rnnviz import RnnvizError
from rnnviz.lab.tasks import (
    COPY_DISTRACTORS,
    COPY_SYMBOLS,
    NEGATIVE_WORDS,
    POSITIVE_WORDS,
    sample_batch,
    sentence_embeddings,
    sentence_vocabulary,
    task_spec,
)


def batch(name: str, lag: int, size: int = 256, seed: int = 0):
    spec = task_spec(name, lag, seed)
    x, y = sample_batch(spec, size, torch.Generator().manual_seed(seed))
    return spec, x, y


def test_adding_target_is_the_sum_of_the_two_marked_values():
    spec, x, y = batch("adding", 40)
    assert x.shape == (256, 40, 2) and y.shape == (256, 1)
    markers = x[..., 1]
    assert torch.equal(markers.sum(dim=1), torch.full((256,), 2.0))
    assert torch.all(markers[:, :20].sum(dim=1) == 1) and torch.all(markers[:, 20:].sum(dim=1) == 1)
    expected = torch.stack([x[b, markers[b] == 1, 0].sum() for b in range(256)])
    assert torch.allclose(y[:, 0], expected)
    assert spec.seq_len == 40 and spec.kind == "regression"


def test_adding_baseline_is_the_mse_of_predicting_the_mean():
    spec, x, y = batch("adding", 50, size=50_000)
    assert spec.baseline == pytest.approx(1 / 6)
    assert float(((y - 1.0) ** 2).mean()) == pytest.approx(spec.baseline, abs=0.005)
    assert float(y.mean()) == pytest.approx(1.0, abs=0.01)
    # Knowing only the later marked number: predict it + 0.5 (the earlier one's mean).
    later = (x[:, 25:, 0] * x[:, 25:, 1]).sum(dim=1, keepdim=True)  # (B, 1)
    (level,) = spec.references.values()
    assert float(((later + 0.5 - y) ** 2).mean()) == pytest.approx(level, abs=0.003)


def test_copy_target_is_the_first_symbol_and_the_rest_are_distractors():
    spec, x, y = batch("copy", 30)
    assert x.shape == (256, 31, COPY_SYMBOLS + COPY_DISTRACTORS) and y.shape == (256,)
    symbols = x.argmax(dim=-1)  # (B, T)
    assert torch.equal(symbols[:, 0], y)
    assert torch.all(symbols[:, 1:] >= COPY_SYMBOLS)  # distractors only after the first
    assert len(torch.unique(symbols[:, 1:])) == COPY_DISTRACTORS  # all of them, not one blank
    assert torch.equal(x.sum(dim=-1), torch.ones(256, 31))  # one-hot
    assert spec.baseline == pytest.approx(1 / COPY_SYMBOLS)
    counts = torch.bincount(batch("copy", 3, size=8000)[2], minlength=COPY_SYMBOLS).float()
    assert counts.min() / counts.max() > 0.85  # guessing cannot beat 1/K


def test_sentence_label_is_the_polarity_of_its_one_polar_word():
    spec, x, y = batch("sentence", 12)  # T = 13 words
    table = sentence_embeddings(0)  # (V, D)
    vocab = sentence_vocabulary()
    polar = set(POSITIVE_WORDS + NEGATIVE_WORDS)
    words = torch.cdist(x.reshape(-1, spec.input_size), table).argmin(dim=1).reshape(256, 13)
    for row, label in zip(words.tolist(), y.tolist(), strict=True):
        found = [(t, vocab[i]) for t, i in enumerate(row) if vocab[i] in polar]
        assert len(found) == 1, "exactly one word decides"
        position, word = found[0]
        assert position < 7  # in the first half: it must be kept for at least lag/2 steps
        assert (word in POSITIVE_WORDS) == (label == 1)
    assert x.shape == (256, 13, spec.input_size) and spec.baseline == 0.5
    assert 0.4 < float(y.float().mean()) < 0.6


def test_sentence_inputs_are_the_explorers_embeddings():
    import rnnviz

    table = sentence_embeddings(3)
    expected = rnnviz.embed(["great", "John"], 16, 3)
    vocab = sentence_vocabulary()
    assert torch.allclose(
        table[vocab.index("great")].double(), torch.tensor(expected[0]), atol=1e-6
    )
    assert torch.allclose(table[vocab.index("John")].double(), torch.tensor(expected[1]), atol=1e-6)


@pytest.mark.parametrize("name", ["adding", "copy", "sentence"])
def test_batches_are_seeded(name):
    _, x1, y1 = batch(name, 9, seed=4)
    _, x2, y2 = batch(name, 9, seed=4)
    _, x3, _ = batch(name, 9, seed=5)
    assert torch.equal(x1, x2) and torch.equal(y1, y2)
    assert not torch.equal(x1, x3)


@pytest.mark.parametrize(
    ("name", "lag", "seed", "phrase"),
    [
        ("adding", 1, 0, "between 2 and"),
        ("copy", 0, 0, "between 1 and"),
        ("copy", 5000, 0, "between 1 and"),
        ("copy", 2.5, 0, "whole number"),
        ("parity", 5, 0, "choose one of adding, copy, sentence"),
        ("adding", 5, -1, "seed"),
    ],
)
def test_bad_task_arguments_say_what_is_allowed(name, lag, seed, phrase):
    with pytest.raises(RnnvizError, match=phrase):
        task_spec(name, lag, seed)
