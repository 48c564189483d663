"""Text -> tokens -> embeddings x_t. Deterministic for (token, seed, size); Unicode-safe."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence

import numpy as np
import torch

from rnnviz import checks
from rnnviz.config import MAX_INPUT_SIZE, MAX_SEED, UnrollConfig
from rnnviz.errors import RnnvizError


def _mark_classes() -> tuple[str, str]:
    """The combining marks (Mn, Mc, Me) as the insides of two regex [...] classes, those in the
    BMP and those above it, from Python's own Unicode tables, so the version matches `\\w`'s.
    Two classes because re matches a BMP-only class by table lookup but one that also holds
    characters above U+FFFF by trying its ~300 ranges in turn (Hindi took 2 s per 100,000
    characters). Only planes 0, 1 and 14 hold marks: scanning those keeps the import ~20 ms."""
    marks = [
        cp
        for lo, hi in ((0, 0x20000), (0xE0000, 0xE1000))
        for cp in range(lo, hi)
        if unicodedata.category(chr(cp))[0] == "M"
    ]
    runs, start = [], 0
    for i in range(1, len(marks) + 1):
        if i == len(marks) or marks[i] != marks[i - 1] + 1:
            runs.append((marks[start], marks[i - 1]))
            start = i
    bmp = "".join(f"{chr(lo)}-{chr(hi)}" for lo, hi in runs if hi <= 0xFFFF)
    astral = "".join(f"{chr(lo)}-{chr(hi)}" for lo, hi in runs if lo > 0xFFFF)
    assert all(lo > 0xFFFF or hi <= 0xFFFF for lo, hi in runs)  # no run straddles U+FFFF
    return bmp, astral


# Words (letters/digits/underscore in any script, with inner apostrophes) or single other symbols.
# ASCII text holds no marks or format characters: it keeps this pattern, as fast as it always was.
_PLAIN_WORD = re.compile(r"\w+(?:['’]\w+)*|[^\w\s]")
# What `\w` leaves out but belongs to the character before it: combining marks (the vowel signs and
# viramas of Indic and Thai scripts, NFD accents), ZWNJ, and ZWJ, which also takes the symbol after
# it (👩‍💻 is one token; a letter after it continues the word through the \w* that follows).
# The lookahead first: none of them is below U+0300, and it spares most characters the classes;
# the marks above U+FFFF (their ranges tried one by one) only for characters up there.
_BMP_MARKS, _ASTRAL_MARKS = _mark_classes()
_ATTACHED = (
    rf"(?:(?=[^\x00-\u02ff])(?:[{_BMP_MARKS}\u200c]|\u200d[^\w\s]?"
    rf"|(?=[\U00010000-\U0010ffff])[{_ASTRAL_MARKS}]))"
)
# _PLAIN_WORD with the attached characters: letters after a mark continue the word ("नमस्ते").
_WORD = re.compile(
    rf"\w+(?:{_ATTACHED}+\w*)*(?:['’]\w+(?:{_ATTACHED}+\w*)*)*"
    rf"|(?:\u200d[^\w\s]?|[^\w\s]){_ATTACHED}*"
)
# One character and what attaches to it: a grapheme-ish cluster ("e" + U+0301, "क्", "👩‍💻").
_CHAR = re.compile(rf"(?:\u200d[^\w\s]?|.){_ATTACHED}*", re.DOTALL)
# Invisible controls that are no part of the text read: soft hyphen, ALM/LRM/RLM, the bidi
# embeddings and isolates, WORD JOINER and BOM (zero-width no-break space). U+200B ZERO WIDTH SPACE
# is handled apart: it separates words.
_INVISIBLE = re.compile("[\u00ad\u061c\u200e\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]")
_ZERO_WIDTH_SPACE = "\u200b"
# Lone surrogates cannot be encoded as UTF-8 (tables, JSON, the browser): shown as U+FFFD instead.
_SURROGATE = re.compile("[\ud800-\udfff]")
_ARRAY_ADVICE = "Give a text, a list of tokens or a T×D array of numbers as the input."


def tokenize(text: str, level: str = "word") -> list[str]:
    """Split text into tokens: words and punctuation (level="word") or characters ("char").

    A word is a run of letters, digits and underscores in any script, with inner apostrophes
    ("don't"); every other non-space character is a token of its own. Combining marks (Unicode
    M*), ZWNJ and ZWJ join the token before them, and letters after a mark continue the word:
    "नमस्ते", "สวัสดี" and NFD "cafe\u0301" are one word each. After a ZWJ the next symbol joins too,
    so an emoji ZWJ sequence ("👩\u200d💻") is one token. ZERO WIDTH SPACE separates words like a
    space; soft hyphen, BOM, WORD JOINER and the bidi controls (U+061C, U+200E/F, U+202A-E,
    U+2066-9) are dropped. At level "char" each character is a token, with its marks, ZWNJ and
    ZWJ(+symbol) attached; those invisible characters and ZERO WIDTH SPACE are dropped. Lone
    surrogates become U+FFFD."""
    if not isinstance(text, str):
        raise RnnvizError(f"Text must be a string, got {type(text).__name__}.")
    text = _SURROGATE.sub("\ufffd", text)
    if level == "word":
        return _words(text)
    if level == "char":
        return _chars(text)
    raise RnnvizError(f"Unknown tokenize level {level!r}: choose word or char.")


def _words(text: str) -> list[str]:
    if text.isascii():  # O(1) in CPython; the plain pattern is ~1.3x faster than _WORD
        return _PLAIN_WORD.findall(text)
    return _WORD.findall(_visible(text, " "))


def _chars(text: str) -> list[str]:
    if text.isascii():  # list() is ~50x faster than _CHAR
        return list(text)
    return _CHAR.findall(_visible(text, ""))


def _visible(text: str, zero_width_space: str) -> str:
    """text without the invisible controls, ZERO WIDTH SPACE replaced by `zero_width_space`."""
    return _INVISIBLE.sub("", text).replace(_ZERO_WIDTH_SPACE, zero_width_space)


def token_seed(token: str, seed: int, size: int) -> int:
    """A 64-bit seed from (token, seed, size); stable across runs, machines and Python versions."""
    key = f"{seed}\x1f{size}\x1f{token}".encode("utf-8", "surrogatepass")
    return int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "little")


def embed(tokens: Sequence[str], size: int, seed: int = 0) -> np.ndarray:
    """x_t for each token: a standard-normal vector drawn from the token's own seed. (T, D)"""
    checks.whole_number("size", size, 1, MAX_INPUT_SIZE)
    checks.whole_number("seed", seed, 0, MAX_SEED)
    # a list, tuple or array, read twice below: a generator would be used up by the check
    listed = isinstance(tokens, Sequence | np.ndarray) and not isinstance(tokens, str | bytes)
    if not listed or not all(isinstance(t, str) for t in tokens):
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


