"""`rnnviz serve`: the classroom server's flags and handler live in `rnnviz.serve.cli`."""

from rnnviz.serve.cli import register

__all__ = ["register"]
