"""How well the character LSTM's best unit tracks "inside a string literal" on code it never read.

Every held-out standard-library file (`rnnviz.zoo.charlm_data`, about one in eight) is cut into
pieces of 3,000 characters (the first two of each file); each piece is read by the model and every
h and c unit is ranked by its Pearson r with the `string` feature (`rnnviz.tables.rank_units`).
Printed: per piece the best unit and its r, and how many pieces reach |r| >= 0.7.

    PYTHONPATH=$PWD .venv/bin/python benchmarks/zoo_quote_cell.py                      # the shipped model
    PYTHONPATH=$PWD .venv/bin/python benchmarks/zoo_quote_cell.py --models-dir DIR --hidden-size 256

A variant for --models-dir is trained with `rnnviz.zoo.training.train_one("charlm-lstm", seed=S,
out_dir=DIR, steps=N, lr=R)` (and the spec's hidden_size changed for a wider one).
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models-dir", help="a folder holding charlm-lstm.pt / .json")
    parser.add_argument("--hidden-size", type=int, help="the variant's H, if not the spec's")
    parser.add_argument("--chars", type=int, default=3000)
    args = parser.parse_args()

    import rnnviz
    from rnnviz import tables
    from rnnviz.zoo import charlm_data, loading, registry

    if args.models_dir:
        loading.MODELS_DIR = Path(args.models_dir)
    if args.hidden_size:
        spec = registry.SPECS["charlm-lstm"]
        registry.SPECS["charlm-lstm"] = dataclasses.replace(spec, hidden_size=args.hidden_size)
    rows = []
    for path in charlm_data.source_files(held_out=True):
        text = path.read_text(encoding="utf-8", errors="replace")
        for start in (0, args.chars):
            piece = text[start : start + args.chars]
            if len(piece) < 500:
                continue
            trace = rnnviz.unroll(
                piece, model="charlm-lstm", max_tokens=len(piece), max_seconds=900
            )
            inside = tables.unit_features_frame(trace)["string"].to_numpy(float)
            if inside.std() == 0:  # no string in the piece (or all of it one): r is undefined
                continue
            best = (0.0, "")
            for part in ("h", "c"):
                top = tables.rank_units(trace, inside, part=part).iloc[0]
                if top["abs_correlation"] > abs(best[0]):
                    best = (float(top["correlation"]), f"{part}[{int(top['unit'])}]")
            rows.append((path.name, start, *best))
            print(f"{path.name:>16} @{start:>5}  best {best[1]:>7}  r = {best[0]:+.3f}", flush=True)
    reached = sum(abs(r) >= 0.7 for *_, r, _ in rows)
    median = float(np.median([abs(r) for *_, r, _ in rows]))
    print(f"{reached}/{len(rows)} pieces with |r| >= 0.7; median |r| {median:.3f}")


if __name__ == "__main__":
    main()
