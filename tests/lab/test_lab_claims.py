"""The lecture's claims are success rates over at least 10 seeds, and the demo they describe is the
one the CLI and the Lab page's preset 1 run (TrainConfig's defaults)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rnnviz.cli.lab import DEFAULTS, register
from rnnviz.lab.train import TrainConfig

ROOT = Path(__file__).resolve().parents[2]
RATE = re.compile(r"Elman(?: RNN)? solves \**(\d+)/(\d+)\**[^.]*?LSTM \**(\d+)/(\d+)")


def lab_section(text: str) -> str:
    start = text.index("## The vanishing-gradient lab")
    return text[start : text.index("\n## ", start + 1)]


def cli_description() -> str:
    import argparse

    parser = argparse.ArgumentParser()
    return register(parser.add_subparsers()).description


@pytest.mark.parametrize(
    "where",
    ["README.md", "docs/lab-results.md", "assets/lab.md", "cli"],
)
def test_the_demo_claim_is_a_rate_over_ten_seeds_or_more(where):
    if where == "cli":
        text = cli_description()
    else:
        text = (ROOT / where).read_text(encoding="utf-8")
        text = lab_section(text) if where == "README.md" else text
    claims = RATE.findall(text.replace("\n", " "))
    assert claims, f"{where} states no 'Elman solves k/n ... LSTM k/n' rate"
    for elman, n_elman, lstm, n_lstm in claims:
        assert int(n_elman) >= 10 and int(n_lstm) >= 10, "a claim over fewer than 10 seeds"
        assert int(elman) <= 0.1 * int(n_elman) and int(lstm) >= 0.9 * int(n_lstm)


def test_no_claim_is_left_from_the_wall_clock_version():
    readme = lab_section((ROOT / "README.md").read_text(encoding="utf-8"))
    assert "fails from lag 50 on" not in readme and "120 s" not in readme
    assert "lag 100" in readme and "6,000 steps" in readme


def test_the_cli_defaults_are_the_demo():
    assert TrainConfig() == DEFAULTS
    assert (DEFAULTS.lag, DEFAULTS.max_steps) == (100, 6000)
