"""`rnnviz trace`: unroll a sentence and print its tables (JSON or CSV) or its graph (JSON).

rnnviz trace --text "John lives in Salt Lake City" --cell lstm --hidden-size 16 --format csv
echo "a b c" | rnnviz trace --text-file - --cell elman --table all
rnnviz trace --text "a b c" --graph op > graph.json

The engine (torch) is imported in `run`, not here: building the parser must stay instant.
"""

from __future__ import annotations

import argparse
import json
import warnings

from rnnviz.cli.output import say, write_stdout
from rnnviz.cli.parser import fail
from rnnviz.cli.textfile import MAX_TEXT_BYTES, read_text_file
from rnnviz.config import ACTIVATIONS, CELLS, INITS, PATTERNS, TOKENIZERS, UnrollConfig
from rnnviz.errors import RnnvizError

PROG = "rnnviz trace"
TABLE_NAMES = ("gradient_flow", "states", "gates", "outputs", "singular_values")
DEFAULTS = UnrollConfig()
# (flag, UnrollConfig field, type, help); choices are checked by the engine, whose message lists them.
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
# engine field -> flag, so an RnnvizError names what the user typed
FLAGS = {field: flag for flag, field, _, _ in OPTIONS} | {"bidirectional": "--bidirectional"}


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
    cap_mb = MAX_TEXT_BYTES // (1024 * 1024)
    source.add_argument("--text-file", metavar="PATH",
                        help=f"read the text from a regular UTF-8 file, or '-' for stdin "
                        f"(at most {cap_mb} MB)")  # fmt: skip
    for flag, field, kind, text in OPTIONS:
        default = getattr(DEFAULTS, field)
        shown = "off" if default is None else default
        metavar = {int: "N", float: "X", str: "NAME"}[kind]
        # argparse's default stays None: only the flags given reach the engine.
        help_text = f"{text} (default: {shown})"
        p.add_argument(flag, dest=field, type=kind, default=None, metavar=metavar, help=help_text)
    p.add_argument("--bidirectional", action="store_true", default=None, help="add a backward RNN")
    p.add_argument("--table", default=None, choices=(*TABLE_NAMES, "all"),
                   help="which table to print ('all' needs JSON; default: gradient_flow)")  # fmt: skip
    p.add_argument("--graph", choices=("cell", "op"), default=None,
                   help="print the unrolled graph (node-link JSON) at this level instead (default: tables)")  # fmt: skip
    p.add_argument("--format", choices=("json", "csv"), default=None, help="(default: json)")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    """Unroll and print; 2 with a one-line message on stderr for bad input."""
    import rnnviz  # the engine: torch, numpy, pandas

    try:
        _check_output_choice(args)
        text = args.text if args.text is not None else read_text_file(args.text_file)
        fields = {field: getattr(args, field) for _, field, _, _ in OPTIONS}
        fields["bidirectional"] = args.bidirectional
        fields = {name: value for name, value in fields.items() if value is not None}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", rnnviz.NumericalWarning)  # reported below, once
            trace = rnnviz.unroll(text, **fields)
    except RnnvizError as exc:
        return fail(PROG, exc, FLAGS)
    for message in trace.warnings:
        say(f"{PROG}: warning: {' '.join(str(message).split())}")
    write_stdout(render(trace, args))
    return 0


def render(trace, args: argparse.Namespace) -> str:
    """The whole output as one string, so it is checked and written at once."""
    if args.graph is not None:
        from rnnviz.graph import build_graph, graph_to_json

        return graph_to_json(build_graph(trace, args.graph)) + "\n"
    if (args.format or "json") == "csv":
        return _tables()[args.table](trace).to_csv(index=False)
    return _json_report(trace, args.table) + "\n"


def _tables() -> dict:
    from rnnviz import tables

    return {
        "gradient_flow": lambda trace: trace.gradient_flow,
        "states": tables.states_frame,
        "gates": tables.gates_frame,
        "outputs": tables.outputs_frame,
        "singular_values": tables.singular_values_frame,
    }


def _check_output_choice(args: argparse.Namespace) -> None:
    if args.graph is not None and args.format == "csv":
        raise RnnvizError("--graph prints node-link JSON: drop --format csv.")
    if args.graph is not None and args.table is not None:  # one or the other is printed
        raise RnnvizError("--graph prints the graph instead of a table: drop --table.")
    if args.table is None:
        args.table = "gradient_flow"
    if args.format == "csv" and args.table == "all":
        raise RnnvizError("CSV holds one table: pick --table gradient_flow, states, gates, ...")


def _json_report(trace, table: str) -> str:
    """{"config", "summary", "tokens", "tables": {name: records}}; NaN -> null, inf -> "Infinity"."""
    from rnnviz.graph.node_link import to_plain
    from rnnviz.tables import summary

    makers = _tables()
    names = list(TABLE_NAMES) if table == "all" else [table]
    report = {
        "config": trace.config.to_dict(),
        "summary": summary(trace),
        "tokens": list(trace.tokens),
        "tables": {name: makers[name](trace).to_dict(orient="records") for name in names},
    }

    def scalar(value):  # numpy scalars that pandas leaves in records -> Python numbers
        if hasattr(value, "item"):
            return to_plain(value.item())
        raise TypeError(f"not JSON serialisable: {type(value).__name__}")

    return json.dumps(to_plain(report), allow_nan=False, ensure_ascii=False, default=scalar)
