"""Start a Streamlit app on a free local port and drive it in headless Chromium.

Shared by the browser tests (tests/conftest.py), the screenshots (tools/screenshots.py) and the
benchmarks (benchmarks/*.py), so all of them start the app the same way.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from rnnviz.serve.workers import healthy

ROOT = Path(__file__).resolve().parents[1]
APP_SCRIPT = ROOT / "streamlit_app.py"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# The app's root element carries the script state; "notRunning" = the last rerun finished.
APP_IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
CHART_DRAWN = "[data-testid='stPlotlyChart'] .main-svg"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class AppServer:
    """`streamlit run <script>` on 127.0.0.1:<free port>; a context manager that stops it."""

    def __init__(self, script: Path = APP_SCRIPT, extra_args: tuple[str, ...] = ()) -> None:
        self.script = Path(script)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.extra_args = extra_args
        self.process: subprocess.Popen | None = None
        self.log_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"rnnviz-app-{self.port}.log"

    def start(self, timeout: float = 90.0) -> AppServer:
        command = [
            sys.executable, "-m", "streamlit", "run", str(self.script),
            "--server.headless", "true",
            "--server.address", "127.0.0.1",
            "--server.port", str(self.port),
            "--browser.gatherUsageStats", "false",
            "--server.fileWatcherType", "none",
            "--client.toolbarMode", "minimal",
            *self.extra_args,
        ]  # fmt: skip
        # One torch thread per server: the box has 2 cores shared by the server and the browser.
        env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
        log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        self._wait_healthy(timeout)
        return self

    def _wait_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.script.name} exited at start:\n{self.log_tail()}")
            if healthy("127.0.0.1", self.port):
                return
            time.sleep(0.2)
        self.stop()
        message = f"{self.script.name} not healthy after {timeout:.0f} s"
        raise RuntimeError(f"{message}:\n{self.log_tail()}")

    def log_tail(self, chars: int = 3000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:] if self.log_path.exists() else ""

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def __enter__(self) -> AppServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def chromium_available() -> bool:
    return Path(CHROMIUM).exists()


def launch_chromium(playwright):
    """Debian's Chromium through Playwright (never `playwright install`: no downloads here)."""
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)


def wait_until_idle(page, timeout_ms: float = 60_000) -> None:
    """The script has finished its run (the root element says notRunning)."""
    page.wait_for_selector(APP_IDLE, timeout=timeout_ms)


def wait_for_charts(page, timeout_ms: float = 60_000) -> int:
    """Wait for the run to finish and at least one Plotly chart to be drawn; return how many."""
    wait_until_idle(page, timeout_ms)
    page.wait_for_selector(CHART_DRAWN, timeout=timeout_ms)
    wait_until_idle(page, timeout_ms)
    return page.locator("[data-testid='stPlotlyChart']:has(.main-svg)").count()


# Page JS: a short fingerprint of every drawn Plotly figure's data (trace types and numbers), so a
# redraw with new numbers is told apart from the same figure drawn again.
PLOT_FINGERPRINT_JS = """() => {
  const take = (v) => {
    if (v == null) return [];
    if (typeof v === 'number' || typeof v === 'string') return [v];
    if (ArrayBuffer.isView(v)) return Array.from(v.slice(0, 40));
    if (Array.isArray(v)) return v.slice(0, 40).flatMap(take).slice(0, 40);
    if (typeof v === 'object' && v.bdata) return [v.bdata.slice(0, 80)];
    return [];
  };
  return JSON.stringify(Array.from(document.querySelectorAll('.js-plotly-plot')).map(
    (gd) => (gd.data || []).map((t) => [t.type, take(t.x), take(t.y), take(t.z)])));
}"""


def plot_fingerprint(page) -> str:
    return page.evaluate(PLOT_FINGERPRINT_JS)
