"""Run `python -m rnnviz.serve` for the serving tests: free ports, its stderr read in a thread
(worker pids, restarts, "ready"), stopped with SIGTERM, and a check that nothing it started is
left running."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WORKER_LINE = re.compile(r"worker (w\d+) pid (\d+) on port (\d+)")
RESTART_LINE = re.compile(r"worker (w\d+) restarted: pid (\d+)")
HAPROXY_LINE = re.compile(r"haproxy pid (\d+) on")


def free_port_block(count: int) -> int:
    """A port P with P..P+count-1 all free on 127.0.0.1 right now."""
    for _ in range(200):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            base = probe.getsockname()[1]
        if base + count > 65000:
            continue
        if all(_free(base + i) for i in range(count)):
            return base
    raise RuntimeError("no block of free ports")


def _free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead for our purposes.
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return False
    return state != "Z"


class Serve:
    """`python -m rnnviz.serve *args` as a context manager; `.url`, `.pids` (worker -> pid)."""

    def __init__(self, *args: str, port: int | None = None, workers: int = 2) -> None:
        self.port = port or free_port_block(workers + 1)
        self.args = ["--port", str(self.port), "--workers", str(workers), *args]
        self.url = f"http://127.0.0.1:{self.port}"
        self.lines: list[str] = []
        self.pids: dict[str, int] = {}
        self.ports: dict[str, int] = {}
        self.haproxy_pids: list[int] = []
        self.ready = threading.Event()
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 120.0) -> Serve:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "rnnviz.serve", *self.args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        threading.Thread(target=self._read, daemon=True).start()
        if not self.ready.wait(timeout):
            self.stop()
            raise RuntimeError("rnnviz serve not ready:\n" + "\n".join(self.lines[-40:]))
        return self

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line.rstrip())
            if match := WORKER_LINE.search(line):
                self.pids[match[1]] = int(match[2])
                self.ports[match[1]] = int(match[3])
            elif match := RESTART_LINE.search(line):
                self.pids[match[1]] = int(match[2])
            elif match := HAPROXY_LINE.search(line):
                self.haproxy_pids.append(int(match[1]))
            if "ready:" in line:
                self.ready.set()

    def wait_for_line(self, pattern: str, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in list(self.lines):
                if re.search(pattern, line):
                    return line
            time.sleep(0.1)
        raise AssertionError(f"no line like {pattern!r}:\n" + "\n".join(self.lines[-30:]))

    def stop(self) -> int:
        """SIGTERM, as systemd or Ctrl+C would; returns serve's exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        return self.process.returncode

    def children(self) -> list[int]:
        """Every worker and balancer pid this serve reported."""
        return [*self.pids.values(), *self.haproxy_pids]

    def __enter__(self) -> Serve:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
