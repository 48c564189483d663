"""The Lab's experiment views (views of the Lab page, not pages): the lag sweep over seeds, the
phase diagram, exploding gradients with and without clipping.

The sweep's trials go to `rnnviz.distributed.run_trials` (a local Dask cluster, or the one named by
RNNVIZ_CLUSTER); the progress bar and the rates table are updated in place as trials finish.
Results are cached on plain values (st.cache_data, or the shared store for the sweep, whose
progress cannot live inside a cached function), so a lecturer can show them again at once.
"""

from __future__ import annotations

import re
from collections import OrderedDict

import numpy as np
import pandas as pd
import streamlit as st

from explorer.app import charts, guidance, messages
from explorer.figures.lab import (
    gradient_norm_figure,
    gradient_picture_figure,
    lag_sweep_figure,
    phase_diagram_figure,
    success_rate_figure,
    training_curves_figure,
)
from rnnviz.distributed import ENV_CLUSTER, cluster_address, local_workers
from rnnviz.errors import RnnvizError
from rnnviz.lab.experiments import EXPLODING_DEMO, exploding_runs, phase_boundary, phase_diagram
from rnnviz.lab.sweeps import lag_sweep, rate_sentence, success_rates
from rnnviz.lab.tasks import TASKS, task_spec
from rnnviz.lab.train import CELLS, TrainConfig
from rnnviz.names import CELL_TITLES

MAX_SWEEP_RUNS = 200
CELL_LABELS = CELL_TITLES
PARTIAL_KEY = "lab_sweep_partial"  # rows of a sweep that was interrupted (Stop, a new setting)


def _section(name: str) -> str:
    return guidance.section("lab", name)


@st.cache_resource(max_entries=1)
def sweep_store() -> OrderedDict:
    return OrderedDict()


def parse_lags(text: str) -> list[int]:
    """'5, 10, 20' -> [5, 10, 20]; raises ValueError with a message a person can act on."""
    parts = [p for p in re.split(r"[,\s]+", text.strip()) if p]
    if not parts:
        raise ValueError(
            "Type the lags as whole numbers separated by commas, e.g. 10, 20, 50, 100."
        )
    try:
        lags = sorted({int(p) for p in parts})
    except ValueError:
        raise ValueError(
            "Lags must be whole numbers separated by commas, e.g. 10, 20, 50, 100."
        ) from None
    if lags[0] < 2 or lags[-1] > 1000:
        raise ValueError("Every lag must be between 2 and 1000.")
    return lags


def sweep_view(large_font: bool) -> None:
    st.markdown(_section("sweep"))
    a, b, c = st.columns([2, 2, 2])
    task = a.selectbox("Task", TASKS, key="lab_sweep_task")
    cells = b.multiselect("Cells", CELLS, default=["elman", "lstm"], key="lab_sweep_cells",
                          format_func=CELL_LABELS.get)  # fmt: skip
    lags_text = c.text_input("Lags", value="10, 20, 50, 100", key="lab_sweep_lags")
    d, e, f = st.columns(3)
    seeds = d.number_input("Seeds per (cell, lag)", 1, 50, 10, key="lab_sweep_seeds",
                           help="Seeds 0, 1, ...: a claim is a success rate over them.")  # fmt: skip
    steps = e.number_input("Steps per run", 20, 50_000, TrainConfig().max_steps, step=500,
                           key="lab_sweep_steps")  # fmt: skip
    workers = f.number_input("Local workers (0: in this process)", 0, 64, local_workers(),
                             key="lab_sweep_workers")  # fmt: skip
    try:
        lags = parse_lags(lags_text)
        address = cluster_address(None, int(workers))
    except (ValueError, RnnvizError) as exc:
        messages.error(str(exc))
        return
    if not cells:
        st.info("Pick at least one cell.")
        return
    runs = len(cells) * len(lags) * int(seeds)
    if runs > MAX_SWEEP_RUNS:
        messages.error(f"{runs} runs is too many for one sweep: use at most {MAX_SWEEP_RUNS}.")
        return
    key = (task, tuple(cells), tuple(lags), int(seeds), int(steps))
    sweep = sweep_store().get(key)
    if sweep is None:
        where = (f"on the Dask cluster at {address} ({ENV_CLUSTER})" if address else
                 f"on {int(workers)} local worker(s)" if workers else "in the app's process")  # fmt: skip
        st.caption(messages.plain(f"{runs} runs of at most {int(steps):,} steps each, {where}. "
                                  "Changing a setting stops a running sweep."))  # fmt: skip
        _partial(key)
        if not st.button("Run the sweep", type="primary", key="lab_sweep_run"):
            return
        sweep = _run_sweep(key, int(workers))
        sweep_store()[key] = sweep
        st.session_state.pop(PARTIAL_KEY, None)
    _sweep_results(sweep, task, lags, int(steps), large_font)


def _run_sweep(key: tuple, workers: int) -> pd.DataFrame:
    task, cells, lags, seeds, steps = key
    bar = st.progress(0.0, text="Starting the workers …")
    table = st.empty()
    rows: list[dict] = []
    st.session_state[PARTIAL_KEY] = {"key": key, "rows": rows}

    def show(done: int, runs: int, row: dict) -> None:
        rows.append(row)
        verdict = "raised an error" if row["status"] == "failed" else (
            "solved" if row["solved"] else "not solved")  # fmt: skip
        bar.progress(done / runs, text=f"{done}/{runs} runs: {CELL_LABELS[row['cell']]} at lag "
                     f"{row['lag']}, seed {row['seed']} {verdict}")  # fmt: skip
        table.dataframe(success_rates(pd.DataFrame(rows)), hide_index=True)

    base = TrainConfig(task=task, max_steps=steps)
    return lag_sweep(base, list(cells), list(lags), range(seeds), on_run=show, workers=workers)


