"""Browser latency: from a control change to the charts redrawn, in real headless Chromium.

Starts the explorer and benchmarks/trivial_app.py (one text input -> st.write, the floor any
Streamlit app pays) on free ports and drives both in the same run. One change = type a new
sentence and commit it (Ctrl+Enter in the explorer's text area, Enter in the trivial app's
input), or type a new seed + Enter. The clock starts in the page at the committing keydown and
stops at the first DOM mutation after which the script state is back to notRunning AND the drawn
content differs from before (the Plotly figures' data in the explorer, the written text in the
trivial app). Both timestamps are performance.now() in the page, so Python's overhead is out.

    .venv/bin/python benchmarks/browser_latency.py --changes 30 --page /states
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from tools.apphost import (  # noqa: E402
    APP_SCRIPT,
    PLOT_FINGERPRINT_JS,
    AppServer,
    launch_chromium,
    wait_for_charts,
    wait_until_idle,
)

TRIVIAL_APP = ROOT / "benchmarks" / "trivial_app.py"
_VOCABULARY = "the a cat dog sat ran on in far old red barn mat keys man door table gave"
WORDS = tuple(_VOCABULARY.split(" "))

# Installed once per page: records the time of the committing keydown or button click, then the first mutation after which the run
# has finished and the content fingerprint differs from the one before the change.
WATCH_JS = """([fingerprintSource]) => {
  const fingerprint = eval(fingerprintSource);
  const app = () => document.querySelector("[data-testid='stApp']");
  window.__bench = {start: null, end: null, before: null, ran: false, finished: null};
  const begin = () => {
    window.__bench = {start: performance.now(), end: null, before: fingerprint(),
                      ran: false, finished: null};
  };
  document.addEventListener('keydown', (e) => { if (e.key === 'Enter') begin(); }, true);
  document.addEventListener('click', (e) => { if (e.target.closest('button')) begin(); }, true);
  new MutationObserver(() => {
    const b = window.__bench;
    if (b.start === null || b.end !== null) return;
    const state = app().dataset.testScriptState;
    if (state === 'running') b.ran = true;
    if (state !== 'notRunning') return;
    if (b.ran && b.finished === null) b.finished = performance.now();  // the server's run ended
    if (fingerprint() !== b.before) b.end = performance.now();
  }).observe(document.body, {subtree: true, childList: true, attributes: true,
                             characterData: true});
}"""
TEXT_FINGERPRINT_JS = (
    "() => Array.from(document.querySelectorAll(\"[data-testid='stMarkdown']\"))"
    ".map(e => e.innerText).join('|')"
)


def random_sentence(rng: random.Random, max_tokens: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, max_tokens)))


def measure(page, field, value: str, commit_key: str) -> tuple[float, float]:
    """Type `value` into `field`, commit it; return the page-measured ms to the redraw and to
    the moment the browser saw the script run end (NaN if it never saw it running)."""
    field.fill(value)
    field.press(commit_key)
    page.wait_for_function("() => window.__bench.end !== null", timeout=60_000)
    wait_until_idle(page)
    return tuple(
        page.evaluate(
            "() => [window.__bench.end - window.__bench.start,"
            " (window.__bench.finished ?? NaN) - window.__bench.start]"
        )
    )


def drive(page, url: str, is_trivial: bool, args, rng: random.Random) -> dict[str, list[float]]:
    page.goto(url)
    if is_trivial:
        wait_until_idle(page)
        page.wait_for_selector("[data-testid='stMarkdown']")
    else:
        wait_for_charts(page)
    fingerprint = TEXT_FINGERPRINT_JS if is_trivial else PLOT_FINGERPRINT_JS
    page.evaluate(WATCH_JS, [fingerprint])
    times: dict[str, list[float]] = {"sentence": [], "seed": [], "run_ended": []}
    text = page.get_by_label(args.trivial_label if is_trivial else args.text_label, exact=True)
    seed = None if is_trivial else page.get_by_label(args.seed_label, exact=True)
    commit = "Enter" if is_trivial else "Control+Enter"  # st.text_area commits on Ctrl+Enter
    for i in range(args.changes):
        if seed is not None and i % 2 == 1:
            kind, field, value, key = "seed", seed, str(rng.randint(1, 10_000)), "Enter"
        else:
            kind, field, value, key = (
                "sentence",
                text,
                random_sentence(rng, args.max_tokens),
                commit,
            )
        redrawn, run_ended = measure(page, field, value, key)
        times[kind].append(redrawn)
        if run_ended == run_ended:  # not NaN
            times["run_ended"].append(run_ended)
    return times


def drive_steps(page, url: str, clicks: int) -> list[float]:
    """The Unroll page's Step button (a fragment rerun): ms from click to the graph redrawn."""
    page.goto(url)
    wait_for_charts(page)
    page.evaluate(WATCH_JS, [PLOT_FINGERPRINT_JS])
    # The step buttons are icon-only: find them by their widget key (Streamlit's st-key-<key>).
    page.locator(".st-key-first button").first.click()
    page.wait_for_function("() => window.__bench.end !== null", timeout=60_000)
    times = []
    for _ in range(clicks):
        page.locator(".st-key-step button").first.click()
        page.wait_for_function("() => window.__bench.end !== null", timeout=60_000)
        wait_until_idle(page)
        times.append(page.evaluate("() => window.__bench.end - window.__bench.start"))
    return times


def describe(name: str, values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return (
        f"{name:30s} n={len(values):3d}  p50={statistics.median(values):7.1f} ms  "
        f"p95={p95:7.1f} ms  min={ordered[0]:6.1f}  max={ordered[-1]:7.1f}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--changes", type=int, default=30, help="changes per app (>= 20)")
    parser.add_argument("--page", default="/states", help="explorer page to drive")
    parser.add_argument("--query", default="hidden=64", help="explorer URL settings (H <= 64)")
    parser.add_argument("--max-tokens", type=int, default=40, help="longest sentence T")
    parser.add_argument("--text-label", default="Sentence")
    parser.add_argument("--seed-label", default="Seed")
    parser.add_argument("--trivial-label", default="Sentence")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--step-clicks", type=int, default=20, help="Step clicks on Unroll (0: none)"
    )
    args = parser.parse_args()

    rng = random.Random(args.seed)
    with (
        AppServer(APP_SCRIPT) as app,
        AppServer(TRIVIAL_APP) as trivial,
        sync_playwright() as playwright,
    ):
        browser = launch_chromium(playwright)
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        page = context.new_page()
        url = f"{app.url}{args.page}?{args.query}" if args.query else app.url + args.page
        app_times = drive(page, url, False, args, rng)
        steps = []
        if args.step_clicks:
            long_text = "+".join(rng.choice(WORDS) for _ in range(args.step_clicks + 2))
            steps = drive_steps(
                context.new_page(), f"{app.url}/unroll?text={long_text}", args.step_clicks
            )
        trivial_times = drive(context.new_page(), trivial.url, True, args, rng)["sentence"]
        browser.close()

    every = app_times["sentence"] + app_times["seed"]
    print(f"explorer page {args.page} ({args.query}), T <= {args.max_tokens}:")
    print(describe("  explorer, new sentence", app_times["sentence"]))
    print(describe("  explorer, new seed", app_times["seed"]))
    print(describe("  explorer, all changes", every))
    print(describe("  explorer, script run ended", app_times["run_ended"]))
    if steps:
        print(describe("  explorer Unroll, Step click", steps))
    print(describe("  trivial app, new text", trivial_times))
    ratio = statistics.median(every) / statistics.median(trivial_times)
    print(f"  ratio p50 explorer / trivial = {ratio:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
