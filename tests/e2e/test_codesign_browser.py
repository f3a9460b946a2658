"""The co-design explorer in a real browser against a real server: a direct link on a fresh
server, the heatmaps with each chip's ridge and sweet spot, a chip slider moves the charts, a
copied link restores the page's inputs, the design grid and sensitivity CSVs arrive, and a design
sent to the dashboard is selectable in the sidebar."""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

import browser_harness
from browser_harness import running_server

pytestmark = pytest.mark.e2e
CHARTS = """() => Array.from(document.querySelectorAll('.js-plotly-plot'))
    .filter(g => !g.closest('[data-testid="stSidebar"]'))
    .map(g => JSON.stringify([(g.data || []).map(t => [t.name, t.x, t.y, t.z, t.text]), (g.layout || {}).shapes,
                              ((g.layout || {}).annotations || []).map(a => a.text)]))"""
LADDER = """() => { const g = Array.from(document.querySelectorAll('.js-plotly-plot'))
    .filter(g => !g.closest('[data-testid="stSidebar"]'))[0];
    return g.layout.annotations.map(a => a.text.replace('<b>', '').replace('</b>', '')); }"""


def open_page(page, url: str, charts: int = 2):
    page.goto(url)
    page.wait_for_function(f"""() => Array.from(document.querySelectorAll('.js-plotly-plot .main-svg'))
        .filter(g => !g.closest('[data-testid="stSidebar"]')).length >= {charts}""", timeout=90_000)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=90_000)
    return page


def settled(page, changed_from=None) -> list[str]:
    """The main area's chart data once the page has settled (and differs from ``changed_from``
    when given): ``browser_harness.settled``."""
    return browser_harness.settled(page, CHARTS, changed_from)


def shot(page, name: str) -> None:
    browser_harness.shot(page, f"co-design-{name}", height=2400, wait_ms=1500)


def test_heatmaps_show_each_chips_ridge_and_sweet_spot(page, warm):
    open_page(page, f"{warm}/co-design")
    assert not page.get_by_text("Page not found").count()
    settled(page)  # the charts mounted for good (the frontend briefly shows them in another order)
    assert page.evaluate(LADDER) == ["Qwen3-235B 32", "Step-3 128", "DeepSeek-V3 512"]
    drawn = page.evaluate("""() => { const g = Array.from(document.querySelectorAll('.js-plotly-plot'))
        .filter(g => !g.closest('[data-testid="stSidebar"]'))[1];
        return {heatmaps: g.data.filter(t => t.type === 'heatmap').length,
                images: g.querySelectorAll('.hm image, .heatmaplayer image, image').length,
                rects: g.layout.shapes.filter(s => s.type === 'rect').length,
                lines: g.layout.shapes.filter(s => s.type === 'line').length,
                markers: g.querySelectorAll('.scatterlayer .point').length}; }""")
    assert drawn["heatmaps"] == 4 and drawn["images"] >= 4, drawn
    assert drawn["rects"] == 8 and drawn["lines"] == 4, "per chip: its frame, the sweet spot shaded, the ridge"
    assert drawn["markers"] >= 12, "the paper's three designs on each of the four panels"
    assert not page.locator('[data-testid="stException"]').count()
    assert not page.locator('[data-testid="stAlertContentError"]').count()
    shot(page, "design-space")


def test_chip_slider_moves_the_charts_and_the_link_restores_the_page(page, browser, warm):
    open_page(page, f"{warm}/co-design?cod_kv=4")
    before = settled(page)  # the charts mounted for good (the frontend briefly shows them in another order)
    assert page.evaluate(LADDER) == ["Qwen3-235B 64", "Step-3 256", "DeepSeek-V3 1024"], "4-bit KV doubles each"
    slider = page.locator('[data-testid="stSidebar"]').get_by_role("slider", name="HBM bandwidth (TB/s)")
    slider.focus()
    page.keyboard.press("PageDown")
    page.wait_for_function("() => window.location.search.includes('h800_hbm_tbps')", timeout=30_000)
    after = settled(page, changed_from=before)
    assert "H800*" in after[0] and "H800*" in after[1], "the ladder and the cost panels follow the slider"
    page.get_by_text("MLA", exact=True).click()
    page.wait_for_function("() => window.location.search.includes('cod_family=MLA')", timeout=30_000)
    mla = settled(page, changed_from=after)
    assert "KV latent rank" in page.evaluate("""() => Array.from(document.querySelectorAll('.js-plotly-plot'))
        .filter(g => !g.closest('[data-testid="stSidebar"]'))[1].layout.xaxis.title.text""")
    browser_harness.idle(page)
    again = browser.new_page(viewport={"width": 1500, "height": 1000})
    try:
        open_page(again, page.url)
        expect(again.locator('[data-testid="stSidebar"]').get_by_text("Modified: H800*")).to_have_count(1,
                                                                                                     timeout=30_000)
        assert settled(again) == mla
    finally:
        again.close()


