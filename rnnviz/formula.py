"""The lecture's unrolled recurrence written out: s_t = R(R(...R(s_0, x_1)...), x_t).

Long formulas are abbreviated, never wrong. Rule (for depth t > FULL_DEPTH = 12): keep the KEEP = 3
innermost applications of R (those reading x_1..x_3) and the KEEP outermost ones (x_{t-2}..x_t), and
write the t - 6 applications in between (reading x_4..x_{t-3}) as a pair of ellipses:

    s_20 = R(R(R(... R(R(R(s_0, x_1), x_2), x_3) ..., x_18), x_19), x_20)

Replacing the left "..." by t - 6 copies of "R(" and the right one by ", x_4), x_5), ..., x_{t-3})"
gives the full formula; the visible parentheses balance on their own. `recurrence_lines` applies the
same rule to its list of lines: the first KEEP lines, one ellipsis line, the last KEEP lines.
"""

from __future__ import annotations

import numbers
import re

from rnnviz import checks
from rnnviz.errors import RnnvizError

FORMATS = ("text", "latex")
# The largest time step written: the most tokens an unroll reads (UnrollConfig's max_tokens, at
# most 10**7), so every step of any trace has its formula and a huge t is refused with a message.
MAX_STEP = 10**7
FULL_DEPTH = 12  # formulas up to this depth are written out in full
KEEP = 3  # applications kept at each end of an abbreviated formula
_SYMBOL = re.compile(r"^([A-Za-z])('*)_(\w+)$")  # "s_0", "s'_0", "h_12"
# LaTeX's (and KaTeX's) special characters in text mode, as literal characters
_LATEX_TEXT = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "&": r"\&",
    "#": r"\#",
    "%": r"\%",
    "_": r"\_",
    "^": r"\textasciicircum{}",
    "~": r"\textasciitilde{}",
}
_ELLIPSIS = {"text": "...", "latex": r"\cdots"}
_VERTICAL_ELLIPSIS = {"text": "...", "latex": r"\vdots"}


def nested_formula(t: int, fmt: str = "text", *, s0: str = "s_0") -> str:
    """The state s_t written as nested applications of R, e.g. for t = 3:

    text:  "s_3 = R(R(R(s_0, x_1), x_2), x_3)"
    latex: r"\\mathbf{s}_3 = R(R(R(\\mathbf{s}_0, \\mathbf{x}_1), \\mathbf{x}_2), \\mathbf{x}_3)"

    t = 0 gives just the initial state ("s_0"); t is at most MAX_STEP. `s0` names the initial
    state (text form, e.g. "s'_0" for a decoder); depths above FULL_DEPTH are abbreviated as the
    module docstring says.
    """
    t = _check_step(t)
    _check_format(fmt)
    initial = _symbol(_check_s0(s0), fmt)
    if t == 0:
        return initial
    return f"{_symbol(f's_{t}', fmt)} = {_nested_rhs(t, fmt, initial)}"


def recurrence_lines(t: int, fmt: str = "text", *, s0: str = "s_0") -> list[str]:
    """The lecture's list of unrolled steps up to t:

    s_1 = R(s_0, x_1)
    s_2 = R(s_1, x_2) = R(R(s_0, x_1), x_2)
    ...

    One line per step k = 1..t; above FULL_DEPTH steps the first KEEP lines, a line holding only an
    ellipsis, and the last KEEP lines. t = 0 gives no lines; t is at most MAX_STEP.
    """
    t = _check_step(t)
    _check_format(fmt)
    initial = _symbol(_check_s0(s0), fmt)
    if t <= FULL_DEPTH:
        return [_recurrence_line(k, fmt, initial) for k in range(1, t + 1)]
    head = [_recurrence_line(k, fmt, initial) for k in range(1, KEEP + 1)]
    tail = [_recurrence_line(k, fmt, initial) for k in range(t - KEEP + 1, t + 1)]
    return [*head, _VERTICAL_ELLIPSIS[fmt], *tail]


def output_formula(t: int, fmt: str = "text") -> str:
    """The output at step t: "y_t = O(s_t)", e.g. output_formula(3) == "y_3 = O(s_3)".

    Outputs exist from t = 1 (y_1 reads s_1; s_0 has no output) to t = MAX_STEP."""
    t = _check_step(t, first=1)
    _check_format(fmt)
    return f"{_symbol(f'y_{t}', fmt)} = O({_symbol(f's_{t}', fmt)})"


def _recurrence_line(k: int, fmt: str, initial: str) -> str:
    previous = initial if k == 1 else _symbol(f"s_{k - 1}", fmt)
    one_step = f"R({previous}, {_symbol(f'x_{k}', fmt)})"
    line = f"{_symbol(f's_{k}', fmt)} = {one_step}"
    if k >= 2:
        line += f" = {_nested_rhs(k, fmt, initial)}"
    return line


def _nested_rhs(t: int, fmt: str, initial: str) -> str:
    """R(...R(initial, x_1)..., x_t), abbreviated in the middle when t > FULL_DEPTH."""
    if t <= FULL_DEPTH:
        return _apply(initial, range(1, t + 1), fmt)
    inner = _apply(initial, range(1, KEEP + 1), fmt)
    dots = _ELLIPSIS[fmt]
    middle = f"{dots} {inner} {dots}"  # stands for R(...R(inner, x_4)..., x_{t-3})
    outer_inputs = [_symbol(f"x_{k}", fmt) for k in range(t - KEEP + 1, t + 1)]
    return "R(" * KEEP + middle + "".join(f", {x})" for x in outer_inputs)


def _apply(initial: str, steps: range, fmt: str) -> str:
    """R applied once per step in `steps`, innermost first."""
    return "R(" * len(steps) + initial + "".join(f", {_symbol(f'x_{k}', fmt)})" for k in steps)


def _symbol(name: str, fmt: str) -> str:
    """'s_12' -> 's_12' (text) or r'\\mathbf{s}_{12}' (latex: bold vectors as in the lecture)."""
    if fmt == "text":
        return name
    match = _SYMBOL.match(name)
    if match is None:  # an initial state named otherwise (s0=): set as text, escaped
        return r"\text{" + "".join(_LATEX_TEXT.get(c, c) for c in name) + "}"
    letter, primes, subscript = match.groups()
    sub = subscript if len(subscript) == 1 else "{" + subscript + "}"
    return rf"\mathbf{{{letter}}}{primes}_{sub}"


def _check_step(t, first: int = 0) -> int:
    if isinstance(t, bool) or not isinstance(t, numbers.Integral):
        raise RnnvizError(f"The time step t must be a whole number, got {checks.shown(t)}.")
    if first == 0 and t < 0:
        raise RnnvizError(
            f"The time step t must be 0 or more (s_0 is the initial state), got {checks.shown(t)}."
        )
    if first == 1 and t < 1:
        raise RnnvizError(
            f"The time step t of an output must be 1 or more (y_1 = O(s_1) is the first; s_0 has "
            f"no output), got {checks.shown(t)}."
        )
    if t > MAX_STEP:
        raise RnnvizError(
            f"The time step t must be at most {MAX_STEP:,} (the most tokens an unroll reads), "
            f"got {checks.shown(t)}."
        )
    return int(t)


def _check_format(fmt) -> None:
    checks.choice("formula format", fmt, FORMATS)


def _check_s0(s0) -> str:
    if not isinstance(s0, str) or not s0.strip():
        raise RnnvizError(f"s0 must name the initial state, e.g. 's_0'; got {checks.shown(s0)}.")
    return s0
