"""Start the workers and the balancer, restart whichever dies (with backoff), stop all of it on
Ctrl+C / SIGTERM / SIGHUP. A plain loop in this process (no extra daemon): it already knows every
port and command, and it is the parent, so it sees each child exit at once."""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from rnnviz.errors import RnnvizError
from rnnviz.serve import haproxy
from rnnviz.serve.workers import Worker, healthy, spawn, stop_process, warm

POLL_S = 0.25
STABLE_S = 30.0  # a child that ran this long before dying is restarted at once
MAX_BACKOFF_S = 30.0


def backoff(failures: int) -> float:
    """Seconds to wait before restarting a child that died `failures` times in a row, each
    soon after its start: 0, 1, 2, 4, ... 30 (a crash loop must not eat the CPU)."""
    return 0.0 if failures <= 1 else min(MAX_BACKOFF_S, 2.0 ** (failures - 2))


def port_free(host: str, port: int) -> bool:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


@dataclass
class Plan:
    """What to run: local workers, other machines' backends, and the balancer (unless off)."""

    host: str
    port: int
    workers: int
    remote: list[haproxy.Backend] = field(default_factory=list)
    worker_host: str = "127.0.0.1"
    balancer: bool = True
    haproxy_binary: Path | None = None

    def worker_ports(self) -> list[int]:
        return [self.port + i for i in range(1, self.workers + 1)]

    def backends(self) -> list[haproxy.Backend]:
        local = [
            haproxy.Backend(f"w{i}", self.worker_host, port)
            for i, port in enumerate(self.worker_ports(), start=1)
        ]
        return local + list(self.remote)


