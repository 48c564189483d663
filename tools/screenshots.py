"""Screenshots of every page and every lecture topic of the explorer, at 1280x720 and 1920x1080,
with and without lecture mode, for the docs and for a look by eye.

    .venv/bin/python tools/screenshots.py                   # -> docs/screenshots/*.png
    .venv/bin/python tools/screenshots.py --out /tmp/shots --sizes 1280x720 --only unroll compare

Names: `<page>-<W>x<H>.png`, `<page>-<W>x<H>-lecture.png` (?big=true) and
`lecture-topic<n>-<W>x<H>[-lecture].png`. Pages come from the app's own navigation (the landing
page, at /, is `start`). Each PNG is reduced to a 256-colour palette (the pages are flat colours),
which keeps the whole set to a few MB.
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

SIZES = ("1280x720", "1920x1080")
TOPICS = 7
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


def targets(pages: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """(name, path with query) for every page, the lecture page replaced by its seven topics."""
    out = []
    for name, path in pages:
        if name == "lecture":
            out += [(f"lecture-topic{n}", f"{path}?topic={n}") for n in range(1, TOPICS + 1)]
        else:
            out.append((name, path))
    return out


def shrink(path: Path) -> None:
    """Re-save as a 256-colour PNG (about a third of the size; the UI is flat colour)."""
    try:
        from PIL import Image
    except ImportError:
        return
    with Image.open(path) as image:
        image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(
            path, optimize=True
        )


def capture(page, url: str, path: Path) -> str:
    """Load `url`, wait until its charts are drawn (or the run ends on a chartless page), save."""
    page.goto(url)
    try:
        charts = wait_for_charts(page, timeout_ms=45_000)
    except Exception:
        wait_until_idle(page)
        charts = 0
    page.wait_for_timeout(700)  # let Plotly finish its transitions and fonts settle
    page.screenshot(path=str(path))
    shrink(path)
    shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    return f"{shown}: {charts} chart(s)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--sizes", nargs="*", default=list(SIZES), help="WxH window sizes")
    parser.add_argument("--only", nargs="*", default=None, help="page names (e.g. unroll)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with AppServer() as server, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        for size in args.sizes:
            width, height = (int(n) for n in size.split("x"))
            context = browser.new_context(viewport={"width": width, "height": height})
            page = context.new_page()
            page.goto(server.url)
            wait_until_idle(page)
            for name, path in targets(nav_pages(page)):
                if args.only and not any(name.startswith(o) for o in args.only):
                    continue
                for lecture in (False, True):
                    joined = path + ("&" if "?" in path else "?") + LECTURE_QUERY
                    url = server.url + (joined if lecture else path)
                    shot = args.out / f"{name}-{size}{'-lecture' if lecture else ''}.png"
                    print(capture(page, url, shot), flush=True)
            context.close()
        browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
