"""The installable package: build the wheel, check what is in it, install it into a fresh venv and
run the installed app from an empty directory (health, every page with its guidance text, and a
quick look in Chromium when it is there)."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import site
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from tests.support.run_async import run_async

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))

from st_client import StreamlitSession  # noqa: E402

from explorer.app.guidance import split  # noqa: E402
from rnnviz.serve.workers import healthy  # noqa: E402
from tools.apphost import chromium_available, free_port, launch_chromium, wait_for_charts  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

SOURCES = ("pyproject.toml", "setup.py", "README.md", "rnnviz", "explorer", "assets")
PAGE_GUIDES = {
    "": "start",
    "unroll": "unroll",
    "states": "states",
    "gradients": "gradients",
    "compare": "compare",
    "patterns": "patterns",
    "model": "model",
}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel built from a copy of the sources (so no build/ or egg-info lands in the repo),
    offline: the build backend of this environment, no isolation, no dependencies."""
    pytest.importorskip("setuptools", reason="setuptools is needed to build the wheel")
    work = tmp_path_factory.mktemp("wheel")
    source = work / "src"
    for name in SOURCES:
        if (ROOT / name).is_dir():
            ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
            shutil.copytree(ROOT / name, source / name, ignore=ignore)
        else:
            source.mkdir(exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "--no-build-isolation"]
        + ["--no-index", "-q", "-w", str(work / "dist")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if build.returncode != 0 and "No module named pip" in build.stderr:
        pytest.skip("pip is missing: it builds the wheel")
    assert build.returncode == 0, build.stderr[-3000:]
    (found,) = (work / "dist").glob("rnnviz-*.whl")
    return found


def test_wheel_holds_only_the_two_packages_and_the_guidance(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    top = {name.split("/")[0] for name in names if not name.split("/")[0].endswith(".dist-info")}
    assert top == {"rnnviz", "explorer"}
    shipped = sorted(n.removeprefix("explorer/assets/") for n in names if n.endswith(".md"))
    assert shipped == sorted(p.name for p in (ROOT / "assets").glob("*.md"))
    assert "explorer/main.py" in names
    assert "rnnviz/serve/__main__.py" in names and "rnnviz/serve/cli.py" in names
    assert not [n for n in names if n.startswith(("tests/", "benchmarks/", "tools/"))]


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory) -> Path:
    """A fresh venv with the wheel installed (--no-deps) and this environment's dependencies
    (torch, streamlit, ...) visible after its own site-packages through a .pth file: fast and
    offline. (--system-site-packages alone would show the base interpreter's packages, not this
    venv's.) Its python never sees the checkout: no PYTHONPATH, run from an empty directory."""
    target = tmp_path_factory.mktemp("venv") / "venv"
    subprocess.run(
        [sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", str(target)],
        check=True,
        timeout=120,
    )
    python = target / "bin" / "python"
    own_site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    install = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q"]
        + ["--no-index", str(wheel)],
        capture_output=True,
        text=True,
        timeout=300,
        env=clean_env(),  # with PYTHONPATH at a checkout, pip would find rnnviz installed there
    )
    assert install.returncode == 0, install.stderr[-3000:]
    # After the install: with them visible, pip would find this environment's editable rnnviz
    # "already satisfied" and install nothing.
    shared = [p for p in site.getsitepackages() if Path(p).is_dir()]
    (own_site / "zz_rnnviz_test_deps.pth").write_text("\n".join(shared) + "\n")
    return target


def clean_env() -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    return {**env, "OMP_NUM_THREADS": "1"}


def test_installed_app_serves_every_page_with_its_guidance(venv, tmp_path):
    python = venv / "bin" / "python"
    empty = tmp_path / "empty"
    empty.mkdir()
    where = subprocess.run(
        [str(python), "-c", "import explorer.main as m, rnnviz; print(m.__file__); "
         "print(rnnviz.__file__)"],
        cwd=empty, env=clean_env(), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    # Importing explorer.main runs the app's main() outside Streamlit: it may warn, not fail.
    paths = [Path(line) for line in where.stdout.split() if line.endswith(".py")]
    assert len(paths) == 2, where.stderr[-2000:]
    assert all(venv in path.parents for path in paths), paths
    main_py = paths[0]
    console = subprocess.run(
        [str(venv / "bin" / "rnnviz"), "--version"], cwd=empty, env=clean_env(),
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert console.returncode == 0 and "rnnviz" in console.stdout

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = (tmp_path / "app.log").open("wb")
    app = subprocess.Popen(
        [str(python), "-m", "streamlit", "run", str(main_py), "--server.address", "127.0.0.1",
         "--server.port", str(port), "--server.headless", "true",
         "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        cwd=empty, env=clean_env(), stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not healthy("127.0.0.1", port):
            assert app.poll() is None, (tmp_path / "app.log").read_text()[-3000:]
            time.sleep(0.3)
        assert healthy("127.0.0.1", port)

        async def every_page():
            async with StreamlitSession(url, timeout=60, cookies={}) as tab:
                status, html = await asyncio.to_thread(tab.http, "GET", "/")
                assert status == 200 and b"<html" in html.lower()
                first = await tab.rerun()
                assert first.ok, first.exceptions
                assert set(PAGE_GUIDES) <= set(first.pages)
                for path in first.pages:
                    tab.go_to(path, first.pages[path])
                    run = await tab.rerun()
                    assert run.ok, (path, run.exceptions)
                    if path in PAGE_GUIDES:
                        lead, _ = split((ROOT / "assets" / f"{PAGE_GUIDES[path]}.md").read_text())
                        assert lead in run.texts, (path, run.texts[:4])

        run_async(every_page())
        if chromium_available():
            sync_api = pytest.importorskip("playwright.sync_api")
            with sync_api.sync_playwright() as playwright:
                browser = launch_chromium(playwright)
                page = browser.new_page()
                page.goto(url + "/gradients")
                assert wait_for_charts(page) >= 1
                lead, _ = split((ROOT / "assets" / "gradients.md").read_text())
                words = re.match(r"[A-Za-z ,]+", lead)[0].strip()  # before the first formula
                assert len(words) > 8 and words in page.inner_text("body").replace("\n", " ")
                browser.close()
    finally:
        app.terminate()
        app.wait(timeout=20)
    assert "Traceback" not in (tmp_path / "app.log").read_text()
