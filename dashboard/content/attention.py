"""The MFA vs MLA vs GQA page's content: the paper's designs, Step-3's body with swapped attention, the
what-ifs, Table 9 measured vs modeled and the latency model's validation."""
from __future__ import annotations

import pandas as pd

from costmodel.kernels import chip_kernel_rows
from costmodel.paper import PAPER_MODELS

from dashboard.content import compute, labels, variants
from dashboard.content.charts import attention as charts, latency as latency_charts
from dashboard.content.page import Lazy, PageContent, page_content
from dashboard.state.scenario import Scenario


def content(scenario: Scenario) -> PageContent:
    chips = scenario.chip_specs()
    ctx = scenario.sweep_contexts()
    log_x = scenario.sweep_axis == "log"
    paper_models = compute.library_models(PAPER_MODELS)
    swaps = variants.swapped(paper_models[0])
    iso_grid = compute.grid(swaps, chips, (scenario.context,), scenario.kv_dtype, scenario.weight_dtype)
    what_ifs = compute.what_if_intensity(paper_models, scenario.context, scenario.kv_dtype)
    lines = [f"{r['model']}, {r['what_if']}: attention intensity {r['intensity']:.1f} FLOPs per KV byte"
             for r in what_ifs]
    lines += [f"Table 9 (4 GPUs, batch 256, 32K): MFA {r['measured (x)']:.2f}x faster than {r['MFA faster than']} on "
              f"{r['chip']} measured, {r['modeled (x)']:.2f}x modeled" for r in compute.table9_speedups()
              if r["context"] == "32K"]
    curves = lambda: compute.latency_curves(paper_models, chips, tuple(ctx), scenario.batch, scenario.kv_dtype)  # noqa: E731
    return page_content("attention", Lazy({
        "paper-designs": lambda: charts.profiles(
            compute.tokens(paper_models, ctx, scenario.kv_dtype), chips, scenario.weight_dtype, log_x,
            "Step-3 (MFA) vs DeepSeek-V3 (MLA) vs Qwen3-235B (GQA), per decoded token"),
        "same-body": lambda: charts.profiles(compute.tokens(swaps, ctx, scenario.kv_dtype), chips,
                                                scenario.weight_dtype, log_x,
                                                "Step-3 body with MFA, MLA or GQA, per decoded token"),
        "same-body-cost": lambda: charts.iso_costs(iso_grid, scenario.context),
        "what-ifs": lambda: charts.what_ifs(what_ifs, chips, scenario.weight_dtype, scenario.context),
        "table9": lambda: latency_charts.table9(compute.table9_rows()),
        "latency-vs-context": lambda: latency_charts.latency_vs_context(curves(), chips, log_x),
        "validation-ratio": lambda: latency_charts.parity(compute.validation_rows(), compute.KIND_TARGETS),
    }), Lazy({"swapped-attention": lambda: pd.DataFrame([variants.describe(m) for m in swaps]),
              "what-ifs": lambda: pd.DataFrame(what_ifs),
              "table9": lambda: pd.DataFrame(compute.table9_rows()),
              "speedups": lambda: pd.DataFrame(list(compute.table9_speedups())),
              "latency-vs-context": lambda: _curves_table(curves(), chips),
              "validation": lambda: pd.DataFrame(compute.validation_rows()),
              "kernel-factors": lambda: pd.DataFrame(compute.kernel_factor_rows()),
              "kernel-sets": lambda: pd.DataFrame(chip_kernel_rows(chips))}), lines)


def _curves_table(curves, chips) -> pd.DataFrame:
    """Every modeled point of the latency-vs-context chart (µs per layer)."""
    return pd.DataFrame([{"chip": labels.chip_label(chips[c["chip"]]), "model": c["label"], "layout": c["layout"],
                          "context (tokens)": float(x), "latency per layer (µs)": float(y) * 1e6}
                         for c in curves for x, y in zip(c["context"], c["latency_s"])])
