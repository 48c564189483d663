"""Measure the shipped zoo for docs/zoo.md: accuracy, bits per character, the units found, and what
training did to the gradient's reach (trained vs the same architecture at random init).

    PYTHONPATH=$PWD .venv/bin/python tools/zoo_report.py      # markdown on stdout, PNGs in docs/figures

Held-out text: the 30 hand-written tagged sentences of tests/support/zoo_sentences.py (joined, for
the taggers) and a piece of a held-out standard-library file (for the character LMs). The random
network reads the trained model's own x_t and is scored on the same targets, so only R and O differ.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

import explorer.figures as F  # noqa: E402
import rnnviz  # noqa: E402
import rnnviz.zoo as zoo  # noqa: E402
from rnnviz import tables  # noqa: E402
from rnnviz.zoo.charlm_data import read_text, source_files, top_level_start  # noqa: E402
from tests.support.zoo_sentences import HANDWRITTEN, parse  # noqa: E402
from tests.zoo.test_zoo_units import CODE  # noqa: E402

FIGURES = ROOT / "docs" / "figures"
LM_PIECE = slice(100_000, 100_400)  # 400 characters of the held-out files


def held_out_text(name: str) -> tuple[list[str], list]:
    if name.startswith("tagger"):
        tokens, tags = [], []
        for marked in HANDWRITTEN:
            more_tokens, more_tags = parse(marked)
            tokens += more_tokens
            tags += more_tags
        return tokens, tags
    text = read_text(source_files(held_out=True))[LM_PIECE]
    return list(text), list(text[1:]) + [None]


def reach(name: str) -> tuple[dict, object, object]:
    """Decay rate and log10 ||dL/ds_1||, trained vs random init, on the same held-out text."""
    tokens, gold = held_out_text(name)
    model = zoo.load(name)
    if gold[-1] is None:  # an LM's last position: nothing follows, keep its own prediction
        gold[-1] = rnnviz.unroll(tokens, model=name).predictions[-1]
    trained = rnnviz.unroll(tokens, model=name, targets=gold)
    s = model.spec
    random = rnnviz.unroll(
        trained.inputs,
        cell=s.cell,
        hidden_size=s.hidden_size,
        input_size=s.input_size,
        bidirectional=s.bidirectional,
        pattern="transducer",
        output_size=len(model.labels),
        seed=0,
        targets=[int(t) for t in trained.targets],
    )
    row = {"model": name, "T": trained.seq_len}
    for label, trace in (("trained", trained), ("random", random)):
        flow = trace.flow("forward")
        row[f"{label}_decay"] = tables.decay_rate(trace)
        row[f"{label}_grad_s1"] = float(flow["log10_grad_norm"].iloc[0])
        row[f"{label}_jac_s1"] = float(flow["log10_jacobian_norm"].iloc[0])
        row[f"{label}_loss_per_token"] = trace.loss / trace.seq_len
    return row, trained, random


def accuracy(name: str) -> float:
    right = total = 0
    for marked in HANDWRITTEN:
        tokens, gold = parse(marked)
        pred = rnnviz.unroll(tokens, model=name).predictions
        right += sum(p == g for p, g in zip(pred, gold, strict=True))
        total += len(gold)
    return right / total


def units(name: str) -> list[str]:
    trace = rnnviz.unroll(CODE, model=name)
    text = read_text(source_files(held_out=True))
    start = top_level_start(text, 200_000)
    held = rnnviz.unroll(text[start : start + 3000], model=name)
    lines = []
    for feature in (
        "string",
        "comment",
        "string_or_comment",
        "bracket_depth",
        "indent",
        "identifier",
    ):
        for part in ("h", "c") if trace.c is not None else ("h",):
            best = tables.rank_units(trace, feature, part=part).iloc[0]
            on_held = tables.rank_units(held, feature, part=part)
            again = on_held[on_held["unit"] == best["unit"]]["correlation"].iloc[0]
            lines.append(
                f"| {name} | {feature} | {part}[{int(best['unit'])}] | {best['correlation']:+.2f} "
                f"| {again:+.2f} |"
            )
    return lines


def main() -> None:
    FIGURES.mkdir(parents=True, exist_ok=True)
    print(
        "| model | held-out (training metrics) | hand-written accuracy | training s |\n|---|---|---|---|"
    )
    for name in zoo.names():
        m = zoo.load(name)
        metric = (
            f"token acc {m.metrics['held_out_token_accuracy']:.4f}, entity tokens {m.metrics['held_out_entity_token_accuracy']:.4f}"
            if name.startswith("tagger")
            else f"{m.metrics['held_out_bits_per_char']:.3f} bits/char"
        )
        hand = f"{accuracy(name):.4f}" if name.startswith("tagger") else "-"
        print(f"| {name} | {metric} | {hand} | {m.training['seconds']} |")
    print(
        "\n| model | T | decay trained | decay random | log10‖∂L/∂s_1‖ trained | random | log10‖∂s_T/∂s_1‖ trained | random |"
    )
    print("|---|---|---|---|---|---|---|---|")
    flows = {}
    for name in zoo.names():
        row, trained, random = reach(name)
        print(
            f"| {name} | {row['T']} | {row['trained_decay']:+.3f} | {row['random_decay']:+.3f} | "
            f"{row['trained_grad_s1']:.1f} | {row['random_grad_s1']:.1f} | "
            f"{row['trained_jac_s1']:.1f} | {row['random_jac_s1']:.1f} |"
        )
        if name.startswith("charlm"):
            flows[f"{name} trained"] = trained.gradient_flow
            flows[f"{name} random"] = random.gradient_flow
        if name == "charlm-lstm":
            for label, trace in (("trained", trained), ("random", random)):
                fig = F.gradient_flow_figure(trace.gradient_flow)
                fig.update_layout(title=f"{name}, {label}: 400 held-out characters")
                (FIGURES / f"zoo-{name}-{label}.png").write_bytes(
                    F.figure_to_bytes(fig, "png", width=900, height=420)
                )
    for kind in ("trained", "random"):
        fig = F.compare_figure(
            {k.split()[0].split("-")[1]: v for k, v in flows.items() if k.endswith(kind)}
        )
        fig.update_layout(title=f"Character LMs, {kind}: log10 norms on 400 held-out characters")
        (FIGURES / f"zoo-charlm-compare-{kind}.png").write_bytes(
            F.figure_to_bytes(fig, "png", width=1100, height=420)
        )
    print(
        "\n| model | feature | unit | correlation (test code) | same unit, held-out file |\n|---|---|---|---|---|"
    )
    for name in zoo.names():
        if name.startswith("charlm"):
            print("\n".join(units(name)))
    trace = rnnviz.unroll(
        " ".join(" ".join(parse(m)[0]) for m in HANDWRITTEN[:10]), model="tagger-lstm"
    )
    for feature in ("person", "place"):
        for direction in ("forward", "backward"):
            best = tables.rank_units(trace, feature, direction=direction).iloc[0]
            print(
                f"| tagger-lstm | {feature} | h[{int(best['unit'])}] {direction} | {best['correlation']:+.2f} | |"
            )
    _ = np


if __name__ == "__main__":
    main()
