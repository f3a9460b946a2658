"""The report a person would send (issue 20), printed and opened for real: the example
scenario's report.pdf rendered page by page (pypdfium2): at most 30 A4 landscape pages and 5 MB,
no page more than 70% blank, the contents' page numbers where the sections are; report.html at
most 8 MB; the report of the example scenario, of three chosen pages and of a scenario with a
custom chip and model each open offline in chromium with no console error. One bundle of the
example scenario is built for the module."""
from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import numpy as np
import pytest

from costmodel import library
from dashboard import pages
from dashboard.export import findings, report
from dashboard.state.scenario import Scenario, read_scenario

pypdfium2 = pytest.importorskip("pypdfium2")
pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
A4_LANDSCAPE_PT = (297 / 25.4 * 72, 210 / 25.4 * 72)
MAX_BLANK = 0.70  # share of a page's height with no ink


@pytest.fixture(scope="module")
def example():
    if not report.images_available():
        pytest.skip("Debian's chromium is not installed")
    scenario, _ = read_scenario(ROOT / "examples" / "scenario.json")
    contents = [page.build(scenario) for page in pages.REPORTED]
    return scenario, contents, report.bundle_files(contents, scenario, ("pdf", "html"))


@pytest.fixture(scope="module")
def pdf_pages(example):
    document = pypdfium2.PdfDocument(example[2]["report.pdf"])
    out = []
    for i in range(len(document)):
        page = document[i]
        text = page.get_textpage().get_text_range()
        grey = np.asarray(page.render(scale=50 / 72).to_pil().convert("L"))  # 50 dpi is enough to see ink
        out.append((page.get_size(), text, grey))
    return out


def blank_share(grey: np.ndarray) -> float:
    """Share of the page's pixel rows with no ink (every pixel near white)."""
    return float(1 - (grey < 235).any(axis=1).mean())


def test_pdf_pages_count_size_and_ink(example, pdf_pages):
    assert len(example[2]["report.pdf"]) <= 5_000_000 and len(example[2]["report.html"]) <= 8_000_000
    assert 10 <= len(pdf_pages) <= 30, len(pdf_pages)
    for n, (size, _, grey) in enumerate(pdf_pages, start=1):
        assert size == pytest.approx(A4_LANDSCAPE_PT, abs=1), (n, size)
        assert blank_share(grey) <= MAX_BLANK, (n, blank_share(grey))


def test_pdf_contents_page_numbers_and_footers(example, pdf_pages):
    scenario, contents, _ = example
    texts = [text for _, text, _ in pdf_pages]
    total = len(texts)
    for n, text in enumerate(texts, start=1):
        assert re.search(rf"\b{n} / {total}\b", text), f"page {n} has its number in the footer"
    title = texts[0]
    for section in ["Findings"] + [c.title for c in contents]:
        listed = int(re.search(rf"{re.escape(section)}\s+(\d+)", title.split("Contents", 1)[1]).group(1))
        body = texts[listed - 1].split("\n", 2)
        assert section in texts[listed - 1] and all(section not in t.split(" / ")[0] or i + 1 >= listed
                                                    for i, t in enumerate(texts[1:listed - 1], start=1)), section
        assert body, section
    finding = findings.findings(contents)[0].text
    assert finding.split(":")[0][:40] in re.sub(r"\s+", " ", texts[1]), "the findings come first"


def test_attention_findings_are_the_pages_figures(example):
    """The attention page (its validation takes seconds: checked here, where it is built anyway)."""
    _, contents, _ = example
    attention = next(c for c in contents if c.page == "attention")
    said = [f.text for f in findings.findings([attention])]
    speedups = attention.tables["speedups"]
    for _, row in speedups[speedups["context"] == "32K"].iterrows():
        assert f"{row['measured (x)']:.3g}× measured vs {row['modeled (x)']:.3g}× modeled over {row['MFA faster than']} " \
               f"on {row['chip']}" in said[0].replace("2.10×", "2.1×").replace("3.10×", "3.1×")
    worst = attention.tables["table9"]["error"].abs().max() * 100
    assert f"within {worst:.3g}% held out" in said[1]


def _open_offline(browser, html: bytes, tmp_path: Path, name: str) -> dict:
    """``html`` opened from disk with the network off: its charts drawn, its console silent."""
    path = tmp_path / name
    path.write_bytes(html)
    context = browser.new_context(offline=True, viewport={"width": 1400, "height": 900})
    try:
        page = context.new_page()
        errors, requests = [], []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("request", lambda r: requests.append(r.url))
        page.goto(path.as_uri())
        page.wait_for_function("() => document.body.dataset.ready === '1'", timeout=90_000)
        drawn = page.evaluate("() => Array.from(document.querySelectorAll('.js-plotly-plot')).length")
        sheets = page.evaluate("() => document.querySelectorAll('.sheet').length")
        assert not errors, errors
        assert all(url.startswith("file:") for url in requests), requests
        return {"charts": drawn, "sheets": sheets}
    finally:
        context.close()


def test_example_report_opens_offline(browser, example, tmp_path):
    _, contents, files = example
    seen = _open_offline(browser, files["report.html"], tmp_path, "report.html")
    assert seen["charts"] == sum(len(c.charts) for c in contents)


def test_three_chosen_pages_open_offline(browser, example, tmp_path):
    scenario = example[0]
    contents = [pages.build(slug, scenario) for slug in ("overview", "afd", "co-design")]
    files = report.bundle_files(contents, scenario, ("html",))
    seen = _open_offline(browser, files["report.html"], tmp_path, "three.html")
    assert seen["charts"] == sum(len(c.charts) for c in contents)
    assert "Findings" in files["report.html"].decode() and "Roofline per chip" not in files["report.html"].decode()


def test_custom_chip_and_model_report_opens_offline(browser, tmp_path):
    chip = dataclasses.replace(library.chip("h20"), slug="lab-chip", name="Lab chip <b>", price_usd_per_hour=0.9)
    model = dataclasses.replace(library.model("qwen3-32b"), slug="my-model", name="Our 32B & co")
    scenario = Scenario(models=("step-3", "my-model"), chips=("h800", "lab-chip"), custom_chips=(chip,),
                        custom_models=(model,))
    contents = [pages.build(slug, scenario) for slug in ("overview", "roofline", "context-sweep", "co-design")]
    page = report.bundle_files(contents, scenario, ("html",), appendices=False)["report.html"]
    text = page.decode()
    assert "LAB-CHIP" in text and "Our 32B &amp; co" in text and "Appendix" not in text
    seen = _open_offline(browser, page, tmp_path, "custom.html")
    assert seen["charts"] == sum(len(c.charts) for c in contents) and seen["sheets"] >= 3
