"""The `rnnviz` command: `trace` (tables / graph of one unroll), `ui` (the Streamlit app), `lab`
(train on long-lag tasks) and `serve`.

Exit status: 0 done; 1 the result could not be written (full disk, stdout's encoding, --save);
2 bad input (one line on stderr naming the flag, never a traceback); 130 interrupted.
Nothing heavy is imported before the arguments are parsed: `--help` answers at once.
"""

from __future__ import annotations

import sys

from rnnviz.cli import lab, serve, trace, ui
from rnnviz.cli.output import OutputError, say, silence_stdout
from rnnviz.cli.parser import CliParser

COMMANDS = (trace, ui, lab, serve)  # each module's register(subparsers) adds its subcommand


def build_parser() -> CliParser:
    import rnnviz

    parser = CliParser(
        prog="rnnviz",
        description="See how a recurrent neural network unrolls in time and why its gradients "
        "vanish.",
    )
    parser.add_argument("--version", action="version", version=f"rnnviz {rnnviz.__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS:
        command.register(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script and of `python -m rnnviz`; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return args.func(args)
    except BrokenPipeError:  # e.g. `rnnviz trace ... | head`: the reader left, not an error
        silence_stdout()
        return 0
    except OutputError as exc:
        say(f"rnnviz {args.command}: error: {exc}")
        return 1
    except KeyboardInterrupt:
        return 130