class Supervisor:
    def __init__(self, plan: Plan, out: TextIO = sys.stderr) -> None:
        self.plan = plan
        self.out = out
        self.run_dir = Path(tempfile.mkdtemp(prefix="rnnviz-serve-"))
        self.workers = [
            Worker(i, port, self.run_dir, plan.worker_host)
            for i, port in enumerate(plan.worker_ports(), start=1)
        ]
        self.balancer: subprocess.Popen | None = None
        self.balancer_failures = 0
        self.balancer_started = 0.0
        self.balancer_next = 0.0
        self.stopping = False
        self.admin_socket = self.run_dir / "admin.sock"
        self.warming: dict[str, threading.Thread] = {}

    def say(self, text: str) -> None:
        print(f"rnnviz serve: {text}", file=self.out, flush=True)

    # -- start -----------------------------------------------------------------------------

    def check_ports(self) -> None:
        ports = self.plan.worker_ports() + ([self.plan.port] if self.plan.balancer else [])
        for port in ports:
            host = self.plan.host if port == self.plan.port else self.plan.worker_host
            if not port_free(host, port):
                raise RnnvizError(
                    f"port {port} on {host} is in use: choose another --port (the balancer "
                    f"takes --port, the workers the next {self.plan.workers})."
                )

    def prepare_balancer(self) -> list[str]:
        text = haproxy.config(
            self.plan.host, self.plan.port, self.plan.backends(), admin_socket=self.admin_socket
        )
        path = haproxy.write_config(self.run_dir, text)
        check = subprocess.run(
            haproxy.check_command(self.plan.haproxy_binary, path),
            capture_output=True,
            text=True,
        )
        if check.returncode != 0:
            detail = (check.stderr or check.stdout).strip().splitlines()[-1:] or ["?"]
            raise RnnvizError(f"haproxy refused the generated config: {detail[0]}")
        return haproxy.command(self.plan.haproxy_binary, path)

    def start_balancer(self, command: list[str]) -> None:
        self.balancer = spawn(command, self.run_dir / "haproxy.log", self.run_dir)
        self.balancer_started = time.monotonic()

    # -- run -------------------------------------------------------------------------------

    def run(self) -> int:
        """Serve until a signal; returns the exit status."""
        previous = {sig: signal.signal(sig, self._on_signal) for sig in self._signals()}
        try:
            self.check_ports()
            balancer_command = self.prepare_balancer() if self.plan.balancer else None
            for worker in self.workers:
                worker.start()
                self.say(f"worker {worker.name} pid {worker.process.pid} on port {worker.port}")
                self._warm_in_background(worker, hold=False)
            self._loop(balancer_command)
            return 0
        finally:
            self.stop()
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    @staticmethod
    def _signals() -> list[int]:
        return [signal.SIGINT, signal.SIGTERM] + (
            [signal.SIGHUP] if hasattr(signal, "SIGHUP") else []
        )

    def _on_signal(self, signum, _frame) -> None:
        self.stopping = True

    def _loop(self, balancer_command: list[str] | None) -> None:
        # The balancer starts once the local workers answer (or after a minute regardless), so
        # its first health checks find them up and no early browser gets a 503.
        first_deadline = time.monotonic() + 60.0
        announced = False
        while not self.stopping:
            now = time.monotonic()
            for worker in self.workers:
                self._watch_worker(worker, now)
            # Asked only until the start is announced; HAProxy's own checks take over then.
            workers_up = announced or all(healthy(w.address, w.port, 1.0) for w in self.workers)
            if balancer_command and (
                self.balancer is not None or workers_up or now > first_deadline
            ):
                if self.balancer is None and not self.balancer_failures:
                    self.start_balancer(balancer_command)
                    self.say(
                        f"haproxy pid {self.balancer.pid} on {self.plan.host}:{self.plan.port}"
                    )
                else:
                    self._watch_balancer(balancer_command, now)
            warmed = not any(thread.is_alive() for thread in self.warming.values())
            if not announced and workers_up and warmed and self._front_up():
                announced = True
                where = (
                    f"http://{self.plan.host}:{self.plan.port}"
                    if self.plan.balancer
                    else "ports " + ", ".join(str(w.port) for w in self.workers)
                )
                self.say(f"ready: {where} ({len(self.plan.backends())} backends; Ctrl+C stops)")
            time.sleep(POLL_S)

    def _front_up(self) -> bool:
        if not self.plan.balancer:
            return True
        host = "127.0.0.1" if self.plan.host in ("0.0.0.0", "::", "") else self.plan.host
        return self.balancer is not None and healthy(host, self.plan.port, 2.0)

    def _watch_worker(self, worker: Worker, now: float) -> None:
        if worker.alive():
            if now - worker.started_at > STABLE_S:
                worker.failures = 0
            return
        if worker.process is not None:  # it just died: report once, schedule the restart
            code = worker.process.returncode
            quick = now - worker.started_at < STABLE_S  # a crash loop backs off, a rare crash not
            worker.failures = worker.failures + 1 if quick else 1
            worker.next_start = now + backoff(worker.failures)
            self.say(
                f"worker {worker.name} (pid {worker.process.pid}, port {worker.port}) exited "
                f"with {code}; restarting in {worker.next_start - now:.0f} s"
            )
            self._print_tail(worker.log_path)
            worker.process = None
        if now >= worker.next_start:
            worker.start()
            worker.restarts += 1
            self.say(f"worker {worker.name} restarted: pid {worker.process.pid}")
            self._warm_in_background(worker, hold=self.plan.balancer)

    def _warm_in_background(self, worker: Worker, hold: bool) -> None:
        """Warm the worker up (one run of the app) in a thread. With `hold`, HAProxy keeps it out
        of rotation meanwhile (maintenance, then ready): the restarted worker's first student
        would otherwise wait the ~5-8 s of imports and warm-up. Its tabs with the old cookie are
        redispatched to a live worker, as for a dead one."""
        server = f"workers/{worker.name}"
        if hold:
            haproxy.admin(self.admin_socket, f"set server {server} state maint")

        def run() -> None:
            deadline = time.monotonic() + 180
            while not self.stopping and time.monotonic() < deadline:
                if healthy(worker.address, worker.port, 1.0):
                    warm(worker.address, worker.port)
                    break
                time.sleep(0.25)
            if hold:
                for _ in range(5):  # a lost reply must not leave the worker out for good
                    haproxy.admin(self.admin_socket, f"set server {server} state ready")
                    stats = haproxy.admin(self.admin_socket, "show stat").splitlines()
                    row = [line for line in stats if line.startswith(f"workers,{worker.name},")]
                    if row and "MAINT" not in row[0]:
                        break
                    time.sleep(0.5)

        thread = threading.Thread(target=run, name=f"warm-{worker.name}", daemon=True)
        self.warming[worker.name] = thread
        thread.start()

    def _watch_balancer(self, command: list[str], now: float) -> None:
        if self.balancer is not None and self.balancer.poll() is None:
            if now - self.balancer_started > STABLE_S:
                self.balancer_failures = 0
            return
        if self.balancer is not None:
            quick = now - self.balancer_started < STABLE_S
            self.balancer_failures = self.balancer_failures + 1 if quick else 1
            self.balancer_next = now + backoff(self.balancer_failures)
            self.say(f"haproxy exited with {self.balancer.returncode}; restarting")
            self._print_tail(self.run_dir / "haproxy.log")
            self.balancer = None
        if now >= self.balancer_next:
            self.start_balancer(command)
            self.say(f"haproxy pid {self.balancer.pid} on {self.plan.host}:{self.plan.port}")

    def _print_tail(self, path: Path, lines: int = 8) -> None:
        try:
            tail = path.read_text(errors="replace").splitlines()[-lines:]
        except OSError:
            return
        for line in tail:
            print(f"    {line}", file=self.out, flush=True)

    # -- stop ------------------------------------------------------------------------------

    def stop(self) -> None:
        """Balancer first (no new connections), then every worker; SIGKILL after 10 s."""
        stop_process(self.balancer)
        for worker in self.workers:
            if worker.alive():
                worker.process.terminate()
        for worker in self.workers:
            worker.stop()
        shutil.rmtree(self.run_dir, ignore_errors=True)
