"""More of the public API's doors: arrays where one string or number belongs, huge ints, truthy
non-bools, a dict for a TrainConfig, a callback that is no function. Each is an RnnvizError naming
the field and what is allowed, never numpy's "truth value of an array is ambiguous", an
OverflowError or Python's 4300-digit limit; and the valid values around them still work."""

from __future__ import annotations

import importlib

import numpy as np
import pytest

import rnnviz
from rnnviz import formula, tables
from rnnviz.errors import RnnvizError
from rnnviz.graph import build_graph, rolled_graph, window_graph
from rnnviz.lab import TrainConfig
from rnnviz.lab.specs import task_spec

HUGE = 10**5000  # str() of it raises ValueError (Python's int-to-str digit limit)
TWO = np.array(["cell", "op"])


def _id(value):
    """A test id for a huge int (pytest's str() of it raises); None: pytest's own id."""
    return "huge" if isinstance(value, int) and abs(value).bit_length() > 10_000 else None


@pytest.fixture(scope="module")
def trace():
    return rnnviz.unroll("John lives in Salt Lake City", cell="lstm", hidden_size=4, input_size=4)


# ---- one string where an array was given -----------------------------------------------------


@pytest.mark.parametrize("function", [build_graph, rolled_graph])
@pytest.mark.parametrize("level", [TWO, np.array(["cell"]), ["cell"], None])
def test_graph_level_must_be_one_string(trace, function, level):
    with pytest.raises(RnnvizError, match="graph level"):
        function(trace, level)


def test_graph_levels_still_work(trace):
    assert build_graph(trace, "op").graph["level"] == "op"
    assert rolled_graph(trace, np.str_("cell")).graph["level"] == "cell"


