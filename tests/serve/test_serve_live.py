"""`rnnviz serve` for real on loopback: sessions spread over the workers by cookie (one client
address, like a class behind NAT), uploads reach the session's worker, other machines' backends
(workers started on their own, standing in for hosts) are balanced to, and SIGTERM stops it all."""

from __future__ import annotations

import asyncio
import shutil
import sys
import time
from pathlib import Path

import pytest

from tests.support.run_async import run_async

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))

from st_client import StreamlitSession  # noqa: E402

from rnnviz.serve.haproxy import COOKIE  # noqa: E402
from tests.support.serve_support import Serve, free_port_block, pid_alive  # noqa: E402

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("haproxy") is None, reason="apt-get install -y haproxy"),
    pytest.mark.timeout(300),
]


async def open_sessions(url: str, count: int) -> list[tuple[StreamlitSession, object]]:
    """`count` tabs, each with its own cookie jar, each after its first full run."""
    sessions = []
    for _ in range(count):
        session = StreamlitSession(url, timeout=60, cookies={})
        await session.__aenter__()
        sessions.append((session, await session.rerun()))
    return sessions


def assert_all_stopped(serve: Serve) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and any(pid_alive(p) for p in serve.children()):
        time.sleep(0.2)
    assert not [p for p in serve.children() if pid_alive(p)], serve.lines[-20:]


def test_sessions_spread_by_cookie_and_uploads_reach_their_worker():
    serve = Serve(workers=2).start()
    try:
        assert len(serve.pids) == 2 and len(serve.haproxy_pids) == 1

        async def scenario():
            sessions = await open_sessions(serve.url, 6)
            try:
                pinned = [session.cookies[COOKIE] for session, _ in sessions]
                assert all(first.ok for _, first in sessions)
                assert set(pinned) == {"w1", "w2"}, pinned  # one client address, both workers
                for session, _ in sessions:
                    assert session.session_id
                    # Its own worker holds the session: the upload is accepted ...
                    assert await asyncio.to_thread(session.upload, b"not a model") == 204
                    # ... and the other worker does not know it: stickiness is what makes it work.
                    own = session.cookies[COOKIE]
                    session.cookies[COOKIE] = "w2" if own == "w1" else "w1"
                    assert await asyncio.to_thread(session.upload, b"x") == 400
                    session.cookies[COOKIE] = own
                    again = await session.rerun()
                    assert again.ok and session.cookies[COOKIE] == own
            finally:
                for session, _ in sessions:
                    await session.__aexit__(None, None, None)

        run_async(scenario())
    finally:
        code = serve.stop()
    assert code == 0
    assert_all_stopped(serve)


def test_backends_on_other_hosts_are_balanced_to():
    """Two app machines (`--no-balancer`, each its own supervised worker on its own port) and a
    balancer-only machine (`--workers 0 --backend host:port ...`), all on loopback."""
    hosts = [Serve("--no-balancer", workers=1).start()]
    try:
        hosts.append(Serve("--no-balancer", workers=1).start())
        backends = [f"127.0.0.1:{host.ports['w1']}" for host in hosts]
        port = free_port_block(1)
        balancer = Serve("--backend", backends[0], "--backend", backends[1], port=port, workers=0)
        balancer.start()
        try:
            assert balancer.pids == {}  # it runs no app itself

            async def scenario():
                sessions = await open_sessions(balancer.url, 4)
                try:
                    assert all(first.ok for _, first in sessions)
                    assert {s.cookies[COOKIE] for s, _ in sessions} == {"r1", "r2"}
                finally:
                    for session, _ in sessions:
                        await session.__aexit__(None, None, None)

            run_async(scenario())
        finally:
            assert balancer.stop() == 0
    finally:
        for host in hosts:
            assert host.stop() == 0
    for serve in (*hosts, balancer):
        assert_all_stopped(serve)
