"""The shipped zoo: every model loads (weights_only) and unrolls through the engine unchanged."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import rnnviz
import rnnviz.zoo as zoo
from rnnviz.zoo.loading import MODELS_DIR

EXPECTED = (
    "tagger-elman",
    "tagger-lstm",
    "tagger-gru",
    "charlm-elman",
    "charlm-lstm",
    "charlm-gru",
)


def test_names_lists_every_shipped_model():
    assert zoo.names() == EXPECTED


@pytest.mark.parametrize("name", EXPECTED)
def test_weights_are_plain_float32_tensors_loaded_weights_only(name):
    state = torch.load(MODELS_DIR / f"{name}.pt", weights_only=True, map_location="cpu")
    assert state and all(v.dtype == torch.float32 for v in state.values())
    model = zoo.load(name)
    assert rnnviz.infer_config(model.rnn_state)["cell"] == model.spec.cell


@pytest.mark.parametrize("name", EXPECTED)
def test_every_model_unrolls_and_predicts_labels(name):
    text = (
        "Ada Lovelace lives in London ." if name.startswith("tagger") else "def f(x):\n    return x"
    )
    trace = rnnviz.unroll(text, model=name)
    model = zoo.load(name)
    assert len(trace.predictions) == trace.seq_len
    assert set(trace.predictions) <= set(model.labels)
    assert np.isfinite(trace.loss) and np.isfinite(trace.flow()["log10_grad_norm"]).all()
    # O is the model's trained head, not a seeded random one
    assert np.array_equal(trace.head_weight, model.head_weight.double().numpy())
    if name.startswith("tagger"):
        assert trace.config.bidirectional and set(trace.predictions) <= {"O", "PER", "LOC"}
    else:
        assert all(len(p) == 1 for p in trace.predictions)


def test_the_trace_matches_torchs_own_module():
    """The engine's float64 step loop and torch's fused module agree on the model's states."""
    model = zoo.load("charlm-gru")
    trace = rnnviz.unroll("import os\n", model="charlm-gru")
    rnn = torch.nn.GRU(model.spec.input_size, model.spec.hidden_size).double()
    rnn.load_state_dict({k: v.double() for k, v in model.rnn_state.items()})
    out, _ = rnn(torch.tensor(trace.inputs))
    assert np.allclose(out.detach().numpy(), trace.h[:, 0, 0], atol=1e-10)


def test_random_weights_have_no_predictions():
    assert rnnviz.unroll("John lives in Salt Lake City").predictions is None


def test_language_model_loss_is_the_next_character_cross_entropy():
    text = "for i in range(10):\n    print(i)\n"
    trace = rnnviz.unroll(text, model="charlm-lstm")
    model = zoo.load("charlm-lstm")
    ids = [model.labels.index(ch) for ch in text]
    assert list(trace.targets[:-1]) == ids[1:]  # targets: the next characters
    logits = torch.tensor(trace.outputs)
    expected = torch.nn.functional.cross_entropy(
        logits, torch.tensor(trace.targets), reduction="sum"
    )
    assert trace.loss == pytest.approx(float(expected), rel=1e-9)
    # a trained LM beats the uniform guess (log2 of its vocabulary) on ordinary code
    bits = trace.step_losses[:-1].mean() / np.log(2)
    assert bits < 0.5 * np.log2(len(model.labels))


def test_tagger_targets_may_be_tag_strings():
    trace = rnnviz.unroll(
        "John lives in Salt Lake City",
        model="tagger-gru",
        targets=["PER", "O", "O", "LOC", "LOC", "O"],
    )
    assert list(trace.targets) == [1, 0, 0, 2, 2, 0]
    default = rnnviz.unroll("John lives in Salt Lake City", model="tagger-gru")
    assert trace.loss > default.loss  # the wrong last tag costs more than its own predictions


def test_the_graph_and_tables_work_unchanged():
    from rnnviz import tables
    from rnnviz.graph import build_graph

    trace = rnnviz.unroll("John lives in Salt Lake City", model="tagger-lstm")
    G = build_graph(trace)
    assert "s[l1,bwd,3]" in G and "loss" in G
    assert len(tables.states_frame(trace)) == 6 * 2 * 2 * trace.config.hidden_size
    assert np.isfinite(tables.decay_rate(trace))