def download(page, button, timeout: int = 60_000) -> tuple[str, bytes]:
    with page.expect_download(timeout=timeout) as info:
        button.click()
    return info.value.suggested_filename, Path(info.value.path()).read_bytes()


def test_design_grid_and_sensitivity_csv_arrive(page, warm):
    open_page(page, f"{warm}/co-design")
    name, data = download(page, page.get_by_role("button", name="Design grid (CSV)", exact=False))
    assert name.startswith("co-design-table-design-grid_") and name.endswith(".csv")
    rows = list(csv.DictReader(io.StringIO(data.decode())))
    assert len(rows) >= 100 and "H800 total USD per 1M tokens" in rows[0]
    own = next(r for r in rows if r["design"] == "MFA 64q/1kv x 256" and r["KV bits"] == "8"
               and r["tokens per step"] == "1")
    assert float(own["intensity (FLOPs/byte)"]) == 128
    page.get_by_role("tab", name="What a model wants: sensitivity").click()
    page.wait_for_selector("text=Table (CSV)", timeout=60_000)
    name, data = download(page, page.get_by_role("button", name="Table (CSV)").last)
    assert "sensitivity" in name and name.startswith("co-design-table-sensitivity_")
    rows = list(csv.DictReader(io.StringIO(data.decode())))
    assert len(rows) == 6 * 4 * 3 and {r["part"] for r in rows} == {"attention", "FFN", "AFD"}
    shot(page, "sensitivity")


def test_fresh_server_direct_link_and_a_design_sent_to_the_dashboard(browser, tmp_path):
    """On a freshly started server a direct link opens the page (no 'Page not found'); a design
    saved from it is selectable in the sidebar's models and as the page's base."""
    with running_server(tmp_path / "home") as url:
        page = browser.new_page(viewport={"width": 1500, "height": 1200})
        try:
            open_page(page, f"{url}/co-design?cod_family=GQA&cod_hd=128")
            assert not page.get_by_text("Page not found").count()
            page.get_by_text("Send a design to the dashboard as a custom model").click()
            page.get_by_role("button", name="Save to your library").click()
            expect(page.get_by_text("Saved Step-3 body + GQA 64q/1kv x 128 as step-3-gqa-64x1-d128")).to_be_visible(
                timeout=30_000)
            assert (tmp_path / "home" / "models" / "step-3-gqa-64x1-d128.toml").exists()
            name = "Step-3 body + GQA 64q/1kv x 128"
            open_page(page, f"{url}/?models={quote(name)}&models=Step-3", charts=2)  # the sidebar selects it
            assert name in "".join(settled(page))
            assert not page.get_by_text("cannot use").count()
            open_page(page, f"{url}/co-design?cod_base={quote(name)}")  # and this page takes it as its base
            assert f"{name} (base)" in "".join(settled(page)), "its design marked as the base"
        finally:
            page.close()


@pytest.mark.parametrize("tab", ["Intensity, KV and context per GPU", "What a chip wants", "What a model wants: FLOP/s and bandwidth",
                                 "What a model wants: chips"])
def test_every_tab_draws_in_the_browser(page, warm, tab):
    open_page(page, f"{warm}/co-design")
    page.get_by_role("tab", name=tab).click()
    page.wait_for_function("() => window.location.search.includes('cod_tab=')", timeout=30_000)
    page.wait_for_selector('.js-plotly-plot .main-svg, [data-testid="stDataFrame"]', timeout=90_000)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=90_000)
    assert not page.locator('[data-testid="stException"]').count()
    assert not page.locator('[data-testid="stAlertContentError"]').count()
    shot(page, re.sub(r"[^a-z0-9]+", "-", tab.split(":")[-1].strip().lower()).strip("-"))
