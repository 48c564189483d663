"""Cold session: a fresh browser (new context: no cookies, no session) opens the explorer's first
page; how long until its first chart is drawn, against a one-chart Streamlit app in the same run.

Both servers are started and visited once first (the explorer warms its engine then, as it does
for the first visitor of a real server), so what is measured is what every later student pays:
a new session's first run, websocket, Plotly's JS and the first chart's drawing.

    .venv/bin/python benchmarks/cold_start.py --sessions 10 --query big=true
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from tools.apphost import APP_SCRIPT, CHART_DRAWN, AppServer, launch_chromium  # noqa: E402

ONE_CHART_APP = ROOT / "benchmarks" / "one_chart_app.py"


def first_chart_ms(browser, url: str) -> float:
    """ms from navigation start to the first Plotly SVG in a brand-new context."""
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    start = time.perf_counter()
    page.goto(url, wait_until="commit")
    page.wait_for_selector(CHART_DRAWN, timeout=120_000)
    elapsed = (time.perf_counter() - start) * 1000
    context.close()
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=10, help="fresh sessions per app")
    parser.add_argument("--page", default="/", help="explorer page (the landing page is /)")
    parser.add_argument("--query", default="big=true", help="URL settings (lecture mode)")
    args = parser.parse_args()
    with (
        AppServer(APP_SCRIPT) as app,
        AppServer(ONE_CHART_APP) as floor,
        sync_playwright() as playwright,
    ):
        browser = launch_chromium(playwright)
        url = f"{app.url}{args.page}" + (f"?{args.query}" if args.query else "")
        first_visit = first_chart_ms(browser, url)  # the server's very first visitor
        first_chart_ms(browser, floor.url)
        explorer, trivial = [], []
        for _ in range(args.sessions):  # interleaved, so both see the same load
            explorer.append(first_chart_ms(browser, url))
            trivial.append(first_chart_ms(browser, floor.url))
        browser.close()
    e, t = statistics.median(explorer), statistics.median(trivial)
    print(f"explorer {args.page}?{args.query}: server's first visitor {first_visit:.0f} ms")
    print(
        f"  fresh session -> first chart: p50 {e:.0f} ms (min {min(explorer):.0f}, max {max(explorer):.0f})"
    )
    print(f"one-chart app: p50 {t:.0f} ms (min {min(trivial):.0f}, max {max(trivial):.0f})")
    print(f"  ratio p50 explorer / one-chart app = {e / t:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
