"""What only a real browser shows: the app loads, every page draws its Plotly charts, a control
change redraws them with new numbers, and text typed by a user never runs as script.

Headless Debian Chromium via Playwright (fixtures in conftest.py); skipped without /usr/bin/chromium.
Pages are found from the app's own navigation links, so a new page is tested without editing here.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tools.apphost import (
    CHART_DRAWN,
    PLOT_FINGERPRINT_JS,
    plot_fingerprint,
    wait_for_charts,
    wait_until_idle,
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

SENTENCE_LABEL = "Sentence"  # the sidebar's text area (docs/notes/app.md)
SEED_LABEL = "Seed"
# A page whose charts label their axes with the tokens (t:token), so typed text must show there.
TOKEN_PAGE = "/states"
# Pages that are a form, not a view: no chart until the user acts (uploads a model, presses
# Train). Each must show its form element instead; test_uploaded_model_... covers the upload.
FORM_PAGES = {
    "/model": "[data-testid='stFileUploader']",
    "/lab": "[data-testid='stButton'] button:has-text('Train')",
}
HOSTILE = (
    '<script>window.__pwned=1</script> <img src=x onerror="window.__pwned=1"> '
    '<a href="javascript:window.__pwned=1">javascript:window.__pwned=1</a>'
)


def nav_paths(page) -> list[str]:
    """The URL path of every page in the app's navigation (sidebar or top bar)."""
    links = page.eval_on_selector_all(
        "[data-testid='stSidebarNavLink'], [data-testid='stTopNavLink']",
        "els => els.map(e => new URL(e.href).pathname)",
    )
    return sorted(set(links))


def shown_errors(page) -> list[str]:
    """Exceptions or tracebacks on the page (a user must never see one)."""
    boxes = page.locator("[data-testid='stException']").all_inner_texts()
    return boxes + (["Traceback in page text"] if "Traceback" in page.inner_text("body") else [])


@pytest.fixture(scope="module")
def pages_in_app(app_server, browser) -> list[str]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(app_server.url)
    wait_until_idle(page)
    paths = nav_paths(page)
    context.close()
    return paths


def test_app_loads_with_navigation_and_no_error(app_server, page):
    page.goto(app_server.url)
    wait_for_charts(page)
    assert page.title().strip(), "the page has no title"
    assert page.locator("h1").count() >= 1
    assert len(nav_paths(page)) >= 5, "expected the explorer's pages in the navigation"
    assert shown_errors(page) == []


def test_every_page_draws_its_charts(app_server, page, pages_in_app):
    drawn = {}
    for path in pages_in_app:
        page.goto(app_server.url + path)
        if path in FORM_PAGES:
            form = page.locator(FORM_PAGES[path])
            try:
                form.first.wait_for(timeout=30_000)
                drawn[path] = form.count()
            except Exception:
                drawn[path] = f"form page without {FORM_PAGES[path]}"
            continue
        try:
            drawn[path] = wait_for_charts(page, timeout_ms=45_000)
        except Exception as error:  # report every page, not just the first that fails
            drawn[path] = f"no chart drawn: {type(error).__name__}"
        errors = shown_errors(page)
        if errors:
            drawn[path] = f"error shown: {errors[0][:200]}"
        else:
            # Drawn means Plotly made an SVG with marks in it, not just an empty frame.
            marks = page.locator(f"{CHART_DRAWN} .plot *, {CHART_DRAWN} .cartesianlayer *").count()
            if isinstance(drawn[path], int) and marks == 0:
                drawn[path] = "charts have no plotted marks"
    failures = {path: n for path, n in drawn.items() if not (isinstance(n, int) and n >= 1)}
    assert failures == {}, f"charts per page: {drawn}"


def chart_text(page) -> str:
    """All text Plotly drew (tick labels, node labels, titles) in every chart on the page."""
    return page.evaluate(
        "() => Array.from(document.querySelectorAll('.js-plotly-plot'))"
        ".map(gd => gd.textContent).join(' ')"
    )


def _set_text_area(page, label: str, value: str) -> None:
    box = page.get_by_label(label, exact=True)
    box.fill(value)
    box.press("Control+Enter")  # st.text_area commits on Ctrl+Enter (or on blur)


def _wait_for_new_plot(page, before: str, timeout_ms: float = 30_000) -> str:
    page.wait_for_function(
        f"(before) => ({PLOT_FINGERPRINT_JS})() !== before && "
        "document.querySelector(\"[data-testid='stApp']\").dataset.testScriptState === 'notRunning'",
        arg=before,
        timeout=timeout_ms,
    )
    return plot_fingerprint(page)


