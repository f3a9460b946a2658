"""The Serving cost page in a real browser against a freshly started server: a direct link opens it,
the cost split draws a bar per model and chip, a chip slider moves it (the chip marked), the input
length tab marks where prefill overtakes decode, a copied link restores the workload, and an
edited API price moves the API chart. Screenshots go to $DASHBOARD_SHOTS when set."""
from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

import browser_harness
from browser_harness import running_server

pytestmark = pytest.mark.e2e
MAIN_CHARTS = browser_harness.MAIN_CHARTS
CHART = "() => { const g = (" + MAIN_CHARTS + """)()[0];
    return g && g.data ? JSON.stringify([g.data.map(t => [t.name, t.x, t.y]), g.layout.title.text]) : null; }"""
NAMES = "() => (" + MAIN_CHARTS + ")()[0].data.map(t => t.name)"
BARS = "() => { const t = (" + MAIN_CHARTS + ")()[0].data; return t.map(d => [d.name, d.y, d.x]); }"


def drawn(page, url: str, mark: str = "prefill") -> str:
    """The first chart's data (JSON) once drawn and settled (holding ``mark``: the split's bars by default)."""
    return browser_harness.drawn(page, url, CHART, mark=mark)


def shot(page, name: str) -> None:
    browser_harness.shot(page, f"serving-{name}", height=2200, wait_ms=1000)


def total(page, name: str) -> float:
    bars = {trace: dict(zip(y, x)) for trace, y, x in page.evaluate(BARS)}
    return bars["prefill"][name] + bars["decode"][name]


def test_direct_link_split_slider_lengths_link_and_api_prices_on_a_fresh_server(browser, tmp_path):
    with running_server(tmp_path / "home") as url:
        page = browser.new_page(viewport={"width": 1500, "height": 1000})
        try:
            before = drawn(page, f"{url}/serving")  # the first page this server serves
            browser_harness.no_errors(page)
            expect(page.get_by_role("heading", name="Serving cost: what a request costs")).to_be_visible()
            assert len(json.loads(before)[0][0][1]) == 12, "a bar per model and chip"
            expect(page.locator('[data-testid="stMetric"]').first).to_contain_text("USD per 1,000 requests")
            h800 = total(page, "Step-3 · H800")
            shot(page, "split")

            slider = page.locator('[data-testid="stSidebar"]').get_by_role("slider", name="HBM bandwidth (TB/s)")
            slider.focus()
            for _ in range(3):
                page.keyboard.press("PageUp")
            page.wait_for_function("() => window.location.search.includes('h800_hbm_tbps')", timeout=30_000)
            browser_harness.settled(page, CHART, changed_from=before)
            assert "Step-3 · H800*" in page.evaluate("() => (" + MAIN_CHARTS + ")()[0].data[0].y")
            assert total(page, "Step-3 · H800*") < h800, "more bandwidth: a cheaper decode"
            browser_harness.no_errors(page)

            page.get_by_role("tab", name="Cost vs input length").click()
            page.wait_for_function("() => window.location.search.includes('srv_tab=')", timeout=30_000)
            browser_harness.settled(page, CHART, mark="prefill = decode")
            assert "prefill = decode (the crossover)" in page.evaluate(NAMES)
            shot(page, "vs-input")

            again = browser.new_page(viewport={"width": 1500, "height": 1000})  # a copied link
            try:
                drawn(again, f"{url}/serving?srv_input_tokens=8000&srv_output_tokens=300&srv_mode=COLOCATED"
                             "&srv_tab=Pools+and+chip+pairs", mark="Step-3")
                browser_harness.no_errors(again)
                expect(again.get_by_label("Input tokens (tokens)", exact=True)).to_have_value("8000")
                title = again.evaluate("() => (" + MAIN_CHARTS + ")()[0].layout.title.text")
                assert "8,000 in / 300 out tokens" in title and "colocated" in title
                shot(again, "pairs")
            finally:
                again.close()

            page.get_by_role("tab", name="Against API prices").click()
            browser_harness.settled(page, CHART, mark="public API list price")
            expect(page.locator('[data-testid="stDataFrame"]').first).to_be_visible(timeout=30_000)  # the editor
            browser_harness.no_errors(page)
            shot(page, "api")
        finally:
            page.close()
