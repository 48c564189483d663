"""The nested formula matches the lecture's notation and stays correct when abbreviated."""

from __future__ import annotations

import re

import numpy as np
import pytest

from rnnviz.errors import RnnvizError
from rnnviz.formula import (
    FULL_DEPTH,
    KEEP,
    nested_formula,
    output_formula,
    recurrence_lines,
)


def _unrolled_by_recursion(t: int) -> str:
    """Independent oracle: apply s <- R(s, x_k) t times."""
    state = "s_0"
    for k in range(1, t + 1):
        state = f"R({state}, x_{k})"
    return state


def test_lecture_examples_text_and_latex():
    assert nested_formula(3) == "s_3 = R(R(R(s_0, x_1), x_2), x_3)"
    assert nested_formula(3, "latex") == (
        r"\mathbf{s}_3 = R(R(R(\mathbf{s}_0, \mathbf{x}_1), \mathbf{x}_2), \mathbf{x}_3)"
    )
    assert nested_formula(1) == "s_1 = R(s_0, x_1)"
    assert nested_formula(0) == "s_0"


def test_recurrence_lines_match_the_lecture_slide():
    assert recurrence_lines(4) == [
        "s_1 = R(s_0, x_1)",
        "s_2 = R(s_1, x_2) = R(R(s_0, x_1), x_2)",
        "s_3 = R(s_2, x_3) = R(R(R(s_0, x_1), x_2), x_3)",
        "s_4 = R(s_3, x_4) = R(R(R(R(s_0, x_1), x_2), x_3), x_4)",
    ]
    assert recurrence_lines(0) == []
    assert recurrence_lines(2, "latex")[0] == r"\mathbf{s}_1 = R(\mathbf{s}_0, \mathbf{x}_1)"


@pytest.mark.parametrize("t", range(1, FULL_DEPTH + 1))
def test_full_formula_equals_recursive_oracle(t):
    assert nested_formula(t) == f"s_{t} = {_unrolled_by_recursion(t)}"


@pytest.mark.parametrize("t", [FULL_DEPTH + 1, 20, 57, 10_000])
def test_abbreviated_formula_expands_to_the_full_one(t):
    text = nested_formula(t)
    assert len(text) < 120  # constant size, whatever t
    assert text.count("(") == text.count(")") == 2 * KEEP
    lhs, rhs = text.split(" = ")
    assert lhs == f"s_{t}"
    # The documented rule: left "..." = (t - 6) x "R(", right "..." = ", x_4), ..., x_{t-3})".
    hidden = range(KEEP + 1, t - KEEP + 1)
    expanded = rhs.replace("... ", "R(" * len(hidden), 1)
    expanded = expanded.replace(" ...", "".join(f", x_{k})" for k in hidden), 1)
    assert expanded == _unrolled_by_recursion(t)


def test_abbreviated_latex_uses_cdots_and_braced_subscripts():
    text = nested_formula(20, "latex")
    assert text.startswith(r"\mathbf{s}_{20} = R(R(R(\cdots R(")
    assert text.endswith(r"\cdots, \mathbf{x}_{18}), \mathbf{x}_{19}), \mathbf{x}_{20})")


def test_long_recurrence_list_keeps_both_ends():
    lines = recurrence_lines(15)
    assert len(lines) == 2 * KEEP + 1
    assert lines[KEEP] == "..."
    assert lines[0] == "s_1 = R(s_0, x_1)"
    assert lines[-1].startswith("s_15 = R(s_14, x_15) = R(R(R(... ")
    assert recurrence_lines(15, "latex")[KEEP] == r"\vdots"
    assert len(recurrence_lines(FULL_DEPTH)) == FULL_DEPTH


def test_output_formula_and_custom_initial_state():
    assert output_formula(3) == "y_3 = O(s_3)"
    assert output_formula(12, "latex") == r"\mathbf{y}_{12} = O(\mathbf{s}_{12})"
    assert nested_formula(1, s0="s'_0") == "s_1 = R(s'_0, x_1)"
    assert nested_formula(1, "latex", s0="s'_0") == r"\mathbf{s}_1 = R(\mathbf{s}'_0, \mathbf{x}_1)"


def test_numpy_integers_are_accepted():
    assert nested_formula(np.int64(2)) == "s_2 = R(R(s_0, x_1), x_2)"


@pytest.mark.parametrize("bad", [-1, 2.0, 2.5, "3", None, True])
def test_bad_step_raises_rnnviz_error(bad):
    for function in (nested_formula, recurrence_lines, output_formula):
        with pytest.raises(RnnvizError, match="time step"):
            function(bad)


def test_bad_format_and_initial_state_raise():
    with pytest.raises(RnnvizError, match="text, latex"):
        nested_formula(2, "html")
    with pytest.raises(RnnvizError, match="initial state"):
        nested_formula(2, s0="")


def test_an_initial_state_of_any_name_is_set_as_escaped_latex_text():
    """s0 that is not a symbol like s_0 goes into \\text{} with LaTeX's specials escaped, so the
    formula stays well formed (a raw brace or backslash broke it, and % cut the line)."""
    latex = nested_formula(2, "latex", s0="a\\b{$}_%^~&#")
    escaped = r"\text{a\textbackslash{}b\{\$\}\_\%\textasciicircum{}\textasciitilde{}\&\#}"
    assert latex == rf"\mathbf{{s}}_2 = R(R({escaped}, \mathbf{{x}}_1), \mathbf{{x}}_2)"
    bare = re.sub(r"\\[{}$%&#_]", "", latex)  # the escaped characters are literal
    assert bare.count("{") == bare.count("}") and not re.search(r"(?<!\\)[$%&#]", bare)
    assert nested_formula(1, "latex", s0="h0") == r"\mathbf{s}_1 = R(\text{h0}, \mathbf{x}_1)"
    assert nested_formula(1, "latex", s0="s'_0") == r"\mathbf{s}_1 = R(\mathbf{s}'_0, \mathbf{x}_1)"
    assert nested_formula(1, "text", s0="a\\b{") == "s_1 = R(a\\b{, x_1)"  # text is left as given
