"""The report as a document (issue 20): numbers formatted in one place from the declared result
fields, sheets laid out two charts or a chart and its table to a page, and findings whose
numbers are the pages' own (read from both here)."""
from __future__ import annotations

import math
import re
from pathlib import Path

import pandas as pd
import pytest

from dashboard import pages
from dashboard.export import findings, layout, numbers, report
from dashboard.state.scenario import read_scenario

ROOT = Path(__file__).resolve().parents[2]
PAGES = ("overview", "roofline", "context-sweep", "afd", "deployments", "serving", "paper", "co-design")  # attention: e2e module


@pytest.fixture(scope="module")
def example():
    scenario, _ = read_scenario(ROOT / "examples" / "scenario.json")
    return scenario, {slug: pages.build(slug, scenario) for slug in PAGES}


@pytest.mark.parametrize("value, unit, text", [
    (0.0632797, "", "0.0633"), (1.96495e11, "", "1.96×10¹¹"), (False, "", "no"), (True, "", "yes"),
    (1.32384, "x", "1.32×"), (12.0200398798, "%", "12.0%"), (2115.0, "", "2,115"), (6768, "", "6,768"),
    (19332697.7, "", "1.93×10⁷"), (0.0001234, "", "1.23×10⁻⁴"), (999.96, "", "1,000"), (None, "", "–"),
    (float("nan"), "", "–"), (276.62, "", "277"), (-0.0411, "", "-0.0411"),
])
def test_numbers_three_significant_figures_units_and_words(value, unit, text):
    assert numbers.number(value, unit) == text


def test_table_columns_and_scales_come_from_the_declared_results():
    """The speedups table's `error` is a fraction (0.00808 beside speedups of 1.32): the
    report shows it in % under its declared title; a booleans column as words."""
    frame = pd.DataFrame({"error": [0.00808, -0.0519], "measured (x)": [1.32384, 3.3], "TPOT (ms)": [48.8985, 50.0],
                          "meets the target": [True, False], "measured_us": [281.0, 1452.0]})
    shown = numbers.table(frame)
    assert list(shown.columns) == ["error (model vs measured) (%)", "measured (x)", "TPOT (ms)", "meets the target",
                                   "measured latency (µs)"]
    assert shown.values.tolist() == [["0.808%", "1.32×", "48.9", "yes", "281"], ["-5.19%", "3.30×", "50", "no", "1,452"]]


def _chart(height=460):
    return layout.Block("chart", height)


def test_sheets_hold_two_charts_and_keep_a_heading_with_what_follows():
    blocks = [layout.Block("heading", 60, keep=True), _chart(), _chart(), _chart(), layout.Block("heading", 60, keep=True),
              _chart(500), _chart(300)]
    sheets = layout.paginate(blocks, first_page=2)
    assert [[b.kind for b in s.blocks] for s in sheets] == [["heading", "chart", "chart"], ["chart", "heading", "chart"], ["chart"]]
    assert [b.sheet for b in blocks] == [2, 2, 2, 3, 3, 3, 4]
    for sheet in sheets:
        charts = [b for b in sheet.blocks if b.kind == "chart"]
        used = sum(b.height * (b.zoom if b.kind == "chart" else 1) + (layout.CAPTION_PX if b.kind == "chart" else 0)
                   for b in sheet.blocks)
        assert used <= layout.BODY_H_PX + 1 and all(layout.MIN_ZOOM <= b.zoom <= layout.MAX_ZOOM for b in charts)


@pytest.mark.parametrize("rows, columns, where", [(3, 6, "body"), (18, 9, "appendix"), (58, 6, "attachment"),
                                                  (2, 20, "transposed"), (18, 37, "attachment"), (1608, 20, "attachment")])
def test_long_or_wide_tables_become_attachments(rows, columns, where):
    assert layout.placement(rows, columns) == where


def _numbers_in(text: str) -> list[float]:
    return [float(m.replace(",", "")) for m in re.findall(r"(?<![\w.])-?\d[\d,]*(?:\.\d+)?", text)]


