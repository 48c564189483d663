"""Picture first: on every page and every lecture topic, at 1280x720 and 1920x1080, with and
without lecture mode, the main chart (the first Plotly chart) starts above the fold and at least
60% of it is on screen without scrolling.

One app server, one browser, one page. Each target is loaded once at 1280x720 (the projector) and
measured, then the window is resized to 1920x1080 and measured again: the layout is CSS and no page
reads the window size, so the reflow is what a fresh load at that size shows (checked: same chart
top and height to the pixel on all 26 targets; `python tests/browser/test_fold.py --fresh` checks
it again). That halves the page loads, the cost of this test. Run as a script it prints every
measurement instead of asserting.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tools.apphost import wait_for_charts  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.timeout(900)]

SIZES = ((1280, 720), (1920, 1080))
CHART_PATHS = ("/", "/unroll", "/states", "/gradients", "/compare", "/patterns")
TOPICS = tuple(f"/lecture?topic={n}" for n in range(1, 8))
MIN_VISIBLE = 0.6
MAIN_CHART = "[data-testid='stPlotlyChart']"


def targets() -> list[str]:
    """Every chart page and lecture topic, plain and in lecture mode."""
    plain = [*CHART_PATHS, *TOPICS]
    joined = [p + ("&" if "?" in p else "?") + "big=true" for p in plain]
    return plain + joined


def visible_fraction(page, viewport_height: int) -> tuple[float, float, float]:
    """(top, height, visible fraction) of the first Plotly chart's box in the viewport."""
    box = page.locator(MAIN_CHART).first.bounding_box()
    top, height = box["y"], box["height"]
    shown = max(0.0, min(top + height, viewport_height) - max(top, 0.0))
    return top, height, shown / height if height else 0.0


def _settled(page, height: int) -> tuple[float, float, float]:
    wait_for_charts(page)
    page.wait_for_timeout(300)  # layout settles after the last chart is drawn (or the resize)
    return visible_fraction(page, height)


def measure(browser, url: str, fresh: bool = False) -> list:
    """Open every target at the first size, then resize through the others (fresh: load it anew at
    every size instead); return (target, size, measurement) for every pair."""
    results = []
    (width, height), *others = SIZES
    context = browser.new_context(viewport={"width": width, "height": height})
    context.set_default_timeout(60_000)
    page = context.new_page()
    for target in targets():
        page.set_viewport_size({"width": width, "height": height})
        page.goto(url + target)
        results.append((target, (width, height), _settled(page, height)))
        for w, h in others:
            page.set_viewport_size({"width": w, "height": h})
            if fresh:
                page.goto(url + target)
            results.append((target, (w, h), _settled(page, h)))
    context.close()
    return results


def test_main_chart_is_on_the_first_screen(app_server, browser):
    results = measure(browser, app_server.url)
    bad = [
        f"{target} at {w}x{h}: chart top {top:.0f} px, {frac:.0%} of {ht:.0f} px visible"
        for target, (w, h), (top, ht, frac) in results
        if frac < MIN_VISIBLE
    ]
    assert not bad, "\n".join(bad)


if __name__ == "__main__":
    from playwright.sync_api import sync_playwright

    from tools.apphost import AppServer, launch_chromium

    with AppServer() as server, sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        resized = measure(chromium, server.url)
        fresh = measure(chromium, server.url, fresh=True) if "--fresh" in sys.argv else resized
        for (target, (w, h), (top, ht, frac)), (_, _, anew) in zip(resized, fresh, strict=True):
            flag = "" if frac >= MIN_VISIBLE else "  <-- FAIL"
            same = (
                ""
                if anew[:2] == (top, ht)
                else f"  <-- a fresh load: top {anew[0]:.0f}, {anew[1]:.0f}"
            )
            print(f"{w}x{h} {target:28s} top {top:5.0f} height {ht:4.0f} {frac:4.0%}{flag}{same}")
        chromium.close()
