"""Load a shipped zoo model: weights (`torch.load(weights_only=True)`), featuriser and labels.

A `ZooModel` turns text into what the engine needs: tokens, x_t (T, D), the torch nn.RNN/LSTM/GRU
state_dict for R and O's weight and bias, and reads O's logits back as tags or characters.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch

from rnnviz.errors import RnnvizError
from rnnviz.inputs import tokenize
from rnnviz.zoo.features import WordFeaturizer, char_inputs, word_inputs
from rnnviz.zoo.registry import SPECS, ModelSpec, spec

MODELS_DIR = Path(__file__).resolve().parent / "models"


@dataclass(frozen=True, eq=False)
class ZooModel:
    """One trained model, ready to unroll: `rnnviz.unroll(text, model=name)` uses it."""

    spec: ModelSpec
    labels: tuple[str, ...]  # O's classes: tags (taggers) or characters (LMs; index 0 = unknown)
    rnn_state: dict  # the nn.RNN/LSTM/GRU state_dict (float32, torch's key names)
    head_weight: torch.Tensor  # (C, K*H)
    head_bias: torch.Tensor  # (C,)
    embedding: torch.Tensor  # the featuriser's table (taggers) or character embeddings (LMs)
    featurizer: WordFeaturizer | None  # taggers only
    metrics: dict  # held-out numbers measured when it was trained
    training: dict  # seed, options, seconds, command

    @property
    def name(self) -> str:
        return self.spec.name

    def tokens(self, source) -> tuple[str, ...]:
        """The model's own tokenizer on a text; a list of tokens (characters for LMs) as is."""
        if isinstance(source, str):
            return tuple(tokenize(source, self.spec.tokenize))
        if isinstance(source, list | tuple) and all(isinstance(t, str) for t in source):
            if self.spec.kind == "charlm" and any(len(t) != 1 for t in source):
                raise RnnvizError(
                    f"{self.name} reads characters: give a text or single characters."
                )
            return tuple(source)
        raise RnnvizError(f"model={self.name!r} reads a text or a list of tokens, not numbers.")

    def inputs(self, tokens) -> np.ndarray:
        """x_t for each token (T, D), float64; tokens: a list of strings (characters for an LM)."""
        if isinstance(tokens, str | bytes) or not hasattr(tokens, "__iter__"):
            raise RnnvizError(f"tokens: give a list of strings, got {tokens!r:.60}.")
        tokens = list(tokens)
        if not all(isinstance(token, str) for token in tokens):
            raise RnnvizError("tokens: every token must be a string.")
        if self.featurizer is not None:
            return word_inputs(self.featurizer, self.embedding, tokens)
        return char_inputs(self.labels, self.embedding, tokens)

    def target_ids(self, tokens, targets) -> list[int]:
        """Given targets as labels (tags / characters) or class ids -> class ids, checked."""
        values = [targets] if isinstance(targets, str) and self.spec.kind == "tagger" else targets
        if isinstance(values, str):  # an LM's targets may be one string of characters
            values = list(values)
        values = list(values)
        if len(values) != len(tokens):
            raise RnnvizError(
                f"targets: {self.name} needs one target per token ({len(tokens)}), got {len(values)}."
            )
        ids = []
        for v in values:
            if isinstance(v, str):
                if v not in self.labels:
                    shown = (
                        ", ".join(self.labels) if self.spec.kind == "tagger" else "its vocabulary"
                    )
                    raise RnnvizError(f"targets: {v!r} is not a label of {self.name} ({shown}).")
                ids.append(self.labels.index(v))
            elif (
                isinstance(v, int | np.integer)
                and not isinstance(v, bool)
                and 0 <= v < len(self.labels)
            ):
                ids.append(int(v))
            else:
                raise RnnvizError(
                    f"targets: {v!r} is neither a label of {self.name} nor a class id in "
                    f"0..{len(self.labels) - 1}."
                )
        return ids

    def default_target_ids(self, tokens, logits: np.ndarray) -> list[int]:
        """Taggers: their own predicted tags. LMs: the next character at each position, and the
        model's own prediction at the last one (nothing follows it)."""
        own = [int(k) for k in np.argmax(logits, axis=1)]
        if self.spec.kind == "tagger":
            return own
        index = {ch: i for i, ch in enumerate(self.labels)}
        return [index.get(ch, 0) for ch in tokens[1:]] + own[-1:]

    def predictions(self, logits: np.ndarray) -> tuple[str, ...]:
        """The label O scores highest at each step: a tag, or the predicted next character."""
        return tuple(self.labels[int(k)] for k in np.argmax(logits, axis=1))


def names() -> tuple[str, ...]:
    """The shipped models' names (those whose weights are in the package)."""
    return tuple(n for n in SPECS if (MODELS_DIR / f"{n}.pt").exists())


@lru_cache(maxsize=16)
def load(name: str) -> ZooModel:
    """Load a shipped model by name (cached), or RnnvizError listing the names there are."""
    s = spec(name)
    weights, meta_path = MODELS_DIR / f"{name}.pt", MODELS_DIR / f"{name}.json"
    if not weights.exists() or not meta_path.exists():
        raise RnnvizError(
            f"Model {name!r} is not shipped in this install ({MODELS_DIR}): train it with "
            f"python -m rnnviz.zoo.train --only {name}, or choose one of {', '.join(names())}."
        )
    state = torch.load(weights, weights_only=True, map_location="cpu")
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    rnn_state = {k[4:]: v for k, v in state.items() if k.startswith("rnn.")}
    return ZooModel(
        spec=s,
        labels=tuple(meta["labels"]),
        rnn_state=rnn_state,
        head_weight=state["head.weight"],
        head_bias=state["head.bias"],
        embedding=state["embedding"],
        featurizer=WordFeaturizer.from_json(meta["featurizer"]) if "featurizer" in meta else None,
        metrics=meta.get("metrics", {}),
        training=meta.get("training", {}),
    )
