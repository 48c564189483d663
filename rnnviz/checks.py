"""The engine's validators, shared by every entry point (UnrollConfig, the Lab, graph counts):
each raises RnnvizError naming the field, the bad value and what is allowed."""

from __future__ import annotations

import math
import sys
from dataclasses import fields

from rnnviz.errors import RnnvizError


def shown(value) -> str:
    """A short, safe rendering of a bad value for a message (its type too when it is no number)."""
    if isinstance(value, int) and abs(value).bit_length() > 200:  # repr(10**5000) raises
        digits = int(abs(value).bit_length() * 0.30103)  # log10(2): digits to within one
        return f"{'a negative int' if value < 0 else 'an int'} of about {digits} digits"
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - a value whose repr fails is still named by its type
        text = "?"
    text = text if len(text) <= 60 else text[:57] + "..."
    if isinstance(value, bool | int | float | str):
        return text
    return f"{text} (type {type(value).__name__})"


def choice(name: str, value, allowed: tuple[str, ...]) -> None:
    # Checked as a string first: `value in allowed` on a list or an array compares element-wise.
    if not isinstance(value, str) or value not in allowed:
        raise RnnvizError(f"Unknown {name} {shown(value)}: choose one of {', '.join(allowed)}.")


def whole_number(name: str, value, low: int, high: int) -> None:
    bools, ints, _ = _scalar_types()
    if isinstance(value, bools) or not isinstance(value, ints):
        raise RnnvizError(f"{name} must be a whole number, got {shown(value)}.")
    if not low <= value <= high:
        raise RnnvizError(f"{name} must be between {low} and {high}, got {shown(int(value))}.")


def true_or_false(name: str, value) -> None:
    """A switch: True or False (numpy's bool too), never a truthy string like "no" or 1."""
    bools, _, _ = _scalar_types()
    if not isinstance(value, bools):
        raise RnnvizError(f"{name} must be True or False, got {shown(value)}.")


def elman_only_activation(cell: str, activation: str) -> None:
    """The LSTM's and GRU's nonlinearities are fixed: another activation would be ignored."""
    if activation != "tanh" and cell != "elman":
        raise RnnvizError(
            f"activation={activation!r} applies to the Elman cell only (the LSTM's and GRU's "
            "nonlinearities are fixed): leave it out, or use cell='elman'."
        )


def number_in(name: str, value, low: float, high: float) -> None:
    bools, ints, floats = _scalar_types()
    real = isinstance(value, ints + floats)
    if isinstance(value, bools) or not real:
        raise RnnvizError(f"{name} must be a finite number, got {shown(value)}.")
    try:
        number = float(value)  # a huge int (10**400) overflows here
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        raise RnnvizError(f"{name} must be a finite number, got {shown(value)}.")
    if not low <= number <= high:
        raise RnnvizError(f"{name} must be between {low:g} and {high:g}, got {number:g}.")


def _scalar_types() -> tuple[tuple[type, ...], tuple[type, ...], tuple[type, ...]]:
    """(bool, int, float) types, numpy's scalars included once numpy is imported. numpy is not
    imported here: `rnnviz --help` reads the config and must not pay for it, and a numpy scalar
    can only exist if numpy was imported already."""
    np = sys.modules.get("numpy")
    if np is None:
        return (bool,), (int,), (float,)
    return (bool, np.bool_), (int, np.integer), (float, np.floating)


def plain_numbers(config) -> None:
    """A frozen dataclass's numpy scalars (np.int64 seeds, np.float64 scales) made plain Python
    numbers in place, so the config prints as JSON and equals one built from ints and floats."""
    np = sys.modules.get("numpy")
    if np is None:  # numpy not imported (rnnviz --help): no value can be a numpy scalar
        return
    for f in fields(config):
        value = getattr(config, f.name)
        if isinstance(value, np.bool_):
            object.__setattr__(config, f.name, bool(value))
        elif isinstance(value, np.integer):
            object.__setattr__(config, f.name, int(value))
        elif isinstance(value, np.floating):
            object.__setattr__(config, f.name, float(value))
