"""Reading `--text-file` safely: regular files and stdin up to a cap; devices, FIFOs and folders
are refused at once, before anything is opened that could block or never end."""

from __future__ import annotations

import os
import stat
import sys

from rnnviz.errors import RnnvizError

MAX_TEXT_BYTES = 10 * 1024 * 1024  # 10 MB: far past the 10,000-token default, still quick to read


def read_text_file(path: str, cap: int = MAX_TEXT_BYTES) -> str:
    """The UTF-8 text of `path` ('-': stdin), a leading BOM dropped, or RnnvizError naming
    --text-file and the reason."""
    if path == "-":
        return _decode(_read_stdin(cap), "stdin", cap)
    try:
        info = os.stat(path)  # before open(): opening a FIFO with no writer would block
    except FileNotFoundError:
        raise RnnvizError(f"--text-file: no such file {path!r}.") from None
    except OSError as exc:
        raise RnnvizError(f"--text-file: cannot read {path!r} ({exc.strerror}).") from None
    _check_regular(path, info.st_mode)
    if info.st_size > cap:  # a huge (or sparse) file is refused without reading it
        raise RnnvizError(_too_big(repr(path), cap))
    try:
        # O_NONBLOCK: if the path was swapped for a FIFO after stat(), open() still returns at once.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise RnnvizError(f"--text-file: cannot read {path!r} ({exc.strerror}).") from None
    with os.fdopen(fd, "rb") as handle:
        _check_regular(path, os.fstat(fd).st_mode)
        try:
            data = handle.read(cap + 1)  # at most cap + 1 bytes, whatever the file claims
        except OSError as exc:
            raise RnnvizError(f"--text-file: cannot read {path!r} ({exc.strerror}).") from None
    return _decode(data, repr(path), cap)


def _check_regular(path: str, mode: int) -> None:
    if stat.S_ISDIR(mode):
        raise RnnvizError(f"--text-file: {path!r} is a folder; give a text file.")
    if stat.S_ISREG(mode):
        return
    kind = "a FIFO" if stat.S_ISFIFO(mode) else "a device" if _is_device(mode) else "not a file"
    raise RnnvizError(
        f"--text-file: {path!r} is {kind}, not a regular file; to read a stream, pipe it to "
        "--text-file - (stdin)."
    )


def _is_device(mode: int) -> bool:
    return stat.S_ISCHR(mode) or stat.S_ISBLK(mode)


def _read_stdin(cap: int) -> bytes:
    stream = getattr(sys.stdin, "buffer", None)
    if stream is None:
        raise RnnvizError("--text-file -: there is no stdin to read (it is closed).")
    try:
        return stream.read(cap + 1)  # /dev/zero on stdin: stops after cap + 1 bytes
    except OSError as exc:
        raise RnnvizError(f"--text-file -: cannot read stdin ({exc.strerror}).") from None


def _decode(data: bytes, where: str, cap: int) -> str:
    if len(data) > cap:
        raise RnnvizError(_too_big(where, cap))
    try:
        return data.decode("utf-8-sig")  # Notepad's BOM is no character of the text
    except UnicodeDecodeError:
        raise RnnvizError(f"--text-file: {where} is not UTF-8 text.") from None


def _too_big(where: str, cap: int) -> str:
    return f"--text-file: {where} is larger than {cap // (1024 * 1024)} MB, the limit; pass a shorter text."
