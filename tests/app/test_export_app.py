"""Export controls on every page: chart download popovers, table CSV buttons, the page bundle,
and in the sidebar the scenario JSON and the all-pages bundle. (AppTest never runs a download
callable; tests/unit/test_export.py tests the files, tests/e2e one real download.)"""
from __future__ import annotations

import io
import zipfile

import pytest

from app_harness import (FOLDED_TABLES, PAGES, TABS, open_app, open_chart_downloads, open_download_menu, open_tab,
                         open_tables)
from dashboard.export import browser, report
from dashboard.widgets import downloads

CHARTS = {
    "overview": ["fig1-params-vs-cost", "fig2-single-chip-vs-afd"],
    "roofline": ["overlaid"],
    "context-sweep": ["costs", "kv-cache"],
    "attention": ["paper-designs", "same-body", "same-body-cost", "what-ifs", "table9", "latency-vs-context",
                  "validation-ratio"],
    "paper": ["afd-vs-paper"],
    "co-design": ["sweet-spots", "cost", "intensity", "kv-context", "sensitivity", "iso-cost", "chips-ranked"],
    "deployments": ["vs-batch", "vs-tpot", "frontier", "timeline"],
    "serving": ["split", "vs-input", "vs-output", "pairs", "vs-api"],
    "compare": ["cost-vs-context", "roofline", "afd-plan", "attention"],
}


@pytest.mark.parametrize("page", list(PAGES))
def test_page_renders_with_export_controls(page):
    at = open_app(page)
    assert not at.exception and not at.error
    closed = " ".join(el.proto.id for el in at.get("download_button"))
    assert not any(f"dl_{page}_{name}_" in closed for name in CHARTS[page]), "closed popovers draw no buttons"
    assert "dl_scenario" not in closed, "the sidebar's download menu draws its buttons only while open"
    open_chart_downloads(at, page, CHARTS[page])
    open_tables(at, page, FOLDED_TABLES.get(page, []))
    open_download_menu(at)
    assert not at.exception and not at.error
    ids = " ".join(el.proto.id for el in at.get("download_button"))
    key, tabs = TABS.get(page, (None, []))
    for label in tabs:  # the other tabs' charts
        ids += " ".join(el.proto.id for el in open_tab(at, key, label).get("download_button"))
    for name in CHARTS[page]:
        for fmt in report.FORMATS:
            assert f"dl_{page}_{name}_{fmt}" in ids, (name, fmt)
    assert "dl_scenario" in ids and "dl_" + page + "_table_" in ids, "every table has a CSV button"
    assert at.button(key=f"build_bundle_{page}").label == "Build this page's ZIP"
    assert at.button(key="build_bundle_all").label == "Build the ZIP of all pages"
    labels = [el.proto.label for el in at.get("download_button")]
    assert "Scenario (JSON)" in labels


def test_bundle_builds_with_progress_then_downloads(monkeypatch):
    """A page's ZIP is built on request (a progress bar while images render), then offered."""
    monkeypatch.setattr(browser.ImageExporter, "images", lambda self, jobs: [j[1].encode() for j in jobs])
    monkeypatch.setattr(browser.ImageExporter, "print_pdf", lambda self, html: b"%PDF report")
    at = open_download_menu(open_app("overview"))
    at.button(key="build_bundle_overview").click().run()
    assert not at.exception and not at.error
    zipped = next(el.proto for el in at.get("download_button") if "dl_bundle_overview" in el.proto.id)
    assert zipped.label == "This page (ZIP)"
    from dashboard.widgets.downloads import BUILT
    names = zipfile.ZipFile(io.BytesIO(at.session_state[BUILT]["bundle_overview"][1])).namelist()
    assert "report.html" in names and "report.pdf" in names and "summary.md" in names


def test_without_chromium_image_buttons_say_how_to_install(monkeypatch):
    monkeypatch.setattr(browser, "chromium_path", lambda: None)
    downloads.images_available.clear()
    try:
        at = open_chart_downloads(open_app("overview"), "overview", ["fig1-params-vs-cost"])
        assert not at.exception and not at.error
        by_id = {el.proto.id: el.proto for el in at.get("download_button")}
        png = next(p for i, p in by_id.items() if "dl_overview_fig1-params-vs-cost_png" in i)
        html = next(p for i, p in by_id.items() if "dl_overview_fig1-params-vs-cost_html" in i)
        assert png.disabled and "apt-get install chromium" in png.help
        assert not html.disabled
        assert any("apt-get install chromium" in c.value for c in at.caption)
    finally:
        downloads.images_available.clear()
