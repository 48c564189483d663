"""The Lab's figures: trace types, heatmap shapes, axis titles and reference lines."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from explorer.figures.lab import (
    gradient_norm_figure,
    gradient_picture_figure,
    lag_sweep_figure,
    phase_diagram_figure,
    success_rate_figure,
    training_curves_figure,
)


def history(values: list[float]) -> pd.DataFrame:
    steps = [50 * (i + 1) for i in range(len(values))]
    return pd.DataFrame(
        {"step": steps, "metric": values, "grad_norm": [1.0, math.inf, 3.0][: len(values)]}
    )


def test_training_curves_have_one_line_per_run_and_the_baseline():
    fig = training_curves_figure({"Elman": history([0.17, 0.16, 0.17]), "LSTM": history([0.17, 0.05, 0.004])},
                                 metric="mse", baseline=1 / 6, success=0.01,
                                 references={"knows only the later number": 1 / 12})  # fmt: skip
    assert [t.name for t in fig.data] == ["Elman", "LSTM"]
    assert list(fig.data[1].y) == [0.17, 0.05, 0.004]
    assert fig.layout.yaxis.type == "log" and fig.layout.yaxis.title.text == "held-out MSE"
    assert fig.layout.xaxis.title.text == "training step"
    lines = [s.y0 for s in fig.layout.shapes]
    assert 1 / 6 in lines and 0.01 in lines and 1 / 12 in lines


def test_gradient_picture_is_steps_by_t_with_exact_zeros_blank():
    def value(step: int, t: int) -> float:
        return -math.inf if step == 0 and t < 3 else -float(10 - t)  # exactly 0 at the start

    rows = [
        {"step": s, "t": t, "log10_grad_norm": value(s, t)} for s in (0, 100) for t in range(1, 11)
    ]
    fig = gradient_picture_figure(pd.DataFrame(rows))
    heat = fig.data[0]
    assert heat.type == "heatmap" and np.asarray(heat.z).shape == (2, 10)
    assert list(heat.x) == list(range(1, 11)) and list(heat.y) == [0, 100]
    assert np.isnan(np.asarray(heat.z, dtype=float)[0, :2]).all()  # -inf shown blank, with a note
    assert "exactly 0" in fig.layout.annotations[-1].text
    assert fig.layout.xaxis.title.text.startswith("time step t")
    assert heat.colorbar.title.text == "log10 ‖∂L/∂<b>s</b><sub>t</sub>‖"
    assert np.asarray(heat.z, dtype=float)[1, 0] == -9.0 and (heat.zmin, heat.zmax) == (-9.0, 0.0)


def test_gradient_norm_leaves_a_gap_at_inf_and_draws_the_threshold():
    fig = gradient_norm_figure({"no clipping": history([1.0, 2.0, 3.0])}, clip=1.0)
    y = np.asarray(fig.data[0].y, dtype=float)
    assert y[0] == 1.0 and np.isnan(y[1])
    assert fig.layout.yaxis.type == "log" and fig.layout.shapes[0].y0 == 1.0


def test_lag_sweep_marks_solved_and_failed_runs():
    sweep = pd.DataFrame({"cell": ["elman", "elman", "lstm", "lstm"], "lag": [10, 50, 10, 50],
                          "metric": [0.005, 0.17, 0.004, 0.006], "solved": [True, False, True, True],
                          "baseline": [1 / 6] * 4})  # fmt: skip
    fig = lag_sweep_figure(sweep, metric="mse", success=0.01)
    elman = fig.data[0]
    assert elman.name == "elman" and list(elman.x) == [10, 50]
    assert list(elman.marker.symbol) == ["circle", "circle-open"]
    assert fig.layout.xaxis.title.text.startswith("lag")


def test_success_rates_are_drawn_with_their_counts():
    rates = pd.DataFrame({"cell": ["elman", "elman", "lstm", "lstm"], "lag": [100, 10] * 2,
                          "rate": [0.0, 1.0, 1.0, 1.0],
                          "label": ["0/10", "10/10", "10/10", "10/10"]})  # fmt: skip
    fig = success_rate_figure(rates)
    elman, lstm = fig.data
    assert list(elman.x) == [10, 100] and list(elman.y) == [1.0, 0.0]
    assert list(elman.text) == ["10/10", "0/10"] and lstm.name == "lstm"
    assert fig.layout.yaxis.tickformat == ".0%"


def test_phase_diagram_has_the_regime_map_and_pascanus_line():
    diagram = pd.DataFrame({
        "activation": ["tanh"] * 3 + ["sigmoid"] * 3, "sigma_gamma": [0.5, 1.0, 1.5] * 2,
        "sigma_max": [0.5, 1.0, 1.5, 2.0, 4.0, 6.0], "measured_rate": [-0.3, 0.0, 0.12, -0.3, 0.0, 0.13],
        "pascanu_rate": [np.log10(v) for v in [0.5, 1.0, 1.5] * 2],
    })  # fmt: skip
    fig = phase_diagram_figure(diagram)
    heat = fig.data[0]
    assert (
        heat.type == "heatmap"
        and np.asarray(heat.z).shape == (2, 3)
        and list(heat.y) == ["tanh", "sigmoid"]
    )
    assert heat.zmid == 0.0
    names = [t.name for t in fig.data[1:]]
    assert names == ["measured, tanh", "measured, sigmoid", "Pascanu: log10(γ·σ<sub>max</sub>)"]
    assert fig.layout.xaxis.title.text == "σ<sub>max</sub>(W<sub>hh</sub>)·γ"
    assert any(s.x0 == 1.0 for s in fig.layout.shapes)  # the boundary


def test_pictures_share_one_colour_range():
    from explorer.figures.lab import picture_range

    a = pd.DataFrame({"step": [0, 0], "t": [1, 2], "log10_grad_norm": [-12.3, -0.2]})
    b = pd.DataFrame({"step": [0, 0], "t": [1, 2], "log10_grad_norm": [-math.inf, 0.4]})
    assert picture_range([a, b]) == (-13.0, 1.0)
    fig = gradient_picture_figure(b, z_range=(-13.0, 1.0))
    assert (fig.data[0].zmin, fig.data[0].zmax) == (-13.0, 1.0)
