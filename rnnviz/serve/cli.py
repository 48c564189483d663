"""`rnnviz serve` flags: `register(subparsers)` for the rnnviz command, `main(argv)` for
`python -m rnnviz.serve`. Bad flags and a missing haproxy end with one line and exit status 2."""

from __future__ import annotations

import argparse
import sys

from rnnviz.errors import RnnvizError
from rnnviz.serve import haproxy
from rnnviz.serve.supervisor import Plan, Supervisor

DEFAULT_PORT = 8600
MAX_WORKERS = 64


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--workers", type=int, default=2, help="app processes on this machine (default 2)"
    )
    parser.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help=f"balancer port (default {DEFAULT_PORT}); workers take the next N ports",
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="balancer address (default 127.0.0.1; 0.0.0.0 = LAN)"
    )
    parser.add_argument(
        "--backend",
        action="append",
        default=[],
        metavar="HOST:PORT",
        help="another machine's app process, also balanced to (repeat)",
    )
    parser.add_argument(
        "--worker-host",
        default="127.0.0.1",
        help="address the workers bind (default 127.0.0.1; a LAN address with --no-balancer)",
    )
    parser.add_argument(
        "--no-balancer",
        action="store_true",
        help="supervised workers only (an app machine behind another machine's balancer)",
    )
    parser.add_argument(
        "--print-config", action="store_true", help="print the haproxy.cfg and exit"
    )
    parser.add_argument("--haproxy", default=None, help="haproxy binary (default: on PATH)")


def register(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add `serve` to the rnnviz command's subcommands."""
    parser = subparsers.add_parser(
        "serve",
        help="serve a classroom: N app processes behind HAProxy",
        description="Serve the explorer to a class: N Streamlit processes on ports PORT+1.. "
        "(127.0.0.1) behind HAProxy on HOST:PORT with sticky sessions; a dead process is "
        "restarted. See docs/serving.md.",
    )
    add_arguments(parser)
    parser.set_defaults(func=run_serve)
    return parser


def plan_from(args: argparse.Namespace) -> Plan:
    """The checked Plan (RnnvizError naming the flag on bad values)."""
    if not 0 <= args.workers <= MAX_WORKERS:
        raise RnnvizError(f"--workers must be between 0 and {MAX_WORKERS}, got {args.workers}.")
    if not 1 <= args.port <= 65535 - args.workers:
        raise RnnvizError(
            f"--port must be between 1 and {65535 - args.workers} (the workers use the next "
            f"{args.workers} ports), got {args.port}."
        )
    for flag, value in (("--host", args.host), ("--worker-host", args.worker_host)):
        # '#' would start a comment in haproxy.cfg and cut the port off the bind line
        if not value.strip() or any(ch.isspace() for ch in value) or "#" in value:
            raise RnnvizError(f"{flag} {value!r} is not an address (e.g. 127.0.0.1 or 0.0.0.0).")
    remote = [haproxy.parse_backend(text, i) for i, text in enumerate(args.backend, start=1)]
    if args.no_balancer and remote:
        raise RnnvizError("--backend needs the balancer: leave out --no-balancer.")
    if args.workers == 0 and not remote:
        raise RnnvizError("--workers 0 needs at least one --backend HOST:PORT to balance to.")
    if args.no_balancer and args.workers == 0:
        raise RnnvizError("--no-balancer with --workers 0 would run nothing.")
    balancer = not args.no_balancer
    binary = haproxy.find_haproxy(args.haproxy) if balancer and not args.print_config else None
    return Plan(
        host=args.host,
        port=args.port,
        workers=args.workers,
        remote=remote,
        worker_host=args.worker_host,
        balancer=balancer,
        haproxy_binary=binary,
    )


def run_serve(args: argparse.Namespace) -> int:
    try:
        plan = plan_from(args)
        if args.print_config:
            sys.stdout.write(haproxy.config(plan.host, plan.port, plan.backends()))
            return 0
        from rnnviz.serve.workers import app_script

        app_script()  # a missing explorer is said before anything starts
        return Supervisor(plan).run()
    except RnnvizError as exc:
        print(f"rnnviz serve: error: {exc}", file=sys.stderr)
        return 2


def main(argv: list[str] | None = None) -> int:
    from rnnviz.cli.parser import CliParser  # rnnviz serve's own: exact flags, one-line errors

    parser = CliParser(
        prog="rnnviz serve", description="Serve the explorer to a class behind HAProxy."
    )
    add_arguments(parser)
    return run_serve(parser.parse_args(argv))
