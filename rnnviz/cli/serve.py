"""`rnnviz serve`: a placeholder until the `rnnviz.serve` module exists; its author replaces this
file's body with the real `register` (the CLI calls `register(subparsers)` like every command)."""

from __future__ import annotations

import argparse
import importlib.util
import sys


def register(subparsers: argparse._SubParsersAction) -> None:
    if importlib.util.find_spec("rnnviz.serve") is not None:
        return  # the serve module is there: its own register() belongs in this file
    p = subparsers.add_parser("serve", help="(not available yet)",
                              description="rnnviz serve is not available in this version.")  # fmt: skip
    p.set_defaults(func=_not_available)


def _not_available(_args: argparse.Namespace) -> int:
    print("rnnviz serve: error: not available yet in this version of rnnviz.", file=sys.stderr)
    return 2
