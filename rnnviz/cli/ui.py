"""`rnnviz ui`: start the Streamlit explorer, found as an installed package, from any directory.

The app is located with importlib (never imported: the engine must not import explorer), and every
Streamlit setting it needs is passed on the command line, because an installed wheel run from
another directory does not see the repository's .streamlit/config.toml.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys

from rnnviz.cli.output import say
from rnnviz.cli.parser import fail
from rnnviz.errors import RnnvizError
from rnnviz.serve.app import STREAMLIT_SETTINGS, app_script

PROG = "rnnviz ui"
DEFAULT_HOST = "127.0.0.1"  # a classroom laptop should not serve the whole network by accident
DEFAULT_PORT = 8501
FLAGS = {"port": "--port", "host": "--host"}


def register(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "ui",
        help="start the Streamlit app",
        description="Run the rnnviz explorer (Streamlit). It listens on "
        f"{DEFAULT_HOST} unless --host says otherwise.",
    )
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help="port to listen on")
    p.add_argument("--host", default=DEFAULT_HOST, help="address to bind")
    p.add_argument("--headless", action="store_true", help="do not open a browser window")
    p.set_defaults(func=run)
    return p


def ui_command(port: int, host: str, headless: bool = False) -> list[str]:
    """The streamlit command line `rnnviz ui` runs (checked: app found, port in range)."""
    if not 1 <= port <= 65535:
        raise RnnvizError(f"--port must be between 1 and 65535, got {port}.")
    if not host.strip():
        raise RnnvizError("--host is empty: use 127.0.0.1 (this machine) or an address to bind.")
    if importlib.util.find_spec("streamlit") is None:
        raise RnnvizError("streamlit is not installed here: pip install 'streamlit>=1.67'.")
    command = [sys.executable, "-m", "streamlit", "run", str(app_script())]
    command += ["--server.address", host, "--server.port", str(port)]
    for name, value in STREAMLIT_SETTINGS:
        command += [f"--{name}", value]
    if headless:
        command += ["--server.headless", "true"]
    return command


def run(args: argparse.Namespace) -> int:
    try:
        command = ui_command(args.port, args.host, args.headless)
    except RnnvizError as exc:
        return fail(PROG, exc, FLAGS)
    say(f"{PROG}: serving on http://{args.host}:{args.port} (Ctrl+C stops)")  # flushed
    if os.name == "posix":
        # Become streamlit (no child process): Ctrl+C and kill reach the server itself.
        os.execv(command[0], command)
    try:
        return subprocess.call(command)
    except KeyboardInterrupt:
        return 0
