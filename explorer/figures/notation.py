"""The lecture's notation in Plotly's HTML subset: bold vectors, real sub/superscripts, primes.

Two entry points: `label_html` for the engine's node labels ('s^2b_3', "W_hh'", 'x_1') and
`math_html` for the plain-text formulas in our own titles ('‖∂L/∂s_t‖', 's_{t−1}'). Neither is
ever given user text: tokens are escaped (style.escape) and appended after conversion, so a token
such as 'a_b' or '<b>' is shown exactly as typed.
"""

from __future__ import annotations

import math
import re

VECTORS = frozenset("sxyhcae")  # bold in the lecture (states, inputs, outputs, cell, pre-act.)
MINUS = "−"  # U+2212: a real minus sign, not a hyphen
# A one-letter symbol (not inside a word) with a subscript: s_t, W_hh, σ_max, s_{t−1}, ∂s_T.
_SUBSCRIPT = re.compile(r"(?<![A-Za-z0-9])([A-Za-zσγ])('*)_(\{[^}]*\}|[A-Za-z0-9]+)")
_SUPERSCRIPT = re.compile(r"\^(\{[^}]*\}|\(?[A-Za-z0-9−\-]+\)?)")
_LABEL = re.compile(
    r"^([A-Za-z]+)('*)(?:_([A-Za-z0-9]+))?('*)(?:\^([0-9]*)([fb]?))?('*)(?:_(\w+))?$"
)


def symbol_html(symbol: str) -> str:
    """'s' -> '<b>s</b>' (a vector); 'W', 'L', 'R', gates stay plain."""
    return f"<b>{symbol}</b>" if symbol in VECTORS else symbol


def label_html(label: str) -> str:
    """An engine label in the lecture's notation: 's_3' -> bold s, subscript 3; 's^2b_3' -> bold s,
    a prime (the backward RNN), superscript 2 (the layer); 'W_hh^f' -> W subscript hh; "x'_1"
    (the decoder) keeps its prime. Labels that do not parse are returned unchanged."""
    m = _LABEL.match(label)
    if m is None:
        return label
    symbol, p1, name_sub, p2, layer, direction, p3, sub = m.groups()
    primes = (p1 or "") + (p2 or "") + (p3 or "") + ("'" if direction == "b" else "")
    if name_sub and sub is None and symbol not in ("W",):
        sub, name_sub = name_sub, None  # 's_t' (rolled), 'x_3': the step, not a weight's name
    text = symbol_html(symbol)
    if name_sub:
        text += f"<sub>{name_sub}</sub>"
    text += primes
    if layer:
        text += f"<sup>{layer}</sup>"
    if sub is not None:
        text += f"<sub>{sub}</sub>"
    return text


def math_html(text: str) -> str:
    """Our own plain formulas ('‖∂L/∂s_t‖', 's_{t−1}', 'σ_max(W_hh)', '10^-3') in HTML notation.
    Only for constant strings written in this package, never for user text."""

    def sub(m: re.Match) -> str:
        symbol, primes, index = m.groups()
        index = index[1:-1] if index.startswith("{") else index
        return f"{symbol_html(symbol)}{primes}<sub>{index.replace('-', MINUS)}</sub>"

    def sup(m: re.Match) -> str:
        power = m.group(1)
        power = power[1:-1] if power.startswith("{") else power
        return f"<sup>{power.replace('-', MINUS)}</sup>"

    return _SUPERSCRIPT.sub(sup, _SUBSCRIPT.sub(sub, text))


def power_of_ten(log10_value: float, digits: int = 3) -> str:
    """10^x written from its log10, so 1e-400 prints as 10<sup>−400</sup> (no float underflow):
    `digits` significant digits of the exponent, at least two decimals below |x| = 100."""
    if math.isnan(log10_value):
        return "not computed"
    if math.isinf(log10_value):
        return "0 (exactly: no gradient flows)" if log10_value < 0 else "∞"
    magnitude = abs(log10_value)
    decimals = max(0, digits - 1 - int(math.floor(math.log10(magnitude)))) if magnitude else 2
    exponent = f"{log10_value:.{min(decimals, 2)}f}".replace("-", MINUS)
    return f"10<sup>{exponent}</sup>"


def significant(value: float, digits: int = 3) -> str:
    """A plain number to `digits` significant digits ('0.731', '12.4', '3.1e−05'), 'n/a' for NaN."""
    value = float(value)
    if math.isnan(value):
        return "n/a"
    return f"{value:.{digits}g}".replace("-", MINUS)
