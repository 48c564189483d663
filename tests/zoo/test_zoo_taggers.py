"""The taggers on the lecture's sentence and on hand-written sentences nobody trained on."""

from __future__ import annotations

import pytest

import rnnviz
import rnnviz.zoo as zoo
from tests.support.zoo_sentences import HANDWRITTEN, parse

TAGGERS = ("tagger-elman", "tagger-lstm", "tagger-gru")


def accuracy(name: str) -> float:
    right = total = 0
    for marked in HANDWRITTEN:
        tokens, gold = parse(marked)
        trace = rnnviz.unroll(tokens, model=name)
        right += sum(p == g for p, g in zip(trace.predictions, gold, strict=True))
        total += len(gold)
    return right / total


@pytest.mark.parametrize("name", TAGGERS)
def test_the_lecture_sentence_is_tagged(name):
    trace = rnnviz.unroll("John lives in Salt Lake City", model=name)
    assert trace.predictions == ("PER", "O", "O", "LOC", "LOC", "LOC")


@pytest.mark.parametrize(
    "name, floor", [("tagger-lstm", 0.9), ("tagger-gru", 0.9), ("tagger-elman", 0.85)]
)
def test_handwritten_accuracy(name, floor):
    assert accuracy(name) >= floor


def test_handwritten_sentences_are_really_unseen():
    """Their person and place words are not in any tagger's word list (read by shape and context)."""
    assert len(HANDWRITTEN) >= 30
    for name in TAGGERS:
        vocab = set(zoo.load(name).featurizer.vocab)
        for marked in HANDWRITTEN:
            tokens, tags = parse(marked)
            assert not {t.lower() for t, g in zip(tokens, tags, strict=True) if g != "O"} & vocab


def test_a_text_and_its_tokens_give_the_same_tags():
    text = "Maria Schmidt flew from Lisbon to Oslo on Friday ."
    by_text = rnnviz.unroll(text, model="tagger-lstm")
    assert (
        by_text.predictions == rnnviz.unroll(list(by_text.tokens), model="tagger-lstm").predictions
    )
    assert by_text.predictions[:2] == ("PER", "PER") and by_text.predictions[4] == "LOC"


def test_training_metrics_are_shipped():
    for name in TAGGERS:
        metrics = zoo.load(name).metrics
        assert 0.5 < metrics["held_out_token_accuracy"] <= 1.0
        assert metrics["held_out_sentences"] >= 1000
