"""Export: every format of a chart (PNG/PDF magic bytes and size, SVG as XML with the axis titles,
offline HTML, CSV that reads back to the plotted numbers exactly), tables, bundles, the scenario
file, and the headless `python -m dashboard report` giving the dashboard's bundle."""
from __future__ import annotations

import csv
import io
import json
import re
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from costmodel import library
from dashboard.export import browser, report
from dashboard.widgets import downloads
from dashboard import pages
from dashboard.__main__ import main
from dashboard.state.scenario import AFDInputs, Scenario, read_scenario

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = Scenario(models=("step-3", "deepseek-v3"), chips=("h800", "h20"), context=16384,
                    chip_overrides={"h800": {"price_usd_per_hour": 2.5}},
                    afd=AFDInputs(attention_chip="h20", context=8192, tpot_ms=45, attention_instances=6,
                                  chip_pairs=True))
needs_chromium = pytest.mark.skipif(not report.images_available(), reason="Debian's chromium is not installed")


@pytest.fixture(scope="module")
def overview():
    return pages.build("overview", SCENARIO)


@pytest.fixture(scope="module")
def sweep():
    return pages.build("context-sweep", SCENARIO)


def axis_titles(spec) -> list[str]:
    return [v["title"]["text"] for k, v in spec["layout"].items() if k.startswith(("xaxis", "yaxis"))]


def test_file_names_and_caption_name_the_scenario():
    stem = report.file_stem("overview", "fig2", SCENARIO)
    assert stem == "overview-fig2_step-3+deepseek-v3_h800mod+h20_16k"
    text = report.caption(SCENARIO)
    for part in ("H800*", "modified: H800* (Price)", "context 16K tokens", "KV model default", "weights FP8",
                 "decode batch 256", "costmodel 0.1.0"):
        assert part in text, part


def test_decorate_adds_caption_under_plot_keeps_titles(sweep):
    spec = sweep.charts["costs"]
    fig = report.decorate(spec, SCENARIO, "context-sweep")
    note = fig["layout"]["annotations"][-1]
    assert note["text"] == report.caption(SCENARIO, "context-sweep") and note["y"] < 0
    assert "sweep 8K–32K (linear)" in note["text"]
    assert fig["layout"]["height"] > spec["layout"]["height"]
    assert fig["layout"]["title"] == spec["layout"]["title"] and axis_titles(fig) == axis_titles(spec)
    assert "annotations" not in spec["layout"] or note not in spec["layout"]["annotations"], "input untouched"


@needs_chromium
def test_png_magic_and_size(overview):
    spec = overview.charts["fig2-single-chip-vs-afd"]
    data = report.chart_file(spec, "png", SCENARIO, "overview", "fig2")
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert width == report.WIDTH_PX * report.SCALE
    assert height == report.decorate(spec, SCENARIO)["layout"]["height"] * report.SCALE


@needs_chromium
def test_pdf_magic_and_page_size(overview):
    spec = overview.charts["fig2-single-chip-vs-afd"]
    data = report.chart_file(spec, "pdf", SCENARIO, "overview", "fig2")
    assert data.startswith(b"%PDF-") and b"%%EOF" in data[-64:]
    box = [float(v) for v in re.search(rb"/MediaBox\s*\[([^\]]*)\]", data).group(1).split()]
    height = report.decorate(spec, SCENARIO)["layout"]["height"]
    assert box[2] / box[3] == pytest.approx(report.WIDTH_PX / height, rel=0.01)


@needs_chromium
def test_svg_is_xml_with_axis_titles_and_caption(sweep):
    spec = sweep.charts["costs"]
    data = report.chart_file(spec, "svg", SCENARIO, "context-sweep", "costs")
    root = ET.fromstring(data)
    assert root.tag.endswith("svg")
    text = " ".join(t for t in root.itertext())
    for title in set(axis_titles(spec)):
        assert title in text, title
    assert "costmodel 0.1.0" in text and spec["layout"]["title"]["text"] in text


def test_html_is_standalone_offline(overview):
    spec = overview.charts["fig1-params-vs-cost"]
    html = report.chart_file(spec, "html", SCENARIO, "overview", "fig1").decode()
    assert not re.search(r"<script[^>]*\bsrc\s*=", html), "no external script"
    assert "plotly.js v" in html and len(html) > 1_000_000, "plotly.js embedded"
    assert 'id="fig1"' in html and "Plotly.newPlot" in html
    assert json.dumps(spec["layout"]["title"]["text"])[1:-1].split(" (")[0] in html
    assert "costmodel 0.1.0" in html
    assert html == report.chart_file(spec, "html", SCENARIO, "overview", "fig1").decode(), "deterministic"