def test_changing_the_sentence_and_seed_redraws_the_charts(app_server, page):
    page.goto(app_server.url + TOKEN_PAGE)
    wait_for_charts(page)
    first = plot_fingerprint(page)
    assert first != "[]"

    _set_text_area(page, SENTENCE_LABEL, "the dog ran far away from the old red barn")
    second = _wait_for_new_plot(page, first)
    # The new tokens are drawn in the charts (SVG text), not just any redraw.
    assert "dog" in chart_text(page)

    seed = page.get_by_label(SEED_LABEL, exact=True)
    seed.fill("7")
    seed.press("Enter")
    third = _wait_for_new_plot(page, second)
    assert third not in (first, second)
    assert shown_errors(page) == []

    # The URL now holds the state: opening it elsewhere (a bookmark, a link sent to a student)
    # draws the very same figures.
    page.wait_for_function("() => location.search.includes('seed=7')")
    shared = page.context.new_page()
    shared.goto(page.url)
    wait_for_charts(shared)
    assert plot_fingerprint(shared) == third
    shared.close()


def test_lecture_mode_makes_the_text_bigger(app_server, page):
    size_js = (
        "() => parseFloat(getComputedStyle(document.querySelector("
        "\"[data-testid='stMain'] [data-testid='stMarkdownContainer'] p\")).fontSize)"
    )
    chart_font_js = (
        "() => Array.from(document.querySelectorAll('.js-plotly-plot'))"
        ".map(gd => gd._fullLayout.font.size)"
    )
    page.goto(app_server.url + TOKEN_PAGE)
    wait_for_charts(page)
    normal, normal_charts = page.evaluate(size_js), page.evaluate(chart_font_js)
    page.goto(app_server.url + TOKEN_PAGE + "?big=true")
    wait_for_charts(page)
    assert page.get_by_label("Lecture mode", exact=False).is_checked()
    assert page.evaluate(size_js) >= 1.2 * normal
    # The charts' own type grows too (tick labels and legends are what the back row must read).
    assert min(page.evaluate(chart_font_js)) >= 1.3 * max(normal_charts)


def assert_no_script_ran(page, dialogs: list[str]) -> None:
    page.wait_for_timeout(500)  # give an injected onerror time to fire, if there were one
    assert page.get_by_label(SENTENCE_LABEL, exact=True).input_value() == HOSTILE
    assert page.evaluate("() => typeof window.__pwned") == "undefined"
    assert dialogs == []
    assert page.locator("img[src='x']").count() == 0
    assert page.locator("a[href^='javascript:']").count() == 0
    assert page.locator("script:has-text('__pwned')").count() == 0
    # The hostile text was drawn, as text: its first tokens are in the charts.
    assert "script" in chart_text(page) and "__pwned" in chart_text(page)
    assert shown_errors(page) == []


def test_user_text_never_runs_as_script(app_server, page):
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(app_server.url + TOKEN_PAGE)
    wait_for_charts(page)
    before = plot_fingerprint(page)
    _set_text_area(page, SENTENCE_LABEL, HOSTILE)
    _wait_for_new_plot(page, before)
    assert_no_script_ran(page, dialogs)


def test_user_text_from_a_shared_link_never_runs_as_script(app_server, page):
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(f"{app_server.url}{TOKEN_PAGE}?text={quote(HOSTILE)}")
    wait_for_charts(page)
    assert_no_script_ran(page, dialogs)


def test_uploaded_model_is_used_by_the_other_pages(app_server, page, tmp_path):
    torch = pytest.importorskip("torch")
    model_file = tmp_path / "my_gru.pt"
    torch.save(torch.nn.GRU(input_size=5, hidden_size=3, num_layers=2).state_dict(), model_file)

    page.goto(app_server.url + "/model")
    wait_until_idle(page)
    page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(model_file)
    page.get_by_text("In use:").wait_for()
    wait_until_idle(page)
    # Clicking the link keeps this browser session (a fresh URL would start a new one).
    page.locator("[data-testid='stSidebarNavLink'][href$='/states']").click()
    page.wait_for_url("**/states*")
    wait_for_charts(page)
    assert page.get_by_label("Hidden size H", exact=True).input_value() == "3"
    assert page.get_by_label("Layers", exact=True).input_value() == "2"
    assert shown_errors(page) == []
