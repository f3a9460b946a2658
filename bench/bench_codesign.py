"""Co-design explorer benchmarks: the design space as one vectorized call, the page's compute,
and (``--felt``) the latency a user feels after a chip-slider move on the page in a real browser.

    .venv/bin/python bench/bench_codesign.py [--repeat N] [--felt] [--moves N] [--app PATH]

1. A 64 x 64 design grid (query heads per KV head 1..64 x KV heads 1..64, GQA on Step-3's body,
   8K context) over every library chip and over the paper's four chips: one
   ``costmodel.design_space.design_grid`` call each, best and median of ``--repeat`` runs (ms),
   and per design-chip cell (ns); checked against a loop of one-design calls on a sample.
2. The page's whole design space (the plane's axes x the fixed dimension's options x KV bits
   16/8/4 x 1-4 tokens per step) for the sidebar's default chips, cold (a chip slider at a new
   value: nothing cached) and warm, and the default tab's figures built and serialized as
   Streamlit sends them (ms, kB).
3. ``--felt``: ``bench_felt``'s measurement (keydown on the H800 HBM-bandwidth slider to the
   first chart's data changing, in Debian's chromium via Playwright) on /co-design and on the
   bare one-slider one-chart floor page, in the same run; prints the median ratio to the floor
   (the dashboard's target: within 2x). ``--app`` serves another entry file (default app.py).
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from costmodel import library  # noqa: E402
from costmodel.design_space import design_grid  # noqa: E402


def timed(fn, repeat: int) -> tuple[float, float, object]:
    """(best ms, median ms, last result) of ``repeat`` calls."""
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append((time.perf_counter() - t) * 1e3)
    return min(times), statistics.median(times), out


def grid_64(repeat: int) -> None:
    step3 = library.model("step-3")
    axes = {"q_per_kv": np.arange(1, 65), "n_kv": np.arange(1, 65)}
    print("1. 64 x 64 design grid (GQA on Step-3's body, 8K context), one vectorized call")
    for label, chips in (("every library chip", tuple(library.chips().values())),
                         ("the paper's four chips", tuple(library.chip(s) for s in ("h800", "h20", "a800", "910b")))):
        best, median, grid = timed(lambda: design_grid(step3, chips, 8192, "gqa", axes, head_dim=128), repeat)
        cells = grid.size * len(chips)
        print(f"   {label:<24} {len(chips):>3} chips, {grid.size:,} designs, {cells:,} cells: best {best:.2f} ms, "
              f"median {median:.2f} ms ({best * 1e6 / cells:.0f} ns per cell)")
        for i, j in ((0, 0), (31, 7), (63, 63)):
            one = design_grid(step3, chips, 8192, "gqa", q_per_kv=i + 1, n_kv=j + 1, head_dim=128)
            assert np.array_equal(one.attention_usd_per_mtok, grid.attention_usd_per_mtok[i, j])
    loop = lambda: [design_grid(step3, chips[:4], 8192, "gqa", q_per_kv=q, n_kv=k, head_dim=128)  # noqa: E731
                    for q in range(1, 9) for k in range(1, 9)]
    best, _, _ = timed(loop, 1)
    print(f"   for scale: 64 designs one call each (paper chips) {best:.1f} ms, {best / 64 * 4096:.0f} ms for 4096")


def page_compute(repeat: int) -> None:
    from dashboard.content import codesign
    from dashboard.state.scenario import Scenario

    print("2. The page's compute (sidebar defaults: the paper's models and chips, 8K)")
    scenario = Scenario()
    r = codesign.resolve(scenario, codesign.CodesignInputs())
    colds = []
    for k in range(repeat):  # a chip slider at a value never seen: the whole space again
        chips = tuple(c.with_changes(mem_bw_bytes_per_s=c.mem_bw_bytes_per_s * (1 + 1e-3 * (k + 1))) for c in r.chips)
        t = time.perf_counter()
        grid = codesign.full_grid(r.base, r.family, chips, r.context, r.weight_dtype, r.dim)
        colds.append((time.perf_counter() - t) * 1e3)
    print(f"   whole design space ({grid.size:,} designs x {len(r.chips)} chips) cold: best {min(colds):.2f} ms, "
          f"median {statistics.median(colds):.2f} ms")
    codesign._plane.cache_clear()
    t = time.perf_counter()
    view = codesign.view(scenario)
    specs = {name: view.content.charts[name] for name in ("sweet-spots", "cost")}  # the default tab's
    build = (time.perf_counter() - t) * 1e3
    t = time.perf_counter()
    sizes = {name: len(json.dumps(spec)) for name, spec in specs.items()}
    dump = (time.perf_counter() - t) * 1e3
    print(f"   default tab's figures built {build:.1f} ms, serialized {dump:.1f} ms: "
          + ", ".join(f"{name} {len(spec['data'])} traces {sizes[name] / 1e3:.0f} kB" for name, spec in specs.items()))
    best, median, table = timed(lambda: codesign.design_table.__wrapped__(view.resolved), repeat)
    print(f"   design grid table (the CSV): {len(table):,} designs, best {best:.1f} ms")


def felt(moves: int, app: Path, compare: list[str]) -> int:
    import bench_felt as bf

    print("3. Felt latency on /co-design: keydown on the H800 HBM-bandwidth slider -> first chart's data changed")
    results = bf.measure(["co-design", *compare], moves, 10.0, app)  # other pages measured alike, for scale
    if results["errors"]:
        print("   FAILED: " + " | ".join(results["errors"].values()))
        return 1
    floor, page = results["floor_ms"], results["pages"]["co-design"]
    print(f"   floor {floor:.1f} ms (before {results['floor_before']['median_ms']:.1f}, after "
          f"{results['floor_after']['median_ms']:.1f}); co-design median {page['median_ms']:.1f} ms, p90 "
          f"{page['p90_ms']:.1f} ms: {page['ratio']:.2f}x floor (target: within 2x)")
    for name in compare:
        print(f"   for scale, {name} in the same run: median {results['pages'][name]['median_ms']:.1f} ms, "
              f"{results['pages'][name]['ratio']:.2f}x floor")
    if "app" in results["tracebacks"]:
        print("   the app's server log has a traceback:\n" + results["tracebacks"]["app"])
        return 1
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20, help="runs per timing (best and median shown)")
    parser.add_argument("--felt", action="store_true", help="also measure the felt latency in a real browser")
    parser.add_argument("--moves", type=int, default=10, help="slider moves for --felt (the first discarded)")
    parser.add_argument("--app", type=Path, default=ROOT / "app.py", help="entry file served for --felt")
    parser.add_argument("--compare", default="", help="with --felt: also these pages of bench_felt, comma-separated "
                                                     "(e.g. overview,attention), measured in the same run")
    args = parser.parse_args()
    grid_64(max(1, args.repeat))
    page_compute(max(1, args.repeat))
    compare = [p.strip() for p in args.compare.split(",") if p.strip()]
    return felt(max(8, args.moves), args.app, compare) if args.felt else 0


if __name__ == "__main__":
    sys.exit(main())
