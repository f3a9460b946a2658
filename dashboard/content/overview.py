"""The Overview page's content: the paper's Figures 1 and 2 (activated parameters vs AFD cost; single
chip vs AFD totals) and the costs table."""
from __future__ import annotations

import pandas as pd

from dashboard.content import compute, labels
from dashboard.content.charts import overview as charts
from dashboard.content.page import Lazy, PageContent, page_content, usd
from dashboard.state.scenario import Scenario


def content(scenario: Scenario) -> PageContent:
    grid = compute.scenario_grid(scenario)
    afd = grid.afd()
    chips = [labels.chip_label(c) for c in grid.chips]
    rows, lines = [], []
    for i, model in enumerate(grid.models):
        a, f = int(afd.attention_chip[i, 0]), int(afd.ffn_chip[i, 0])
        best = int(grid.total_usd_per_mtok[i, :, 0].argmin())
        rows.append({"model": model.name, "AFD attention chip": chips[a], "AFD FFN chip": chips[f],  # short headers:
                     "AFD (USD/1M tok)": float(afd.total_usd_per_mtok[i, 0]),  # the table fits a 1,500 px window
                     **{f"{c} (USD/1M tok)": float(grid.total_usd_per_mtok[i, j, 0]) for j, c in enumerate(chips)}})
        lines.append(f"{model.name}: AFD ({chips[a]} attention + {chips[f]} FFN) {usd(afd.total_usd_per_mtok[i, 0])} "
                     f"per 1M tokens; best single chip {chips[best]} {usd(grid.total_usd_per_mtok[i, best, 0])}")
    return page_content("overview", Lazy({
        "fig1-params-vs-cost": lambda: charts.params_vs_cost(grid, scenario.context),
        "fig2-single-chip-vs-afd": lambda: charts.totals_bars(grid, scenario.context),
    }), Lazy({"costs": lambda: pd.DataFrame(rows)}), lines)
