"""Property tests: whatever a user types or passes, rnnviz.unroll answers with a Trace whose numbers
are finite (or flagged in `trace.warnings`) or raises rnnviz.RnnvizError with a message. Never any
other exception: in the app, that would be a traceback on the projector.

Texts cover all of Unicode (control characters, right-to-left scripts, emoji, lone surrogates) up
to 100,000 characters; options cover wrong types, out-of-range sizes, huge and non-finite scales
and seeds. Example counts are small so the file runs in well under a minute on 2 cores.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

rnnviz = pytest.importorskip("rnnviz")
config_module = pytest.importorskip("rnnviz.config")

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

SAMPLES = [
    "John lives in Salt Lake City",
    "שלום עולם مرحبا بالعالم",  # right-to-left scripts
    "\u202eevil\u202c \u200f rtl override",  # bidi control characters
    "👩‍👩‍👧 🇫🇷 1️⃣ 🧪",  # emoji sequences with zero-width joiners
    "\x00\x01\x1b[31m\x7f tab\there\r\nnewline",  # control characters and an ANSI escape
    "\ud800 lone surrogate \udfff",
    "Ǆ ß ﬁ İ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢",  # case-mapping oddities and astral letters
]
# Every code point, surrogates included (hypothesis leaves category Cs out by default).
any_character = st.characters(codec=None, exclude_categories=())
texts = st.one_of(st.sampled_from(SAMPLES), st.text(any_character, max_size=60))
token_lists = st.lists(st.text(any_character, max_size=8), max_size=12)
# Sizes and scales: mostly sensible, sometimes nonsense of the wrong type or far out of range.
weird = st.one_of(
    st.none(),
    st.booleans(),
    st.text(max_size=3),
    st.just(float("nan")),
    st.just(-1),
    st.just(1e300),
)
small_size = st.one_of(st.integers(1, 12), st.integers(-3, 0), st.just(10**9), weird)
scale = st.one_of(
    st.floats(0, 5), st.floats(allow_nan=True, allow_infinity=True), st.just(1e6), weird
)
seeds = st.one_of(st.integers(0, 2**63 - 1), st.integers(-(2**70), 2**70), weird)


def check_outcome(call) -> object:
    """Run `call`; return the Trace, or None for a clear RnnvizError. Anything else fails."""
    with warnings.catch_warnings():
        warnings.simplefilter(
            "ignore"
        )  # NumericalWarning is fine: the text must also be in .warnings
        try:
            trace = call()
        except rnnviz.RnnvizError as error:
            message = str(error)
            assert message.strip(), "RnnvizError without a message"
            assert "Traceback" not in message and len(message) < 2000, message[:300]
            return None
    assert isinstance(trace, rnnviz.Trace), type(trace)
    check_trace(trace)
    return trace


def check_trace(trace) -> None:
    """Shapes agree with the config, and every number is finite unless a warning says otherwise."""
    config = trace.config
    T, L, K, H = trace.seq_len, config.num_layers, config.num_directions, config.hidden_size
    assert T >= 1 and len(trace.tokens) == T
    assert trace.states.shape == (T, L * K * config.state_size)
    assert trace.h.shape == (T, L, K, H)
    assert trace.outputs.shape[0] == T
    assert set(trace.gates) == set(config_module.GATE_NAMES[config.cell])
    assert len(trace.gradient_flow) == K * T
    arrays = [trace.inputs, trace.states, trace.h, trace.outputs, *trace.gates.values()]
    if trace.c is not None:
        arrays.append(trace.c)
    numbers_finite = all(np.isfinite(a).all() for a in arrays) and math.isfinite(trace.loss)
    flow = trace.gradient_flow
    # log10 norms: exact zero gives -inf (allowed); NaN or +inf would be a silent failure.
    flow_sane = all(
        not flow[col].isna().any() and not (flow[col] == np.inf).any()
        for col in ("log10_grad_norm", "log10_jacobian_norm")
    )
    if not (numbers_finite and flow_sane):
        assert trace.warnings, "non-finite numbers without a warning in trace.warnings"
        assert all(isinstance(w, str) and w for w in trace.warnings)


@FAST
@given(
    text=texts,
    cell=st.one_of(st.sampled_from(config_module.CELLS), st.text(max_size=6), st.none()),
    hidden_size=small_size,
    seed=seeds,
    tokenize=st.sampled_from(["word", "char", "sentence"]),
)
def test_any_text_and_basic_options(text, cell, hidden_size, seed, tokenize):
    trace = check_outcome(
        lambda: rnnviz.unroll(
            text, cell=cell, hidden_size=hidden_size, seed=seed, tokenize=tokenize
        )
    )
    if trace is not None and isinstance(text, str) and tokenize in ("word", "char"):
        assert list(trace.tokens) == rnnviz.tokenize(text, tokenize)


@FAST
@given(
    cell=st.sampled_from(config_module.CELLS),
    fields=st.fixed_dictionaries(
        {},
        optional={
            "num_layers": st.one_of(st.integers(1, 3), st.integers(-1, 0), st.just(99), weird),
            "bidirectional": st.one_of(st.booleans(), st.just("yes"), st.just(1)),
            "input_size": small_size,
            "output_size": small_size,
            "activation": st.one_of(st.sampled_from(config_module.ACTIVATIONS), st.just("gelu")),
            "init": st.one_of(st.sampled_from(config_module.INITS), st.just("he")),
            "init_scale": scale,
            "spectral_radius": st.one_of(st.none(), scale),
            "sigma_max": st.one_of(st.none(), scale),
            "forget_bias": st.one_of(st.none(), st.floats(-200, 200), weird),
            "pattern": st.one_of(st.sampled_from(config_module.PATTERNS), st.just("seq2seq")),
            "max_tokens": st.one_of(st.integers(1, 20), st.integers(-5, 0), weird),
            "no_such_option": st.integers(),
        },
    ),
)
def test_any_combination_of_options(cell, fields):
    sentence = "the quick brown fox jumps over the lazy dog"
    check_outcome(lambda: rnnviz.unroll(sentence, cell=cell, hidden_size=6, **fields))


@settings(max_examples=25, deadline=None)
@given(tokens=token_lists, cell=st.sampled_from(config_module.CELLS))
def test_any_token_list(tokens, cell):
    check_outcome(lambda: rnnviz.unroll(tokens, cell=cell, hidden_size=4))


@settings(max_examples=25, deadline=None)
@given(
    rows=st.integers(0, 6),
    cols=st.integers(0, 5),
    fill=st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.floats(-1e6, 1e6)),
    input_size=st.integers(1, 5),
)
def test_any_numeric_array(rows, cols, fill, input_size):
    array = np.full((rows, cols), fill)
    check_outcome(lambda: rnnviz.unroll(array, cell="gru", hidden_size=3, input_size=input_size))


@pytest.mark.parametrize(
    "source",
    [None, 42, 3.5, b"bytes", object(), [1, "a"], [[1.0, 2.0], [3.0]], np.zeros((2, 3, 4)), []],
    ids=repr,
)
def test_wrong_kinds_of_source(source):
    check_outcome(lambda: rnnviz.unroll(source, cell="elman", hidden_size=3, input_size=3))


@settings(max_examples=6, deadline=None)
@given(
    unit=st.sampled_from(["a ", "é", "👍", "\u0301", "ab\x00", " ", "word, "]),
    repeat=st.integers(20_000, 100_000),
    tokenize=st.sampled_from(["word", "char"]),
)
def test_very_long_texts_answer_quickly(unit, repeat, tokenize):
    text = (unit * repeat)[:100_000]
    check_outcome(lambda: rnnviz.unroll(text, cell="lstm", hidden_size=4, tokenize=tokenize))


@settings(max_examples=12, deadline=None)
@given(
    cell=st.sampled_from(config_module.CELLS),
    init_scale=st.sampled_from([0.0, 1e-12, 1.0, 50.0, 1e3, 1e6]),
    activation=st.sampled_from(config_module.ACTIVATIONS),
)
def test_extreme_scales_are_finite_or_flagged(cell, init_scale, activation):
    text = "one two three four five six seven eight nine ten " * 3
    fields = {"activation": activation} if cell == "elman" else {}
    trace = check_outcome(
        lambda: rnnviz.unroll(text, cell=cell, hidden_size=8, init_scale=init_scale, **fields)
    )
    assert trace is not None, "a valid scale in range must unroll"


@pytest.mark.slow
def test_a_100000_character_text_unrolls_when_allowed():
    # The longest text the app accepts, one token per character: exact log10 norms all the way.
    text = ("héllo 👍 " * 12_500)[:100_000]
    trace = check_outcome(
        lambda: rnnviz.unroll(text, cell="gru", hidden_size=2, tokenize="char", max_tokens=100_000)
    )
    assert trace is not None and trace.seq_len == 100_000
    assert not trace.gradient_flow["log10_grad_norm"].isna().any()
