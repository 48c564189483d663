"""Features of the text a trace read, one value per token, for finding the units that track them.

Character traces (the char LMs, or any `tokenize="char"` run) read Python-ish code; a small
scanner marks, for the state *after* reading each character: inside a string literal, inside a
comment, bracket depth, the line's indentation, the position in the line, inside an identifier.
Word traces mark persons and places (the tagger's predictions, or tags you give) and capitals.
A regex marks every character inside a match; a word is on when any of its characters is.
"""

from __future__ import annotations

import contextlib
import os
import re
import select
import signal
import time

import numpy as np

from rnnviz import checks
from rnnviz.errors import RnnvizError

CHAR_FEATURES = (
    "string",
    "comment",
    "string_or_comment",  # inside prose rather than code (a unit of every char LM tracks it)
    "bracket_depth",
    "indent",
    "column",
    "identifier",
)
WORD_FEATURES = ("person", "place", "name", "capitalised")
_OPEN, _CLOSE = "([{", ")]}"


def scan_code(text: str) -> dict[str, np.ndarray]:
    """Per character of `text`, the CHAR_FEATURES after reading it (robust to unfinished code)."""
    n = len(text)
    out = {name: np.zeros(n) for name in CHAR_FEATURES}
    mode, quote, depth, column, indent, at_line_start = "code", "", 0, 0, 0, True
    i = 0
    while i < n:
        ch = text[i]
        step = 1
        if mode == "string":
            if ch == "\\":
                step = 2  # the escaped character is part of the string
                for k in range(i, min(i + 2, n)):
                    out["string"][k] = 1
            elif text.startswith(quote, i):
                step = len(quote)  # closing quote(s): outside again once read
                mode = "code"
            elif ch == "\n" and len(quote) == 1:
                mode = "code"  # an unterminated one-line string ends with its line
            else:
                out["string"][i] = 1
        elif mode == "comment":
            if ch == "\n":
                mode = "code"
            else:
                out["comment"][i] = 1
        elif ch in "'\"":
            quote = ch * 3 if text.startswith(ch * 3, i) else ch
            step = len(quote)
            out["string"][i : i + step] = 1
            mode = "string"
        elif ch == "#":
            mode = "comment"
            out["comment"][i] = 1
        elif ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth = max(depth - 1, 0)
        elif (ch.isalnum() or ch == "_") and (not ch.isdigit() or (i and out["identifier"][i - 1])):
            out["identifier"][i] = 1  # a digit only continues a name (x1), it never starts one
        for k in range(i, min(i + step, n)):
            c = text[k]
            if c == "\n":
                column, indent, at_line_start = 0, 0, True
            else:
                if at_line_start and c == " ":
                    indent += 1
                elif c != " ":
                    at_line_start = False
                column += 1
            out["bracket_depth"][k] = depth
            out["column"][k] = column
            out["indent"][k] = indent
        i += step
    out["string_or_comment"] = np.maximum(out["string"], out["comment"])
    return out


def word_features(tokens, tags=None) -> dict[str, np.ndarray]:
    """Per token: person / place / name (from tags: PER, LOC, with or without B-/I-) and capitalised."""
    out = {"capitalised": np.array([float(t[:1].isupper()) for t in tokens])}
    if tags is not None:
        try:
            count = -1 if isinstance(tags, str) else len(tags)
        except TypeError:  # no length (a generator, a number, a 0-d array)
            count = -1
        if count != len(tokens):
            raise RnnvizError(f"tags: a list with one tag per token ({len(tokens)}).")
        # The first tag that is no string, if any (None itself is one: [None] * T was accepted).
        odd = [tag for tag in tags if not isinstance(tag, str)][:1]
        if odd:
            raise RnnvizError(
                "tags: strings in the CoNLL style (O, PER, LOC, B-PER, I-LOC, ...), got "
                f"{checks.shown(odd[0])}."
            )
        kind = [tag.split("-")[-1].upper() for tag in tags]
        out["person"] = np.array([float(k == "PER") for k in kind])
        out["place"] = np.array([float(k == "LOC") for k in kind])
        out["name"] = out["person"] + out["place"]
    return out


REGEX_SECONDS = 2.0  # a user's regex may backtrack for ever ("(a+)+$"): it gets this long


def regex_mask(tokens, pattern: re.Pattern, joiner: str) -> np.ndarray:
    """1.0 for each token with a character inside a match of `pattern` in joiner.join(tokens).
    The matching runs in a forked child that is killed after REGEX_SECONDS (RnnvizError): Python's
    re cannot be interrupted, and a dashboard user's pattern must not hang its server."""
    pattern = compile_regex(pattern)
    text = joiner.join(tokens)
    hit = _hits_within(pattern, text, REGEX_SECONDS)
    out, at = np.zeros(len(tokens)), 0
    for t, token in enumerate(tokens):
        out[t] = float(hit[at : at + max(len(token), 1)].any()) if token else 0.0
        at += len(token) + len(joiner)
    return out


def _hits(pattern: re.Pattern, text: str) -> np.ndarray:
    hit = np.zeros(len(text) + 1, dtype=bool)
    for match in pattern.finditer(text):
        hit[match.start() : max(match.end(), match.start() + 1)] = True
    return hit


def _hits_within(pattern: re.Pattern, text: str, seconds: float) -> np.ndarray:
    """_hits(pattern, text) computed in a forked child that is killed after `seconds` (in this
    process where there is no fork)."""
    if not hasattr(os, "fork"):
        return _hits(pattern, text)
    size = len(text) + 1
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: match, send the packed bits, exit without running any cleanup
        try:
            os.close(read)
            data = np.packbits(_hits(pattern, text)).tobytes()
            while data:
                data = data[os.write(write, data) :]
        finally:
            os._exit(0)
    os.close(write)
    deadline, chunks = time.monotonic() + seconds, []
    try:
        while True:
            ready, _, _ = select.select([read], [], [], max(deadline - time.monotonic(), 0.0))
            if not ready:
                raise RnnvizError(
                    f"regex {pattern.pattern!r} took more than {seconds:g} s on this text (it "
                    "backtracks too much, e.g. a nested repeat like (a+)+): simplify it."
                )
            chunk = os.read(read, 1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(read)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    packed = np.frombuffer(b"".join(chunks), dtype=np.uint8)
    if packed.size * 8 < size:  # the child died before it finished
        raise RnnvizError(f"regex {pattern.pattern!r} could not be matched on this text.")
    return np.unpackbits(packed)[:size].astype(bool)


def compile_regex(pattern) -> re.Pattern:
    """A compiled regex from a string (or one already compiled), or RnnvizError saying why not."""
    if isinstance(pattern, re.Pattern):
        if not isinstance(pattern.pattern, str):
            raise RnnvizError("regex: give a str pattern, not bytes (the text is str).")
        return pattern
    if not isinstance(pattern, str) or not pattern:
        raise RnnvizError("regex: give a non-empty regular expression, e.g. r'\\d+'.")
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise RnnvizError(f"regex {pattern!r} is not a valid regular expression: {exc}.") from exc