def _partial(key: tuple) -> None:
    """The rates of a sweep that was stopped before it finished (same settings only)."""
    partial = st.session_state.get(PARTIAL_KEY)
    if partial and partial["key"] == key and partial["rows"]:
        st.caption(f"The last sweep with these settings stopped after {len(partial['rows'])} runs:")
        st.dataframe(success_rates(pd.DataFrame(partial["rows"])), hide_index=True)


def _sweep_results(sweep: pd.DataFrame, task: str, lags: list[int], steps: int, large: bool):
    spec = task_spec(task, max(lags))
    rates = success_rates(sweep)
    charts.show(success_rate_figure(rates, large_font=large), key="lab_sweep_rates")
    for line in rate_sentence(rates, CELL_LABELS):
        st.markdown(f"**{line}** ({steps:,} steps per run).")
    charts.show(lag_sweep_figure(sweep, metric=spec.metric, success=spec.success,
                                 large_font=large), key="lab_sweep_fig")  # fmt: skip
    for error in sorted(set(sweep.loc[sweep["status"] == "failed", "error"])):
        messages.warning(f"A run raised an error: {error}")
    st.download_button("Sweep (CSV)", sweep.to_csv(index=False), "lab_lag_sweep.csv",
                       mime="text/csv", key="lab_sweep_csv")  # fmt: skip


@st.cache_data(max_entries=8, show_spinner="Measuring the gradient for each sigma_max …")
def cached_phase(step: float, seq_len: int, hidden_size: int) -> pd.DataFrame:
    products = np.round(np.arange(0.5, 1.5 + 1e-9, step), 4)  # sigma_max * gamma
    frames = [phase_diagram(products / gamma, (act,), seq_len, hidden_size)
              for act, gamma in (("tanh", 1.0), ("sigmoid", 0.25))]  # fmt: skip
    return pd.concat(frames, ignore_index=True)


def phase_view(large_font: bool) -> None:
    st.markdown(_section("phase"))
    a, b, c = st.columns(3)
    step = a.select_slider("Grid step in sigma_max * gamma", [0.2, 0.1, 0.05], value=0.1,
                           key="lab_phase_step")  # fmt: skip
    seq_len = b.slider("Sequence length T", 10, 60, 30, key="lab_phase_T")
    hidden = c.select_slider("Hidden size H", [8, 16, 32], value=32, key="lab_phase_H")
    diagram = cached_phase(float(step), int(seq_len), int(hidden))
    charts.show(phase_diagram_figure(diagram, large_font=large_font), key="lab_phase_fig")
    for act in ("tanh", "sigmoid"):
        crossing = phase_boundary(diagram, act)
        where = f"{crossing:.3f}" if crossing is not None else "outside the grid"
        st.markdown(f"**{act}** (γ = {1.0 if act == 'tanh' else 0.25:g}): the measured rate "
                    f"crosses 0 at σ_max·γ = {where}; Pascanu's boundary is 1 (grid step {step:g}).")  # fmt: skip
    st.download_button("Phase diagram (CSV)", diagram.to_csv(index=False), "lab_phase.csv",
                       mime="text/csv", key="lab_phase_csv")  # fmt: skip


@st.cache_data(max_entries=8, show_spinner="Training twice: without and with clipping …")
def cached_exploding(seed: int, clip: float, lr: float) -> dict:
    runs = exploding_runs(EXPLODING_DEMO.replace(seed=seed, lr=lr), clip=clip)
    return {name: {"history": r.history, "picture": r.gradient_picture, "summary": r.summary()}
            for name, r in runs.items()}  # fmt: skip


def exploding_view(large_font: bool) -> None:
    st.markdown(_section("exploding"))
    a, b, c = st.columns(3)
    clip = a.select_slider("Clip at norm", [0.1, 0.5, 1.0, 5.0], value=1.0, key="lab_clip_at")
    lr = b.select_slider("Learning rate (SGD)", [0.03, 0.1, 0.3], value=0.1, key="lab_clip_lr")
    seed = c.number_input("Seed", 0, 2**31 - 1, 0, key="lab_clip_seed")
    runs = cached_exploding(int(seed), float(clip), float(lr))
    for name, run in runs.items():
        s = run["summary"]
        text = f"{name}: {s['status']} after {s['steps']} steps. {s['message']}"
        if s["status"] == "diverged":  # the expected outcome of this demo: a warning, not an error
            messages.warning(text)
        else:
            st.info(messages.plain(text))
    histories = {name: run["history"] for name, run in runs.items()}
    spec = task_spec(EXPLODING_DEMO.task, EXPLODING_DEMO.lag)
    charts.show(gradient_norm_figure(histories, clip=clip, large_font=large_font), key="lab_x_norm")
    charts.show(training_curves_figure(histories, metric=spec.metric, baseline=spec.baseline,
                                 references=spec.references,
                                       large_font=large_font), key="lab_x_curves")  # fmt: skip
    columns = st.columns(len(runs))
    for column, (name, run) in zip(columns, runs.items(), strict=True):
        with column:
            fig = gradient_picture_figure(run["picture"], title=f"{name}: gradient over t",
                                          large_font=large_font)  # fmt: skip
            charts.show(fig, key=f"lab_x_pic_{name}")
