"""The report of the example scenario (issue 20): its size (report.pdf pages and MB, report.html
MB) and its time as a ratio to a one-page PNG report, both run as a user runs them (`python -m
dashboard report`, a new process and browser each, alternating, median of ROUNDS); then where
the full bundle's time goes, in one process: the pages' figures per page, the chart images
(PNG and SVG, one render per chart), report.html, report.pdf, each alone, as shares of their sum
(the report command overlaps them). Ratios only: the machine is
shared. Run: .venv/bin/python bench/bench_report.py"""
from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dashboard import pages  # noqa: E402
from dashboard.export import report  # noqa: E402
from dashboard.state.scenario import read_scenario  # noqa: E402

EXAMPLE = ROOT / "examples" / "scenario.json"
ROUNDS = 3


def commands() -> dict:
    return {"one page (overview), PNG only": ["--pages", "overview", "--formats", "png"],
            "all pages, every format": []}


def ratio() -> Path:
    """Times both reports (alternating), prints the ratio; returns the last full bundle's folder."""
    times = {label: [] for label in commands()}
    folder = Path(tempfile.mkdtemp(prefix="bench-report-"))
    for round_ in range(ROUNDS):
        for label, extra in commands().items():
            out = folder / f"out-{round_}-{len(extra)}"
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "dashboard", "report", "--scenario", str(EXAMPLE), "--out", str(out),
                            *extra], cwd=ROOT, check=True, capture_output=True)
            times[label].append(time.perf_counter() - start)
    medians = {label: statistics.median(v) for label, v in times.items()}
    one, full = medians.values()
    for label, value in medians.items():
        print(f"{label}: median of {ROUNDS} = {value / one:.2f}x the one-page PNG report")
    print(f"full bundle / one-page PNG: {full / one:.2f}x (target at most 3x)")
    return out


def sizes(out: Path) -> None:
    import pypdfium2

    pdf = (out / "report.pdf").read_bytes()
    files = [p for p in out.rglob("*") if p.is_file()]
    print(f"report.pdf: {len(pypdfium2.PdfDocument(pdf))} pages, {len(pdf) / 1e6:.2f} MB (target at most 30 pages, 5 MB); "
          f"report.html {(out / 'report.html').stat().st_size / 1e6:.2f} MB (at most 8 MB); "
          f"bundle {len(files)} files, {sum(p.stat().st_size for p in files) / 1e6:.1f} MB")


def breakdown() -> None:
    """Where the full bundle's time goes, as shares of one in-process run."""
    scenario, _ = read_scenario(EXAMPLE)
    parts = {}
    start = time.perf_counter()
    exporter = report.ImageExporter.shared()
    t = time.perf_counter()
    exporter.image(pages.build("overview", scenario).charts["fig1-params-vs-cost"], "png", 400, 300)
    parts["starting chromium (+1 image)"] = time.perf_counter() - t
    contents = []
    for page in pages.REPORTED:
        t = time.perf_counter()
        content = page.build(scenario)
        for name in content.charts:
            content.charts[name]
        for name in content.tables:
            content.tables[name]
        contents.append(content)
        parts[f"figures: {page.slug}"] = time.perf_counter() - t
    figs = [report.decorate(spec, scenario, c.page) for c in contents for spec in c.charts.values()]
    jobs = [(fig, fmt) for fig in figs for fmt in ("png", "svg")]  # a chart's PNG and SVG share one render
    t = time.perf_counter()
    exporter.images([(fig, fmt, report.WIDTH_PX, fig["layout"]["height"], report.SCALE if fmt == "png" else 1)
                     for fig, fmt in jobs])
    parts[f"{len(jobs)} chart images (PNG, SVG)"] = time.perf_counter() - t
    t = time.perf_counter()
    page, _ = report.report_document(contents, scenario)
    parts["report.html"] = time.perf_counter() - t
    t = time.perf_counter()
    exporter.print_pdf(page)
    parts["report.pdf (the page's charts drawn, printed)"] = time.perf_counter() - t
    total = time.perf_counter() - start
    print("where the full bundle's time goes (one process, each part alone, shares of their sum; the report "
          "command overlaps them: chromium starts while the figures compute, a page's images render while the "
          "next pages compute, the PDF prints while the last images render):")
    for label, value in sorted(parts.items(), key=lambda kv: -kv[1]):
        print(f"  {value / total:6.1%}  {label}")


if __name__ == "__main__":
    sizes(ratio())
    breakdown()
