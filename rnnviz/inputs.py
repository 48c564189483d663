"""Text -> tokens -> embeddings x_t. Deterministic for (token, seed, size); Unicode-safe."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import numpy as np
import torch

from rnnviz import checks
from rnnviz.config import MAX_INPUT_SIZE, MAX_SEED, UnrollConfig
from rnnviz.errors import RnnvizError

# Words (letters/digits/underscore in any script, with inner apostrophes) or single other symbols.
_WORD = re.compile(r"\w+(?:['’]\w+)*|[^\w\s]")
# Lone surrogates cannot be encoded as UTF-8 (tables, JSON, the browser): shown as U+FFFD instead.
_SURROGATE = re.compile("[\ud800-\udfff]")
_ARRAY_ADVICE = "Give a text, a list of tokens or a T×D array of numbers as the input."


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
    checks.whole_number("size", size, 1, MAX_INPUT_SIZE)
    checks.whole_number("seed", seed, 0, MAX_SEED)
    if isinstance(tokens, str | bytes) or not all(isinstance(t, str) for t in tokens):
        raise RnnvizError("tokens: give a list of strings, e.g. ['John', 'lives'].")
    return _embed(tokens, size, seed)


def _embed(tokens: Sequence[str], size: int, seed: int) -> np.ndarray:
    """`embed` for tokens and a config prepare_inputs has already checked."""
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
        return tuple(tokens), _embed(tokens, config.input_size, config.seed)
    if isinstance(source, Sequence) and source and all(isinstance(t, str) for t in source):
        _check_length(len(source), config)
        if config.tokenize == "char":  # char traces read each token as one character
            long = next((t for t in source if len(t) != 1), None)
            if long is not None:
                raise RnnvizError(
                    f"tokenize='char' takes text or one-character tokens; got the token "
                    f"{checks.shown(long)} ({len(long)} characters). Pass the text itself, or "
                    "tokenize='word'."
                )
        tokens = tuple(_SURROGATE.sub("\ufffd", t) for t in source)
        return tokens, _embed(tokens, config.input_size, config.seed)
    inputs = _as_array(source, config)
    if not np.isfinite(inputs).all():
        raise RnnvizError("The input array contains NaN or inf: give finite numbers.")
    return tuple(f"x{t}" for t in range(1, inputs.shape[0] + 1)), inputs


def _as_array(source, config: UnrollConfig) -> np.ndarray:
    """A (T, D) float64 copy of an array-like input, its shape checked before anything is copied
    (a zero-stride view can declare billions of elements that no step may materialise)."""
    if isinstance(source, torch.Tensor):
        source = _tensor_to_numpy(source, config)
    if not isinstance(source, np.ndarray):
        try:
            source = np.asarray(source)  # a nested list: its own size, already in memory
        except (TypeError, ValueError) as exc:
            raise RnnvizError(_ARRAY_ADVICE) from exc
    if source.dtype.kind in "OUSV" or (source.ndim < 2 and source.dtype.kind not in "iufcb"):
        raise RnnvizError(_ARRAY_ADVICE)  # not numbers (bytes, a set, None among tokens, ...)
    if source.ndim != 2 or source.shape[0] == 0:
        raise RnnvizError(
            f"An input array must be T×D with T ≥ 1 (one row of D numbers per step), got shape "
            f"{source.shape}."
        )
    _check_length(source.shape[0], config)
    if source.shape[1] == 0:
        raise RnnvizError("The input array has no columns (D = 0): each step needs a number.")
    if source.shape[1] != config.input_size:
        raise RnnvizError(
            f"The input array has D={source.shape[1]} columns but input_size is "
            f"{config.input_size}: pass input_size={source.shape[1]}."
        )
    kind = source.dtype.kind
    if kind == "c":
        raise RnnvizError(
            "The input array is complex: the RNN takes real numbers. Pass x.real (or abs(x)) "
            "if that is what you mean."
        )
    if kind == "b":
        raise RnnvizError("The input array holds booleans: pass numbers (x.astype(float)).")
    if kind not in "iuf":
        raise RnnvizError(_ARRAY_ADVICE + f" (got an array of {source.dtype})")
    return np.array(source, dtype=np.float64)  # (T, D), a copy the trace owns


def _tensor_to_numpy(tensor: torch.Tensor, config: UnrollConfig) -> np.ndarray:
    if tensor.requires_grad:
        raise RnnvizError(
            "The input tensor requires grad: pass x.detach() (the engine computes its own "
            "gradients and would not feed yours)."
        )
    if tensor.layout != torch.strided or tensor.is_quantized or tensor.is_meta:
        raise RnnvizError(
            "The input tensor is sparse, quantised or on the meta device: pass a dense tensor "
            "of real numbers (x.to_dense(), x.dequantize())."
        )
    if tensor.ndim != 2 or tensor.shape[0] == 0:
        raise RnnvizError(
            f"An input array must be T×D with T ≥ 1, got shape {tuple(tensor.shape)}."
        )
    _check_length(tensor.shape[0], config)  # before any conversion copies it
    if tensor.is_complex():
        raise RnnvizError("The input tensor is complex: the RNN takes real numbers (x.real).")
    if tensor.dtype == torch.bool:
        raise RnnvizError("The input tensor holds booleans: pass numbers (x.float()).")
    if tensor.is_floating_point() and tensor.dtype not in (torch.float32, torch.float64):
        tensor = tensor.float()  # numpy has no bfloat16 or float8; small: its shape passed above
    try:
        return tensor.cpu().numpy()
    except (TypeError, RuntimeError) as exc:  # dtypes numpy cannot hold (torch's uint16..64)
        raise RnnvizError(
            f"The input tensor's dtype {tensor.dtype} cannot be read: pass x.double()."
        ) from exc


def _check_length(seq_len: int, config: UnrollConfig) -> None:
    if seq_len > config.max_tokens:
        raise RnnvizError(
            f"The input has {seq_len:,} tokens, more than max_tokens={config.max_tokens:,}: "
            "shorten it or raise max_tokens."
        )
