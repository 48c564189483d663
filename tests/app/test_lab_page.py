"""The Lab page in AppTest: train live and stop mid-run, a step budget that is too small, a finished
run with exports and the hand-over to the explorer, preset 1 starting the lecture's demo, the other
presets' views, and a sweep over seeds on local Dask workers with its rates."""

from __future__ import annotations

import pytest

from explorer.pages.lab import PRESETS
from rnnviz.lab.train import TrainConfig
from tests.support.app_support import charts, heatmaps, open_app, texts

# Training tests run on one torch thread (as the server and benchmarks do): faster on 2 cores.
pytestmark = pytest.mark.usefixtures("torch_one_thread")


def no_exception(at) -> None:
    assert not at.exception, [e.value for e in at.exception]


def test_page_shows_presets_and_views():
    at = open_app("lab")
    no_exception(at)
    assert at.title[0].value.startswith("Lab")
    labels = [b.label for b in at.button]
    assert all(name in labels for name in PRESETS) and "Train" in labels and "Stop" in labels
    assert at.button(key="lab_stop_button").disabled  # nothing to stop yet
    assert any("three demos" in text for text in texts(at, "markdown"))


def test_training_runs_live_and_stops_mid_run():
    at = open_app("lab")
    at.button(key="lab_start").click().run()  # the demo: adding, lag 100, Elman + LSTM
    no_exception(at)
    run = at.session_state["lab_run"]
    trainers = run["trainers"]
    assert set(trainers) == {"elman", "lstm"} and not any(t.done for t in trainers.values())
    assert at.get("progress"), "a progress bar while training"
    assert len(charts(at)) == 4  # curves, two gradient pictures, gradient norm
    assert not at.button(key="lab_stop_button").disabled
    steps_before = {c: t.steps for c, t in trainers.items()}
    at.button(key="lab_stop_button").click().run()
    no_exception(at)
    results = at.session_state["lab_run"]["results"]
    assert {c: r.status for c, r in results.items()} == {"elman": "stopped", "lstm": "stopped"}
    assert all(results[c].steps >= steps_before[c] for c in results)
    assert all(r.steps < r.config.max_steps for r in results.values()), "stopped before the end"
    assert sum("Stopped with the Stop button" in t for t in texts(at, "info")) == 2


def test_preset_one_starts_the_lecture_demo_with_one_click():
    at = open_app("lab", state={"lab_view": "Phase diagram", "lab_lag": 7})
    at.button(key="lab_preset_0").click().run()
    no_exception(at)
    assert at.session_state["lab_view"] == "Train"
    trainers = at.session_state["lab_run"]["trainers"]
    # exactly the CLI's defaults, which docs/lab-results.md measured over seeds
    assert {c: t.config for c, t in trainers.items()} == {
        "elman": TrainConfig(cell="elman"), "lstm": TrainConfig(cell="lstm")
    }  # fmt: skip
    assert all(t.steps > 0 and not t.done for t in trainers.values()), "it is training"
    assert at.get("progress") and len(charts(at)) == 4
    at.button(key="lab_stop_button").click().run()
    assert {r.status for r in at.session_state["lab_run"]["results"].values()} == {"stopped"}


def test_a_budget_that_is_too_small_is_refused_with_a_message():
    at = open_app("lab", state={"lab_steps": 20})
    at.button(key="lab_start").click().run()
    no_exception(at)
    assert any("too small" in w and "at least 100 steps" in w for w in texts(at, "warning"))
    assert "lab_run" not in at.session_state


