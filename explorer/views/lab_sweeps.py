"""The Lab's experiment views: lag sweep, phase diagram, exploding gradients with/without clipping.

Results are cached on plain values (st.cache_data, or the shared store for the sweep, whose progress
bar cannot live inside a cached function), so a lecturer can show them again at once.
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
    training_curves_figure,
)
from rnnviz.lab.experiments import (
    EXPLODING_DEMO,
    exploding_runs,
    failing_lag,
    lag_sweep,
    phase_boundary,
    phase_diagram,
)
from rnnviz.lab.tasks import TASKS, task_spec
from rnnviz.lab.train import CELLS, TrainConfig

MAX_SWEEP_RUNS = 40
CELL_LABELS = {"elman": "Elman", "lstm": "LSTM", "gru": "GRU"}


@st.cache_resource(max_entries=1)
def sweep_store() -> OrderedDict:
    return OrderedDict()


def parse_lags(text: str) -> list[int]:
    """'5, 10, 20' -> [5, 10, 20]; raises ValueError with a message a person can act on."""
    parts = [p for p in re.split(r"[,\s]+", text.strip()) if p]
    if not parts:
        raise ValueError("Type the lags as whole numbers separated by commas, e.g. 5, 10, 20, 50.")
    try:
        lags = sorted({int(p) for p in parts})
    except ValueError:
        raise ValueError(
            "Lags must be whole numbers separated by commas, e.g. 5, 10, 20, 50."
        ) from None
    if lags[0] < 2 or lags[-1] > 1000:
        raise ValueError("Every lag must be between 2 and 1000.")
    return lags


def sweep_view(large_font: bool) -> None:
    st.markdown(guidance.section("lab", "sweep"))
    a, b, c, d = st.columns([2, 2, 2, 1])
    task = a.selectbox("Task", TASKS, key="lab_sweep_task")
    cells = b.multiselect("Cells", CELLS, default=["elman", "lstm"], key="lab_sweep_cells",
                          format_func=CELL_LABELS.get)  # fmt: skip
    lags_text = c.text_input("Lags", value="5, 10, 20, 30, 50", key="lab_sweep_lags")
    budget = d.number_input("Seconds per run", 2.0, 300.0, 15.0, step=5.0, key="lab_sweep_budget")
    try:
        lags = parse_lags(lags_text)
    except ValueError as exc:
        messages.error(str(exc))
        return
    if not cells:
        st.info("Pick at least one cell.")
        return
    runs = len(cells) * len(lags)
    if runs > MAX_SWEEP_RUNS:
        messages.error(f"{runs} runs is too many for one sweep: use at most {MAX_SWEEP_RUNS}.")
        return
    key = (task, tuple(cells), tuple(lags), float(budget))
    sweep = sweep_store().get(key)
    if sweep is None:
        st.caption(f"{runs} runs of at most {budget:g} s each: up to {runs * budget / 60:.1f} min.")
        if not st.button("Run the sweep", type="primary", key="lab_sweep_run"):
            return
        sweep = _run_sweep(task, cells, lags, budget)
        sweep_store()[key] = sweep
    spec = task_spec(task, max(lags))
    charts.show(lag_sweep_figure(sweep, metric=spec.metric, success=spec.success,
                                 large_font=large_font), key="lab_sweep_fig")  # fmt: skip
    for cell in cells:
        lag = failing_lag(sweep, cell)
        text = f"fails from lag {lag} on" if lag else "solves every swept lag"
        st.markdown(f"**{CELL_LABELS[cell]}** {text} (budget {budget:g} s per run).")
    st.download_button("Sweep (CSV)", sweep.to_csv(index=False), "lab_lag_sweep.csv",
                       mime="text/csv", key="lab_sweep_csv")  # fmt: skip


def _run_sweep(task: str, cells: list[str], lags: list[int], budget: float) -> pd.DataFrame:
    bar = st.progress(0.0, text="Starting the sweep …")

    def show(index: int, runs: int, row: dict) -> bool:
        bar.progress(index / runs, text=f"{index}/{runs}: {CELL_LABELS[row['cell']]} at lag "
                     f"{row['lag']} {'solved' if row['solved'] else 'not solved'}")  # fmt: skip
        return True

    base = TrainConfig(task=task, budget_seconds=float(budget), max_steps=10**6)
    return lag_sweep(base, cells, lags, on_run=show)


@st.cache_data(max_entries=8, show_spinner="Measuring the gradient for each sigma_max …")
def cached_phase(step: float, seq_len: int, hidden_size: int) -> pd.DataFrame:
    products = np.round(np.arange(0.5, 1.5 + 1e-9, step), 4)  # sigma_max * gamma
    frames = [phase_diagram(products / gamma, (act,), seq_len, hidden_size)
              for act, gamma in (("tanh", 1.0), ("sigmoid", 0.25))]  # fmt: skip
    return pd.concat(frames, ignore_index=True)


def phase_view(large_font: bool) -> None:
    st.markdown(guidance.section("lab", "phase"))
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
    st.markdown(guidance.section("lab", "exploding"))
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
