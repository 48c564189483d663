"""The engine's door: every hostile value (complex, grad-requiring, zero-stride, sparse, meta, huge,
wrongly typed) is an RnnvizError naming the field and what is allowed, decided from shapes and types
before any number is read; and every documented seed works."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest
import torch

import rnnviz
from rnnviz import RnnvizError
from rnnviz.config import MAX_SEED, UnrollConfig
from rnnviz.cost import estimate_seconds
from rnnviz.models import _expected_shapes, make_module
from rnnviz.patterns import sub_seed
from rnnviz.unroll import _check_budget

HUGE = 10**12  # elements a zero-stride view can declare over one number


@pytest.mark.parametrize(
    "source, message",
    [
        (np.ones((3, 16)) * (1 + 2j), "complex"),
        (torch.ones(3, 16, dtype=torch.complex64), "complex"),
        (torch.ones(3, 16, requires_grad=True), r"\.detach\(\)"),
        (np.ones((3, 16), dtype=bool), "booleans"),
        (torch.ones(3, 16, dtype=torch.bool), "booleans"),
        ([["1"] * 16] * 3, "array of numbers"),
        (np.array([[object()] * 16]), "array of numbers"),
        (torch.eye(16).to_sparse(), "sparse"),
        (torch.ones(3, 16, device="meta"), "meta"),
        # declared sizes alone decide: converting these would allocate terabytes
        (torch.zeros(1).expand(5, HUGE), "input_size"),
        (torch.zeros(1).expand(HUGE, 16), "max_tokens"),
        (np.broadcast_to(np.zeros(1), (HUGE, 16)), "max_tokens"),
        (torch.zeros(1, dtype=torch.float16).expand(HUGE, 16), "max_tokens"),
        (np.zeros((0, 16)), "T ≥ 1"),
        (np.zeros(16), "T×D"),
        # not arrays at all: the message says what the input may be, not what shape it lacks
        (b"a b", "Give a text, a list of tokens"),
        ({"a", "b"}, "Give a text, a list of tokens"),
        (["a", None], "Give a text, a list of tokens"),
        (np.ones((3, 0)), "no columns"),  # said "pass input_size=0", itself refused
    ],
)
def test_hostile_input_arrays_are_refused(source, message):
    with pytest.raises(RnnvizError, match=message):
        rnnviz.unroll(source)


def test_integer_and_tensor_inputs_are_real_numbers():
    x = np.arange(48).reshape(3, 16) % 5
    as_int = rnnviz.unroll(x, cell="gru")
    as_tensor = rnnviz.unroll(torch.tensor(x, dtype=torch.float32), cell="gru")
    as_float = rnnviz.unroll(x.astype(float), cell="gru")
    np.testing.assert_array_equal(as_int.states, as_float.states)
    np.testing.assert_array_equal(as_tensor.states, as_float.states)


def lstm_dict() -> dict:
    torch.manual_seed(0)
    return torch.nn.LSTM(3, 4).state_dict()


def replaced(**entries) -> dict:
    return {**lstm_dict(), **entries}


W = torch.zeros(16, 4)
with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # torch deprecates quantised tensors; users still have them
    QUANTISED = torch.quantize_per_tensor(torch.zeros(16, 4), 0.1, 0, torch.qint8)


@pytest.mark.parametrize(
    "state_dict, message",
    [
        (replaced(weight_hh_l0=W.to(torch.complex64)), "complex64; RNN weights must be floating"),
        (replaced(weight_hh_l0=W.int()), "int32"),
        (replaced(weight_hh_l0=W.bool()), "torch.bool"),
        ({k: v.to("meta") for k, v in lstm_dict().items()}, "meta device"),
        (replaced(weight_hh_l0=W.to_sparse()), "sparse"),
        (replaced(weight_hh_l0=QUANTISED), "quantised"),
        (replaced(weight_hh_l0=W.clone().requires_grad_()), "requires grad"),
        ({"weight_ih_l0": torch.zeros(0, 3), "weight_hh_l0": torch.zeros(0, 0)}, r"\(0, 3\)"),
        ({"weight_ih_l0": torch.zeros(4, 3), "weight_hh_l0": torch.zeros(4, 0)}, r"\(4, 0\)"),
        ({"weight_ih_l0": torch.zeros(4, 3), "weight_hh_l0": torch.zeros(0, 4)}, r"\(0, 4\)"),
        (replaced(bias_ih_l0=torch.zeros(0)), r"\(0,\)"),
        (replaced(weight_hh_l0=torch.zeros(16, 4, 1)), "vectors or matrices"),
        (replaced(weight_hh_l0=torch.zeros(1).expand(16, 4)), "zero stride"),
        (replaced(extra=torch.zeros(1).expand(2_000_000, 2_000_000)), "zero stride"),
        (replaced(weight_hh_l0=torch.zeros(1, 4).expand(HUGE, 4)), "zero stride"),
        # overlapping strides over a small storage: the shapes are judged before any number
        (replaced(extra=torch.zeros(2 * 10**6).as_strided((10**6, 10**6), (1, 1))), "unexpected"),
        (
            replaced(weight_hh_l0=torch.zeros(10**6 + 3).as_strided((10**6, 4), (1, 1))),
            "weight_hh_l0",
        ),
        ({1: torch.zeros(2), **lstm_dict()}, "of type int, not a string"),
        ({("weight_ih_l0",): torch.zeros(2), **lstm_dict()}, "not a string"),
        (replaced(weight_hh_l0=np.zeros((16, 4))), "not a tensor"),
    ],
)
def test_hostile_state_dicts_are_refused_from_their_declared_form(state_dict, message):
    with pytest.raises(RnnvizError, match=message):
        rnnviz.infer_config(state_dict)
    with pytest.raises(RnnvizError):
        rnnviz.unroll("a b", state_dict=state_dict, input_size=3)


def test_a_transposed_view_is_a_valid_weight_with_the_same_numbers():
    weights = lstm_dict()
    view = replaced(weight_hh_l0=weights["weight_hh_l0"].t().contiguous().t())
    assert not view["weight_hh_l0"].is_contiguous()
    a = rnnviz.unroll("a b c", state_dict=weights)
    b = rnnviz.unroll("a b c", state_dict=view)
    np.testing.assert_array_equal(a.states, b.states)


@pytest.mark.parametrize(
    "cell, layers, bidirectional, bias",
    list(itertools.product(["elman", "lstm", "gru"], [1, 3], [False, True], [False, True])),
)
def test_expected_shapes_are_torchs_without_building_the_module(cell, layers, bidirectional, bias):
    config = UnrollConfig(
        cell=cell, hidden_size=5, input_size=7, num_layers=layers, bidirectional=bidirectional
    )
    torch_shapes = {k: tuple(v.shape) for k, v in make_module(config, bias).state_dict().items()}
    info = dict(
        cell=cell,
        hidden_size=5,
        input_size=7,
        num_layers=layers,
        bidirectional=bidirectional,
        bias=bias,
    )
    assert _expected_shapes(info) == torch_shapes


@pytest.mark.parametrize("seed", [0, 2**53 + 1, 9_141_007_164_228_558, 10**16, MAX_SEED])
@pytest.mark.parametrize("pattern", ["acceptor", "transducer", "encoder", "encoder-decoder"])
def test_every_documented_seed_works_in_every_pattern(seed, pattern):
    trace = rnnviz.unroll("a b c", cell="gru", hidden_size=3, seed=seed, pattern=pattern)
    assert np.isfinite(trace.loss)
    again = rnnviz.unroll("a b c", cell="gru", hidden_size=3, seed=np.uint64(seed), pattern=pattern)
    assert again.loss == trace.loss and type(again.config.seed) is int


def test_sub_seeds_keep_the_old_numbers_and_stay_in_range():
    for seed in (0, 1, 12345, (MAX_SEED - 3) // 1009):
        assert sub_seed(seed, 3) == seed * 1009 + 3  # every seed below ~9.1e15: as before
    top = [sub_seed(MAX_SEED - k, salt) for k in range(50) for salt in (1, 2, 3, 4)]
    assert all(0 <= s <= MAX_SEED for s in top) and len(set(top)) == len(top)
    # README's first example, seed 0: unchanged by the hashing
    readme = rnnviz.unroll("John lives in Salt Lake City", cell="lstm", hidden_size=16, seed=0)
    assert round(readme.loss, 4) == 1.2902
    near_top = [rnnviz.unroll("a b", cell="gru", hidden_size=3, seed=MAX_SEED - k) for k in (0, 1)]
    assert near_top[0].loss != near_top[1].loss


@pytest.mark.parametrize(
    "options, message",
    [
        (dict(cell=3), "Unknown cell 3"),
        (dict(cell=["lstm"]), r"Unknown cell \['lstm'\] \(type list\)"),
        (dict(cell={"lstm": 1}), "Unknown cell"),
        (dict(cell=np.array(["lstm", "gru"])), "type ndarray"),
        (dict(activation=b"tanh", cell="elman"), "Unknown activation"),
        (dict(init=[]), "Unknown init"),
        (dict(pattern={}), "Unknown pattern"),
        (dict(tokenize=1.0), "Unknown tokenize"),
        (dict(hidden_size=True), "hidden_size must be a whole number, got True"),
        (dict(hidden_size=np.bool_(True)), "hidden_size must be a whole number"),
        (dict(hidden_size=16.0), "whole number"),
        (dict(hidden_size="16"), "whole number"),
        (dict(seed=2**63), "seed must be between 0 and"),
        (dict(seed=1.5), "whole number"),
        (dict(init_scale=True), "init_scale must be a finite number"),
        (dict(init_scale=float("inf")), "finite"),
        (dict(init_scale=10**400), "finite"),
        (dict(init_scale=1e300), "between"),
        (dict(init_scale="1"), "finite"),
        (dict(init_scale=1j), "finite"),
        (dict(sigma_max=float("nan")), "sigma_max"),
        (dict(spectral_radius=[1.0]), "spectral_radius"),
        (dict(forget_bias=np.inf), "forget_bias"),
        (dict(max_seconds=0), "max_seconds"),
        (dict(max_seconds=float("nan")), "max_seconds"),
        (dict(bidirectional=1), "bidirectional must be True or False"),
        (dict(bidirectional="yes"), "bidirectional"),
        (dict(config={"cell": "gru"}), "config must be an rnnviz.UnrollConfig, got a dict"),
        (dict(cell="lstm", activation="relu"), "applies to the Elman cell only"),  # was ignored
        (dict(cell="gru", activation="sigmoid"), "applies to the Elman cell only"),
    ],
)
def test_wrong_kinds_of_option_are_named(options, message):
    with pytest.raises(RnnvizError, match=message):
        rnnviz.unroll("a b", **options)


@pytest.mark.parametrize(
    "options, message",
    [
        (dict(rnn=torch.nn.GRU(4, 3), state_dict=torch.nn.LSTM(4, 4).state_dict()), "not both"),
        (dict(state_dict=torch.nn.LSTM(4, 4).state_dict(), hidden_size=np.array([4, 4])), "whole"),
        (dict(state_dict=torch.nn.LSTM(4, 4).state_dict(), hidden_size=True), "whole number"),
        (dict(state_dict=torch.nn.LSTM(4, 4).state_dict(), num_layers=1.0), "whole number"),
        (dict(rnn=torch.nn.LSTM(4, 4), bidirectional=0), "True or False"),
        (dict(state_dict=torch.nn.LSTM(4, 4).state_dict(), init_scale=np.array(2.0)), "init_scale"),
    ],
)
def test_options_beside_given_weights_are_checked_as_everywhere(options, message):
    """With weights given, a size that matches them is fine, but each option is still checked
    for its type first (True == 1 and 1.0 == 1 would pass a plain comparison), and the weights
    are given once: with both rnn= and state_dict=, one would be silently dropped."""
    with pytest.raises(RnnvizError, match=message):
        rnnviz.unroll("a b", **options)


@pytest.mark.parametrize("hidden_size, ok", [(512, True), (513, False), (600, False)])
def test_a_bidirectional_encoder_decoder_names_its_own_limit(hidden_size, ok):
    """Its decoder starts from [h_fwd; h_bwd] (2H units, at most 1024): 513..1024 was refused as
    'hidden_size ... got 1026', a number nobody typed."""
    options = dict(cell="elman", hidden_size=hidden_size, input_size=2, bidirectional=True)
    config = UnrollConfig(pattern="encoder-decoder", **options)
    if ok:
        assert config.validate().hidden_size == hidden_size
        return
    with pytest.raises(RnnvizError, match=f"at most 512 for a bidirectional.*got {hidden_size}"):
        config.validate()


def test_numpy_numbers_are_plain_numbers_in_the_config():
    config = UnrollConfig(
        hidden_size=np.int32(5), init_scale=np.float32(0.5), bidirectional=np.bool_(True)
    ).validate()
    assert config == UnrollConfig(hidden_size=5, init_scale=0.5, bidirectional=True)
    assert type(config.hidden_size) is int and type(config.bidirectional) is bool


@pytest.mark.parametrize(
    "options, message",
    [
        (dict(pattern="encoder", targets=[1]), "encoder takes no targets"),
        (dict(pattern="encoder", targets=0), "encoder takes no targets"),
        (dict(targets=object()), "targets must be a class id or a list"),
        (dict(targets={"a": 1}), "targets must be a class id or a list"),
        (dict(targets=1.0), "class ids"),
        (dict(targets=True), "class ids"),
        (dict(pattern="transducer", targets=np.zeros((2, 1), int)), "flat list"),
        (dict(pattern="encoder-decoder", targets=range(20_000)), "max_tokens"),
        (dict(pattern="encoder-decoder", targets=[9]), "class ids"),
        (dict(targets=torch.zeros(1, dtype=torch.long, device="meta")), "got a meta tensor"),
        (dict(targets=torch.zeros(2, dtype=torch.long).to_sparse()), "got a sparse tensor"),
    ],
)
def test_bad_targets_are_refused(options, message):
    with pytest.raises(RnnvizError, match=message):
        rnnviz.unroll("a b", **options)


def test_targets_may_be_any_iterable_of_class_ids():
    listed = rnnviz.unroll("a b", pattern="encoder-decoder", targets=[1, 2, 3])
    generated = rnnviz.unroll("a b", pattern="encoder-decoder", targets=(t for t in (1, 2, 3)))
    assert listed.loss == generated.loss and list(generated.targets) == [1, 2, 3]
    one = rnnviz.unroll("a b", targets=np.int64(2))
    assert list(one.targets) == [2]
    assert rnnviz.unroll("a b", targets=torch.tensor(2)).loss == one.loss


def test_runs_that_would_take_minutes_are_refused_up_front_and_the_limit_moves():
    with pytest.raises(RnnvizError, match="GB|could take up to about"):  # the brief's example
        rnnviz.unroll("w " * 10_000, hidden_size=1024, num_layers=8, bidirectional=True)
    slow = UnrollConfig(cell="elman", hidden_size=1024)  # fits in memory, ~20 minutes
    with pytest.raises(RnnvizError, match=r"about \d+ minutes.*max_seconds=60.*raise max_seconds"):
        _check_budget(10_000, slow)
    _check_budget(10_000, slow.replace(max_seconds=3600.0))  # the caller's choice
    with pytest.raises(RnnvizError, match="max_seconds=0.01"):
        rnnviz.unroll("w " * 200, cell="lstm", hidden_size=256, max_seconds=0.01)


def test_an_array_that_does_not_fit_given_weights_says_what_they_read():
    """With weights given, 'pass input_size=5' was advice that is then refused (it contradicts
    them); the message names what the weights take instead."""
    with pytest.raises(RnnvizError, match="the weights you give read 4 numbers per step"):
        rnnviz.unroll(np.zeros((3, 5)), state_dict=torch.nn.LSTM(4, 4).state_dict())
    with pytest.raises(RnnvizError, match="pass input_size=5"):
        rnnviz.unroll(np.zeros((3, 5)), cell="lstm")


def test_the_decoders_steps_count_toward_max_seconds():
    """One source token and 4,000 targets took ~2 s under max_seconds=0.001: the budget saw only
    the encoder. A generator of targets is read once and still reaches the decoder."""
    options = dict(cell="lstm", hidden_size=32, pattern="encoder-decoder", max_seconds=0.001)
    with pytest.raises(RnnvizError, match=r"1 token, 64×64 .*4,000 decoder steps"):
        rnnviz.unroll("a", targets=[0] * 4000, **options)
    short = rnnviz.unroll(
        "a b", cell="lstm", hidden_size=4, pattern="encoder-decoder", targets=(t for t in [1, 2, 3])
    )
    assert short.targets.tolist() == [1, 2, 3]


def test_the_estimate_grows_with_every_size():
    base = estimate_seconds("lstm", 64, 1, False, 100)
    assert estimate_seconds("lstm", 128, 1, False, 100) > base
    assert estimate_seconds("lstm", 64, 2, False, 100) > base
    assert estimate_seconds("lstm", 64, 1, True, 100) == pytest.approx(2 * base)
    assert estimate_seconds("lstm", 64, 1, False, 200) == pytest.approx(2 * base)
    assert estimate_seconds("gru", 64, 1, False, 100) < base  # n = H, not 2H


def test_the_cli_takes_max_seconds(capsys):
    from rnnviz.cli import main

    argv = ["trace", "--text", "w w", "--cell", "elman", "--hidden-size", "1024"]
    assert main([*argv, "--max-seconds", "0.001"]) == 2
    assert "--max-seconds=0.001" in capsys.readouterr().err  # the flag, as typed
    assert main(["trace", "--text", "w w", "--hidden-size", "4", "--max-seconds", "30"]) == 0
    assert '"max_seconds": 30.0' in capsys.readouterr().out


def _bad_calls() -> dict:
    """Public functions called with what a fuzzer tried (each raised something else before)."""
    import re

    import rnnviz.zoo
    from rnnviz import tables
    from rnnviz.graph import graph_from_json

    trace = rnnviz.unroll("a b c d", hidden_size=4)
    chars = rnnviz.unroll("ab", tokenize="char", hidden_size=4)
    tagger = rnnviz.zoo.load("tagger-lstm")
    lstm = torch.nn.LSTM(16, 8).state_dict()
    return {
        "singular_values step 0": lambda: trace.singular_values([0]),
        "singular_values step past T": lambda: trace.singular_values([5]),
        "singular_values step 1.7": lambda: trace.singular_values([1.7]),
        "singular_values step '1'": lambda: trace.singular_values(["1"]),
        "singular_values step True": lambda: trace.singular_values([True]),
        "singular_values steps None": lambda: trace.singular_values(None),
        "singular_values steps 3": lambda: trace.singular_values(3),
        "singular_values_frame max_steps -1": lambda: tables.singular_values_frame(trace, -1),
        "singular_values_frame max_steps 2.5": lambda: tables.singular_values_frame(trace, 2.5),
        "flow of a direction the trace lacks": lambda: trace.flow("backward"),
        "flow 'bogus'": lambda: trace.flow("bogus"),
        "decay_rate 'bogus'": lambda: tables.decay_rate(trace, "bogus"),
        "a table of None": lambda: tables.states_frame(None),
        "rank_units of a str": lambda: tables.rank_units("a trace", "string"),
        "a bytes regex": lambda: tables.rank_units(trace, re.compile(b"a")),
        "graph JSON that is a list": lambda: graph_from_json("[]"),
        "graph JSON that is null": lambda: graph_from_json("null"),
        "zoo inputs None": lambda: tagger.inputs(None),
        "zoo inputs of numbers": lambda: tagger.inputs([1]),
        "embed size 16.0": lambda: rnnviz.embed(["a"], 16.0, 0),
        "embed size 0": lambda: rnnviz.embed(["a"], 0, 0),
        "embed seed -1": lambda: rnnviz.embed(["a"], 4, -1),
        "build_rnn None": lambda: rnnviz.build_rnn(None),
        "build_rnn of a dict": lambda: rnnviz.build_rnn({"cell": "lstm"}),
        # options that would change given weights, or contradict them, were silently ignored
        "weights with init_scale": lambda: rnnviz.unroll("a", state_dict=lstm, init_scale=0.0),
        "weights with sigma_max": lambda: rnnviz.unroll("a", state_dict=lstm, sigma_max=0.1),
        "weights with an init": lambda: rnnviz.unroll("a", state_dict=lstm, init="xavier"),
        "weights with forget_bias": lambda: rnnviz.unroll("a", state_dict=lstm, forget_bias=5.0),
        "weights of another cell": lambda: rnnviz.unroll("a", state_dict=lstm, cell="gru"),
        "weights of another size": lambda: rnnviz.unroll("a", state_dict=lstm, hidden_size=4),
        # a char trace reads each token as one character (its features, its regexes)
        "char tokens that are words": lambda: rnnviz.unroll(["ab", "c"], tokenize="char"),
        "tags of numbers": lambda: tables.unit_features_frame(trace, [1, 2, 3, 4]),
        "tags in one string": lambda: tables.unit_features_frame(trace, "PER O O O"),
        "tags from a generator": lambda: tables.unit_features_frame(trace, (t for t in "OOOO")),
        "tags on a char trace": lambda: tables.rank_units(chars, "string", tags=["O", "O"]),
    }


@pytest.mark.parametrize("name", list(_bad_calls()))
def test_every_public_function_refuses_bad_arguments_with_a_clear_error(name):
    with pytest.raises(RnnvizError):
        _bad_calls()[name]()


def test_tags_are_read_in_any_case_and_char_tokens_of_one_character_are_taken():
    from rnnviz import tables

    trace = rnnviz.unroll("Ann met Bob there", hidden_size=4)
    frame = tables.unit_features_frame(trace, np.array(["b-per", "O", "B-PER", "I-LOC"]))
    assert frame["person"].tolist() == [1.0, 0.0, 1.0, 0.0]
    assert frame["place"].tolist() == [0.0, 0.0, 0.0, 1.0]
    chars = rnnviz.unroll(list("a(b)"), tokenize="char", hidden_size=4)
    by_text = rnnviz.unroll("a(b)", tokenize="char", hidden_size=4)
    assert chars.tokens == by_text.tokens
    assert tables.unit_features_frame(chars).equals(tables.unit_features_frame(by_text))


def test_a_regex_that_backtracks_for_ever_is_stopped_with_a_message():
    import re

    from rnnviz import tables
    from rnnviz.zoo import text_features

    trace = rnnviz.unroll("a" * 3000 + "!", model="charlm-elman")
    with pytest.raises(RnnvizError, match="took more than"):
        tables.rank_units(trace, re.compile(r"(a+)+$"))
    mask = text_features.regex_mask(["ab", "c", "ab"], re.compile("b"), " ")  # the child's answer
    np.testing.assert_array_equal(mask, [1.0, 0.0, 1.0])


@pytest.mark.skipif(not hasattr(torch, "float8_e4m3fn"), reason="torch without float8")
def test_float8_inputs_and_weights_are_read_as_numbers():
    x = torch.randn(3, 16)
    lstm = torch.nn.LSTM(16, 8)
    small = {k: v.to(torch.float8_e4m3fn) for k, v in lstm.state_dict().items()}
    trace = rnnviz.unroll(x.to(torch.float8_e4m3fn), state_dict=small)
    assert np.isfinite(trace.states).all()
    assert trace.inputs.dtype == np.float64
    np.testing.assert_array_equal(trace.inputs, x.to(torch.float8_e4m3fn).double().numpy())
