"""AFD search speed: the full search (1-64 attention x 1-16 FFN instances x the micro-batch grid)
for one chip pair, and over every (attention, FFN) chip pair of the library, best of 3 runs.
Also the same search done point by point for a slice, as the ratio a vectorized search buys."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_core import best_of  # noqa: E402
from costmodel import library  # noqa: E402
from costmodel.afd import MAX_ATTENTION_INSTANCES, MAX_FFN_INSTANCES, MICRO_BATCH_GRID, AFDSetup, evaluate  # noqa: E402
from costmodel.afd_search import search, search_chip_pairs  # noqa: E402


def main():
    chips = list(library.chips().values())
    h800 = library.chip("h800")
    setup = AFDSetup(library.model("step-3"), h800, h800, 8192)
    points = MAX_ATTENTION_INSTANCES * MAX_FFN_INSTANCES * len(MICRO_BATCH_GRID)
    one = best_of(lambda: search(setup), 5)
    pairs = best_of(lambda: search_chip_pairs(setup, chips), 3)
    slice_points = [(x, y, b) for x in range(1, 5) for y in range(1, 3) for b in MICRO_BATCH_GRID]
    loop = best_of(lambda: [evaluate(setup, x, y, b).feasible for x, y, b in slice_points], 1) / len(slice_points)
    print(f"grid per chip pair: {MAX_ATTENTION_INSTANCES} x {MAX_FFN_INSTANCES} instances x {len(MICRO_BATCH_GRID)} micro-batches = {points:,} plans")
    print(f"search, one chip pair:                 {one * 1e3:8.1f} ms")
    print(f"search, all {len(chips)}x{len(chips)} = {len(chips) ** 2} chip pairs:   {pairs * 1e3:8.1f} ms")
    print(f"point-by-point evaluation (estimated for one pair): {loop * points * 1e3:8.0f} ms  ratio {loop * points / one:5.0f}x")


if __name__ == "__main__":
    main()
