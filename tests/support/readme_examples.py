"""Reads README.md's examples and checks them against what the code really prints.

- Every ```python block runs, in order, in one namespace. What it shows is what it prints plus the
  value of its last expression (as a notebook shows it: a DataFrame as `to_string(index=False)`,
  anything else as repr). When a plain ``` block follows it (only blank lines between), that block
  is the shown output and must match.
- A top-level expression whose line ends in a comment that starts with a Python literal
  (`trace.loss  # 1.2902 (acceptor ...)`) must evaluate to that literal.
- In the section named `shell_section` (the CLI's), ```bash lines run as commands (exit 0), and a
  plain block of `$ command` lines, each followed by its output, runs each command and compares.
- `<!-- no-run -->` on the line just before a block leaves that block out (e.g. it opens a browser).

Numbers are compared to the precision shown (`-1.679` matches -1.6786); other words exactly.
"""

from __future__ import annotations

import ast
import contextlib
import io
import math
import re
from dataclasses import dataclass

NO_RUN = "<!-- no-run -->"
_FENCE = re.compile(r"^```(\w*)\s*$")


@dataclass
class Block:
    lang: str  # "python", "bash", "" (plain), ...
    text: str
    line: int  # 1-based line of the opening fence in README.md
    section: str  # the `## ` heading it sits under
    no_run: bool
    output: Block | None = None  # the plain block right after a python block

    @property
    def where(self) -> str:
        return f"README.md:{self.line} ({self.section})"


def parse_blocks(markdown: str) -> list[Block]:
    """Every fenced block, with its section, its no-run mark and (python) its output block."""
    lines = markdown.splitlines()
    blocks: list[Block] = []
    section, i = "", 0
    last_end = -1  # index of the closing fence of the previous block
    while i < len(lines):
        if lines[i].startswith("## "):
            section = lines[i][3:].strip()
        opened = _FENCE.match(lines[i])
        if not opened:
            i += 1
            continue
        start = i
        i += 1
        while i < len(lines) and not lines[i].startswith("```"):
            i += 1
        previous = next((lines[k] for k in range(start - 1, -1, -1) if lines[k].strip()), "")
        block = Block(opened.group(1), "\n".join(lines[start + 1 : i]), start + 1, section,
                      previous.strip() == NO_RUN)  # fmt: skip
        between = lines[last_end + 1 : start] if last_end >= 0 else ["x"]
        if (
            blocks
            and not block.lang
            and blocks[-1].lang == "python"
            and not any(line.strip() for line in between)
        ):
            blocks[-1].output = block
        else:
            blocks.append(block)
        last_end = i
        i += 1
    return blocks


def python_blocks(markdown: str) -> list[Block]:
    return [b for b in parse_blocks(markdown) if b.lang == "python" and not b.no_run]


def run_python(block: Block, namespace: dict) -> str:
    """Run a block statement by statement; return what it shows. Inline literal comments are
    checked on the way (AssertionError naming the line)."""
    tree = ast.parse(block.text)
    source_lines = block.text.splitlines()
    shown_value = None
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        for statement in tree.body:
            if isinstance(statement, ast.Expr):
                value = eval(
                    compile(ast.Expression(statement.value), block.where, "eval"), namespace
                )
                shown_value = value
                expected = inline_literal(source_lines[statement.end_lineno - 1])
                if expected is not NO_CLAIM:
                    line = block.line + statement.end_lineno
                    assert same_value(value, expected), (
                        f"README.md:{line}: {ast.unparse(statement)} is {value!r}, the comment "
                        f"says {expected!r}"
                    )
            else:
                module = ast.Module(body=[statement], type_ignores=[])
                exec(compile(module, block.where, "exec"), namespace)
                shown_value = None
    return out.getvalue() + display(shown_value)


def display(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "to_string") and hasattr(value, "columns"):  # a pandas DataFrame
        return value.to_string(index=False) + "\n"
    return repr(value) + "\n"


NO_CLAIM = object()  # a comment that claims no value


def inline_literal(line: str):
    """The Python literal a line's trailing comment starts with (`# (6, 32): ...` -> (6, 32)),
    when it is followed by nothing, ':', ',' or ' (' (so `# 3 layers` is prose, not a claim)."""
    code, hash_, comment = line.partition("  #")
    if not hash_:
        return NO_CLAIM
    comment = comment.strip()
    for end in range(len(comment), 0, -1):
        rest = comment[end:]
        if rest and not (rest.startswith((":", ",", ";")) or rest.startswith(" (")):
            continue
        try:
            return ast.literal_eval(comment[:end])
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            continue
    return NO_CLAIM


def same_value(actual, expected) -> bool:
    """Equal, floats to the precision the README shows them with."""
    if isinstance(expected, float):
        digits = _decimals(repr(expected))
        try:
            return abs(float(actual) - expected) <= 0.5 * 10**-digits + 1e-12
        except (TypeError, ValueError):
            return False
    if isinstance(expected, tuple | list):
        return (
            isinstance(actual, tuple | list)
            and len(actual) == len(expected)
            and all(same_value(a, e) for a, e in zip(actual, expected, strict=True))
        )
    return actual == expected


def compare_text(actual: str, shown: str, where: str) -> None:
    """Word by word: numbers to the shown precision, everything else exactly."""
    got, want = _WORD.findall(actual), _WORD.findall(shown)
    assert len(got) == len(want), f"{where}: shown\n{shown}\nbut the code prints\n{actual}"
    for a, w in zip(got, want, strict=True):
        assert _same_word(a, w), f"{where}: shows {w!r} where the code prints {a!r}\n{actual}"


# a number (sign, decimals, exponent, inf/nan) or a run of other non-space characters
_WORD = re.compile(r"[-+]?(?:inf|nan|(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)|[^\s\d+-]+|[+-]")


def _same_word(actual: str, shown: str) -> bool:
    if actual == shown:
        return True
    try:
        a, s = float(actual), float(shown)
    except ValueError:
        return False
    if math.isnan(s) or math.isinf(s):
        return a == s or (math.isnan(a) and math.isnan(s))
    return abs(a - s) <= 0.5 * 10 ** -_decimals(shown) + 1e-12


def _decimals(number: str) -> int:
    mantissa = number.lower().split("e")[0]
    return len(mantissa.split(".", 1)[1]) if "." in mantissa else 0


@dataclass
class ShellExample:
    command: str
    output: str | None  # None: only its exit status (0) is checked
    line: int


def shell_examples(markdown: str, shell_section: str) -> list[ShellExample]:
    """`$ command` + output pairs of plain blocks, and the lines of ```bash blocks, in a section."""
    examples = []
    for block in parse_blocks(markdown):
        if block.section != shell_section or block.no_run:
            continue
        if block.lang in ("bash", "sh", "shell"):
            for k, line in enumerate(block.text.splitlines()):
                command = line.split("  #", 1)[0].strip()
                if command:
                    examples.append(ShellExample(command, None, block.line + 1 + k))
        elif not block.lang and block.text.lstrip().startswith("$ "):
            current: ShellExample | None = None
            for k, line in enumerate(block.text.splitlines()):
                if line.startswith("$ "):
                    current = ShellExample(line[2:], "", block.line + 1 + k)
                    examples.append(current)
                elif current is not None:
                    current.output += line + "\n"
    return examples
