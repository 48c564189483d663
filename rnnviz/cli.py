"""The `rnnviz` command: `trace` (tables / graph of one unroll), `ui` (the Streamlit app), `lab`.

Every failure a user can cause ends with exit status 2 and one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import rnnviz
from rnnviz import cli_trace
from rnnviz.errors import RnnvizError

DEFAULT_HOST = "127.0.0.1"  # a classroom laptop should not serve the whole network by accident
DEFAULT_PORT = 8501


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rnnviz",
        description="See how a recurrent neural network unrolls in time and why its gradients "
        "vanish.",
    )
    parser.add_argument("--version", action="version", version=f"rnnviz {rnnviz.__version__}")
    commands = parser.add_subparsers(dest="command", metavar="{trace,ui,lab}")
    cli_trace.register(commands)
    _register_ui(commands)
    _register_lab(commands)
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
        # Python's documented recipe: point stdout at devnull so the flush at exit stays quiet.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        return 130


def _register_ui(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser(
        "ui",
        help="start the Streamlit app",
        description="Run the rnnviz Streamlit app (python -m streamlit run streamlit_app.py). "
        f"It listens on {DEFAULT_HOST} unless --host says otherwise.",
    )
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"default {DEFAULT_PORT}")
    p.add_argument("--host", default=DEFAULT_HOST, help=f"address to bind, default {DEFAULT_HOST}")
    p.add_argument("--headless", action="store_true", help="do not open a browser window")
    p.set_defaults(func=run_ui)


def ui_command(port: int, host: str, headless: bool = False) -> list[str]:
    """The streamlit command line `rnnviz ui` runs (checked: app found, port in range)."""
    if not 1 <= port <= 65535:
        raise RnnvizError(f"--port must be between 1 and 65535, got {port}.")
    if not host.strip():
        raise RnnvizError("--host is empty: use 127.0.0.1 (this machine) or an address to bind.")
    if importlib.util.find_spec("streamlit") is None:
        raise RnnvizError("streamlit is not installed here: pip install 'streamlit>=1.67'.")
    app = app_script()
    if not app.is_file():
        raise RnnvizError(
            f"{app} not found: `rnnviz ui` runs from a source checkout (pip install -e .)."
        )
    command = [sys.executable, "-m", "streamlit", "run", str(app)]
    command += ["--server.address", host, "--server.port", str(port)]
    # No first-run e-mail prompt: it would wait on stdin before the server starts.
    command += ["--browser.gatherUsageStats", "false", "--server.showEmailPrompt", "false"]
    if headless:
        command += ["--server.headless", "true"]
    return command


def app_script() -> Path:
    """streamlit_app.py next to the package (the repository root)."""
    return Path(rnnviz.__file__).resolve().parents[1] / "streamlit_app.py"


def run_ui(args: argparse.Namespace) -> int:
    try:
        command = ui_command(args.port, args.host, args.headless)
    except RnnvizError as exc:
        print(f"rnnviz ui: error: {exc}", file=sys.stderr)
        return 2
    print(f"rnnviz ui: serving on http://{args.host}:{args.port} (Ctrl+C stops)", file=sys.stderr)
    sys.stderr.flush()
    # From the repository root, so Streamlit reads .streamlit/config.toml (upload cap, theme).
    os.chdir(app_script().parent)
    if os.name == "posix":
        # Become streamlit (no child process): Ctrl+C and kill reach the server itself.
        os.execv(command[0], command)
    try:
        return subprocess.call(command)
    except KeyboardInterrupt:
        return 0


def _register_lab(commands: argparse._SubParsersAction) -> None:
    """`rnnviz lab` comes from rnnviz.lab.cli when that module is there."""
    try:
        from rnnviz.lab.cli import register
    except ImportError as exc:
        reason = str(exc)
        lab = commands.add_parser("lab", help="(unavailable) train on long-lag tasks")
        lab.set_defaults(func=lambda _args: _unavailable(reason))
        return
    register(commands)


def _unavailable(reason: str) -> int:
    print(f"rnnviz lab: error: the lab is not available here ({reason}).", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