def prepare_inputs(
    source, config: UnrollConfig, weights_given: bool = False
) -> tuple[tuple[str, ...], np.ndarray]:
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
            long = next((t for t in source if not _is_one_char(t)), None)
            if long is not None:
                raise RnnvizError(
                    f"tokenize='char' takes text or one-character tokens; got the token "
                    f"{checks.shown(long)} ({len(long)} characters). Pass the text itself, or "
                    "tokenize='word'."
                )
        tokens = tuple(_SURROGATE.sub("\ufffd", t) for t in source)
        return tokens, _embed(tokens, config.input_size, config.seed)
    inputs = _as_array(source, config, weights_given)
    if not np.isfinite(inputs).all():
        raise RnnvizError("The input array contains NaN or inf: give finite numbers.")
    return tuple(f"x{t}" for t in range(1, inputs.shape[0] + 1)), inputs


def _is_one_char(token: str) -> bool:
    """One character, or one with its marks attached as tokenize(..., "char") gives it ("e\u0301"):
    a char trace's own tokens are taken back."""
    return len(token) == 1 or _CHAR.fullmatch(token) is not None


def _as_array(source, config: UnrollConfig, weights_given: bool = False) -> np.ndarray:
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
        fix = (  # the weights fix input_size: naming another would contradict them
            f"the weights you give read {config.input_size} numbers per step"
            if weights_given
            else f"pass input_size={source.shape[1]}"
        )
        raise RnnvizError(
            f"The input array has D={source.shape[1]} columns but input_size is "
            f"{config.input_size}: {fix}."
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
