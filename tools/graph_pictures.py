"""Render the unrolled-graph figures the README shows (docs/figures/graph-*.png) with kaleido.

Usage: python tools/graph_pictures.py [--out docs/figures] [--only NAME ...] [--scale 2]
Each picture is one lecture situation: the LSTM opened at op level, a 41-token Elman sentence, the
bidirectional transducer, the rolled network, the encoder-decoder and lecture mode.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import rnnviz
from explorer.figures import figure_to_bytes, graph_figure, unroll_animation_figure
from rnnviz.graph import build_graph, rolled_graph

SENTENCE = "John lives in Salt Lake City"
LONG_TEXT = (
    "the cat that the dog that the man who lives in Salt Lake City owns chased over the hill "
    "near the old mill by the river where the children play in summer sat on the mat and slept "
    "all day long in the sun"
)


def pictures() -> dict:
    """name -> (figure, width, height) of each picture."""
    lstm = rnnviz.unroll(SENTENCE, cell="lstm", hidden_size=8)
    elman = rnnviz.unroll(LONG_TEXT.split()[:41], cell="elman", hidden_size=8)
    bidir = rnnviz.unroll(SENTENCE, cell="gru", hidden_size=8, bidirectional=True,
                          pattern="transducer")  # fmt: skip
    encdec = rnnviz.unroll(
        "a long way home", cell="elman", hidden_size=8, pattern="encoder-decoder"
    )
    return {
        "lstm-op": graph_figure(build_graph(lstm, level="op"), selected_t=3),
        "elman-41": graph_figure(build_graph(elman), selected_t=41),
        "bidirectional": graph_figure(build_graph(bidir), title="Bidirectional transducer"),
        "rolled": graph_figure(rolled_graph(lstm), title="The network with a loop"),
        "rolled-op": graph_figure(rolled_graph(lstm, level="op"), title="The LSTM with its loops"),
        "encoder-decoder": graph_figure(build_graph(encdec), title="Encoder-decoder"),
        "lecture": graph_figure(build_graph(lstm), large_font=True, selected_t=4),
        "animation": unroll_animation_figure(build_graph(lstm)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="docs/figures")
    parser.add_argument("--only", nargs="*")
    parser.add_argument("--width", type=int, default=1200)
    parser.add_argument("--scale", type=float, default=1.0, help="2 for sharp screenshots")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for name, fig in pictures().items():
        if args.only and name not in args.only:
            continue
        fig.update_layout(width=args.width)
        (out / f"graph-{name}.png").write_bytes(figure_to_bytes(fig, "png", scale=args.scale))
        print(out / f"graph-{name}.png")


if __name__ == "__main__":
    main()
