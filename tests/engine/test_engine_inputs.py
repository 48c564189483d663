"""Inputs, configuration, initialisation and bad input: clear errors, never a silent wrong number."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import rnnviz
import rnnviz.tables
from rnnviz import RnnvizError
from rnnviz.models import GATES_PER_CELL


def test_words_and_chars_are_unicode_safe():
    assert rnnviz.tokenize("John lives in Salt Lake City.") == [
        "John",
        "lives",
        "in",
        "Salt",
        "Lake",
        "City",
        ".",
    ]
    assert rnnviz.tokenize("naïve café, don't") == ["naïve", "café", ",", "don't"]
    assert rnnviz.tokenize("שלום עולם 🙂") == ["שלום", "עולם", "🙂"]
    assert rnnviz.tokenize("ab c", level="char") == ["a", "b", " ", "c"]
    # a lone surrogate cannot be written as UTF-8: it becomes U+FFFD instead of crashing an export
    assert rnnviz.tokenize("\ud800 x") == ["\ufffd", "x"]
    trace = rnnviz.unroll("\ud800 🙂 <script>", cell="gru")
    assert trace.tokens == ("\ufffd", "🙂", "<", "script", ">")
    assert len(rnnviz.tables.states_frame(trace).to_csv()) > 0


def test_embeddings_are_deterministic_per_token_seed_and_size():
    a = rnnviz.embed(["John", "lives", "John"], size=8, seed=0)
    assert a.shape == (3, 8)
    np.testing.assert_array_equal(a[0], a[2])
    np.testing.assert_array_equal(a, rnnviz.embed(["John", "lives", "John"], size=8, seed=0))
    assert not np.allclose(a[0], rnnviz.embed(["John"], size=8, seed=1)[0])
    assert not np.allclose(a[0, :4], rnnviz.embed(["John"], size=4, seed=0)[0])


def test_three_input_forms_agree():
    by_text = rnnviz.unroll("a b c", cell="elman", seed=4)
    by_tokens = rnnviz.unroll(["a", "b", "c"], cell="elman", seed=4)
    by_array = rnnviz.unroll(by_text.inputs, cell="elman", seed=4)
    np.testing.assert_array_equal(by_text.states, by_tokens.states)
    np.testing.assert_array_equal(by_text.states, by_array.states)
    assert by_array.tokens == ("x1", "x2", "x3")


def test_same_config_same_numbers():
    a = rnnviz.unroll("the same sentence", cell="lstm", seed=11)
    b = rnnviz.unroll("the same sentence", cell="lstm", seed=11)
    np.testing.assert_array_equal(a.states, b.states)
    assert a.gradient_flow.equals(b.gradient_flow)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(source=""), "empty"),
        (dict(source="   \n\t"), "empty"),
        (dict(source="a b", cell="transformer"), "Unknown cell"),
        (dict(source="a b", cell="elman", activation="gelu"), "Unknown activation"),
        (dict(source="a b", hidden_size=0), "hidden_size"),
        (dict(source="a b", hidden_size=-3), "hidden_size"),
        (dict(source="a b", hidden_size=10**9), "hidden_size"),
        (dict(source="a b", hidden_size=2.5), "whole number"),
        (dict(source="a b", num_layers=100), "num_layers"),
        (dict(source="a b", init_scale=float("nan")), "finite"),
        (dict(source="a b", init_scale=-1.0), "init_scale"),
        (dict(source="a b", spectral_radius=1.0, sigma_max=1.0), "not both"),
        (dict(source="a b", cell="gru", forget_bias=1.0), "LSTM only"),
        (dict(source="a b", pattern="seq2tree"), "Unknown pattern"),
        (dict(source="a b", tokenize="bytes"), "Unknown tokenize"),
        (dict(source="a b", colour="red"), "Unknown option"),
        (dict(source=" ".join(["w"] * 10_001)), "max_tokens"),
        (dict(source="w " * 30, max_tokens=10), "max_tokens"),
        (dict(source=np.zeros((3, 5))), "input_size"),
        (dict(source=np.full((3, 16), np.nan)), "NaN"),
        (dict(source=[[1, 2], [3]]), "T×D"),
        (dict(source="a b", pattern="acceptor", targets=[9]), "class ids"),
        (dict(source="a b", pattern="transducer", targets=[0]), "Expected 2"),
        (dict(source="a b", seed=-1), "seed"),
        (dict(source="w " * 9000, hidden_size=1024, num_layers=8, bidirectional=True), "GB"),
    ],
)
def test_bad_input_is_a_clear_error(kwargs, message):
    # A copy: the parameter dict is shared by every run of this test in one process (mutmut reruns)
    options = dict(kwargs)
    source = options.pop("source")
    with pytest.raises(RnnvizError, match=message):
        rnnviz.unroll(source, **options)


def test_default_cap_admits_ten_thousand_tokens_and_is_adjustable():
    config = rnnviz.UnrollConfig()
    assert config.max_tokens >= 10_000
    trace = rnnviz.unroll("w " * 50, cell="gru", hidden_size=4, max_tokens=50)
    assert trace.seq_len == 50


def _blocks(trace, name="weight_hh_l0"):
    H = trace.config.hidden_size
    return getattr(trace.rnn, name).detach().split(H)


@pytest.mark.parametrize("cell", ["elman", "lstm", "gru"])
def test_init_schemes(cell):
    H = 6
    ortho = rnnviz.unroll("a b", cell=cell, init="orthogonal", hidden_size=H)
    for block in _blocks(ortho):
        np.testing.assert_allclose(block @ block.T, np.eye(H), atol=1e-12)
    assert ortho.rnn.bias_hh_l0.abs().max() == 0
    xavier = rnnviz.unroll("a b", cell=cell, init="xavier", hidden_size=H)
    assert xavier.rnn.weight_hh_l0.abs().max() <= np.sqrt(6 / (2 * H)) + 1e-12
    default = rnnviz.unroll("a b", cell=cell, hidden_size=H)
    assert default.rnn.weight_hh_l0.abs().max() <= 1 / np.sqrt(H)
    rho = rnnviz.unroll("a b", cell=cell, spectral_radius=0.7, hidden_size=H)
    for block in _blocks(rho):
        assert torch.linalg.eigvals(block).abs().max().item() == pytest.approx(0.7)
    sig = rnnviz.unroll("a b", cell=cell, sigma_max=1.3, init_scale=2.0, hidden_size=H)
    for block in _blocks(sig):
        assert torch.linalg.matrix_norm(block, ord=2).item() == pytest.approx(2.6)
    assert default.rnn.weight_hh_l0.shape == (GATES_PER_CELL[cell] * H, H)


def test_identity_init_and_forget_bias():
    irnn = rnnviz.unroll("a b", cell="elman", activation="relu", init="identity", hidden_size=5)
    np.testing.assert_array_equal(irnn.rnn.weight_hh_l0, np.eye(5))
    lstm = rnnviz.unroll("a b", cell="lstm", forget_bias=2.0, hidden_size=5)
    np.testing.assert_array_equal(lstm.rnn.bias_ih_l0[5:10], np.full(5, 2.0))
    np.testing.assert_array_equal(lstm.rnn.bias_hh_l0[5:10], np.zeros(5))
    with pytest.raises(RnnvizError, match="Elman"):
        rnnviz.unroll("a b", cell="lstm", init="identity")


@pytest.mark.parametrize(
    "state_dict, message",
    [
        ({}, "state_dict"),
        ({"weight": torch.zeros(3, 3)}, "not the state_dict"),
        ({"weight_ih_l0": "text", "weight_hh_l0": torch.zeros(2, 2)}, "not a tensor"),
        ({"weight_ih_l0": torch.zeros(4, 3), "weight_hh_l0": torch.zeros(5, 2)}, "shape"),
        (
            {"weight_ih_l0": torch.zeros(2, 3), "weight_hh_l0": torch.full((2, 2), float("nan"))},
            "NaN",
        ),
        ({**torch.nn.GRU(3, 4).state_dict(), "extra": torch.zeros(1)}, "unexpected"),
        (
            {k: v for k, v in torch.nn.LSTM(3, 4).state_dict().items() if k != "bias_hh_l0"},
            "missing",
        ),
        ({**torch.nn.LSTM(3, 4).state_dict(), "bias_hh_l0": torch.zeros(3)}, "shape"),
        (torch.nn.LSTM(3, 4, proj_size=2).state_dict(), "proj_size"),
        (["not", "a", "dict"], "state_dict"),
    ],
)
def test_bad_state_dicts_are_refused_with_a_reason(state_dict, message):
    with pytest.raises(RnnvizError, match=message):
        rnnviz.infer_config(state_dict)


def test_infer_config_reads_every_shape():
    gru = torch.nn.GRU(7, 5, num_layers=3, bidirectional=True)
    info = rnnviz.infer_config(gru.state_dict())
    assert info == dict(
        cell="gru", hidden_size=5, input_size=7, num_layers=3, bidirectional=True, bias=True
    )
    rnn = torch.nn.RNN(4, 3, nonlinearity="relu", bias=False)
    trace = rnnviz.unroll("a b c", rnn=rnn, input_size=4)
    assert trace.config.activation == "relu" and trace.config.cell == "elman"
    out = rnn.double()(torch.tensor(trace.inputs))[0].detach().numpy()
    np.testing.assert_allclose(trace.h[:, 0, 0], out, atol=1e-12)


@pytest.mark.parametrize("pattern", ["acceptor", "transducer", "encoder", "encoder-decoder"])
def test_patterns_attach_the_documented_loss(pattern):
    trace = rnnviz.unroll("John lives in Salt Lake City", cell="lstm", pattern=pattern, seed=2)
    assert trace.loss == pytest.approx(trace.step_losses.sum())
    nonzero = np.flatnonzero(trace.step_losses)
    if pattern == "transducer":
        assert len(nonzero) == trace.seq_len and trace.targets.shape == (6,)
    else:
        assert list(nonzero) == [trace.seq_len - 1]
    if pattern == "encoder-decoder":
        dec = trace.decoder
        assert dec["tokens"] == list(reversed(trace.tokens))
        assert dec["states"].shape == (6, 32) and dec["outputs"].shape == (6, 4)
        assert dec["loss"] == pytest.approx(trace.loss)
        assert np.isfinite(trace.flow()["log10_grad_c"]).all()  # the decoder reads c_T too
    again = rnnviz.unroll("John lives in Salt Lake City", cell="lstm", pattern=pattern, seed=2)
    assert again.loss == trace.loss  # deterministic default targets


@pytest.mark.parametrize("tokens", [None, 3, "ab", b"ab", ["a", 1], (t for t in ["a", "b"])])
def test_embed_takes_a_list_of_strings_and_refuses_the_rest_by_name(tokens):
    """None was a TypeError; a generator was used up by the type check and gave 0 rows."""
    with pytest.raises(RnnvizError, match="tokens: give a list of strings"):
        rnnviz.embed(tokens, 3)
