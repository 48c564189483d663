"""The engine's errors: one message a person can act on, never a traceback for bad input."""

from __future__ import annotations


class RnnvizError(ValueError):
    """Bad input to the engine. The message says what was wrong and what to do instead."""


class NumericalWarning(UserWarning):
    """A run produced NaN/inf or overflowed (typically a large initial scale): numbers are flagged."""
