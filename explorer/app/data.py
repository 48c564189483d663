"""Where every page gets its data: cached engine calls (traces, tidy tables, graphs), errors shown as
messages and numerical warnings shown on the page.

A page calls `load_trace(settings)` / `load_frame(kind, settings)` (or `graph(...)`); those check the
time budget, run `rnnviz.unroll` once per plain-value key and keep the result.

Traces and graphs are kept with st.cache_resource: st.cache_data would unpickle a fresh copy (the
arrays, the torch module, every node's attributes) on every rerun, and nothing mutates them (a
Trace is a frozen dataclass; pages and figures only read). The tidy tables go through
st.cache_data. A zoo model (config["model"], its name: a plain value) is
shared like random weights: it is the package's, the same for everyone. A model the user uploaded
is never put in these shared caches: everything derived
from it lives in that session's st.session_state only (see `_session_memo`).
"""

from __future__ import annotations

import contextlib
import gc
import warnings

import networkx as nx
import pandas as pd
import streamlit as st

import rnnviz
import rnnviz.graph
from explorer.app import budget, messages, weights
from explorer.app.controls import MAX_TOKENS, Settings
from rnnviz import tables

ConfigKey = tuple  # tuple(sorted(config.items())): plain, hashable values only
TTL = "1h"
MAX_TRACES = 64
OWN_ITEMS_PER_SESSION = 16


@st.cache_resource(show_spinner=False)
def warm_up() -> float:
    """Once per server: import torch/plotly, run a tiny unroll of each cell (the first torch.func
    call is slow), pin torch to one thread (two threads on a shared 2-core box spike small
    unrolls to 1.4 s), then collect and freeze the heap so Streamlit's gc after each run is cheap
    (127 -> 48 ms per rerun, measured with torch and Plotly loaded). Returns the seconds it took."""
    import time

    import plotly.graph_objects  # noqa: F401  (import cost paid here, not on the first page)
    import torch

    start = time.perf_counter()
    torch.set_num_threads(1)
    for cell in rnnviz.config.CELLS:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            rnnviz.unroll("warm up", cell=cell, hidden_size=2, input_size=2)
    gc.collect()
    gc.freeze()
    return time.perf_counter() - start


def _unroll(config: dict, text: str, state_dict=None) -> rnnviz.Trace:
    """Run the engine; a NumericalWarning is kept in trace.warnings (shown by the page)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", rnnviz.NumericalWarning)
        if config.get("model") is not None:
            # The model fixes everything else (the sidebar only shows its values).
            return rnnviz.unroll(
                text, model=config["model"], seed=config["seed"], max_tokens=config["max_tokens"]
            )
        if state_dict is None:
            return rnnviz.unroll(text, config=rnnviz.UnrollConfig(**config).validate())
        fields = {k: v for k, v in config.items() if k not in _INFERRED}
        return rnnviz.unroll(text, state_dict=state_dict, **fields)


# Fields rnnviz.infer_config decides for an uploaded state_dict.
_INFERRED = ("cell", "hidden_size", "input_size", "num_layers", "bidirectional")


@st.cache_resource(max_entries=MAX_TRACES, ttl=TTL, show_spinner=False)
def shared_trace(config_key: ConfigKey, text: str) -> rnnviz.Trace:
    return _unroll(dict(config_key), text)


def trace_for(config: dict, text: str, *, random_weights: bool = False) -> rnnviz.Trace:
    """The trace for a config and text; raises rnnviz.RnnvizError for bad input.
    random_weights=True ignores an uploaded model (Compare runs all three cells)."""
    budget.check(config, text)  # before any work: a sidebar setting must not stall the server
    key = tuple(sorted(config.items()))
    own = own_model()
    if own is None or random_weights or config.get("model") is not None:
        return shared_trace(key, text)
    return _session_memo(("trace", key, text), lambda: _unroll(dict(key), text, own["state_dict"]))


def own_model() -> dict | None:
    """The uploaded model's record when the Weights control says to use it, else None."""
    if st.session_state.get("weights") != weights.OWN:
        return None
    return st.session_state.get("own_model")


def _session_memo(key: tuple, compute):
    """A per-session LRU for everything derived from an uploaded model (never shared)."""
    own = st.session_state["own_model"]
    store: dict = st.session_state.setdefault("_own_cache", {})
    full_key = (own["digest"], *key)
    if full_key not in store:
        if len(store) >= OWN_ITEMS_PER_SESSION:
            store.pop(next(iter(store)))
        store[full_key] = compute()
    return store[full_key]


