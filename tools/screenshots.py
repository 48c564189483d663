"""Screenshots of every page of the explorer at 1280x800, for the docs and for a look by eye.

    .venv/bin/python tools/screenshots.py            # -> docs/screenshots/<page>.png
    .venv/bin/python tools/screenshots.py --out /tmp/shots --lecture states gradients

Pages come from the app's own navigation; `<page>-lecture.png` shows lecture mode (?big=true,
projector-sized type) for the pages named with --lecture.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.sync_api import sync_playwright  # noqa: E402

from tools.apphost import (  # noqa: E402
    ROOT,
    AppServer,
    launch_chromium,
    wait_for_charts,
    wait_until_idle,
)

VIEWPORT = {"width": 1280, "height": 800}
LECTURE_QUERY = "big=true"


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "page"


def nav_pages(page) -> list[tuple[str, str]]:
    """(file name, url path) for every navigation link; the default page is named by its title."""
    links = page.eval_on_selector_all(
        "[data-testid='stSidebarNavLink'], [data-testid='stTopNavLink']",
        # the link's text is "<icon name>\n<title>": keep the title
        "els => els.map(e => [e.innerText.split('\\n').pop(), new URL(e.href).pathname])",
    )
    return [(slug(path.strip("/") or title), path) for title, path in links]


def capture(page, url: str, path: Path) -> str:
    """Load `url`, wait until its charts are drawn (or the run ends on a chartless page), save."""
    page.goto(url)
    try:
        charts = wait_for_charts(page, timeout_ms=30_000)
    except Exception:
        wait_until_idle(page)
        charts = 0
    page.wait_for_timeout(700)  # let Plotly finish its transitions and fonts settle
    page.screenshot(path=str(path))
    return f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}: {charts} chart(s)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--lecture", nargs="*", default=["unroll", "gradients"])
    # Streamlit scrolls inside its main block, so a "full page" shot is a taller window instead.
    parser.add_argument("--height", type=int, default=VIEWPORT["height"], help="window height")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with AppServer() as server, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        viewport = {**VIEWPORT, "height": args.height}
        page = browser.new_context(viewport=viewport).new_page()
        page.goto(server.url)
        wait_until_idle(page)
        pages = nav_pages(page)
        for name, path in pages:
            shot = args.out / f"{name}.png"
            print(capture(page, server.url + path, shot), flush=True)
        for name, path in pages:
            if name in args.lecture:
                url = f"{server.url}{path}?{LECTURE_QUERY}"
                shot = args.out / f"{name}-lecture.png"
                print(capture(page, url, shot), flush=True)
        browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
