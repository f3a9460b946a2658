"""The Context sweep page's content: cost per 1M tokens and KV size over the sweep, and where the picture
changes."""
from __future__ import annotations

from dashboard.content import compute
from dashboard.content.charts import sweep as charts
from dashboard.content.page import Lazy, PageContent, page_content
from dashboard.state.scenario import Scenario


def content(scenario: Scenario) -> PageContent:
    grid = compute.scenario_grid(scenario, scenario.sweep_contexts())
    log_x = scenario.sweep_axis == "log"
    rows = charts.crossings(grid, scenario.batch)
    key = "attention > FFN from (tokens)"
    lines = [f"{r['model']} on {r['chip']}: attention cost passes FFN cost "
             + (r[key] if isinstance(r[key], str) else "not in range" if r[key] is None else f"at {r[key]:,.0f} tokens")
             for r in rows]
    return page_content("context-sweep", Lazy({
        "costs": lambda: charts.costs(grid, log_x), "kv-cache": lambda: charts.kv(grid, scenario.batch, log_x),
    }), Lazy({"crossings": lambda: compute.frame(rows)}), lines)
