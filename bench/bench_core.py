"""Core speed: every model x every chip x 1024 context points in one vectorized call, against a
plain Python loop over the same points, plus `import costmodel` time; and single calls: one
(model, chip, context) through `point_cost` against `cost_grid([m], [c], x)` per point. Prints
ratios measured in one run (these machines are noisy; compare ratios, not seconds)."""
from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from costmodel import cost_grid, library, point_cost  # noqa: E402
from costmodel.cost import TOKENS_PER_UNIT, unit_costs  # noqa: E402
from costmodel.decode import decode_token  # noqa: E402


def best_of(fn, repeat: int) -> float:
    """Fastest of ``repeat`` runs of ``fn``, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def python_loop(models, chips, contexts):
    """The same numbers, one point at a time: decode_token per (model, context), then the cost
    formula in Python floats per chip."""
    out = []
    for model in models:
        per_token = [decode_token(model, c) for c in contexts]
        for chip in chips:
            unit = unit_costs(chip)
            for token in per_token:
                kv, core = float(token.kv_bytes), float(token.attention_flops)
                attention = max(core * unit.usd_per_flop, kv * unit.usd_per_byte) + token.linear_flops * unit.usd_per_flop
                out.append((attention + token.ffn_flops * unit.usd_per_flop) * TOKENS_PER_UNIT)
    return out


def per_point_calls(models, chips, contexts):
    """The library's own entry point called once per point (what a naive sweep does)."""
    return [cost_grid([m], [c], x) for m in models for c in chips for x in contexts]


def point_calls(models, chips, contexts):
    """point_cost once per point (warm: the models' reductions and chips' unit costs are kept)."""
    return [point_cost(m, c, x) for m in models for c in chips for x in contexts]


def main():
    models, chips = list(library.models().values()), list(library.chips().values())
    contexts = np.geomspace(1024, 1024 * 1024, 1024)
    points = len(models) * len(chips) * len(contexts)

    grid = cost_grid(models, chips, contexts)
    loop = np.array(python_loop(models, chips, contexts)).reshape(len(models), len(chips), len(contexts))
    assert np.allclose(loop, grid.total_usd_per_mtok, rtol=1e-12), "loop and vectorized disagree"

    vectorized = best_of(lambda: cost_grid(models, chips, contexts), 20)
    looped = best_of(lambda: python_loop(models, chips, contexts), 2)
    sample = contexts[:32]  # the per-call path is slow: time a slice and scale per point
    per_call = best_of(lambda: per_point_calls(models, chips, sample), 1) / (len(models) * len(chips) * len(sample))
    scalar = [float(x) for x in contexts[::8]]  # Python floats, as a caller passes them
    points_cost = point_calls(models, chips, scalar)  # also warms the caches
    cells = grid.total_usd_per_mtok[:, :, ::8].ravel()
    assert np.allclose([p.total_usd_per_mtok for p in points_cost], cells, rtol=1e-12, atol=0), \
        "point_cost and cost_grid disagree"
    single = best_of(lambda: point_calls(models, chips, scalar), 7) / (len(models) * len(chips) * len(scalar))

    imports = []
    for _ in range(5):
        result = subprocess.run([sys.executable, "-X", "importtime", "-c", "import costmodel"],
                                capture_output=True, text=True, cwd=Path(__file__).resolve().parents[1])
        last = [line for line in result.stderr.splitlines() if line.rstrip().endswith("| costmodel")][-1]
        imports.append(int(last.split("|")[1]) / 1e6)

    print(f"points: {len(models)} models x {len(chips)} chips x {len(contexts)} contexts = {points:,}")
    print(f"vectorized cost_grid, one call:     {vectorized * 1e3:8.2f} ms  ({vectorized / points * 1e9:8.1f} ns/point)")
    print(f"plain Python loop (per point):      {looped * 1e3:8.2f} ms  ({looped / points * 1e9:8.1f} ns/point)  "
          f"ratio {looped / vectorized:6.0f}x")
    print(f"cost_grid called once per point:    {per_call * points * 1e3:8.0f} ms  ({per_call * 1e9:8.0f} ns/point)  "
          f"ratio {per_call * points / vectorized:6.0f}x")
    print(f"point_cost, one call per point:     {single * 1e6:8.2f} us/call   ({single * 1e9:8.0f} ns/point)  "
          f"ratio {single * points / vectorized:6.0f}x; cost_grid per point / point_cost: {per_call / single:5.1f}x")
    print(f"import costmodel (cumulative, -X importtime, median of 5): {statistics.median(imports) * 1e3:.1f} ms")


if __name__ == "__main__":
    main()
