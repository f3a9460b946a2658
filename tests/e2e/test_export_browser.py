"""A real download in a real browser: a chart's PNG and CSV from the overview page, and the
sidebar's scenario JSON, which the headless report command reads back."""
from __future__ import annotations

import csv
import io
import json
import struct
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e


def open_overview(page, url, query: str = ""):
    page.goto(url + "/" + query)
    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=60_000)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000)


def download(page, button_name: str, timeout: int = 60_000) -> tuple[str, bytes]:
    with page.expect_download(timeout=timeout) as info:
        page.get_by_role("button", name=button_name).last.click()
    dl = info.value
    return dl.suggested_filename, Path(dl.path()).read_bytes()


def test_chart_downloads_arrive(page, warm):
    open_overview(page, warm)
    page.get_by_role("button", name="Download chart").first.click()
    name, data = download(page, "Data (CSV)")
    assert name == "overview-fig1-params-vs-cost_step-3+deepseek-v3+qwen3-235b-a22b_h800+h20+a800+910b_8k.csv"
    rows = list(csv.DictReader(io.StringIO(data.decode())))
    step3 = next(r for r in rows if r["trace"] == "Step-3")
    assert abs(float(step3["y"]) - 0.055) < 0.0006  # paper Figure 1: Step-3 AFD at 8K
    assert step3["y axis"] == "AFD decode cost (USD per 1M tokens)"
    name, data = download(page, "PNG (2x)", timeout=120_000)  # the server's first image starts chromium
    assert name.endswith(".png") and data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", data[16:24])[0] == 2600


def test_sidebar_scenario_json_reads_back(page, warm, tmp_path):
    from dashboard.state.scenario import read_scenario

    open_overview(page, warm, "?ctx=16384")
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_role("button", name="Download").click()  # the menu draws its buttons once open
    with page.expect_download(timeout=60_000) as info:
        page.get_by_role("button", name="Scenario (JSON)").click()
    data = Path(info.value.path()).read_bytes()
    assert json.loads(data)["scenario"]["context"] == 16384
    path = tmp_path / "scenario.json"
    path.write_bytes(data)
    scenario, warnings = read_scenario(path)
    assert scenario.context == 16384 and not warnings


def test_page_bundle_builds_with_progress_and_its_report_opens_offline(page, warm, browser, tmp_path):
    """The page's ZIP, built on request in the browser; its report.html, opened from disk with the
    network off, draws every chart of the page (plotly.js embedded once) and holds its table."""
    import io
    import zipfile

    open_overview(page, warm, "")
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_role("button", name="Download").click()
    page.get_by_role("button", name="Build this page's ZIP").click()
    button = page.get_by_role("button", name="This page (ZIP)")
    button.wait_for(timeout=180_000)  # the server's first images start chromium
    with page.expect_download(timeout=60_000) as info:
        button.click()
    bundle = zipfile.ZipFile(io.BytesIO(Path(info.value.path()).read_bytes()))
    assert {"report.html", "report.pdf", "scenario.json", "summary.md"} <= set(bundle.namelist())
    assert bundle.read("report.pdf").startswith(b"%PDF")
    html = tmp_path / "report.html"
    html.write_bytes(bundle.read("report.html"))
    assert html.read_text().count("plotly.js v") == 1

    offline = browser.new_context(offline=True)
    try:
        requests = []
        report = offline.new_page()
        report.on("request", lambda r: requests.append(r.url))
        report.goto(html.as_uri())
        report.wait_for_function("() => document.body.dataset.ready === '1'", timeout=60_000)
        drawn = report.evaluate("""() => Array.from(document.querySelectorAll('.js-plotly-plot'))
            .map(g => g.querySelectorAll('.scatterlayer .point, .barlayer .point').length)""")
        assert len(drawn) == 2 and all(n > 0 for n in drawn), drawn  # the overview's two charts, drawn
        assert report.locator("figure.table table").count() == 1
        assert all(url.startswith("file:") for url in requests), requests
    finally:
        offline.close()


def test_the_export_menu_opens_on_screen(page, warm):
    """Issue 22: the sidebar's Download menu, at the sidebar's bottom, opened half off-screen.
    At the top of the sidebar its popover is whole inside the window."""
    open_overview(page, warm, "")
    page.locator('[data-testid="stSidebar"]').get_by_role("button", name="Download").click()
    last = page.get_by_role("button", name="Scenario (JSON)")
    last.wait_for(timeout=60_000)
    box, height = last.bounding_box(), page.viewport_size["height"]
    assert box["y"] >= 0 and box["y"] + box["height"] <= height, (box, height)


def test_the_overview_table_fits_a_1500_px_window(page, warm):
    """Issue 22: the overview's cost table was cut off at 1,500 px (its long headers scrolled)."""
    open_overview(page, warm, "")
    page.get_by_text("Costs as a table").click()
    page.wait_for_selector('[data-testid="stDataFrame"] .dvn-scroller', timeout=60_000)
    page.wait_for_function("""() => { const s = document.querySelector('[data-testid="stDataFrame"] .dvn-scroller');
        return s && s.clientWidth > 0 && s.scrollWidth <= s.clientWidth + 1; }""", timeout=10_000)
