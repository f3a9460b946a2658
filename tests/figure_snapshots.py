"""Every chart, table and headline of every page for three scenarios, as digests: a refactor that
must not change a figure is checked against them (tests/unit/test_figures_unchanged.py).

A digest is the SHA-256 of a chart's figure dict as JSON (keys sorted, Plotly's encoder), of a
table's CSV, of the headlines joined. When a figure is meant to change, store the new digests:

    .venv/bin/python tests/figure_snapshots.py --write
and say in the commit which figures changed and why."""
from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

STORE = ROOT / "tests" / "data" / "figure_snapshots.json"
CUSTOM_CHIP = {"slug": "snap-chip", "name": "Snapshot chip", "vendor": "Test", "source": "a test's own chip",
               "bf16_flops": 6.0e14, "fp8_flops": 1.2e15, "mem_bw_bytes_per_s": 5.0e12, "mem_bytes": 1.2e11,
               "net_bytes_per_s": 5.0e10, "scaleup_bytes_per_s": 9.0e11, "price_usd_per_hour": 1.7}


def scenarios() -> dict:
    """The example scenario, one with a custom chip at 32K and 4-bit KV over a log sweep, and
    one with other models and precisions."""
    from dashboard.state.scenario import read_scenario
    from dashboard.state.scenario import Scenario
    from costmodel import library

    example, _ = read_scenario(ROOT / "examples" / "scenario.json")
    chip = library.parse_chip(dict(CUSTOM_CHIP), "snapshot")
    custom = Scenario(models=("step-3", "deepseek-v3"), chips=("h800", "snap-chip", "mi300x"), context=32768,
                      sweep_axis="log", kv_dtype="fp4", custom_chips=(chip,))
    other = Scenario(models=("qwen3-235b-a22b", "kimi-k2", "minimax-m1"), chips=("h20", "b200", "910b"),
                     context=4096, batch=64, weight_dtype="bf16", kv_dtype="bf16")
    return {"example": example, "custom-chip": custom, "other": other}


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def snapshot(scenario) -> dict:
    """{page: {'chart:<name>' | 'table:<name>' | 'headlines': digest}} of every page."""
    import plotly.utils

    from dashboard import pages

    out = {}
    for page in [p.slug for p in pages.REPORTED]:
        content = pages.build(page, scenario)
        digests = {f"chart:{name}": _digest(json.dumps(chart, cls=plotly.utils.PlotlyJSONEncoder, sort_keys=True))
                   for name, chart in content.charts.items()}
        digests.update({f"table:{name}": _digest(table.to_csv(index=False)) for name, table in content.tables.items()})
        digests["headlines"] = _digest("\n".join(content.headlines))
        out[page] = digests
    return out


def all_snapshots() -> dict:
    return {name: snapshot(scenario) for name, scenario in scenarios().items()}


if __name__ == "__main__":
    if "--write" not in sys.argv:
        sys.exit("usage: tests/figure_snapshots.py --write   (stores the current figures' digests)")
    STORE.write_text(json.dumps(all_snapshots(), indent=1, sort_keys=True) + "\n")
    print(f"wrote {STORE}")
