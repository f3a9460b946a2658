"""The Deployments page in a real browser against a freshly started server: a direct link opens it
(no 'Page not found'), its three panels draw, a chip slider moves the chart (the chip marked),
the frontier tab shows the public deployments, a copied link restores the page's inputs, and
its chosen points download as CSV. Screenshots go to $DASHBOARD_SHOTS when set."""
from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from playwright.sync_api import expect

import browser_harness
from browser_harness import running_server

pytestmark = pytest.mark.e2e
MAIN_CHARTS = browser_harness.MAIN_CHARTS
CHART = "() => { const g = (" + MAIN_CHARTS + """)()[0];
    return g && g.data ? JSON.stringify([g.data.map(t => [t.name, t.x, t.y]), (g.layout.annotations || [])
        .map(a => a.text)]) : null; }"""
NAMES = "() => (" + MAIN_CHARTS + ")()[0].data.map(t => t.name)"


def drawn(page, url: str):
    return browser_harness.drawn(page, url, CHART)


def settled(page, changed_from=None) -> str:
    """The first chart's data once the page has settled (and differs from ``changed_from`` when
    given): ``browser_harness.settled``."""
    return browser_harness.settled(page, CHART, changed_from)


def shot(page, name: str) -> None:
    browser_harness.shot(page, f"deployments-{name}", height=2000, wait_ms=1000)


def test_direct_link_slider_frontier_link_and_csv_on_a_fresh_server(browser, tmp_path):
    with running_server(tmp_path / "home") as url:
        page = browser.new_page(viewport={"width": 1500, "height": 1000})
        try:
            before = drawn(page, f"{url}/deployments")  # the first page this server serves
            browser_harness.no_errors(page)
            expect(page.get_by_role("heading", name="Deployments: expert parallel, tensor parallel, AFD")).to_be_visible()
            titles = page.evaluate("() => (" + MAIN_CHARTS + ")()[0].layout.annotations.map(a => a.text)")
            assert titles[:3] == ["<b>ep: expert parallel</b>", "<b>tp: tensor parallel</b>",
                                  "<b>afd: attention-FFN disaggregation</b>"]
            assert page.locator(".js-plotly-plot .scatterlayer .trace").count() >= 36, "a line per deployment x model x chip"
            shot(page, "vs-batch")

            slider = page.locator('[data-testid="stSidebar"]').get_by_role("slider", name="HBM bandwidth (TB/s)")
            slider.focus()
            page.keyboard.press("PageUp")
            page.wait_for_function("() => window.location.search.includes('h800_hbm_tbps')", timeout=30_000)
            moved = settled(page, changed_from=before)
            assert "Step-3 · H800*" in page.evaluate(NAMES), "the moved chip is marked on the chart"
            browser_harness.no_errors(page)

            page.get_by_role("tab", name="Throughput vs interactivity").click()
            page.wait_for_function("() => window.location.search.includes('dep_tab=')", timeout=30_000)
            settled(page, changed_from=moved)
            assert "public ep deployments (measured)" in page.evaluate(NAMES)
            shot(page, "frontier")

            again = browser.new_page(viewport={"width": 1500, "height": 1000})  # a copied link
            try:
                drawn(again, f"{url}/deployments?dep_deployment=AFD&dep_gpus=16&dep_tab=Step+timeline")
                browser_harness.no_errors(again)
                expect(again.get_by_label("GPUs", exact=True)).to_have_value("16")
                assert "afd over 16 GPUs" in again.evaluate("() => (" + MAIN_CHARTS + ")()[0].layout.title.text")
                shot(again, "timeline")
            finally:
                again.close()

            # a factor set under 'efficiency' timing is held at its default, quietly, when the timing goes back
            page.get_by_text("EFFICIENCY", exact=True).click()
            page.wait_for_function("() => window.location.search.includes('dep_timing=')", timeout=30_000)
            page.get_by_text("Efficiency factors (fractions of peak reached)").click()
            hbm = page.get_by_label("HBM efficiency", exact=True)
            expect(hbm).to_be_enabled(timeout=30_000)
            hbm.fill("0.5")
            hbm.press("Enter")
            page.wait_for_function("() => window.location.search.includes('dep_hbm_efficiency=0.5')", timeout=30_000)
            page.get_by_text("KERNELS", exact=True).click()
            expect(hbm).to_be_disabled(timeout=30_000)
            expect(hbm).to_have_value("0.63")
            page.wait_for_function("() => !window.location.search.includes('dep_hbm_efficiency')", timeout=30_000)
            assert not page.get_by_text("cannot use").count(), "no warning: the user changed the timing"
            browser_harness.no_errors(page)

            page.get_by_role("tab", name="Chosen points (table)").click()
            page.wait_for_selector("text=Table (CSV)", timeout=60_000)
            with page.expect_download(timeout=60_000) as info:
                page.get_by_role("button", name="Table (CSV)").click()
            name = info.value.suggested_filename
            rows = list(csv.DictReader(io.StringIO(Path(info.value.path()).read_text())))
            assert name.startswith("deployments-table-points_") and name.endswith("_32gpus.csv"), name
            assert len(rows) == 36 and {"tokens_per_gpu_s", "tpot_ms", "bound", "mode"} <= set(rows[0])
            assert all(float(r["tpot_ms"]) <= 50.0 + 1e-9 for r in rows)
            shot(page, "points")
        finally:
            page.close()
