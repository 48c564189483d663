"""Faults a classroom server must survive: a worker SIGKILLed while sessions are open (the
balancer keeps serving, the supervisor brings the worker back on its port), and a worker killed in
the middle of a rerun (the tab reconnects to a new session; no Python traceback reaches a page)."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import sys
import time
from pathlib import Path

import pytest
import websockets

from tests.support.run_async import run_async

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))

from st_client import StreamlitSession, find_widget, widget_state  # noqa: E402

from rnnviz.serve.haproxy import COOKIE  # noqa: E402
from rnnviz.serve.workers import healthy  # noqa: E402
from tests.support.serve_support import Serve, pid_alive  # noqa: E402

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("haproxy") is None, reason="apt-get install -y haproxy"),
    pytest.mark.timeout(300),
]


def no_traceback(texts: list[str]) -> None:
    for text in texts:
        assert "Traceback" not in text and 'File "' not in text, text[:300]


async def pinned_session(url: str, worker: str) -> StreamlitSession:
    """A tab whose cookie pins it to `worker` (new tabs until one lands there)."""
    for _ in range(20):
        session = StreamlitSession(url, timeout=60, cookies={})
        await session.__aenter__()
        first = await session.rerun()
        assert first.ok
        if session.cookies[COOKIE] == worker:
            return session
        await session.__aexit__(None, None, None)
    raise AssertionError(f"no session landed on {worker}")


def test_sigkill_of_a_worker_with_open_sessions():
    with Serve(workers=2) as serve:

        async def scenario():
            victim_tab = await pinned_session(serve.url, "w1")
            other_tab = await pinned_session(serve.url, "w2")
            killed_at = time.monotonic()
            os.kill(serve.pids["w1"], signal.SIGKILL)
            old_pid = serve.pids["w1"]

            # The tab on the dead worker loses its socket; the other tab does not notice.
            with pytest.raises((websockets.ConnectionClosed, OSError, asyncio.TimeoutError)):
                await victim_tab.rerun()
            assert (await other_tab.rerun()).ok

            # New tabs, and the victim reconnecting with its stale cookie, are served at once.
            first_ok = None
            for attempt in range(8):
                tab = StreamlitSession(serve.url, timeout=30, cookies={})
                async with tab:
                    run = await tab.rerun()
                    assert run.ok, run.exceptions
                    no_traceback(run.texts)
                first_ok = first_ok or time.monotonic() - killed_at
                del attempt
            stale = StreamlitSession(serve.url, timeout=30, cookies=dict(victim_tab.cookies))
            async with stale:
                assert (await stale.rerun()).ok
            assert first_ok < 5.0, f"first new session after {first_ok:.1f} s"
            await other_tab.__aexit__(None, None, None)
            return old_pid

        old_pid = run_async(scenario())
        serve.wait_for_line(r"worker w1 restarted", timeout=30)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and not healthy("127.0.0.1", serve.ports["w1"]):
            time.sleep(0.5)
        assert healthy("127.0.0.1", serve.ports["w1"]), serve.lines[-20:]
        assert serve.pids["w1"] != old_pid and pid_alive(serve.pids["w1"])

        async def back_on_w1():
            # HAProxy's health check sees it again: new tabs reach w1 once more.
            for _ in range(30):
                async with StreamlitSession(serve.url, timeout=30, cookies={}) as tab:
                    assert (await tab.rerun()).ok
                    if tab.cookies[COOKIE] == "w1":
                        return True
                await asyncio.sleep(0.5)
            return False

        assert run_async(back_on_w1())


def test_worker_killed_during_a_rerun_shows_no_traceback():
    long_text = " ".join(f"word{i % 50}" for i in range(1900))  # ~1 s on Compare cells
    with Serve(workers=2) as serve:

        async def scenario():
            tab = await pinned_session(serve.url, "w2")
            first = await tab.rerun()
            tab.go_to("compare", first.pages["compare"])  # three cells unrolled per run
            page = await tab.rerun()
            no_traceback(page.texts)
            text = find_widget(page.widgets, "sentence", ("text_input", "text_area"))
            before = tab.received
            rerun = asyncio.create_task(tab.rerun([widget_state(text, long_text)]))
            while tab.received == before:  # the run has started sending its page
                await asyncio.sleep(0.005)
            assert not rerun.done(), "the rerun finished before the kill: make it longer"
            os.kill(serve.pids["w2"], signal.SIGKILL)
            with pytest.raises((websockets.ConnectionClosed, OSError, asyncio.TimeoutError)):
                await rerun
            # What the page's JavaScript does next: reconnect with the same cookies. It gets a
            # new session on the live worker, whose runs are clean.
            again = StreamlitSession(serve.url, timeout=60, cookies=dict(tab.cookies))
            async with again:
                run = await again.rerun()
                assert run.ok, run.exceptions
                no_traceback(run.texts)
                assert again.cookies[COOKIE] == "w1"
                again.go_to("compare", run.pages["compare"])
                run = await again.rerun([widget_state(text, "a short sentence")])
                assert run.ok and not run.exceptions
                no_traceback(run.texts)
            # The HTML a reloading tab gets is the app's page, not an error page.
            status, body = await asyncio.to_thread(again.http, "GET", "/")
            assert status == 200 and b"Traceback" not in body

        run_async(scenario())
        serve.wait_for_line(r"worker w2 restarted", timeout=30)
        assert not any("Traceback" in line for line in serve.lines)


def test_a_health_check_that_reads_no_http_reply_is_not_ready():
    """A socket that connected to itself (nothing listening yet on that port) reads its own
    request line back: http.client raises BadStatusLine, which means "not up", not a crash."""
    import socket
    import threading

    from rnnviz.serve.workers import healthy

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)

    def echo():
        conn, _ = server.accept()
        with conn:
            conn.sendall(conn.recv(1024))  # the request back, as a self-connected socket does

    thread = threading.Thread(target=echo, daemon=True)
    thread.start()
    try:
        assert healthy("127.0.0.1", server.getsockname()[1], 2.0) is False
    finally:
        thread.join(5)
        server.close()
