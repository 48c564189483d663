"""Shared fixtures: the app served on a free local port, and headless Chromium to look at it; and
the hypothesis profile every property test runs under (derandomized, no deadline).

Both are session-scoped (one app start, one browser launch for the whole run) and skip with a
reason when what they need is missing, so the suite still runs on a machine without a browser.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tools.apphost import APP_SCRIPT, AppServer, chromium_available, launch_chromium  # noqa: E402

try:
    from hypothesis import settings
except ImportError:  # the property tests skip themselves; nothing to configure
    settings = None
if settings is not None:
    # Same examples on every run and machine (a CI failure reproduces locally) and no per-example
    # deadline (a loaded 2-core runner is slow, not wrong). Tests keep their own max_examples.
    settings.register_profile("rnnviz", derandomize=True, deadline=None, print_blob=True)
    # `mutmut run` (pyproject.toml): a failing example is reported at once, not shrunk for minutes
    from hypothesis import Phase

    settings.register_profile(
        "mutation", derandomize=True, deadline=None, database=None, phases=(Phase.generate,)
    )
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "rnnviz"))


@pytest.fixture(scope="session")
def app_server():
    """streamlit_app.py on 127.0.0.1:<free port>, healthy, stopped at teardown."""
    if not APP_SCRIPT.exists():
        pytest.skip(f"{APP_SCRIPT.name} does not exist yet")
    server = AppServer(APP_SCRIPT).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser():
    """Headless Debian Chromium through Playwright's sync API, one per test module: Playwright's
    sync API keeps an asyncio loop on the main thread while it is open, which later tests (Dask's
    local cluster, asyncio.run) must not inherit."""
    if not chromium_available():
        pytest.skip("/usr/bin/chromium is missing: apt-get install chromium to run browser tests")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A fresh browser context (no shared cookies or session) and page at 1280x800."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(60_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def torch_one_thread():
    """One torch thread for the test, restored after (training tests: less spinning on 2 cores)."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
