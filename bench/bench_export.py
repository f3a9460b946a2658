"""Export times per format: cold (first image of a process: starts chromium) and warm (the
same exporter again), for the heaviest chart (context sweep, 3 panels, ~50 traces).
Run: .venv/bin/python bench/bench_export.py"""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dashboard.scenario import Scenario  # noqa: E402
from dashboard import figures, report  # noqa: E402

WARM_RUNS = 5


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    scenario = Scenario()
    spec = figures.build("context-sweep", scenario).charts["costs"]
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
    contents = [figures.build(page, scenario) for page in figures.PAGES]
    start = time.perf_counter()
    files = report.bundle_files(contents, scenario)
    print(f"all-pages bundle, every format: {time.perf_counter() - start:.1f} s for {len(files)} files "
          f"({sum(map(len, files.values())) / 1e6:.0f} MB before ZIP)")


if __name__ == "__main__":
    main()