@pytest.mark.parametrize("page", [page.slug for page in pages.REPORTED])
def test_chart_csv_reads_back_the_plotted_numbers_exactly(page):
    for name, spec in pages.build(page, SCENARIO).charts.items():
        rows = list(csv.DictReader(io.StringIO(report.chart_file(spec, "csv", SCENARIO, page, name).decode())))
        expected = report.chart_rows(spec)
        assert len(rows) == len(expected) > 0, name
        for row, want in zip(rows, expected):
            assert row["trace"] == want["trace"] and row["x axis"] == want["x axis"]
            for key in ("x", "y", "base"):
                value = want[key]
                if value is None:
                    assert row[key] == ""
                elif isinstance(value, float):
                    assert float(row[key]) == value, (name, key)  # exact, not approx
                else:
                    assert row[key] == str(value)


def test_table_csv_full_precision(sweep):
    table = pages.build("roofline", SCENARIO).tables["points"]
    back = pd.read_csv(io.BytesIO(report.table_csv(table)))
    assert list(back.columns) == list(table.columns)
    for column in ("FLOPs per step", "HBM bytes per step", "intensity (FLOPs/byte)"):
        assert back[column].tolist() == table[column].tolist()


def test_scenario_json_has_specs_and_reads_back(tmp_path):
    data = report.report_dict(SCENARIO)
    assert data["version"] == "0.1.0" and data["scenario"] == SCENARIO.to_dict()
    h800 = data["chips"]["h800"]
    assert h800["selected"] and not h800["custom"] and h800["overrides"] == {"price_usd_per_hour": 2.5}
    assert h800["spec"]["price_usd_per_hour"] == 2.0 and h800["spec"]["source"], "the library's spec, then the change"
    assert not data["chips"]["a800"]["selected"], "the paper's chips, used by the paper page, are listed"
    step3 = data["models"]["step-3"]
    assert step3["selected"] and step3["spec"]["attention"][0]["kind"] == "mfa"
    path = tmp_path / "scenario.json"
    path.write_bytes(report.scenario_json(SCENARIO))
    scenario, warnings = read_scenario(path)
    assert scenario == SCENARIO and not warnings
    assert Scenario.from_dict(SCENARIO.to_dict()) == SCENARIO
    path.write_text(json.dumps(SCENARIO.to_dict()))  # a bare Scenario.to_dict() is read too
    assert read_scenario(path)[0] == SCENARIO
    data["chips"]["h20"]["spec"]["mem_bw_bytes_per_s"] = 1e12  # the file's own H20: its spec is used, as h20-file
    path.write_text(json.dumps(data))
    scenario, warnings = read_scenario(path)
    assert warnings == ["chip h20: the file's mem_bw_bytes_per_s differ from the library's; the file's are used",
                        "the file's own chip h20 is kept as h20-file (h20 is a library chip, which keeps its slug)"]
    assert scenario.chip_spec("h20-file").mem_bw_bytes_per_s == 1e12 and scenario.is_custom("h20-file")
    assert scenario.chips == ("h800", "h20-file") and scenario.chip_spec("h20") == library.chip("h20")


def fake_images(monkeypatch):
    """Images and the printed report without a browser (their bytes name what they are)."""
    monkeypatch.setattr(browser.ImageExporter, "images", lambda self, jobs: [j[1].encode() for j in jobs])
    monkeypatch.setattr(browser.ImageExporter, "print_pdf", lambda self, html: b"%PDF report")
    monkeypatch.setattr(browser, "chromium_path", lambda: "/usr/bin/chromium")


def test_page_zip_lists_every_chart_format_table_scenario_summary(overview, monkeypatch):
    fake_images(monkeypatch)
    data = downloads.page_zip(overview, SCENARIO)
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    tag = "step-3+deepseek-v3_h800mod+h20_16k"
    expected = sorted([f"overview/overview-{c}_{tag}.{f}" for c in overview.charts for f in ("png", "svg", "csv")]
                      + [f"overview/overview-table-costs_{tag}.csv", "report.html", "report.pdf", "scenario.json",
                         "summary.md"])
    assert names == expected, "one report.html and report.pdf for every chart, not an HTML and a PDF per chart"
    summary = zipfile.ZipFile(io.BytesIO(data)).read("summary.md").decode()
    assert "Step-3: AFD" in summary and all(f"`{n}`" in summary for n in names)
    assert data == downloads.page_zip(overview, SCENARIO), "same inputs, same bytes"


def test_missing_chromium_keeps_html_csv_and_scenario(overview, monkeypatch):
    monkeypatch.setattr(browser, "chromium_path", lambda: None)
    files = report.bundle_files([overview], SCENARIO)
    assert not [n for n in files if n.endswith((".png", ".svg", ".pdf"))]
    assert any(n.endswith(".html") for n in files) and any(n.endswith(".csv") for n in files)
    assert "apt-get install chromium" in files["summary.md"].decode()
    with pytest.raises(browser.ImageExportError, match="apt-get install chromium"):
        report.ImageExporter().image(overview.charts["fig1-params-vs-cost"], "png", 100, 100)


