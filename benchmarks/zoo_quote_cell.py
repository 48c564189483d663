"""How well the character LSTM's best unit tracks "inside a string literal" on code it never read.

Two sets of code, each piece read by the model from its first character, every h and c unit
ranked by its Pearson r with the `string` feature (`rnnviz.tables.rank_units`):

* held-out: every held-out standard-library file (`rnnviz.zoo.charlm_data`, about one in eight),
  its first --chars characters and --chars more from the first top-level `def`/`class`/`@` line
  after that. (A piece must start outside a string: cut inside a docstring, the feature, which
  reads the text from its first character, would be the exact inverse of the truth.)
* site: code none of us wrote and the model never read, the installed third-party packages
  (`site-packages/*/**.py`, tests left out, files over 4 kB, a seeded shuffle), the first --chars
  characters of the first --files files that have a string in them.

Printed: per piece the best unit and its r, and how many pieces reach |r| >= 0.7.

    PYTHONPATH=$PWD .venv/bin/python benchmarks/zoo_quote_cell.py                      # the shipped model
    PYTHONPATH=$PWD .venv/bin/python benchmarks/zoo_quote_cell.py --models-dir DIR --hidden-size 256

A variant for --models-dir is trained with `rnnviz.zoo.training.train_one("charlm-lstm", seed=S,
out_dir=DIR, steps=N, lr=R)` (and the spec's hidden_size changed for a wider one).
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import sysconfig
from pathlib import Path

import numpy as np


def held_out_pieces(chars: int):
    from rnnviz.zoo import charlm_data

    for path in charlm_data.source_files(held_out=True):
        text = path.read_text(encoding="utf-8", errors="replace")
        second = charlm_data.top_level_start(text, chars)
        for start in (0,) if second is None else (0, second):
            yield f"{path.name} @{start}", text[start : start + chars]


def site_pieces(chars: int):
    site = Path(sysconfig.get_paths()["purelib"])
    files = sorted(
        p
        for p in site.glob("*/**/*.py")
        if "tests" not in p.parts and "test" not in p.parts and p.stat().st_size > 4000
    )
    random.Random(7).shuffle(files)
    for path in files:
        if path.parts[len(site.parts)].startswith(("rnnviz", "explorer")):
            continue  # our own code
        yield (
            str(path.relative_to(site)),
            path.read_text(encoding="utf-8", errors="replace")[:chars],
        )


def best_unit(piece: str):
    """(r, unit) of the h or c unit with the largest |r| with "inside a string", or None."""
    import rnnviz
    from rnnviz import tables

    trace = rnnviz.unroll(piece, model="charlm-lstm", max_tokens=len(piece), max_seconds=900)
    inside = tables.unit_features_frame(trace)["string"].to_numpy(float)
    if inside.std() == 0:  # no string in the piece (or all of it one): r is undefined
        return None
    best = (0.0, "")
    for part in ("h", "c"):
        top = tables.rank_units(trace, inside, part=part).iloc[0]
        if top["abs_correlation"] > abs(best[0]):
            best = (float(top["correlation"]), f"{part}[{int(top['unit'])}]")
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models-dir", help="a folder holding charlm-lstm.pt / .json")
    parser.add_argument("--hidden-size", type=int, help="the variant's H, if not the spec's")
    parser.add_argument("--chars", type=int, default=3000)
    parser.add_argument("--files", type=int, default=40, help="site pieces to score")
    parser.add_argument("--set", choices=("held-out", "site", "both"), default="both")
    args = parser.parse_args()

    from rnnviz.zoo import loading, registry

    if args.models_dir:
        loading.MODELS_DIR = Path(args.models_dir)
    if args.hidden_size:
        spec = registry.SPECS["charlm-lstm"]
        registry.SPECS["charlm-lstm"] = dataclasses.replace(spec, hidden_size=args.hidden_size)
    sets = {"held-out": held_out_pieces, "site": site_pieces}
    for name in sets if args.set == "both" else (args.set,):
        rows = []
        for label, piece in sets[name](args.chars):
            if name == "site" and len(rows) >= args.files:
                break
            if len(piece) < 500:
                continue
            best = best_unit(piece)
            if best is None:
                continue
            rows.append(best[0])
            print(f"{name:>8} {label[:48]:>48}  best {best[1]:>7}  r = {best[0]:+.3f}", flush=True)
        size = np.abs(rows)
        print(
            f"{name}: {int((size >= 0.7).sum())}/{len(rows)} pieces with |r| >= 0.7; "
            f"median |r| {np.median(size):.3f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
