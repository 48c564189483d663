"""Classroom load test: N students each change controls for a minute against the app.

Each simulated student is a websocket session speaking Streamlit's protocol
(benchmarks/st_client.py), exactly what a browser tab sends on a control change: a rerun with
the new widget values. Every change is a new sentence or a new seed, so the engine's cache
rarely helps (the worst case); --distinct K draws from K sentences and seeds instead (a class
following the lecturer's presets). A student waits a random think time (uniform 0..2*think
seconds) between changes. --processes P starts P app processes and gives each student one of
them, as a load balancer with sticky sessions would. --serve-workers W instead starts
`rnnviz serve --workers W` and sends every student through its HAProxy, each with its own
cookie jar (the balancer's sticky cookie decides the worker, as for a class behind one NAT
address); --url drives a server that is already running (no RSS/CPU figures then).

Per N it starts a fresh app, records every rerun's response time, errors (exceptions shown on
the page, failed runs, timeouts, dropped connections) and the server's peak RSS (/proc VmHWM),
and stops at the first N that breaks (errors, or p95 over --p95-limit).

    .venv/bin/python benchmarks/classroom_load.py --sessions 10 25 50 100 --duration 60
    .venv/bin/python benchmarks/classroom_load.py --serve-workers 2 --sessions 100 --think 5

Besides response times it prints the app processes' CPU per rerun (utime + stime from /proc,
summed over the workers) and what that makes per core: reruns/s one core could serve.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from st_client import StreamlitSession, find_widget, widget_state  # noqa: E402

from tests.support.serve_support import Serve  # noqa: E402
from tools.apphost import APP_SCRIPT, AppServer  # noqa: E402

_VOCABULARY = (
    "the cat sat on a mat while dogs ran far away from old red barns and every student "
    "asked why gradients vanish when networks unroll in time over long sentences"
)
WORDS = tuple(_VOCABULARY.split(" "))


@dataclass
class LoadResult:
    sessions: int
    times: list[float] = field(default_factory=list)  # seconds per successful rerun
    errors: list[str] = field(default_factory=list)
    peak_rss_mb: float = 0.0
    start_rss_mb: float = 0.0
    wall_s: float = 0.0
    server_cpu_s: float = 0.0  # CPU the app processes used during the run
    per_worker_peak_mb: list[float] = field(default_factory=list)
    workers_seen: dict[str, int] = field(default_factory=dict)  # sticky cookie -> students

    def percentile(self, q: float) -> float:
        if not self.times:
            return float("nan")
        ordered = sorted(self.times)
        return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]

    def line(self) -> str:
        rate = len(self.times) / self.wall_s if self.wall_s else 0.0
        mean = statistics.fmean(self.times) if self.times else float("nan")
        return (
            f"N={self.sessions:4d}  reruns={len(self.times):5d} ({rate:5.1f}/s)  "
            f"errors={len(self.errors):3d}  mean={mean:6.3f}s  p50={self.percentile(0.5):6.3f}s  "
            f"p95={self.percentile(0.95):6.3f}s  max={self.percentile(1.0):6.3f}s  "
            f"rss start={self.start_rss_mb:6.0f} MB peak={self.peak_rss_mb:6.0f} MB"
            + self.cpu_text()
        )

    def cpu_text(self) -> str:
        if not self.server_cpu_s or not self.times:
            return ""
        per_rerun = self.server_cpu_s / len(self.times)
        peaks = "/".join(f"{mb:.0f}" for mb in self.per_worker_peak_mb)
        spread = " ".join(f"{k}:{v}" for k, v in sorted(self.workers_seen.items()))
        return (
            f"  server cpu/rerun={1000 * per_rerun:5.1f} ms ({1 / per_rerun:5.1f} reruns/s/core)"
            + (f"  peak per worker={peaks} MB" if peaks else "")
            + (f"  students per worker {spread}" if spread else "")
        )


def random_sentence(rng: random.Random, distinct: int) -> str:
    """A new random sentence, or (distinct > 0) one of `distinct` fixed ones, as when a class
    follows the lecturer's presets and the engine's cache can answer."""
    if distinct:
        rng = random.Random(rng.randrange(distinct))
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 12)))


def rss_mb(pid: int, field_name: str = "VmRSS") -> float:
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:  # a worker that died (and was restarted under a new pid)
        return 0.0
    for line in lines:
        if line.startswith(field_name + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pids: list[int]) -> float:
    """utime + stime of these processes so far."""
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def optional_widget(widgets, label: str, kinds: tuple[str, ...]):
    try:
        return find_widget(widgets, label, kinds)
    except LookupError:
        return None


async def student(urls: list[str], args, index: int, deadline: float, result: LoadResult) -> None:
    url = urls[index % len(urls)]  # what a sticky load balancer does: one student, one process
    rng = random.Random(index)
    await asyncio.sleep(rng.uniform(0, args.ramp))  # students do not all click at the same ms
    try:
        cookies = {} if args.cookies else None  # a browser's own jar, through the balancer
        async with StreamlitSession(url, timeout=args.timeout, cookies=cookies) as session:
            first = await session.rerun()
            if cookies is not None:
                worker = cookies.get("RNNVIZ_WORKER", "?")
                result.workers_seen[worker] = result.workers_seen.get(worker, 0) + 1
            if args.page:
                session.go_to(args.page, first.pages[args.page])
                first = await session.rerun()
            text = find_widget(first.widgets, args.text_label, ("text_input", "text_area"))
            seed = optional_widget(first.widgets, args.seed_label, ("number_input", "slider"))
            while time.monotonic() < deadline:
                change = [widget_state(text, random_sentence(rng, args.distinct))]
                if seed is not None and rng.random() < 0.5:
                    change.append(widget_state(seed, rng.randrange(args.distinct or 100)))
                run = await session.rerun(change)
                if run.ok:
                    result.times.append(run.seconds)
                else:
                    result.errors.append(f"student {index}: {run.exceptions or run.status}")
                await asyncio.sleep(rng.uniform(0, 2 * args.think))
    except Exception as error:  # a dropped connection or a timeout is exactly what we count
        result.errors.append(f"student {index}: {type(error).__name__}: {error}")


async def watch_rss(pids: list[int], result: LoadResult, stop: asyncio.Event) -> None:
    """Peak of the summed RSS of all app processes (sampled), and of the kernel's per-process
    high-water marks (VmHWM) at the end."""
    while not stop.is_set():
        result.peak_rss_mb = max(result.peak_rss_mb, sum(rss_mb(pid) for pid in pids))
        await asyncio.sleep(0.25)
    result.peak_rss_mb = max(result.peak_rss_mb, sum(rss_mb(pid, "VmHWM") for pid in pids))
    result.per_worker_peak_mb = [rss_mb(pid, "VmHWM") for pid in pids]


async def run_class(urls: list[str], pids: list[int], args, sessions: int) -> LoadResult:
    result = LoadResult(sessions, start_rss_mb=sum(rss_mb(pid) for pid in pids))
    stop = asyncio.Event()
    watcher = asyncio.create_task(watch_rss(pids, result, stop))
    started = time.monotonic()
    cpu_before = cpu_seconds(pids)
    deadline = started + args.ramp + args.duration
    await asyncio.gather(*(student(urls, args, i, deadline, result) for i in range(sessions)))
    result.wall_s = time.monotonic() - started
    result.server_cpu_s = cpu_seconds(pids) - cpu_before
    stop.set()
    await watcher
    return result


async def warm_up(url: str, args) -> None:
    """One session loads the page once, so the first student does not pay the engine's start."""
    cookies = {} if args.cookies else None
    async with StreamlitSession(url, timeout=args.timeout, cookies=cookies) as session:
        first = await session.rerun()
        if args.page:
            session.go_to(args.page, first.pages[args.page])
            await session.rerun()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, nargs="+", default=[10, 25, 50, 100])
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of changes")
    parser.add_argument("--think", type=float, default=1.0, help="mean seconds between changes")
    parser.add_argument("--ramp", type=float, default=5.0, help="students arrive over this")
    parser.add_argument("--timeout", type=float, default=30.0, help="a rerun slower is an error")
    parser.add_argument("--p95-limit", type=float, default=2.0)
    parser.add_argument("--app", type=Path, default=APP_SCRIPT)
    parser.add_argument("--page", default="", help="url path of the page to drive ('' = home)")
    parser.add_argument("--text-label", default="sentence")
    parser.add_argument("--seed-label", default="seed")
    parser.add_argument("--keep-going", action="store_true", help="run every N even after a break")
    parser.add_argument("--processes", type=int, default=1, help="app processes, students split")
    parser.add_argument(
        "--distinct", type=int, default=0, help="draw from this many sentences/seeds"
    )
    parser.add_argument(
        "--serve-workers",
        type=int,
        default=0,
        help="start `rnnviz serve --workers W`, go through it",
    )
    parser.add_argument("--url", default="", help="drive this running server (e.g. a balancer)")
    args = parser.parse_args()
    args.cookies = bool(args.serve_workers or args.url)

    for sessions in args.sessions:
        with contextlib.ExitStack() as stack:
            if args.url:
                urls, pids, label = [args.url.rstrip("/")], [], f"url={args.url}"
            elif args.serve_workers:
                serve = stack.enter_context(Serve(workers=args.serve_workers))
                urls, label = [serve.url], f"serve --workers {args.serve_workers}"
                pids = list(serve.pids.values())
            else:
                servers = [stack.enter_context(AppServer(args.app)) for _ in range(args.processes)]
                urls, label = [server.url for server in servers], f"processes={args.processes}"
                pids = [server.process.pid for server in servers]
            for url in urls:
                for _ in range(max(1, args.serve_workers)):  # each worker loads the page once
                    asyncio.run(warm_up(url, args))
            cpu_before = time.process_time()
            result = asyncio.run(run_class(urls, pids, args, sessions))
            client_cpu = time.process_time() - cpu_before
        print(f"{result.line()}  {label}  client_cpu={client_cpu:.1f}s", flush=True)
        for error in result.errors[:5]:
            print("   ", error[:300])
        broke = bool(result.errors) or result.percentile(0.95) > args.p95_limit
        if broke and not args.keep_going:
            print(f"breaks at N={sessions} (errors or p95 > {args.p95_limit} s)")
            break
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
