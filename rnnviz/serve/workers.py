"""One Streamlit worker of the explorer: its command line (every option spelled out, so no config
file in the current directory matters) and a process handle that can be started again."""

from __future__ import annotations

import ctypes
import http.client
import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from rnnviz.serve.app import STREAMLIT_SETTINGS, app_script

# The app's own settings (as `rnnviz ui` passes them), plus what a worker under a supervisor needs.
STREAMLIT_OPTIONS = {
    **dict(STREAMLIT_SETTINGS),
    "server.headless": "true",
    "server.fileWatcherType": "none",
}


def worker_command(port: int, address: str = "127.0.0.1") -> list[str]:
    """`python -m streamlit run explorer/main.py` on address:port with every option given."""
    command = [sys.executable, "-m", "streamlit", "run", str(app_script())]
    command += ["--server.address", address, "--server.port", str(port)]
    for name, value in STREAMLIT_OPTIONS.items():
        command += [f"--{name}", value]
    return command


def _die_with_parent() -> None:
    """In the child before exec (Linux): SIGTERM when the parent dies, even by SIGKILL, so a
    killed `rnnviz serve` leaves no orphan workers or balancer behind."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def spawn(command: list[str], log_path: Path, cwd: Path, env: dict | None = None):
    """Start a child in its own process group (Ctrl+C reaches `serve`, which stops the children
    in order), output to log_path."""
    with log_path.open("ab") as log:
        return subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
        )


def stop_process(process: subprocess.Popen | None, grace: float = 10.0) -> None:
    """SIGTERM, then SIGKILL after `grace` seconds; reaps the child."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=grace)


def healthy(address: str, port: int, timeout: float = 2.0) -> bool:
    """Streamlit answers 200 "ok" on /_stcore/health."""
    try:
        with urllib.request.urlopen(
            f"http://{address}:{port}/_stcore/health", timeout=timeout
        ) as reply:
            return reply.status == 200
    except (OSError, http.client.HTTPException):  # e.g. a socket that connected to itself while
        return False  # the worker was not listening yet reads its own request back


def warm(address: str, port: int, timeout: float = 120.0) -> bool:
    """Open one session on the worker and run the app once, so the first student it gets does not
    wait for the imports and the engine's warm-up (~5-8 s on a busy 2-core box). Speaks
    Streamlit's websocket protocol with `websockets` (a dependency of Streamlit itself); False if
    the worker did not finish a run in time."""
    try:
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ClientState_pb2 import ClientState
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
        from websockets.sync.client import connect
    except ImportError:
        return False
    url = f"ws://{address}:{port}/_stcore/stream"
    try:
        with connect(
            url,
            subprotocols=["streamlit"],
            origin=f"http://{address}:{port}",
            open_timeout=timeout,
            max_size=None,
        ) as socket:
            socket.send(BackMsg(rerun_script=ClientState()).SerializeToString())
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                message = ForwardMsg()
                message.ParseFromString(socket.recv(timeout=max(0.1, deadline - time.monotonic())))
                if message.WhichOneof("type") == "script_finished":
                    return True
    except Exception:  # noqa: BLE001 - a failed warm-up only costs the first student time
        return False
    return False


@dataclass
class Worker:
    """One app process on a fixed port; `start()` may be called again after it died."""

    index: int
    port: int
    run_dir: Path
    address: str = "127.0.0.1"
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    restarts: int = 0
    failures: int = 0  # deaths in a row soon after a start (for the backoff)
    next_start: float = 0.0  # monotonic time of the next start attempt after a death
    env: dict = field(default_factory=dict)

    @property
    def name(self) -> str:
        return f"w{self.index}"

    @property
    def log_path(self) -> Path:
        return self.run_dir / f"worker-{self.index}.log"

    def start(self) -> None:
        # One torch/BLAS thread per worker: N workers share the machine's cores.
        env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", **self.env}
        self.process = spawn(
            worker_command(self.port, self.address), self.log_path, self.run_dir, env
        )
        self.started_at = time.monotonic()

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        stop_process(self.process)
