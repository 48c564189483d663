"""rnnviz.span_vjp: a span's folded VJPs are the per-step `Stack.step_vjp`, in every cell and
direction, for any number of rows, and a reused buffer never leaks one span's folds into the next."""

import numpy as np
import pytest

import rnnviz

SENTENCE = "the cat that the dog chased ran away from the house"


def _stack(cell: str, direction: int = 0, **options):
    trace = rnnviz.unroll(
        SENTENCE, cell=cell, hidden_size=12, input_size=5, bidirectional=direction == 1, **options
    )
    return trace._stacks[direction]


def _pull_all(stack, ts, rows):
    """Every step of the span ts pulled from the same rows: (K, r, n)."""
    pull = stack.span_vjps(ts)
    out = np.empty((len(ts), *rows.shape))
    for j in range(len(ts)):
        pull(j, rows, out[j])
    return out


@pytest.mark.parametrize("cell", ["elman", "lstm", "gru"])
@pytest.mark.parametrize("direction", [0, 1])
@pytest.mark.parametrize("r", [1, 9, 40, 257])
def test_a_span_pulls_what_step_vjp_pulls(cell, direction, r):
    stack = _stack(cell, direction)
    rows = np.random.default_rng(r).standard_normal((r, stack.layer_state))
    ts = list(range(len(SENTENCE.split())))[::-1] if direction == 0 else list(range(1, 11))
    got = _pull_all(stack, ts, rows)
    for j, t in enumerate(ts):
        np.testing.assert_allclose(got[j], stack.step_vjp(t, rows), rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_spans_of_growing_and_shrinking_length_reuse_the_buffer_correctly(cell):
    """A longer span after a shorter one regrows the buffer (the LSTM rewrites its W_o half),
    and a shorter one after it reads only its own folds."""
    stack = _stack(cell)
    rows = np.random.default_rng(1).standard_normal((7, stack.layer_state))
    for ts in ([9, 8], [9, 8, 7, 6, 5, 4, 3, 2, 1], [4, 3, 2], range(10, 0, -1)):
        ts = list(ts)
        got = _pull_all(stack, ts, rows)
        for j, t in enumerate(ts):
            np.testing.assert_allclose(got[j], stack.step_vjp(t, rows), rtol=1e-12, atol=1e-13)


def test_a_pull_in_place_of_its_own_input_is_not_used_by_the_chain():
    """_span writes step j into chain[j] and reads chain[j - 1]: out never aliases cot."""
    stack = _stack("lstm")
    rows = np.random.default_rng(2).standard_normal((3, stack.layer_state))
    pull = stack.span_vjps([5, 4])
    first, second = np.empty_like(rows), np.empty_like(rows)
    pull(0, rows, first)
    pull(1, first, second)
    np.testing.assert_allclose(second, stack.step_vjp(4, stack.step_vjp(5, rows)), rtol=1e-12)


@pytest.mark.parametrize("cell", ["lstm", "gru", "elman"])
def test_stacked_layers_pull_through_every_layer(cell):
    stack = _stack(cell, num_layers=2)
    rows = np.random.default_rng(3).standard_normal((4, 2 * stack.layer_state))
    got = _pull_all(stack, [6, 5, 4], rows)
    for j, t in enumerate([6, 5, 4]):
        np.testing.assert_allclose(got[j], stack.step_vjp(t, rows), rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_gated_cells_take_the_folded_path_not_the_per_step_vjp(cell, monkeypatch):
    """The per-step `cells.vjp` gives the same numbers, only slower: pin that spans fold."""
    from rnnviz import flow

    stack = _stack(cell)
    rows = np.random.default_rng(4).standard_normal((5, stack.layer_state))
    expected = stack.step_vjp(5, rows)

    def refuse(*args, **kwargs):
        raise AssertionError("a gated cell's span fell back to the per-step VJP")

    monkeypatch.setattr(flow.Stack, "step_vjp", refuse)
    np.testing.assert_allclose(_pull_all(stack, [5], rows)[0], expected, rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
@pytest.mark.parametrize("steps", [1, 2, 16])
def test_a_buffer_reserved_ahead_holds_every_later_span(cell, steps, monkeypatch):
    """A fold buffer sized for `steps` steps (or less, where that would pass RESERVE_BYTES) and
    then used by a longer span, regrown or not: every entry of it has the LSTM's W_o half."""
    from rnnviz import cells, span_vjp

    stack = _stack(cell)
    run, w = stack.runs[0], stack.weights[0]
    k = cells.vjp_factors(cell, run, stack.activation)
    rows = np.random.default_rng(5).standard_normal((6, stack.layer_state))
    for limit in (span_vjp.RESERVE_BYTES, 0):  # reserved ahead, then nothing ahead
        monkeypatch.setattr(span_vjp, "RESERVE_BYTES", limit)
        store = {}
        for ts in ([3], list(range(10, 0, -1))):
            pull = span_vjp.span_vjps(cell, w, k, ts, store, steps)
            for j, t in enumerate(ts):
                out = np.empty_like(rows)
                pull(j, rows, out)
                np.testing.assert_allclose(out, stack.step_vjp(t, rows), rtol=1e-12, atol=1e-13)
        entry = (2 if cell == "lstm" else 1) * 12 * 12  # one step's (2H or H) × H fold
        assert store[cell].size == entry * (max(steps, 10) if limit else 10)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_a_step_that_truncates_after_a_span_takes_the_spans_pull(cell, monkeypatch):
    """`_span` pulls the step after it too, with its folds: the one-step path that truncates there
    reads that VJP, so a walk without recoveries calls `Stack.step_vjp` once (the structural
    pattern), not once per truncation. Its numbers are pinned by the oracle tests."""
    from rnnviz import flow

    calls = []
    step_vjp = flow.Stack.step_vjp

    def counted(self, t, cot):
        calls.append(t)
        return step_vjp(self, t, cot)

    monkeypatch.setattr(flow.Stack, "step_vjp", counted)
    tokens = [f"w{i % 7}" for i in range(120)]  # 7 truncations after spans
    rnnviz.unroll(tokens, cell=cell, hidden_size=24, input_size=5, max_tokens=200)
    assert len(calls) == 1


def test_a_reused_buffer_reserves_ahead_within_its_cap_and_fills_on_growth(monkeypatch):
    """`reused` (the fold and chain buffers): room for `reserve` entries when that stays under
    RESERVE_BYTES, else just what is asked; fill runs on every growth and on nothing else."""
    from rnnviz import span_vjp

    fills = []
    store = {}
    first = span_vjp.reused(store, "x", (2, 3), fill=lambda b: fills.append(b.shape), reserve=5)
    assert store["x"].size == 15 and fills == [(5, 3)]
    first[1] = 7.0
    again = span_vjp.reused(store, "x", (4, 3), fill=lambda b: fills.append(b.shape))
    assert fills == [(5, 3)] and (again[1] == 7.0).all()  # no growth: same memory, same place
    monkeypatch.setattr(span_vjp, "RESERVE_BYTES", 8 * 3 * 6)  # 6 entries' worth at most
    span_vjp.reused(store, "x", (6, 3), fill=lambda b: fills.append(b.shape), reserve=7)
    assert store["x"].size == 18 and fills[-1] == (6, 3)  # 7 ahead would pass the cap
