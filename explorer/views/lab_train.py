"""The Lab's Train view (a view of the Lab page, not a page): pick task, cells, lag and step budget;
train live with a progress bar and a stop button; export the history and the model, or hand the
model to the explorer.

Training runs inside the script in chunks: a fragment with `run_every` first redraws the charts
from the runs' state, then advances every running Trainer by about CHUNK_SECONDS, so the charts on
screen are redrawn at the start of each run instead of waiting (greyed out as stale) behind a
training chunk; the browser's Stop click lands between chunks. Runs live in st.session_state; finished ones also go to a shared store keyed on
their plain settings, so choosing the same settings again shows them at once.
"""

from __future__ import annotations

import io
from collections import OrderedDict

import pandas as pd
import streamlit as st
import torch

import rnnviz
from explorer.app import charts, guidance, messages
from explorer.app.upload import read_model
from explorer.figures.lab import (
    gradient_norm_figure,
    gradient_picture_figure,
    picture_range,
    training_curves_figure,
)
from rnnviz.lab.tasks import TASKS
from rnnviz.lab.train import CELLS, TrainConfig, Trainer, TrainResult
from rnnviz.names import CELL_TITLES

CHUNK_SECONDS = 0.8  # training time per redraw, shared by the running cells
MIN_STEPS = 100  # below this a run cannot get past its first evaluations
MAX_STEPS = 50_000
STORE_SIZE = 24
RUN_KEY, STOP_KEY, NOTE_KEY = "lab_run", "lab_stop", "lab_note"
TASK_LABELS = {"adding": "Adding problem", "copy": "Remember the first token",
               "sentence": "Sentence acceptor (lecture)"}  # fmt: skip
CELL_LABELS = CELL_TITLES
DEMO = TrainConfig()  # the lecture's demo: the CLI's defaults, and preset 1
DEFAULTS = {"lab_task": DEMO.task, "lab_cells": ["elman", "lstm"], "lab_lag": DEMO.lag,
            "lab_seed": DEMO.seed, "lab_hidden": DEMO.hidden_size, "lab_steps": DEMO.max_steps,
            "lab_lr": DEMO.lr, "lab_clip": 0.0, "lab_fbias": DEMO.forget_bias}  # fmt: skip


@st.cache_resource(max_entries=1)
def finished_runs() -> OrderedDict:
    """Finished runs shared by every session: settings key -> {cell: TrainResult}."""
    return OrderedDict()


def configs_from_state(state) -> dict[str, TrainConfig]:
    """{cell: config} from the widgets' values; everything else is the demo's (raises RnnvizError)."""
    changes = dict(task=state["lab_task"], lag=int(state["lab_lag"]), seed=int(state["lab_seed"]),
                   hidden_size=int(state["lab_hidden"]), lr=float(state["lab_lr"]),
                   max_steps=int(state["lab_steps"]), clip=float(state["lab_clip"]) or None,
                   forget_bias=float(state["lab_fbias"]))  # fmt: skip
    return {cell: DEMO.replace(cell=cell, **changes) for cell in state["lab_cells"]}


def controls() -> dict[str, TrainConfig] | None:
    """The widgets; returns {cell: config}, or None with the reason shown."""
    for key, value in DEFAULTS.items():
        st.session_state.setdefault(key, value)
    a, b, c, d = st.columns([2, 2, 1, 1])
    a.selectbox("Task", TASKS, format_func=TASK_LABELS.get, key="lab_task")
    b.multiselect("Cells", CELLS, format_func=CELL_LABELS.get, key="lab_cells")
    c.number_input("Lag", min_value=1, max_value=1000, step=1, key="lab_lag")
    d.number_input("Seed", min_value=0, max_value=2**31 - 1, step=1, key="lab_seed")
    e, f, g, h, i = st.columns(5)
    e.number_input("Steps per cell (the budget)", min_value=1, max_value=MAX_STEPS, step=500,
                   key="lab_steps", help="Training steps decide the outcome, so the same seed "
                   f"gives the same run on any machine. A run also stops after "
                   f"{DEMO.budget_seconds:g} s, as a safety cap.")  # fmt: skip
    f.select_slider("Hidden size H", options=[8, 16, 32, 64], key="lab_hidden")
    g.select_slider("Learning rate", options=[0.001, 0.003, 0.01, 0.03], key="lab_lr")
    h.number_input("Clip gradient norm at (0 = off)", min_value=0.0, max_value=100.0, step=0.5,
                   key="lab_clip")  # fmt: skip
    i.number_input("LSTM forget-gate bias at start", min_value=-5.0, max_value=5.0, step=0.5,
                   key="lab_fbias", help="3 (forget gate about 0.95) lets the first gradients reach "
                   "far back; 0 is close to torch's default init.")  # fmt: skip
    if not st.session_state["lab_cells"]:
        st.info("Pick at least one cell to train.")
        return None
    return messages.guarded(lambda: configs_from_state(st.session_state),
                            "These settings cannot be trained")  # fmt: skip