def _singular_values(trace: rnnviz.Trace) -> pd.DataFrame:
    # One SVD per step: at evenly spaced steps only, as many as the budget allows.
    steps = budget.singular_value_steps(trace.config.to_dict())
    return tables.singular_values_frame(trace, max_steps=steps)


FRAMES = {
    "states": tables.states_frame,
    "gates": tables.gates_frame,
    "outputs": tables.outputs_frame,
    "singular_values": _singular_values,
}


def frame(kind: str, config: dict, text: str, *, random_weights: bool = False) -> pd.DataFrame:
    """One tidy table (states, gates, outputs, singular_values) of the trace for config + text."""
    key = tuple(sorted(config.items()))
    if own_model() is None or random_weights or config.get("model") is not None:
        return _shared_frame(kind, key, text)
    return _session_memo(("frame", kind, key, text), lambda: FRAMES[kind](trace_for(config, text)))


@st.cache_data(max_entries=4 * MAX_TRACES, ttl=TTL, show_spinner=False)
def _shared_frame(kind: str, config_key: ConfigKey, text: str) -> pd.DataFrame:
    return FRAMES[kind](shared_trace(config_key, text))


def graph(config: dict, text: str, level: str, rolled: bool) -> nx.DiGraph:
    """The unrolled (or rolled) computation graph at "cell" or "op" level."""
    key = tuple(sorted(config.items()))
    if own_model() is None or config.get("model") is not None:
        return _shared_graph(key, text, level, rolled)
    return _session_memo(
        ("graph", key, text, level, rolled),
        lambda: _build_graph(trace_for(config, text), level, rolled),
    )


@st.cache_resource(max_entries=2 * MAX_TRACES, ttl=TTL, show_spinner=False)
def _shared_graph(config_key: ConfigKey, text: str, level: str, rolled: bool) -> nx.DiGraph:
    # A resource, not data: figures only read the graph, and copying it per rerun costs time.
    return _build_graph(shared_trace(config_key, text), level, rolled)


def _build_graph(trace: rnnviz.Trace, level: str, rolled: bool) -> nx.DiGraph:
    if rolled:
        return rnnviz.graph.rolled_graph(trace, level=level)
    return rnnviz.graph.build_graph(trace, level=level)


# The page-facing loaders: an engine error becomes a message on the page, never a traceback.
SPINNER_MIN_STEPS = 40
# The engine's own advice for a long text ("raise max_tokens") is for API users; here the cap is
# the explorer's, so the message says that instead.
TOO_LONG = f"The explorer reads at most {MAX_TOKENS:,} tokens; rnnviz.unroll in Python takes more."


def load_trace(
    settings: Settings, *, random_weights: bool = False, quiet: bool = False, **changes
) -> rnnviz.Trace | None:
    """The trace for the sidebar settings (with `changes` applied), or None after an st.error.

    quiet=True skips the setting notes (a page that loads several traces shows them once)."""
    if not quiet:
        messages.show_setting_notes(settings.notes)
    config = {**settings.config, **changes}
    with _maybe_spinner(settings.text, config.get("tokenize", "word")):
        trace = messages.guarded(
            lambda: trace_for(config, settings.text, random_weights=random_weights),
            "Cannot unroll this input",
            hint={"max_tokens": TOO_LONG},
        )
    if trace is not None:
        messages.show_trace_warnings(trace)
    return trace


def _maybe_spinner(text: str, level: str):
    """A spinner for long inputs only: a lecture-sized sentence (T <= 40) never shows one (and
    Streamlit shows any spinner only after 0.5 s, so a cache hit never flashes it)."""
    steps = len(rnnviz.tokenize(text[: 20 * SPINNER_MIN_STEPS], level)) if text.strip() else 0
    if steps <= SPINNER_MIN_STEPS:
        return contextlib.nullcontext()
    return st.spinner("Unrolling the sequence…", show_time=True)


def load_frame(kind: str, settings: Settings, **changes):
    """One tidy table of the trace (states, gates, outputs, singular_values), or None."""
    config = {**settings.config, **changes}
    return messages.guarded(
        lambda: frame(kind, config, settings.text), f"Cannot build the {kind} table"
    )
