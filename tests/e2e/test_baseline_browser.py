"""A pinned baseline in a real browser: pin the AFD page, move the H800's bandwidth slider, and the
ghosts (named 'baseline') and the key figures' changes appear; the copied link, opened in a fresh
browser context, shows the same ghosts and the same changes. Screenshots in $DASHBOARD_SHOTS."""
from __future__ import annotations

import pytest

import browser_harness

pytestmark = pytest.mark.e2e
CHARTS = """() => Array.from(document.querySelectorAll('.js-plotly-plot'))
    .filter(g => !g.closest('[data-testid="stSidebar"]'))
    .map(g => JSON.stringify((g.data || []).map(t => [t.name, t.x, t.y])))"""
DELTAS = """() => Array.from(document.querySelectorAll('[data-testid="stMetricDelta"]')).map(d => d.innerText.trim())"""
STATE = "() => [" + CHARTS[6:] + ", " + DELTAS[6:] + "]"


def open_afd(page, url: str) -> None:
    page.add_init_script(browser_harness.RUN_COUNTER)
    page.goto(url)
    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=60_000)
    browser_harness.idle(page)


def test_pin_move_copy_the_link_and_a_fresh_context_shows_the_same_comparison(page, browser, warm):
    open_afd(page, f"{warm}/afd")
    browser_harness.mark_runs(page)
    page.get_by_role("button", name="Pin as baseline").click()
    page.wait_for_function("() => window.location.search.includes('baseline=')", timeout=30_000)
    browser_harness.after_rerun(page)
    slider = page.locator('[data-testid="stSidebar"]').get_by_role("slider", name="HBM bandwidth (TB/s)")
    slider.focus()
    page.keyboard.press("PageUp")
    page.wait_for_function("() => window.location.search.includes('h800_hbm_tbps')", timeout=30_000)
    charts, deltas = browser_harness.settled(page, STATE, mark="baseline: ")
    assert any("baseline: " in c for c in charts), "the moved series have ghosts"
    assert any(d.endswith("vs baseline") and not d.startswith("±") for d in deltas), deltas
    browser_harness.shot(page, "baseline-afd-pinned", height=1400, wait_ms=0)
    url = page.url

    context = browser.new_context(viewport={"width": 1500, "height": 1000})
    try:
        fresh = context.new_page()
        open_afd(fresh, url)
        again = browser_harness.settled(fresh, STATE, mark="baseline: ")
        assert again == [charts, deltas], "the same ghosts and the same changes"
        browser_harness.shot(fresh, "baseline-afd-fresh-context", height=1400)
    finally:
        context.close()
