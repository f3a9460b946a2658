"""AFD sizing page in a real browser: its Plotly chart draws (the open tab's: the stage
balance), a tab switch draws its chart, the A:F ratio control moves the charts and the URL, and a
copied URL reopens the same ratio and the same charts."""
from __future__ import annotations

import re

import pytest

import browser_harness

pytestmark = pytest.mark.e2e
CHART_DATA = """() => Array.from(document.querySelectorAll('.js-plotly-plot'))
    .map(g => JSON.stringify((g.data || []).map(t => [t.name, t.x, t.y, t.base])))"""


def open_afd(page, url: str, charts: int = 1):
    page.goto(url)
    page.wait_for_function(f"""() => {{ const g = document.querySelectorAll('.js-plotly-plot');
        return g.length >= {charts} && Array.from(g).every(p => p.querySelector('.main-svg') && (p.data || []).length); }}""",
                           timeout=60_000)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000)
    return page


@pytest.fixture(autouse=True)
def settle(page):
    """Leave the shared server idle after each test (reruns still in flight slowed the next test's page)."""
    yield
    browser_harness.idle(page, 30_000)


def chart_data(page) -> list[str]:
    return page.evaluate(CHART_DATA)


def shot(page, name: str) -> None:
    browser_harness.shot(page, name, height=3200, wait_ms=1500)


def attention_slider(page):
    """The 'Attention instances (x)' slider (its input_value is the value)."""
    slider = page.get_by_role("slider", name="Attention instances (x)")
    slider.wait_for(state="visible")
    return slider


def test_afd_page_draws_its_charts(page, warm):
    open_afd(page, f"{warm}/afd?afd_context=4096")
    assert not page.get_by_text("Page not found").count()
    drawn = page.evaluate("""() => Array.from(document.querySelectorAll('.js-plotly-plot'))
        .map(g => (g.data || []).length && g.querySelectorAll('.barlayer .point, .scatterlayer path').length)""")
    assert len(drawn) == 1 and all(n > 0 for n in drawn), drawn  # the open tab's: the stage balance
    assert not page.locator('[data-testid="stException"]').count()
    assert not page.locator('[data-testid="stAlertContentError"]').count()
    at_optimum = page.get_by_role("button", name=re.compile(r"^At the optimum: \d+A\d+F")).inner_text()
    layout = re.search(r"(\d+A\d+F)", at_optimum).group(1)  # the page opens at the search's optimum
    assert page.get_by_text(f"{layout} meets the 50 ms target").count() == 1
    # issue 22: whole numbers shown whole (was '4096.00' tokens), other numbers as typed
    assert page.get_by_role("spinbutton", name="Average context (tokens)").input_value() == "4096"
    assert page.get_by_role("spinbutton", name="TPOT target (ms)").input_value() == "50"
    shot(page, "afd")
    page.get_by_role("tab", name="Three models, one SLA").click()  # drawn only once open
    page.wait_for_function("""() => Array.from(document.querySelectorAll('.js-plotly-plot'))
        .some(g => (g.data || []).some(t => t.name === 'FFN GPUs'))""", timeout=60_000)
    assert "afd_tab=Three" in page.url, "the open tab is in the URL"


def test_ratio_control_changes_chart_and_url_restores_it(page, browser, warm):
    open_afd(page, f"{warm}/afd?afd_context=4096")
    before = chart_data(page)
    thumb = attention_slider(page)
    start = int(thumb.input_value())  # the optimum's
    moved = start - 1 if start > 1 else start + 1
    thumb.focus()
    thumb.press("ArrowLeft" if moved < start else "ArrowRight")
    page.wait_for_function(f"() => window.location.search.includes('afd_attention_instances={moved}')",
                           timeout=30_000)
    status = page.get_by_text(re.compile(rf"^{moved}A\d+F (meets the 50 ms target|with micro-batch [\d,]+ misses)"))
    status.wait_for(timeout=30_000)
    shown = status.inner_text()
    after = browser_harness.settled(page, CHART_DATA, changed_from=before)
    assert after[0] != before[0], "the stage balance follows the ratio"
    url = page.url
    assert "afd_context=4096" in url

    again = browser.new_page(viewport={"width": 1500, "height": 1000})
    try:
        open_afd(again, url)
        assert attention_slider(again).input_value() == str(moved)
        assert again.get_by_text(shown, exact=True).count() == 1
        assert browser_harness.settled(again, CHART_DATA) == after
    finally:
        again.close()


def test_infeasible_ratio_is_explained(page, warm):
    open_afd(page, f"{warm}/afd?afd_context=4096&afd_attention_instances=1&afd_ffn_instances=2&afd_micro_batch=2048")
    page.get_by_text("misses the target").wait_for(timeout=30_000)
    assert page.get_by_text("exceeds the 273 us budget", exact=False).count() >= 1
    assert not page.locator('[data-testid="stException"]').count()
    shot(page, "afd-infeasible")
