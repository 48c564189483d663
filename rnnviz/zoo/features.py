"""x_t for the zoo: the taggers' word features and the character LMs' vocabulary.

A tagger's x_t is the sum of learned vectors (one table, `nn.EmbeddingBag`) for the features of
the word: its lowercase form when it is a frequent non-name word, its character 2-4-grams (hashed,
weighted to sum to 1) and its shape (capitalised, all caps, digits, first word, ...). Names and
places are never in the word list, so one nobody trained on is read by its shape, its spelling and
its context, exactly like a known one.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import torch

from rnnviz.zoo.charlm_data import UNKNOWN

SHAPES = (
    "capitalised",  # Xxxx
    "all_caps",  # XXX (two letters or more)
    "lower",  # xxxx
    "has_digit",
    "all_digits",
    "punctuation",  # no letter or digit
    "has_hyphen_or_apostrophe",
    "first_word",  # t = 1, or after . ! ? : the capital says nothing there
    "after_title",  # after Mr/Mrs/Ms/Dr/Prof/...: a name follows
    "short",  # 1-3 characters
    "long",  # 8 characters or more
    "unknown_word",  # not in the word list
)
TITLES = {"mr", "mrs", "ms", "miss", "dr", "prof", "sir", "lady", "lord", "president", "senator"}
_SENTENCE_END = {".", "!", "?", ":", '"', "“", "”"}


def _bucket(text: str, buckets: int) -> int:
    digest = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "little") % buckets


@dataclass(frozen=True)
class WordFeaturizer:
    """Token -> feature ids and weights for one EmbeddingBag row set (see the module docstring)."""

    vocab: tuple[str, ...]  # frequent lowercase non-name words; id = position
    ngram_buckets: int = 4096
    ngram_sizes: tuple[int, ...] = (2, 3, 4)

    @property
    def size(self) -> int:
        """Rows of the table: words, then <unk>, then shapes, then n-gram buckets."""
        return len(self.vocab) + 1 + len(SHAPES) + self.ngram_buckets

    def to_json(self) -> dict:
        return {
            "vocab": list(self.vocab),
            "ngram_buckets": self.ngram_buckets,
            "ngram_sizes": list(self.ngram_sizes),
            "shapes": list(SHAPES),
        }

    @classmethod
    def from_json(cls, data: dict) -> WordFeaturizer:
        if list(data["shapes"]) != list(SHAPES):
            raise ValueError("the shape features changed since this model was trained")
        return cls(tuple(data["vocab"]), int(data["ngram_buckets"]), tuple(data["ngram_sizes"]))

    def token_features(
        self, tokens, t: int, index: dict[str, int], forget: bool = False
    ) -> tuple[list[int], list[float]]:
        """Feature ids and weights of tokens[t]; `forget` reads a known word as unknown (training)."""
        word = tokens[t]
        lower = word.lower()
        n_words, shape0 = len(self.vocab), len(self.vocab) + 1
        word_id = None if forget else index.get(lower)
        ids = [n_words if word_id is None else word_id]
        weights = [1.0]
        prev = tokens[t - 1].lower() if t > 0 else None
        flags = {
            "capitalised": word[:1].isupper() and not word.isupper(),
            "all_caps": word.isupper() and sum(ch.isalpha() for ch in word) >= 2,
            "lower": word.islower(),
            "has_digit": any(ch.isdigit() for ch in word),
            "all_digits": word.isdigit(),
            "punctuation": not any(ch.isalnum() for ch in word),
            "has_hyphen_or_apostrophe": any(ch in "-'’" for ch in word) and len(word) > 1,
            "first_word": t == 0 or prev in _SENTENCE_END,
            "after_title": prev in TITLES
            or (prev == "." and t > 1 and tokens[t - 2].lower() in TITLES),
            "short": len(word) <= 3,
            "long": len(word) >= 8,
            "unknown_word": word_id is None,
        }
        for k, name in enumerate(SHAPES):
            if flags[name]:
                ids.append(shape0 + k)
                weights.append(1.0)
        grams = _ngrams(lower, self.ngram_sizes)
        base = shape0 + len(SHAPES)
        for gram in grams:
            ids.append(base + _bucket(gram, self.ngram_buckets))
            weights.append(1.0 / len(grams))
        return ids, weights

    def batch(
        self, sentences, forget: float = 0.0, rng=None
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """EmbeddingBag inputs (ids, offsets, per-sample weights) for every token of every sentence.

        Training passes `forget` > 0: each known word is read as unknown with that probability,
        else "unknown" would mean "a name" and every new ordinary word would become one."""
        index = {w: i for i, w in enumerate(self.vocab)}
        ids, offsets, weights = [], [], []
        for tokens in sentences:
            for t in range(len(tokens)):
                offsets.append(len(ids))
                drop = forget > 0 and rng.random() < forget
                more_ids, more_weights = self.token_features(tokens, t, index, drop)
                ids.extend(more_ids)
                weights.extend(more_weights)
        return (
            torch.tensor(ids, dtype=torch.long),
            torch.tensor(offsets, dtype=torch.long),
            torch.tensor(weights, dtype=torch.float32),
        )


def _ngrams(lower: str, sizes) -> list[str]:
    marked = f"^{lower}$"
    grams = [marked[i : i + n] for n in sizes for i in range(len(marked) - n + 1)]
    return grams or [marked]


def word_inputs(featurizer: WordFeaturizer, table: torch.Tensor, tokens) -> np.ndarray:
    """x_t (T, D) float64 for a token sequence: the EmbeddingBag sum of its features."""
    ids, offsets, weights = featurizer.batch([list(tokens)])
    bag = torch.nn.functional.embedding_bag(
        ids, table, offsets, mode="sum", per_sample_weights=weights
    )
    return bag.detach().double().numpy()


def char_ids(vocab: tuple[str, ...], chars) -> list[int]:
    """Each character's index in the LM's vocabulary, 0 (UNKNOWN) for any other."""
    index = {ch: i for i, ch in enumerate(vocab)}
    return [index.get(ch, 0) for ch in chars]


def char_inputs(vocab: tuple[str, ...], table: torch.Tensor, chars) -> np.ndarray:
    """x_t (T, D) float64: the LM's learned embedding of each character."""
    return table[torch.tensor(char_ids(vocab, chars), dtype=torch.long)].detach().double().numpy()


__all__ = ["SHAPES", "UNKNOWN", "WordFeaturizer", "char_ids", "char_inputs", "word_inputs"]
