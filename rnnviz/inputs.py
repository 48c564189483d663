"""Text -> tokens -> embeddings x_t. Deterministic for (token, seed, size); Unicode-safe."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import numpy as np

from rnnviz.config import UnrollConfig
from rnnviz.errors import RnnvizError

# Words (letters/digits/underscore in any script, with inner apostrophes) or single other symbols.
_WORD = re.compile(r"\w+(?:['’]\w+)*|[^\w\s]")
# Lone surrogates cannot be encoded as UTF-8 (tables, JSON, the browser): shown as U+FFFD instead.
_SURROGATE = re.compile("[\ud800-\udfff]")


def tokenize(text: str, level: str = "word") -> list[str]:
    """Split text into tokens: words and punctuation (level="word") or characters ("char")."""
    if not isinstance(text, str):
        raise RnnvizError(f"Text must be a string, got {type(text).__name__}.")
    text = _SURROGATE.sub("\ufffd", text)
    if level == "word":
        return _WORD.findall(text)
    if level == "char":
        return list(text)
    raise RnnvizError(f"Unknown tokenize level {level!r}: choose word or char.")


def token_seed(token: str, seed: int, size: int) -> int:
    """A 64-bit seed from (token, seed, size); stable across runs, machines and Python versions."""
    key = f"{seed}\x1f{size}\x1f{token}".encode("utf-8", "surrogatepass")
    return int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "little")


def embed(tokens: Sequence[str], size: int, seed: int = 0) -> np.ndarray:
    """x_t for each token: a standard-normal vector drawn from the token's own seed. (T, D)"""
    cache: dict[str, np.ndarray] = {}
    rows = []
    for token in tokens:
        if token not in cache:
            cache[token] = np.random.default_rng(token_seed(token, seed, size)).standard_normal(
                size
            )
        rows.append(cache[token])
    return np.array(rows, dtype=np.float64).reshape(len(rows), size)  # (T, D)


def class_id(token: str, seed: int, num_classes: int, salt: str = "target") -> int:
    """A deterministic class for a token, used for default targets (a stand-in for a tag)."""
    return token_seed(f"{salt}\x1f{token}", seed, num_classes) % num_classes


def prepare_inputs(source, config: UnrollConfig) -> tuple[tuple[str, ...], np.ndarray]:
    """Accept text, a token list or a (T, D) array; return (tokens, inputs) or raise RnnvizError."""
    if isinstance(source, str):
        if not source.strip():
            raise RnnvizError(
                "The text is empty: type a sentence, e.g. 'John lives in Salt Lake City'."
            )
        tokens = tokenize(source, config.tokenize)
        if not tokens:
            raise RnnvizError("The text has no tokens (only spaces?): type a word or two.")
        _check_length(len(tokens), config)
        return tuple(tokens), embed(tokens, config.input_size, config.seed)
    if isinstance(source, Sequence) and source and all(isinstance(t, str) for t in source):
        _check_length(len(source), config)
        tokens = tuple(_SURROGATE.sub("\ufffd", t) for t in source)
        return tokens, embed(tokens, config.input_size, config.seed)
    try:
        inputs = np.asarray(source, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise RnnvizError(
            "Give a text, a list of tokens or a T×D array of numbers as the input."
        ) from exc
    if inputs.ndim != 2 or inputs.shape[0] == 0:
        raise RnnvizError(f"An input array must be T×D with T ≥ 1, got shape {inputs.shape}.")
    if inputs.shape[1] != config.input_size:
        raise RnnvizError(
            f"The input array has D={inputs.shape[1]} columns but input_size is "
            f"{config.input_size}: pass input_size={inputs.shape[1]}."
        )
    if not np.isfinite(inputs).all():
        raise RnnvizError("The input array contains NaN or inf: give finite numbers.")
    _check_length(inputs.shape[0], config)
    return tuple(f"x{t}" for t in range(1, inputs.shape[0] + 1)), inputs


def _check_length(seq_len: int, config: UnrollConfig) -> None:
    if seq_len > config.max_tokens:
        raise RnnvizError(
            f"The input has {seq_len:,} tokens, more than max_tokens={config.max_tokens:,}: "
            "shorten it or raise max_tokens."
        )
