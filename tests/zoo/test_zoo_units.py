"""The unit finder: features of the text, units ranked by correlation, Karpathy's quote cell."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import numpy as np
import pytest

import rnnviz
from rnnviz import tables
from rnnviz.zoo.text_features import regex_mask, scan_code

# Code written for this test (not from the standard library the LMs read), with short and long
# string literals, a docstring, comments and nested brackets.
CODE = '''
def describe_order(order, currency="EUR"):
    """Return a one-line summary of an order, with its total in the given currency."""
    items = ", ".join(f"{item['name']} x{item['count']}" for item in order["items"])
    total = sum(item["price"] * item["count"] for item in order["items"])
    if not items:
        raise ValueError("an order needs at least one item, got none at all")
    # the shop prints prices with two decimals and the currency after the number
    return "Order %s for %s: %s, total %.2f %s" % (order["id"], order["customer"], items, total, currency)


class Basket:
    """A shopping basket that remembers what was added and when it was added to it."""

    def __init__(self, owner):
        self.owner = owner
        self.lines = []
        self.note = 'created for ' + owner + ' at the front desk of the store'

    def add(self, name, price, count=1):
        if price < 0:
            raise ValueError('price must not be negative for ' + name)
        self.lines.append({"name": name, "price": price, "count": count})
        return len(self.lines)
'''


@pytest.fixture(scope="module")
def code_trace():
    return rnnviz.unroll(CODE, model="charlm-lstm")


def test_scanner_marks_strings_after_reading_each_character():
    text = 'x = "a(b" + f(1)  # no "string" here\ny'
    f = scan_code(text)
    inside = "".join(ch for ch, on in zip(text, f["string"], strict=True) if on)
    assert inside == '"a(b'  # the opening quote on, the closing quote off: the state after it
    assert (
        "".join(ch for ch, on in zip(text, f["comment"], strict=True) if on) == '# no "string" here'
    )
    assert f["bracket_depth"][text.index("1")] == 1 and f["bracket_depth"][text.index("(b")] == 0
    assert f["column"][-1] == 1 and f["identifier"][0] == 1


def test_features_frame_has_one_row_per_character(code_trace):
    frame = tables.unit_features_frame(code_trace)
    assert len(frame) == code_trace.seq_len
    assert {
        "string",
        "comment",
        "string_or_comment",
        "bracket_depth",
        "indent",
        "column",
        "identifier",
    } <= set(frame)
    assert 0.2 < frame["string"].mean() < 0.8


def _best(trace, feature) -> float:
    return max(
        tables.rank_units(trace, feature, part=part)["abs_correlation"].iloc[0]
        for part in ("h", "c")
    )


def test_string_bracket_and_indentation_cells_are_found(code_trace):
    """charlm-lstm on code written for this test: a string unit (h[97] here; f-strings with nested
    quotes), a bracket-depth cell (c[68]), an indentation cell (c[48]) and a prose unit (on in
    strings and comments)."""
    assert _best(code_trace, "string") >= 0.7
    assert _best(code_trace, "bracket_depth") >= 0.7
    assert int(tables.rank_units(code_trace, "bracket_depth", part="c")["unit"].iloc[0]) == 68
    assert _best(code_trace, "indent") >= 0.8
    assert int(tables.rank_units(code_trace, "indent", part="c")["unit"].iloc[0]) == 48
    assert _best(code_trace, "string_or_comment") >= 0.75


def _first_chars(path, n: int = 3000) -> str:
    return Path(path).read_text(encoding="utf-8")[:n]


@pytest.mark.parametrize("name", ["compileall.py", "runpy.py", "pprint.py", "_strptime.py"])
def test_a_quote_cell_on_held_out_code(name):
    """Karpathy's quote cell, found by ranking: on these held-out standard-library files the best h
    unit for "inside a string literal" is the same one, h[56], at r >= 0.8. (Over all 39 held-out
    pieces some unit reaches 0.7 on 33; benchmarks/zoo_quote_cell.py, docs/zoo.md.)"""
    from rnnviz.zoo import charlm_data

    assert charlm_data.is_held_out(name)
    text = _first_chars(charlm_data.stdlib_dir() / name)
    trace = rnnviz.unroll(text, model="charlm-lstm", max_tokens=len(text))
    best = tables.rank_units(trace, "string").iloc[0]
    assert int(best["unit"]) == 56 and best["correlation"] >= 0.8


@pytest.mark.parametrize(
    "module", ["torch.utils.data.sampler", "networkx.algorithms.community.modularity_max"]
)
def test_a_quote_cell_on_code_none_of_us_wrote(module):
    """Third-party code no model read (the brief's judged case): some h or c unit tracks "inside a
    string literal" at |r| >= 0.7 (35 of 40 site-packages files in the benchmark)."""
    text = _first_chars(importlib.import_module(module).__file__)
    trace = rnnviz.unroll(text, model="charlm-lstm", max_tokens=len(text))
    assert _best(trace, "string") >= 0.7


def test_ranking_is_pearson(code_trace):
    ranked = tables.rank_units(code_trace, "bracket_depth", part="c")
    unit = int(ranked["unit"].iloc[0])
    feature = tables.unit_features_frame(code_trace)["bracket_depth"].to_numpy()
    expected = np.corrcoef(code_trace.c[:, 0, 0, unit], feature)[0, 1]
    assert ranked["correlation"].iloc[0] == pytest.approx(expected)
    assert ranked["abs_correlation"].is_monotonic_decreasing
    assert set(ranked["sign"]) <= {"+", "-"} and len(ranked) == code_trace.config.hidden_size


def test_a_regex_marks_characters_inside_matches(code_trace):
    pattern = tables.regex_feature(r"self\.\w+")
    ranked = tables.rank_units(code_trace, pattern)
    on = np.array([m.end() - m.start() for m in pattern.finditer(CODE)]).sum()
    mask = regex_mask(code_trace.tokens, pattern, "")
    assert mask.sum() == on and mask[CODE.index("self.owner")] == 1
    unit = int(ranked["unit"].iloc[0])
    expected = np.corrcoef(code_trace.h[:, 0, 0, unit], mask)[0, 1]
    assert ranked["correlation"].iloc[0] == pytest.approx(expected)
    assert {"mean_on", "mean_off"} <= set(ranked) and np.isfinite(ranked["mean_on"]).all()
    words = rnnviz.unroll("John lives in Salt Lake City", model="tagger-lstm")
    on = tables.rank_units(words, re.compile("Lake C"))
    assert len(on) == words.config.hidden_size
    assert list(regex_mask(words.tokens, re.compile("Lake C"), " ")) == [0, 0, 0, 0, 1, 1]


def test_word_traces_rank_by_the_taggers_names():
    trace = rnnviz.unroll(
        "Yesterday Maria Rossi flew from Rome to Vienna with Tom .", model="tagger-gru"
    )
    frame = tables.unit_features_frame(trace)
    assert list(frame["person"]) == [float(p == "PER") for p in trace.predictions]
    ranked = tables.rank_units(trace, "person", direction="backward")
    assert ranked["abs_correlation"].iloc[0] > 0.7  # a tagger's units say "inside a name"
    given = tables.rank_units(trace, "place", tags=["O"] * 5 + ["LOC"] + ["O"] * 5)
    assert given["direction"].iloc[0] == "forward"


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda t: tables.rank_units(t, "quotes"), "Unknown feature 'quotes'.*string"),
        (lambda t: tables.rank_units(t, "string", part="c", layer=2), "layer must be in 1..1"),
        (lambda t: tables.rank_units(t, "string", direction="backward"), "direction must be"),
        (lambda t: tables.rank_units(t, "string", part="x"), "part must be h or c"),
        (lambda t: tables.rank_units(t, [1.0, 2.0]), "give \\d+ finite numbers"),
        (lambda t: tables.rank_units(t, tables.regex_feature("zzzzqqq")), "same value at every"),
        (lambda t: tables.regex_feature("(unclosed"), "not a valid regular expression"),
    ],
)
def test_bad_requests_get_messages(code_trace, call, match):
    with pytest.raises(rnnviz.RnnvizError, match=match):
        call(code_trace)


def test_part_c_needs_an_lstm():
    trace = rnnviz.unroll("x = 'a'\n", model="charlm-gru")
    with pytest.raises(rnnviz.RnnvizError, match="only the LSTM has c"):
        tables.rank_units(trace, "string", part="c")


def test_a_piece_starts_at_the_next_top_level_line():
    from rnnviz.zoo.charlm_data import top_level_start

    text = 'x = 1\n"""doc\ndef not_this():\n"""\n@wrap\ndef f():\n    class Inner: ...\n'
    assert top_level_start(text, 0) == text.index("def not_this")  # a line scan: strings unknown
    assert top_level_start(text, text.index('"""\n@') + 1) == text.index("@wrap")
    assert top_level_start(text, text.index("@wrap") + 1) == text.index("def f")
    assert top_level_start(text, text.index("def f") + 1) is None  # Inner is indented