def test_report_command_refuses_images_without_chromium(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(browser, "chromium_path", lambda: None)
    path = tmp_path / "s.json"
    path.write_bytes(report.scenario_json(SCENARIO))
    assert main(["report", "--scenario", str(path), "--out", str(tmp_path / "o"), "--formats", "png"]) == 2
    assert "apt-get install chromium" in capsys.readouterr().err
    assert main(["report", "--scenario", str(path), "--out", str(tmp_path / "o"), "--pages", "paper"]) == 0
    assert (tmp_path / "o" / "scenario.json").exists()
    assert not list((tmp_path / "o").rglob("*.png"))


@pytest.mark.parametrize("args, field", [
    (["--scenario", "missing.json"], "--scenario: missing.json not found"),
    (["--pages", "overview,nope"], "--pages: unknown page 'nope'"),
    (["--formats", "png,gif"], "--formats: unknown format 'gif'"),
])
def test_report_bad_input_one_message_exit_2(tmp_path, args, field):
    path = tmp_path / "s.json"
    path.write_bytes(report.scenario_json(SCENARIO))
    base = {"--scenario": str(path), "--out": str(tmp_path / "o")}
    base.update(dict(zip(args[::2], args[1::2])))
    cmd = [sys.executable, "-m", "dashboard", "report", *[x for kv in base.items() for x in kv]]
    proc = subprocess.run(cmd, cwd=tmp_path if "missing" in args[1] else ROOT, capture_output=True, text=True,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 2, proc.stderr
    assert field in proc.stderr and "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("text, field", [
    ("{", "--scenario: "), ('{"scenario": {"schema_version": 1, "batch": 0}}', "batch"),
    ('{"scenario": {"schema_version": 1, "chips": ["h999"]}}', "chip"),
    ('{"scenario": {"schema_version": 1, "colour": "red"}}', "colour"),
])
def test_report_malformed_scenario_exit_2(tmp_path, capsys, text, field):
    path = tmp_path / "s.json"
    path.write_text(text)
    assert main(["report", "--scenario", str(path), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {field}") and len(err.strip().splitlines()) == 1


def test_headless_bundle_equals_dashboard_bundle(tmp_path):
    """The sidebar's scenario file, read back by the command, gives the dashboard's all-pages
    bundle: same files, same CSV/JSON/Markdown/HTML bytes (images left out for speed)."""
    path = tmp_path / "scenario.json"
    path.write_bytes(report.scenario_json(SCENARIO))  # what the sidebar's "Scenario (JSON)" button sends
    dashboard = zipfile.ZipFile(io.BytesIO(downloads.all_pages_zip(SCENARIO, ("html", "csv"))))
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "dashboard", "report", "--scenario", str(path), "--out", str(out),
                           "--formats", "html,csv"], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    written = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert written == sorted([*dashboard.namelist(), report.MANIFEST]), "the folder has its manifest too"
    assert {p.split("/")[0] for p in written if "/" in p} == {page.slug for page in pages.REPORTED} >= {"afd"}
    tag = "step-3_h20+h800mod_8k"  # the AFD page's model, chips (H800 repriced) and context
    assert {f"afd/afd-{c}_{tag}.csv" for c in ("balance", "pipeline", "ratio-vs-context", "models")} \
        | {f"afd/afd-table-{t}_{tag}.csv" for t in ("plan", "chip-pairs")} | {"report.html"} <= set(written)
    for name in dashboard.namelist():
        assert (out / name).read_bytes() == dashboard.read(name), name


def test_headless_report_includes_the_afd_page(tmp_path):
    """`report --pages afd`: the AFD page's charts, plan and chip-pair tables and headlines, from
    the AFD inputs in the scenario file (H20 attention, 6 attention instances, 45 ms)."""
    path = tmp_path / "scenario.json"
    path.write_bytes(report.scenario_json(SCENARIO))
    assert json.loads(path.read_text())["scenario"]["afd"]["attention_instances"] == 6
    assert main(["report", "--scenario", str(path), "--out", str(tmp_path / "o"), "--pages", "afd",
                 "--formats", "csv"]) == 0
    out = tmp_path / "o"
    assert sorted(p.name for p in out.iterdir()) == ["afd", "manifest.json", "scenario.json", "summary.md"]
    content = pages.build("afd", SCENARIO)
    plan = pd.read_csv(next((out / "afd").glob("afd-table-plan_*.csv")))
    assert plan["plan"].tolist() == ["chosen", "optimum"] and plan["layout"][0].startswith("6A")
    assert plan["tokens/GPU/s (achieved)"].tolist() == content.tables["plan"]["tokens/GPU/s (achieved)"].tolist()
    pairs = pd.read_csv(next((out / "afd").glob("afd-table-chip-pairs_*.csv")))
    assert ((pairs["attention chip"] == "H20") & (pairs["FFN chip"] == "H800*")).sum() == 1
    summary = (out / "summary.md").read_text()
    assert "## AFD sizing" in summary and "- AFD sizing: Step-3 · H20 attention + H800\\* (Price) FFN" in summary
    assert "45 ms TPOT target: 6A" in summary and "Best chip pair:" in summary
    caption = report.caption(SCENARIO, "afd")
    assert "TPOT target 45 ms" in caption and "context 8K tokens" in caption
    balance = content.charts["balance"]
    assert report.decorate(balance, SCENARIO, "afd")["layout"]["annotations"][-1]["text"] == caption


def test_example_scenario_reads():
    scenario, warnings = read_scenario(ROOT / "examples" / "scenario.json")
    assert scenario.chips == ("h800", "h20") and not warnings


def test_report_html_is_one_offline_page_with_every_chart_and_table():
    contents = [pages.build(page, SCENARIO) for page in [p.slug for p in pages.REPORTED]]
    files = report.bundle_files(contents, SCENARIO, ("html", "csv"))
    page = files["report.html"].decode()
    assert page.count("plotly.js v") == 1, "plotly.js embedded once"
    assert not re.search(r"<script[^>]*\bsrc\s*=", page), "no script loaded from elsewhere (offline: the browser test)"
    assert len(files["report.html"]) <= 8_000_000
    charts = [(c.page, name) for c in contents for name in c.charts]
    tables = [(c.page, name) for c in contents for name in c.tables]
    assert all(f'id="fig-{p}-{n}"' in page for p, n in charts)
    assert page.count("<figure class=\"chart\">") == len(charts)
    attached = {(a.page_title, a.name): a for a in report.attachments(contents, SCENARIO)}
    titles = {c.page: c.title for c in contents}
    printed = [(p, n) for p, n in tables if (titles[p], n) not in attached]
    assert attached and printed and all(f'<figure class="table" id="tab-{p}-{n}">' in page for p, n in printed)
    assert page.count("<b>Figure ") == len(charts) and page.count("<b>Table ") == len(printed), "each captioned"
    for a in attached.values():  # a table the pages cannot hold is a CSV of the bundle, listed with its rows
        assert a.rows > 30 or len(a.columns) > 12 or a.name in ("kernel-factors", "public-deployments"), a
        assert a.path in files and f"{a.path}</td><td class=\"\">{a.rows:,}</td>" in page
    figures_json = json.loads(re.search(r"const FIGURES=(.*?);Promise", page).group(1).replace("<\\/", "</"))
    assert [f[0] for f in figures_json] == [f"fig-{p}-{n}" for p, n in charts]
    assert report.caption(SCENARIO, "afd") in page.replace("&#x27;", "'").replace("&amp;", "&")
    assert page == report.bundle_files(contents, SCENARIO, ("html",))["report.html"].decode(), "deterministic"


def test_report_html_escapes_user_names():
    import dataclasses

    from costmodel import library

    evil = dataclasses.replace(library.model("qwen3-32b"), slug="evil", name="<img src=x onerror=alert(1)>")
    scenario = Scenario(models=("evil",), custom_models=(evil,))
    page = report.bundle_files([pages.build("overview", scenario)], scenario, ("html",))["report.html"].decode()
    assert "<img src=x" not in page.split("const FIGURES=")[0], "names in the page's text are escaped"
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_csv_of_a_straight_series_has_every_point():
    """The FFN cost does not depend on context (a flat line) and MFA's KV grows linearly with it:
    their CSV rows, the report's data and hover carry every swept context, not two end points."""
    content = pages.build("context-sweep", SCENARIO)
    spec = content.charts["costs"]
    contexts = SCENARIO.sweep_contexts().tolist()
    ffn = [t for t in spec["data"] if t.get("xaxis") == "x2" and t["name"].startswith("Step-3")]
    assert ffn and all(t["x"] == contexts and len(set(t["y"])) == 1 for t in ffn), "flat, yet every point"
    rows = list(csv.DictReader(io.StringIO(report.chart_csv(spec).decode())))
    lines = {t["name"] for t in spec["data"] if t.get("mode") == "lines" and t.get("legendgroup") != "baseline"}
    per_trace = {}
    for row in rows:
        if row["trace"] in lines:
            per_trace.setdefault((row["trace"], row["y axis"]), []).append(float(row["x"]))
    panels = 3  # attention, FFN, total: each line once per panel
    assert per_trace and all(xs == contexts * panels for xs in per_trace.values()), "every line, every context"