def start_from_state() -> None:
    """Callback (a preset's button): train what the widgets' values say, at once."""
    try:
        configs = configs_from_state(st.session_state)
    except rnnviz.RnnvizError as exc:
        st.session_state[NOTE_KEY] = f"These settings cannot be trained: {exc}"
        return
    start(configs)


def buttons(configs: dict[str, TrainConfig] | None) -> None:
    run = st.session_state.get(RUN_KEY)
    running = run is not None and not _all_done(run)
    left, right, _ = st.columns([1, 1, 4])
    left.button("Train", type="primary", key="lab_start", on_click=start, args=(configs,),
                disabled=configs is None or running)  # fmt: skip
    right.button("Stop", key="lab_stop_button", on_click=request_stop, disabled=not running)
    note = st.session_state.pop(NOTE_KEY, None)
    if note:
        messages.warning(note)


def start(configs: dict[str, TrainConfig] | None) -> None:
    """Button callback: refuse a step budget that is too small, reuse a stored run, or start one."""
    if configs is None:
        return
    steps = min(c.max_steps for c in configs.values())
    if steps < MIN_STEPS:
        st.session_state[NOTE_KEY] = (
            f"A budget of {steps} steps is too small: a run needs at least {MIN_STEPS} steps to "
            "get past its first evaluations, and the LSTM needs about 1,000-4,000 steps to solve "
            "the adding problem at lag 100. Raise the steps and press Train again."
        )
        return
    key = settings_key(configs)
    stored = finished_runs().get(key)
    st.session_state[STOP_KEY] = False
    if stored is not None:
        st.session_state[RUN_KEY] = {"key": key, "results": stored, "cached": True}
        return
    trainers = {cell: Trainer(config) for cell, config in configs.items()}
    st.session_state[RUN_KEY] = {"key": key, "trainers": trainers, "cached": False}


def request_stop() -> None:
    st.session_state[STOP_KEY] = True


def settings_key(configs: dict[str, TrainConfig]) -> tuple:
    return tuple(sorted((cell, tuple(sorted(c.to_dict().items()))) for cell, c in configs.items()))


def live_panel(large_font: bool) -> None:
    """The fragment that trains: it reruns by itself every second while a run is going."""
    run = st.session_state.get(RUN_KEY)
    if run is None:
        st.caption("Press **Train** to start, or choose a preset above.")
        return
    every = 1.0 if not _all_done(run) else None
    st.fragment(_live_body, run_every=every)(large_font)


def _live_body(large_font: bool) -> None:
    run = st.session_state[RUN_KEY]
    results = run.get("results")
    if results is None:  # draw what the runs have so far, then train the next chunk
        trainers = run["trainers"]
        histories = {CELL_LABELS[c]: t.history_frame() for c, t in trainers.items()}
        pictures = {c: t.picture_frame() for c, t in trainers.items()}
        _progress(trainers)
        _figures(histories, pictures, next(iter(trainers.values())).spec, run, large_font)
        _advance(run)
        return
    histories = {CELL_LABELS[c]: r.history for c, r in results.items()}
    pictures = {c: r.gradient_picture for c, r in results.items()}
    _outcome(results, run.get("cached", False))
    _figures(histories, pictures, next(iter(results.values())).spec, run, large_font)
    exports(results)


def _advance(run: dict) -> None:
    trainers: dict[str, Trainer] = run["trainers"]
    if st.session_state.get(STOP_KEY):
        for trainer in trainers.values():
            trainer.stop("Stopped with the Stop button.")
    active = [t for t in trainers.values() if not t.done]
    for trainer in active:
        trainer.advance(CHUNK_SECONDS / len(active))
    if _all_done(run):
        results = {cell: t.result() for cell, t in trainers.items()}
        run["results"] = results
        if not any(r.status == "stopped" for r in results.values()):
            store = finished_runs()
            store[run["key"]] = results
            while len(store) > STORE_SIZE:
                store.popitem(last=False)
        st.rerun(scope="app")  # redraw the whole page (exports, buttons) and stop the timer


def _all_done(run: dict) -> bool:
    return "results" in run or all(t.done for t in run["trainers"].values())


def _progress(trainers: dict[str, Trainer]) -> None:
    fraction = min(min(t.steps / t.config.max_steps for t in trainers.values()), 1.0)
    parts = [f"{CELL_LABELS[c]}: step {t.steps:,} of {t.config.max_steps:,}, {t.seconds:.0f} s"
             + (" (done)" if t.done else "")
             for c, t in trainers.items()]  # fmt: skip
    st.progress(fraction, text="Training … " + "; ".join(parts))


