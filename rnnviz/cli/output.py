"""Writing a command's result to stdout so that a full disk, an ASCII-only terminal or a closed
pipe ends in one line on stderr (or, for a closed pipe, quietly), never a traceback."""

from __future__ import annotations

import contextlib
import os
import sys


class OutputError(Exception):
    """stdout cannot take the result (encoding, full disk, I/O error): exit status 1."""


def write_stdout(text: str) -> None:
    """Write all of `text` and flush, or raise OutputError before writing anything it cannot encode.

    Encoding is checked first, on the whole text, so an ASCII-only stdout gets no half-written
    table; flushing here (not at interpreter exit) is what lets a full disk be reported."""
    stream = sys.stdout
    if stream is None:
        raise OutputError("there is no stdout to write to.")
    encoding = stream.encoding or "utf-8"
    try:
        text.encode(encoding, stream.errors or "strict")
    except UnicodeEncodeError as exc:
        bad = exc.object[exc.start : exc.end]
        raise OutputError(
            f"stdout's encoding ({encoding}) cannot write {bad!r}: set PYTHONIOENCODING=utf-8 "
            "(or a UTF-8 locale) and run again."
        ) from None
    try:
        stream.write(text)
        stream.flush()
    except BrokenPipeError:
        raise  # the reader left (`| head`): main() ends quietly
    except OSError as exc:
        silence_stdout()
        raise OutputError(f"cannot write to stdout ({exc.strerror or exc}).") from None


def say(line: str) -> None:
    """One line on stderr. Where stderr itself cannot be written (a full disk, a closed pipe)
    nothing better can be done: the exit status still says what happened."""
    with contextlib.suppress(OSError, AttributeError, ValueError):
        print(line, file=sys.stderr, flush=True)


def silence_stdout() -> None:
    """Point stdout's file descriptor at /dev/null, so the flush at interpreter exit cannot fail
    again on what is still buffered (Python's documented recipe for SIGPIPE)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, AttributeError, ValueError):
        pass
