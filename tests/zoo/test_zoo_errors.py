"""Bad zoo input gets a message naming what is allowed, never a traceback."""

from __future__ import annotations

import numpy as np
import pytest

import rnnviz
import rnnviz.zoo as zoo


def test_unknown_model_lists_the_names():
    with pytest.raises(rnnviz.RnnvizError) as err:
        rnnviz.unroll("a b", model="tagger-transformer")
    for name in zoo.names():
        assert name in str(err.value)
    with pytest.raises(rnnviz.RnnvizError, match="model must be"):
        rnnviz.unroll("a b", model=3)


@pytest.mark.parametrize(
    "options, named",
    [
        (dict(hidden_size=8), "hidden_size=8"),
        (dict(cell="elman"), "cell='elman'"),
        (dict(pattern="acceptor"), "pattern='acceptor'"),
        (dict(init_scale=0.5), "init_scale=0.5"),
        (dict(config=rnnviz.UnrollConfig(num_layers=2)), "num_layers=2"),
    ],
)
def test_conflicting_options_are_named(options, named):
    with pytest.raises(rnnviz.RnnvizError, match="fixes its own shape") as err:
        rnnviz.unroll("John lives here", model="tagger-lstm", **options)
    assert named in str(err.value)


def test_options_the_model_leaves_free_or_already_has():
    trace = rnnviz.unroll(
        "John lives here", model="tagger-lstm", seed=3, cell="lstm", max_tokens=50, max_seconds=300
    )
    assert trace.config.seed == 3 and trace.config.max_tokens == 50
    assert trace.config.max_seconds == 300  # a long file read by a zoo model may wait longer
    with pytest.raises(rnnviz.RnnvizError, match="max_tokens"):
        rnnviz.unroll("a " * 60, model="tagger-lstm", max_tokens=50)


def test_weights_and_model_together_are_refused():
    with pytest.raises(rnnviz.RnnvizError, match="brings its own weights"):
        rnnviz.unroll("a", model="charlm-lstm", state_dict=zoo.load("charlm-lstm").rnn_state)


@pytest.mark.parametrize(
    "source, model, match",
    [
        (np.zeros((3, 32)), "tagger-lstm", "reads a text"),
        ("   ", "tagger-lstm", "empty"),
        (["ab", "cd"], "charlm-lstm", "reads characters"),
    ],
)
def test_bad_sources(source, model, match):
    with pytest.raises(rnnviz.RnnvizError, match=match):
        rnnviz.unroll(source, model=model)


@pytest.mark.parametrize(
    "targets, match",
    [(["PER"], "one target per token"), (["X", "O", "O"], "not a label"), ([0, 1, 9], "class id")],
)
def test_bad_targets(targets, match):
    with pytest.raises(rnnviz.RnnvizError, match=match):
        rnnviz.unroll("John lives here", model="tagger-lstm", targets=targets)