def _outcome(results: dict[str, TrainResult], cached: bool) -> None:
    if cached:
        st.caption("Shown from the store of finished runs (same settings). Change a setting to "
                   "train again.")  # fmt: skip
    for cell, result in results.items():
        summary = result.summary()
        metric = "final_mse" if "final_mse" in summary else "final_accuracy"
        text = (f"{CELL_LABELS[cell]}: {metric.replace('_', ' ')} {summary[metric]} "
                f"(baseline {summary['baseline']:.3g}) after {result.steps} steps, "
                f"{result.seconds:.1f} s. {result.message}")  # fmt: skip
        if result.status == "diverged":
            messages.error(text)
        elif result.solved:
            st.success(messages.plain(text), icon=":material/check_circle:")
        elif result.status == "budget":
            messages.warning(text)
        else:
            st.info(messages.plain(text))


def _figures(histories, pictures, spec, run, large_font: bool) -> None:
    # Every figure is built before the first one is sent, so the charts of the previous chunk are
    # replaced in one quick burst (Streamlit fades elements that wait long to be redrawn).
    curves = training_curves_figure(histories, metric=spec.metric, baseline=spec.baseline,
                                    references=spec.references,
                                    success=spec.success, large_font=large_font)  # fmt: skip
    z_range = picture_range(list(pictures.values()))  # one colour scale: compare cells by eye
    heatmaps = {cell: gradient_picture_figure(picture, title=f"{CELL_LABELS[cell]}: gradient over "
                                              "t", z_range=z_range, large_font=large_font)
                for cell, picture in pictures.items()}  # fmt: skip
    norm = gradient_norm_figure(histories, clip=_first_config(run).clip, large_font=large_font)
    st.markdown(_section("curves"))
    charts.show(curves, key="lab_curves")
    st.markdown(_section("picture"))
    for column, (cell, fig) in zip(st.columns(len(heatmaps)), heatmaps.items(), strict=True):
        with column:
            charts.show(fig, key=f"lab_picture_{cell}")
    charts.show(norm, key="lab_norm")


def _first_config(run: dict) -> TrainConfig:
    if "results" in run:
        return next(iter(run["results"].values())).config
    return next(iter(run["trainers"].values())).config


def exports(results: dict[str, TrainResult]) -> None:
    st.subheader("Exports")
    history = pd.concat([r.history.assign(cell=c) for c, r in results.items()], ignore_index=True)
    picture = pd.concat([r.gradient_picture.assign(cell=c) for c, r in results.items()],
                        ignore_index=True)  # fmt: skip
    a, b = st.columns(2)
    a.download_button("History (CSV)", history.to_csv(index=False), "lab_history.csv",
                      mime="text/csv", key="lab_dl_history")  # fmt: skip
    b.download_button("Gradient pictures (CSV)", picture.to_csv(index=False), "lab_gradients.csv",
                      mime="text/csv", key="lab_dl_picture")  # fmt: skip
    for cell, result in results.items():
        left, right = st.columns(2)
        name = f"lab_{result.spec.name}_{cell}_lag{result.spec.lag}_seed{result.config.seed}.pt"
        left.download_button(f"{CELL_LABELS[cell]} state_dict (.pt)", state_dict_bytes(result),
                             name, key=f"lab_dl_model_{cell}")  # fmt: skip
        right.button(f"Show the {CELL_LABELS[cell]} in the explorer", key=f"lab_explore_{cell}",
                     on_click=show_in_explorer, args=(result, name))  # fmt: skip
    if st.session_state.get("lab_explored"):
        st.success(messages.plain(st.session_state["lab_explored"]), icon=":material/check_circle:")


def state_dict_bytes(result: TrainResult) -> bytes:
    buffer = io.BytesIO()
    torch.save(result.model.state_dict(), buffer)  # rnn.* and head.*, as `rnnviz lab --save`
    return buffer.getvalue()


def show_in_explorer(result: TrainResult, name: str) -> None:
    """Make the trained RNN the session's "own model": every explorer page then uses it."""
    rnn_dict = result.model.rnn_state_dict()
    try:
        record = read_model(state_dict_bytes(result), name)
    except rnnviz.RnnvizError as exc:
        st.session_state["lab_explored"] = f"The explorer cannot use this model: {exc}"
        return
    st.session_state["own_model"] = record
    st.session_state.pop("_own_cache", None)
    st.session_state["uploaded_state_dict"] = {"name": name, "state_dict": rnn_dict}
    hint = ""
    if result.spec.name == "sentence":
        hint = (f" It reads the explorer's word embeddings for seed {result.config.seed}: set that "
                "seed in the sidebar and type a sentence with 'great' or 'awful' in its first half.")  # fmt: skip
    st.session_state["lab_explored"] = (
        f"The explorer now uses {name} ({record['summary']}): open Unroll, States or Gradient "
        f"flow.{hint}"
    )


def _section(name: str) -> str:
    return guidance.section("lab", name)