def shows(text: str, value: float) -> bool:
    """``text`` states ``value`` to 3 significant figures (a whole number exactly)."""
    value = float(value)
    if value.is_integer() and abs(value) < 1e6:
        return value in _numbers_in(text)
    step = 10 ** (math.floor(math.log10(abs(value))) - 2)
    return any(abs(x - value) <= step / 2 + 1e-12 for x in _numbers_in(text))


def test_findings_state_the_pages_own_figures(example):
    scenario, contents = example
    found = findings.findings(list(contents.values()))
    by_page = {}
    for f in found:
        by_page.setdefault(f.page, []).append(f)
        assert f.chart in contents[f.page].charts, f
    assert set(by_page) == set(PAGES)

    costs = contents["overview"].tables["costs"]
    chips = [c for c in costs.columns if c.endswith("(USD/1M tok)")]
    for _, row in costs.iterrows():
        text = next(f.text for f in by_page["overview"] if f.text.startswith(row["model"] + " decodes"))
        assert shows(text, min(row[c] for c in chips)), text
    assert shows(by_page["overview"][0].text, costs["AFD (USD/1M tok)"].min())

    plan = contents["afd"].tables["plan"].iloc[0]
    text = by_page["afd"][0].text
    assert plan["layout"] in text and plan["binding constraint"] in text
    for column in ("TPOT (ms)", "tokens/GPU/s (achieved)", "USD per 1M tokens", "GPUs", "micro-batch"):
        assert shows(text, plan[column]), (column, text)
    models = contents["afd"].charts["models"]["data"]
    for i, name in enumerate(models[0]["x"]):
        part = by_page["afd"][1].text.split(name, 1)[1].split(";")[0]
        assert shows(part, models[0]["y"][i]) and shows(part, models[1]["y"][i] + models[2]["y"][i]), part

    crossings = contents["context-sweep"].tables["crossings"]
    fills = by_page["context-sweep"][-1].text
    for _, row in crossings.iterrows():
        said = row.iloc[3]
        assert f"{row['model']} on {row['chip']} " + ("" if said == "already at sweep start" else "from ") + said in fills

    points = contents["roofline"].tables["points"]
    for _, row in points[points["part"] == "attention core"].iterrows():
        text = next(f.text for f in by_page["roofline"] if f.text.startswith(f"On {row['chip']} "))
        assert f"{row['model']} {row['intensity (FLOPs/byte)']:.0f} FLOPs/byte ({row['bound']})" in text

    cells = contents["paper"].tables["cells"]
    assert by_page["paper"][0].text.startswith(f"{int(cells['match'].sum())} of {len(cells)} cells")

    refs = contents["co-design"].tables["designs-vs-ridges"]
    for f, (_, row) in zip(by_page["co-design"], refs.iterrows()):
        assert f.text.startswith(row["model"]) and shows(f.text, row["intensity now (FLOPs/byte)"])

    deployed = contents["deployments"].tables["points"]
    for f in by_page["deployments"]:
        rows = deployed[deployed["deployment"] == f.text.split()[0]]
        assert shows(f.text, rows["tokens_per_gpu_s"].max()), f.text

    # the serving finding of the cheapest model states the page's key figures (its own view)
    from dashboard.content import serving

    view = serving.view(scenario)
    figures = {label: value for label, value, *_ in serving.key_figures(view)}
    text = next(f.text for f in by_page["serving"] if f.text.startswith(f"A request of {view.best.model} "))
    assert f"on {view.best.chip} " in text
    assert figures["USD per 1,000 requests"] in text and figures["USD per 1M output tokens"] in text, (figures, text)
    assert shows(text, float(figures["TTFT / TPOT"].split(" / ")[1].split()[0])), text


def test_the_report_lists_each_attachment_with_its_rows(example):
    scenario, contents = example
    attached = report.attachments(list(contents.values()), scenario)
    tables = {(c.title, name): t for c in contents.values() for name, t in c.tables.items()}
    assert {a.name for a in attached} >= {"design-grid", "chip-pairs", "cells", "points"}
    for a in attached:
        assert a.rows == len(tables[(a.page_title, a.name)]) and len(a.columns) == tables[(a.page_title, a.name)].shape[1]
