"""The API as the README writes it: step_jacobian takes the direction by name (an int still works)
and answers bad t / direction with RnnvizError; a whole model's state_dict (the lab's --save:
`rnn.*` and `head.*`) loads into rnnviz.unroll directly."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import rnnviz
from rnnviz.models import rnn_entries


@pytest.fixture(scope="module")
def bidirectional():
    return rnnviz.unroll("a b c d", cell="gru", hidden_size=3, bidirectional=True, seed=1)


def test_direction_by_name_or_index(bidirectional):
    forward = bidirectional.step_jacobian(2, direction="forward")
    backward = bidirectional.step_jacobian(2, direction="backward")
    assert np.array_equal(forward, bidirectional.step_jacobian(2))  # forward is the default
    assert np.array_equal(forward, bidirectional.step_jacobian(2, 0))
    assert np.array_equal(backward, bidirectional.step_jacobian(2, 1))
    assert not np.allclose(forward, backward)  # two chains, two Jacobians


@pytest.mark.parametrize(
    ("t", "direction", "message"),
    [
        (0, "forward", "t must be a step between 1 and 4, got 0"),
        (5, "forward", "t must be a step between 1 and 4, got 5"),
        (2.0, "forward", "t must be a step between 1 and 4, got 2.0"),
        (2, "sideways", "direction must be 'forward' or 'backward', got 'sideways'"),
        (2, 2, "direction must be 'forward' or 'backward', got 2"),
        (2, True, "direction must be"),
    ],
)
def test_bad_step_or_direction_is_an_rnnviz_error(bidirectional, t, direction, message):
    with pytest.raises(rnnviz.RnnvizError, match=message):
        bidirectional.step_jacobian(t, direction=direction)


def test_one_direction_refuses_backward():
    trace = rnnviz.unroll("a b", cell="elman", hidden_size=2)
    with pytest.raises(rnnviz.RnnvizError, match="direction must be 'forward', got 'backward'"):
        trace.step_jacobian(1, direction="backward")


def test_a_whole_models_state_dict_loads_its_rnn_part():
    rnn = torch.nn.LSTM(5, 4)
    model = {f"rnn.{k}": v for k, v in rnn.state_dict().items()}
    model |= {"head.weight": torch.zeros(2, 4), "head.bias": torch.zeros(2)}
    assert set(rnn_entries(model)) == set(rnn.state_dict())
    direct = rnnviz.unroll("a b c", state_dict=rnn.state_dict())
    via_model = rnnviz.unroll("a b c", state_dict=model)
    assert via_model.config.cell == "lstm" and via_model.config.hidden_size == 4
    assert np.array_equal(direct.states, via_model.states)


def test_two_rnns_in_one_dict_are_not_guessed_between():
    one, two = torch.nn.GRU(3, 2).state_dict(), torch.nn.GRU(3, 2).state_dict()
    model = {**{f"a.{k}": v for k, v in one.items()}, **{f"b.{k}": v for k, v in two.items()}}
    assert rnn_entries(model) is model
    with pytest.raises(rnnviz.RnnvizError, match="strip the key prefix"):
        rnnviz.unroll("a b", state_dict=model)