def test_finished_run_exports_and_goes_to_the_explorer():
    state = {"lab_task": "copy", "lab_cells": ["gru"], "lab_lag": 3, "lab_steps": 2000,
             "lab_hidden": 16, "lab_seed": 11}  # fmt: skip
    at = open_app("lab", state=state)
    at.button(key="lab_start").click().run()
    for _ in range(40):
        if "results" in at.session_state["lab_run"]:
            break
        at.run()
    no_exception(at)
    result = at.session_state["lab_run"]["results"]["gru"]
    assert result.status == "solved" and result.solved
    assert any("GRU: final accuracy" in s for s in texts(at, "success"))
    labels = [d.label for d in at.get("download_button")]
    assert labels == ["History (CSV)", "Gradient pictures (CSV)", "GRU state_dict (.pt)"]
    at.button(key="lab_explore_gru").click().run()
    no_exception(at)
    own = at.session_state["own_model"]
    assert own["config"]["cell"] == "gru" and own["config"]["hidden_size"] == 16
    assert set(at.session_state["uploaded_state_dict"]["state_dict"]) >= {"weight_hh_l0"}
    at.button(key="lab_start").click().run()  # same settings again: shown from the store at once
    assert any("store of finished runs" in c for c in texts(at, "caption"))
    assert at.session_state["lab_run"]["cached"]


def test_phase_preset_draws_the_phase_diagram():
    at = open_app("lab")
    at.button(key="lab_preset_1").click().run()
    no_exception(at)
    assert at.session_state["lab_view"] == "Phase diagram"
    heat = heatmaps(at)[0]
    assert list(heat["y"]) == ["tanh", "sigmoid"] and len(heat["x"]) == 11  # 0.5 .. 1.5 by 0.1
    lines = [t for t in texts(at, "markdown") if "crosses 0" in t]
    assert len(lines) == 2 and all("= 1.0" in line for line in lines)


def test_exploding_preset_shows_the_divergence_and_the_clipped_run():
    at = open_app("lab")
    at.button(key="lab_preset_2").click().run()
    no_exception(at)
    assert any("Exploding gradient detected" in w for w in texts(at, "warning"))
    assert any(i.startswith("clip at 1: steps after 600 steps") for i in texts(at, "info"))
    names = [t["name"] for t in charts(at)[0]["data"]]
    assert names == ["no clipping", "clip at 1"]


def test_lag_sweep_refuses_bad_lags_and_runs_a_small_sweep_on_local_workers():
    at = open_app("lab", state={"lab_view": "Lag sweep"})
    at.text_input(key="lab_sweep_lags").set_value("5, ten").run()
    assert any("whole numbers" in e for e in texts(at, "error"))
    at.selectbox(key="lab_sweep_task").set_value("copy")
    at.multiselect(key="lab_sweep_cells").set_value(["gru"])
    at.number_input(key="lab_sweep_seeds").set_value(2)
    at.number_input(key="lab_sweep_steps").set_value(40)
    at.number_input(key="lab_sweep_workers").set_value(2)
    at.text_input(key="lab_sweep_lags").set_value("2, 3").run()
    assert any("4 runs of at most 40 steps each, on 2 local worker" in c
               for c in texts(at, "caption"))  # fmt: skip
    # Starting two Dask worker processes takes a while on a loaded 2-core box.
    at.button(key="lab_sweep_run").click().run(timeout=300)
    no_exception(at)
    rates_fig, sweep_fig = charts(at)
    assert list(rates_fig["data"][0]["x"]) == [2, 3] and list(sweep_fig["data"][0]["x"]) == [2, 3]
    assert all(label.endswith("/2") for label in rates_fig["data"][0]["text"])
    lines = [t for t in texts(at, "markdown") if t.startswith("**GRU solves")]
    assert len(lines) == 1 and "/2 at lag 2" in lines[0] and "/2 at lag 3" in lines[0]
    assert at.get("progress"), "the progress bar of the finished sweep"


def test_sweep_names_a_bad_cluster_address(monkeypatch):
    monkeypatch.setenv("RNNVIZ_CLUSTER", "not-an-address")
    at = open_app("lab", state={"lab_view": "Lag sweep"})
    no_exception(at)
    assert any("RNNVIZ_CLUSTER must be a Dask scheduler address" in e
               for e in texts(at, "error"))  # fmt: skip
