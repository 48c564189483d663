"""`rnnviz trace`: unroll a sentence and print its tables (JSON or CSV) or its graph (JSON).

rnnviz trace --text "John lives in Salt Lake City" --cell lstm --hidden-size 16 --format csv
echo "a b c" | rnnviz trace --text-file - --cell elman --table all
rnnviz trace --text "a b c" --graph op > graph.json
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from pathlib import Path

import rnnviz
from rnnviz.config import ACTIVATIONS, CELLS, INITS, PATTERNS, TOKENIZERS, UnrollConfig
from rnnviz.errors import RnnvizError
from rnnviz.graph import build_graph, graph_to_json
from rnnviz.graph.node_link import to_plain
from rnnviz.tables import (
    gates_frame,
    outputs_frame,
    singular_values_frame,
    states_frame,
    summary,
)

TABLES = {
    "gradient_flow": lambda trace: trace.gradient_flow,
    "states": states_frame,
    "gates": gates_frame,
    "outputs": outputs_frame,
    "singular_values": singular_values_frame,
}
DEFAULTS = UnrollConfig()
# (flag, UnrollConfig field, type, help); type None = a choice checked by the engine's message.
OPTIONS = (
    ("--cell", "cell", str, f"the recurrence R: {', '.join(CELLS)}"),
    ("--hidden-size", "hidden_size", int, "H, units per layer and direction"),
    ("--input-size", "input_size", int, "D, size of each embedding x_t"),
    ("--layers", "num_layers", int, "stacked layers"),
    ("--seed", "seed", int, "decides the weights, embeddings and default targets"),
    ("--activation", "activation", str, f"Elman's nonlinearity: {', '.join(ACTIVATIONS)}"),
    ("--init", "init", str, f"initialisation: {', '.join(INITS)}"),
    ("--init-scale", "init_scale", float, "multiplies every W_hh block after init"),
    ("--spectral-radius", "spectral_radius", float, "rescale W_hh blocks to this spectral radius"),
    ("--sigma-max", "sigma_max", float, "rescale W_hh blocks to this largest singular value"),
    ("--forget-bias", "forget_bias", float, "LSTM forget-gate bias"),
    ("--pattern", "pattern", str, f"where the loss attaches: {', '.join(PATTERNS)}"),
    ("--output-size", "output_size", int, "classes predicted by O"),
    ("--tokenize", "tokenize", str, f"split the text into: {', '.join(TOKENIZERS)}"),
    ("--max-tokens", "max_tokens", int, "refuse longer inputs"),
    ("--max-seconds", "max_seconds", float, "refuse runs estimated to take longer"),
)


def register(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the `trace` subcommand (handler stored as `func`, returns the exit code)."""
    p = subparsers.add_parser(
        "trace",
        help="unroll a sentence and print its tables or graph",
        description="Unroll s_t = R(s_{t-1}, x_t), y_t = O(s_t) over a sentence and print the "
        "trace's tables (JSON: config, summary and tables as records; CSV: one table) or, with "
        "--graph, the unrolled computation graph as node-link JSON.",
    )
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--text", help="the sentence to unroll")
    source.add_argument(
        "--text-file", metavar="PATH", help="read the text from a file ('-': stdin)"
    )
    for flag, field, kind, text in OPTIONS:
        default = getattr(DEFAULTS, field)
        shown = "off" if default is None else default
        metavar = {int: "N", float: "X", str: "NAME"}[kind]
        help_text = f"{text} (default {shown})"
        p.add_argument(flag, dest=field, type=kind, default=None, metavar=metavar, help=help_text)
    p.add_argument("--bidirectional", action="store_true", default=None, help="add a backward RNN")
    p.add_argument("--table", default="gradient_flow", choices=(*TABLES, "all"),
                   help="which table to print (default gradient_flow; 'all' needs JSON)")  # fmt: skip
    p.add_argument("--graph", choices=("cell", "op"), default=None,
                   help="print the unrolled graph (node-link JSON) at this level instead")  # fmt: skip
    p.add_argument("--format", choices=("json", "csv"), default=None, help="default json")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    """Unroll and print; 2 with a one-line message on stderr for bad input."""
    try:
        _check_output_choice(args)
        text = _read_text(args)
        fields = {field: getattr(args, field) for _, field, _, _ in OPTIONS}
        fields["bidirectional"] = args.bidirectional
        fields = {name: value for name, value in fields.items() if value is not None}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", rnnviz.NumericalWarning)  # reported below, once
            trace = rnnviz.unroll(text, **fields)
    except RnnvizError as exc:
        print(f"rnnviz trace: error: {_one_line(exc)}", file=sys.stderr)
        return 2
    for message in trace.warnings:
        print(f"rnnviz trace: warning: {_one_line(message)}", file=sys.stderr)
    if args.graph is not None:
        sys.stdout.write(graph_to_json(build_graph(trace, args.graph)) + "\n")
    elif (args.format or "json") == "csv":
        TABLES[args.table](trace).to_csv(sys.stdout, index=False)
    else:
        sys.stdout.write(_json_report(trace, args.table) + "\n")
    return 0


def _check_output_choice(args: argparse.Namespace) -> None:
    if args.graph is not None and args.format == "csv":
        raise RnnvizError("--graph prints node-link JSON: drop --format csv.")
    if args.format == "csv" and args.table == "all":
        raise RnnvizError("CSV holds one table: pick --table gradient_flow, states, gates, ...")


def _read_text(args: argparse.Namespace) -> str:
    """--text as given, or the file / stdin named by --text-file (UTF-8)."""
    if args.text is not None:
        return args.text
    try:
        if args.text_file == "-":
            return sys.stdin.read()
        return Path(args.text_file).read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise RnnvizError(f"--text-file: no such file {args.text_file!r}.") from exc
    except UnicodeDecodeError as exc:
        raise RnnvizError(f"--text-file: {args.text_file!r} is not UTF-8 text.") from exc
    except OSError as exc:
        raise RnnvizError(f"--text-file: cannot read {args.text_file!r} ({exc.strerror}).") from exc


def _json_report(trace: rnnviz.Trace, table: str) -> str:
    """{"config", "summary", "tokens", "tables": {name: records}}; NaN -> null, inf -> "Infinity"."""
    names = list(TABLES) if table == "all" else [table]
    report = {
        "config": trace.config.to_dict(),
        "summary": summary(trace),
        "tokens": list(trace.tokens),
        "tables": {name: TABLES[name](trace).to_dict(orient="records") for name in names},
    }
    return json.dumps(to_plain(report), allow_nan=False, ensure_ascii=False, default=_scalar)


def _scalar(value):
    """numpy scalars that pandas leaves in records -> Python numbers."""
    if hasattr(value, "item"):
        return to_plain(value.item())
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _one_line(message) -> str:
    return " ".join(str(message).split())