@pytest.mark.parametrize(
    "function", [formula.nested_formula, formula.recurrence_lines, formula.output_formula]
)
@pytest.mark.parametrize("fmt", [np.array(["text", "latex"]), np.array(["text"]), ["latex"], 1])
def test_formula_format_must_be_one_string(function, fmt):
    with pytest.raises(RnnvizError, match="formula format"):
        function(3, fmt)


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"direction": np.array(["forward"])}, "direction"),
        ({"direction": np.array(["forward", "backward"])}, "direction"),
        ({"direction": ["forward"]}, "direction"),
        ({"part": np.array(["h"])}, "part"),
        ({"part": np.array(["h", "c"])}, "part"),
        ({"layer": HUGE}, "layer"),
    ],
)
def test_rank_units_choices_must_be_plain_values(trace, kwargs, field):
    with pytest.raises(RnnvizError, match=field):
        tables.rank_units(trace, [1, 0] * (trace.seq_len // 2), **kwargs)


def test_rank_units_still_ranks(trace):
    feature = [1, 0] * (trace.seq_len // 2)
    ranked = tables.rank_units(trace, feature, direction=np.str_("forward"), part="c")
    assert len(ranked) == 4 and set(ranked["part"]) == {"c"}


# ---- TrainConfig ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "field, value",
    [
        ("task", np.array(["adding", "copy"])),
        ("task", np.array(["adding"])),
        ("task", ["adding"]),
        ("cell", np.array(["lstm", "gru"])),
        ("cell", np.array(["lstm"])),
        ("activation", np.array(["tanh", "relu"])),
        ("optimizer", np.array(["adam", "sgd"])),
    ],
)
def test_train_config_choices_must_be_one_string(field, value):
    with pytest.raises(RnnvizError, match=field):
        TrainConfig(**{field: value}).validate()


FLOAT_FIELDS = ("lr", "budget_seconds", "clip", "sigma_max", "forget_bias")
INT_FIELDS = ("seed", "hidden_size", "batch_size", "max_steps", "eval_every", "record_every",
              "eval_size", "probe_size", "threads")  # fmt: skip


@pytest.mark.parametrize("field", FLOAT_FIELDS)
@pytest.mark.parametrize(
    "value", [10**400, -(10**400), HUGE, np.array([0.1, 0.2]), "1", True], ids=_id
)
def test_train_config_float_fields_refuse_huge_and_odd_values(field, value):
    with pytest.raises(RnnvizError, match=field):
        TrainConfig(**{field: value}).validate()


@pytest.mark.parametrize("field", [*INT_FIELDS, "lag"])
@pytest.mark.parametrize(
    "value", [HUGE, -HUGE, np.array([1, 2]), np.array(3), True, np.bool_(1)], ids=_id
)
def test_train_config_int_fields_refuse_huge_bool_and_arrays(field, value):
    with pytest.raises(RnnvizError, match=field):
        TrainConfig(**{field: value}).validate()


@pytest.mark.parametrize("value", ["no", "yes", 0, 1, None, np.array([True])])
def test_stop_when_solved_must_be_a_bool(value):
    with pytest.raises(RnnvizError, match="stop_when_solved"):
        TrainConfig(stop_when_solved=value).validate()


def test_stop_when_solved_takes_python_and_numpy_bools():
    assert TrainConfig(stop_when_solved=False).validate().stop_when_solved is False
    assert TrainConfig(stop_when_solved=np.bool_(False)).validate().stop_when_solved is False


def test_train_config_takes_numpy_scalars_as_the_engine_does():
    config = TrainConfig(
        seed=np.int64(3),
        lag=np.int32(20),
        hidden_size=np.int16(8),
        lr=np.float32(0.5),
        clip=np.float64(1.0),
        forget_bias=np.int64(2),
    ).validate()
    assert config == TrainConfig(seed=3, lag=20, hidden_size=8, lr=0.5, clip=1.0, forget_bias=2)
    assert type(config.seed) is int and type(config.lr) is float
    assert rnnviz.unroll("a b", seed=np.int64(3)).config.seed == 3  # the engine, for comparison


def test_train_config_messages_keep_their_words():
    with pytest.raises(RnnvizError, match="lr must be a positive number"):
        TrainConfig(lr=0.0).validate()
    with pytest.raises(RnnvizError, match="seed must be a whole number between 0 and"):
        TrainConfig(seed=-1).validate()
    with pytest.raises(RnnvizError, match="sigma_max must be a number between 0 and 1e\\+06"):
        TrainConfig(sigma_max=1e7).validate()
    with pytest.raises(RnnvizError, match="lag for adding must be between 2 and 1000, got 1"):
        TrainConfig(lag=1).validate()


@pytest.mark.parametrize(
    "args, field",
    [
        ((np.array(["adding"]), 10), "task"),
        (("adding", HUGE), "lag"),
        (("adding", np.array([10])), "lag"),
        (("adding", 10, -HUGE), "seed"),
    ],
)
def test_task_spec_refuses_arrays_and_huge_ints(args, field):
    with pytest.raises(RnnvizError, match=field):
        task_spec(*args)


# ---- formula time steps ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "function", [formula.nested_formula, formula.recurrence_lines, formula.output_formula]
)
@pytest.mark.parametrize("t", [HUGE, -HUGE, formula.MAX_STEP + 1], ids=_id)
def test_formula_time_step_has_an_upper_bound(function, t):
    with pytest.raises(RnnvizError, match="time step t"):
        function(t)


def test_formula_time_step_upper_bound_is_reachable():
    t = formula.MAX_STEP
    assert formula.output_formula(t) == f"y_{t} = O(s_{t})"
    assert formula.nested_formula(t).startswith(f"s_{t} = R(R(R(")
    assert formula.recurrence_lines(t)[-1].startswith(f"s_{t} = R(s_{t - 1}, x_{t})")


@pytest.mark.parametrize("t", [0, np.int64(0)])
def test_output_formula_starts_at_step_one(t):
    with pytest.raises(RnnvizError, match="time step t"):
        formula.output_formula(t)
    assert formula.output_formula(1) == "y_1 = O(s_1)"
    assert formula.nested_formula(0) == "s_0"  # the state s_0 exists; its output does not


@pytest.mark.parametrize("radius", [-HUGE, np.array([1])], ids=_id)
def test_window_graph_refuses_huge_and_array_radius(trace, radius):
    with pytest.raises(RnnvizError, match="radius"):
        window_graph(build_graph(trace), 1, radius)


# ---- tags, the Lab's entry points, zoo options -----------------------------------------------


@pytest.mark.parametrize(
    "tags",
    [
        [None] * 6,
        ["O", None, "O", "O", "O", "O"],
        [1, 2, 3, 4, 5, 6],
        np.array("PER"),
        3,
        (t for t in ["O"] * 6),
    ],
)
def test_tags_must_be_strings_one_per_token(trace, tags):
    assert trace.seq_len == 6
    with pytest.raises(RnnvizError, match="tags"):
        tables.unit_features_frame(trace, tags=tags)


def test_tags_as_strings_still_mark_persons_and_places(trace):
    tags = ["B-PER", "O", "O", "B-LOC", "I-LOC", "I-LOC"]
    frame = tables.unit_features_frame(trace, tags=np.array(tags))
    assert frame["person"].tolist() == [1, 0, 0, 0, 0, 0]
    assert frame["place"].tolist() == [0, 0, 0, 1, 1, 1]


@pytest.mark.parametrize("config", [{"task": "adding"}, None, "adding", TrainConfig])
def test_train_needs_a_train_config(config):
    from rnnviz.lab import Trainer, train

    with pytest.raises(RnnvizError, match="config: give a TrainConfig"):
        train(config)
    with pytest.raises(RnnvizError, match="config: give a TrainConfig"):
        Trainer(config)


@pytest.mark.parametrize("on_progress", [3, "print", [print]])
def test_on_progress_must_be_callable_and_is_checked_before_training(monkeypatch, on_progress):
    module = importlib.import_module("rnnviz.lab.train")

    def no_training(*args, **kwargs):
        raise AssertionError("training started before the callback was checked")

    monkeypatch.setattr(module, "Trainer", no_training)
    with pytest.raises(RnnvizError, match="on_progress"):
        module.train(TrainConfig(task="adding", max_steps=5), on_progress=on_progress)


def test_trainer_advance_checks_its_arguments():
    from rnnviz.lab import Trainer

    trainer = Trainer(TrainConfig(task="adding", lag=5, hidden_size=4, max_steps=2, eval_every=1,
                                  eval_size=8, probe_size=2, batch_size=4))  # fmt: skip
    with pytest.raises(RnnvizError, match="on_progress"):
        trainer.advance(1.0, on_progress=3)
    with pytest.raises(RnnvizError, match="seconds"):
        trainer.advance(np.array([1.0, 2.0]))
    with pytest.raises(RnnvizError, match="seconds"):
        trainer.advance(10**400)
    trainer.advance(10.0, on_progress=lambda step, metrics: True)
    assert trainer.done and trainer.steps == 2


@pytest.mark.parametrize(
    "option, value",
    [
        ("hidden_size", np.array([1, 2])),
        ("hidden_size", HUGE),
        ("cell", np.array(["lstm", "gru"])),
        ("seed", np.array([1, 2])),
        ("max_tokens", HUGE),
    ],
    ids=_id,
)
def test_zoo_model_options_refuse_arrays_and_huge_ints(option, value):
    with pytest.raises(RnnvizError, match=option):
        rnnviz.unroll("a", model="tagger-lstm", **{option: value})


def test_zoo_model_config_with_array_fields_is_refused():
    config = rnnviz.UnrollConfig(hidden_size=np.array([1, 2]))
    with pytest.raises(RnnvizError, match="hidden_size"):
        rnnviz.unroll("a", model="tagger-lstm", config=config)


def test_zoo_model_free_options_still_work():
    trace = rnnviz.unroll("John lives here", model="tagger-lstm", seed=np.int64(3))
    assert trace.config.seed == 3


def test_a_direction_of_ten_to_the_5000_is_named_not_printed():
    """Python refuses to print ints past 4,300 digits: the message says what it is instead."""
    trace = rnnviz.unroll("a b c", hidden_size=3)
    with pytest.raises(rnnviz.errors.RnnvizError, match="direction must be 'forward', got an int"):
        rnnviz.tables.decay_rate(trace, 10**5000)


def test_arguments_that_would_be_ignored_are_refused():
    """tags beside a numeric feature, target_len for a pattern without a decoder: both were
    silently unused."""
    from rnnviz.graph.count import count_nodes_edges

    trace = rnnviz.unroll("John lives in Salt Lake City", cell="lstm", hidden_size=4)
    with pytest.raises(RnnvizError, match="tags: they feed the named features"):
        tables.rank_units(trace, [1, 0, 1, 0, 1, 0], tags=["PER", "O"])
    with pytest.raises(RnnvizError, match="target_len applies to pattern='encoder-decoder'"):
        count_nodes_edges(5, "lstm", target_len=3)
    assert count_nodes_edges(5, "lstm", pattern="encoder-decoder", target_len=3)[0] > 0
