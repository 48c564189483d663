"""asyncio.run for tests that share a session with the browser tests: Playwright's sync API keeps an
event loop running on the main thread, where asyncio.run refuses, so the coroutine runs in a thread."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor


def run_async(coroutine):
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
