"""The character LMs' text: the Python standard library's own source, present on every machine offline.

Files are the top-level `*.py` of `sysconfig.get_paths()["stdlib"]`, sorted by name; a file is held
out when a hash of its name says so (about one in eight), so the split does not depend on which
files a given Python ships. Karpathy, Johnson & Fei-Fei (2015) read the Linux source the same way.
"""

from __future__ import annotations

import hashlib
import re
import sysconfig
from collections import Counter
from pathlib import Path

UNKNOWN = "\ufffd"  # shown for any character outside the vocabulary (index 0)
HELD_OUT_EVERY = 8
# Generated tables and test data, not code anyone writes: they would teach the LM to recite them.
SKIPPED = {"_pydecimal.py", "this.py", "_aix_support.py", "pydoc_data.py"}


def stdlib_dir() -> Path:
    return Path(sysconfig.get_paths()["stdlib"])


def is_held_out(file_name: str) -> bool:
    digest = hashlib.blake2b(file_name.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") % HELD_OUT_EVERY == 0


def source_files(held_out: bool, root: Path | None = None) -> list[Path]:
    """The training (held_out=False) or held-out files, in sorted order."""
    root = root or stdlib_dir()
    files = sorted(p for p in root.glob("*.py") if p.name not in SKIPPED)
    return [p for p in files if is_held_out(p.name) == held_out]


def read_text(files: list[Path]) -> str:
    """The files joined by blank lines, undecodable bytes replaced (a few files hold Latin-1)."""
    return "\n\n".join(p.read_text(encoding="utf-8", errors="replace") for p in files)


_TOP_LEVEL = re.compile(r"^(def |class |@)", re.M)


def top_level_start(text: str, at: int = 0) -> int | None:
    """Where the first top-level `def`/`class`/decorator line at or after `at` begins, or None.
    A piece cut there starts outside any string in real code, so its strings read right (a line
    scan: a docstring with `def` at column 0 would fool it)."""
    found = _TOP_LEVEL.search(text, at)
    return found.start() if found else None


def build_vocab(text: str, min_count: int = 20) -> list[str]:
    """Index 0 is UNKNOWN; then every character seen at least min_count times, by code point."""
    counts = Counter(text)
    return [UNKNOWN] + sorted(ch for ch, n in counts.items() if n >= min_count and ch != UNKNOWN)
