"""Export times per format: cold (first image of a process: starts chromium) and warm (the
same exporter again), for the heaviest chart (context sweep, 3 panels, ~50 traces); then the
full headless report (`python -m dashboard report`, every page, every format: images,
report.html, report.pdf, CSV) as a ratio to a report of one page (overview) in PNG only, both
run as a user runs them (a new process and browser each), in the same run (median of ROUNDS,
alternating). Run: .venv/bin/python bench/bench_export.py"""
from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dashboard.state.scenario import Scenario  # noqa: E402
from dashboard import pages
from dashboard.export import report  # noqa: E402

WARM_RUNS = 5
ROUNDS = 3


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    scenario = Scenario()
    spec = pages.build("context-sweep", scenario).charts["costs"]
    if not report.images_available():
        print("chromium missing: images skipped. " + report.INSTALL_HINT)
    print(f"{'format':8s} {'cold (s)':>9s} {'warm median (s)':>16s} {'cold/warm':>10s}")
    for fmt in report.FORMATS:
        if fmt in report.IMAGE_FORMATS:
            if not report.images_available():
                continue
            report.ImageExporter._shared = report.ImageExporter()  # a fresh, not yet started browser
        cold = timed(lambda: report.chart_file(spec, fmt, scenario, "context-sweep", "costs"))
        warm = statistics.median(timed(lambda: report.chart_file(spec, fmt, scenario, "context-sweep", "costs"))
                                 for _ in range(WARM_RUNS))
        print(f"{fmt:8s} {cold:9.3f} {warm:16.3f} {cold / warm:10.1f}")
        if fmt in report.IMAGE_FORMATS:
            report.ImageExporter._shared.close()
    report.ImageExporter._shared = None
    if not report.images_available():
        return
    commands = {"one page, PNG only": ["--pages", "overview", "--formats", "png"],
                "all pages, every format": []}
    times = {label: [] for label in commands}
    with tempfile.TemporaryDirectory() as folder:
        scenario_file = Path(folder) / "scenario.json"
        scenario_file.write_bytes(report.scenario_json(scenario))
        for round_ in range(ROUNDS):  # alternating: the machine's load drifts
            for label, extra in commands.items():
                out = Path(folder) / f"out-{round_}-{len(extra)}"
                cmd = [sys.executable, "-m", "dashboard", "report", "--scenario", str(scenario_file), "--out",
                       str(out), *extra]
                start = time.perf_counter()
                subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True)
                times[label].append(time.perf_counter() - start)
        files = [p for p in out.rglob("*") if p.is_file()]
        size = sum(p.stat().st_size for p in files) / 1e6
        html = (out / "report.html").stat().st_size / 1e6
    medians = {label: statistics.median(values) for label, values in times.items()}
    for label, value in medians.items():
        print(f"python -m dashboard report, {label}: {value:.1f} s (median of {ROUNDS}, cold: a new process and browser)")
    one, full = medians.values()
    print(f"full report: {len(files)} files, {size:.1f} MB, report.html {html:.1f} MB")
    print(f"full report / one page PNG: {full / one:.2f}x (target at most 3x)")

if __name__ == "__main__":
    main()
