"""What each page shows, as data: its charts (figure dicts), tables (DataFrames) and headline
numbers, built from a Scenario. The pages draw this; the report bundle and the headless
``python -m costmodel report`` export it, so a report always holds the figures of the screen.
No Streamlit here."""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from costmodel.scenario import PAPER_MODELS, Scenario

from . import compute, labels, variants
from .charts import attention, overview, paper, roofline, sweep


@dataclass
class PageContent:
    """One page's exportable content. ``charts``/``tables``: {short name: figure dict /
    DataFrame}, in display order; ``headlines``: Markdown bullet lines for the summary."""

    page: str
    title: str
    charts: dict = field(default_factory=dict)
    tables: dict = field(default_factory=dict)
    headlines: list = field(default_factory=list)


def _usd(value: float) -> str:
    return f"${value:.4f}"


def overview_page(scenario: Scenario) -> PageContent:
    grid = compute.scenario_grid(scenario)
    afd = grid.afd()
    chips = [labels.chip_label(c) for c in grid.chips]
    rows, lines = [], []
    for i, model in enumerate(grid.models):
        a, f = int(afd.attention_chip[i, 0]), int(afd.ffn_chip[i, 0])
        best = int(grid.total_usd_per_mtok[i, :, 0].argmin())
        rows.append({"model": model.name, "AFD attention chip": chips[a], "AFD FFN chip": chips[f],
                     "AFD total (USD per 1M tokens)": float(afd.total_usd_per_mtok[i, 0]),
                     **{f"{c} total (USD per 1M tokens)": float(grid.total_usd_per_mtok[i, j, 0])
                        for j, c in enumerate(chips)}})
        lines.append(f"{model.name}: AFD ({chips[a]} attention + {chips[f]} FFN) {_usd(afd.total_usd_per_mtok[i, 0])} "
                     f"per 1M tokens; best single chip {chips[best]} {_usd(grid.total_usd_per_mtok[i, best, 0])}")
    return PageContent("overview", "Overview", {
        "fig1-params-vs-cost": overview.params_vs_cost(grid, scenario.context),
        "fig2-single-chip-vs-afd": overview.totals_bars(grid, scenario.context),
    }, {"costs": pd.DataFrame(rows)}, lines)


def roofline_page(scenario: Scenario) -> PageContent:
    models, chips = scenario.model_specs(), scenario.chip_specs()
    points = compute.roofline_points(models, chips, scenario.batch, scenario.context, scenario.kv_dtype,
                                     scenario.weight_dtype)
    lines = [f"{labels.chip_label(c)}: ridge point {c.ridge_point(scenario.weight_dtype):.0f} FLOPs/byte"
             for c in chips]
    lines += [f"{p['model']} attention core on {p['chip']}: {p['intensity']:.1f} FLOPs/byte, {p['bound']}"
              for p in points if p["kind"] == "attention core"]
    return PageContent("roofline", "Roofline per chip", {
        "overlaid": roofline.overlaid(chips, points, scenario.weight_dtype, scenario.context, scenario.batch),
        "per-chip": roofline.faceted(chips, points, models, scenario.weight_dtype, scenario.context, scenario.batch),
    }, {"points": compute.roofline_table(points)}, lines)


def sweep_page(scenario: Scenario) -> PageContent:
    grid = compute.scenario_grid(scenario, scenario.sweep_contexts())
    log_x = scenario.sweep_axis == "log"
    rows = sweep.crossings(grid, scenario.batch)
    key = "attention > FFN from (tokens)"
    lines = [f"{r['model']} on {r['chip']}: attention cost passes FFN cost "
             + (r[key] if isinstance(r[key], str) else "not in range" if r[key] is None else f"at {r[key]:,.0f} tokens")
             for r in rows]
    return PageContent("context-sweep", "Context sweep", {
        "costs": sweep.costs(grid, log_x), "kv-cache": sweep.kv(grid, scenario.batch, log_x),
    }, {"crossings": compute.frame(rows)}, lines)


def attention_page(scenario: Scenario) -> PageContent:
    chips = scenario.chip_specs()
    ctx = scenario.sweep_contexts()
    log_x = scenario.sweep_axis == "log"
    paper_models = compute.library_models(PAPER_MODELS)
    swaps = variants.swapped(paper_models[0])
    iso_grid = compute.grid(swaps, chips, (scenario.context,), scenario.kv_dtype, scenario.weight_dtype)
    what_ifs = compute.what_if_intensity(paper_models, scenario.context, scenario.kv_dtype)
    lines = [f"{r['model']}, {r['what_if']}: attention intensity {r['intensity']:.1f} FLOPs per KV byte"
             for r in what_ifs]
    return PageContent("attention", "MFA vs MLA vs GQA", {
        "paper-designs": attention.profiles(compute.tokens(paper_models, ctx, scenario.kv_dtype), chips,
                                            scenario.weight_dtype, log_x,
                                            "Step-3 (MFA) vs DeepSeek-V3 (MLA) vs Qwen3-235B (GQA), per decoded token"),
        "same-body": attention.profiles(compute.tokens(swaps, ctx, scenario.kv_dtype), chips, scenario.weight_dtype,
                                        log_x, "Step-3 body with MFA, MLA or GQA, per decoded token"),
        "same-body-cost": attention.iso_costs(iso_grid, scenario.context),
        "what-ifs": attention.what_ifs(what_ifs, chips, scenario.weight_dtype, scenario.context),
    }, {"swapped-attention": pd.DataFrame([variants.describe(m) for m in swaps]),
        "what-ifs": pd.DataFrame(what_ifs)}, lines)


def paper_page(scenario: Scenario) -> PageContent:
    modified = compute.paper_chips_in_use(scenario)
    cells = compute.paper_cells(modified)
    n, ok, still = len(cells), int(cells["match"].sum()), int(cells["still matches"].sum())
    lines = [f"{ok} of {n} paper cells match with the library's chips",
             f"{still} of {n} still match with the current chips"
             + (" (modified: " + "; ".join(labels.modified_summary(c) for c in modified) + ")" if modified else "")]
    return PageContent("paper", "Paper reproduction", {
        "afd-vs-paper": paper.afd_vs_paper(cells, compute.model_names(), compute.paper_chip_labels(modified)),
    }, {"cells": cells}, lines)


# page slug (as in the URL) -> builder. A new page joins the report by adding its builder here.
PAGES = {
    "overview": overview_page,
    "roofline": roofline_page,
    "context-sweep": sweep_page,
    "attention": attention_page,
    "paper": paper_page,
}


def build(page: str, scenario: Scenario) -> PageContent:
    return PAGES[page](scenario)
