"""The AFD sizing page's content: the chosen plan and the optimum, the stage balance, the pipeline, the
best ratio over context, three models under one SLA and, on request, every chip pair."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from costmodel.afd import MAX_LAYOUT, binding_constraint, notes as afd_notes

from dashboard.content import compute, labels
from dashboard.content.charts import afd as charts
from dashboard.content.page import Lazy, PageContent, page_content, span, usd
from dashboard.state.scenario import Scenario


def _afd_row(label: str, plan, binding: str, ends=None) -> dict:
    """One plan as a table row, units in the column names; ``ends``: its (low, high) plans at
    the ends of assumed kernel efficiencies (None: measured, no range)."""
    def at_ends(attr, scale=1.0):
        return (None, None) if ends is None else tuple(float(getattr(e, attr)) * scale for e in ends)

    tpot, tokens = at_ends("tpot_s", 1e3), at_ends("tokens_per_gpu_s")
    return {
        "plan": label, "layout": plan.layout, "GPUs": int(plan.gpus), "micro-batch": int(plan.micro_batch),
        "total batch": int(plan.total_batch), "TPOT (ms)": float(plan.tpot_s) * 1e3,
        "tokens/GPU/s (achieved)": float(plan.tokens_per_gpu_s),
        "tokens/GPU/s at the SLA": float(plan.sla_tokens_per_gpu_s),
        "USD per 1M tokens": float(plan.usd_per_mtok), "attention USD per 1M tokens": float(plan.attention_usd_per_mtok),
        "FFN USD per 1M tokens": float(plan.ffn_usd_per_mtok),
        "attention GPU memory (GB)": float(plan.attention_memory_bytes) / 1e9,
        "FFN GPU memory (GB)": float(plan.ffn_memory_bytes) / 1e9,
        "max context per attention GPU (tokens)": float(plan.attention_max_context_tokens_per_gpu),
        "meets the target": bool(plan.feasible), "binding constraint": binding,
        "TPOT at low kernel efficiency (ms)": tpot[0], "TPOT at high kernel efficiency (ms)": tpot[1],
        "tokens/GPU/s at low kernel efficiency": tokens[0], "tokens/GPU/s at high kernel efficiency": tokens[1],
    }


def afd_pairs_table(plans) -> pd.DataFrame:
    """The best plan per (attention chip, FFN chip) pair, best first."""
    return pd.DataFrame([{
        "attention chip": labels.chip_label(p.setup.attention_chip), "FFN chip": labels.chip_label(p.setup.ffn_chip),
        "layout": p.layout, "GPUs": int(p.gpus), "micro-batch": int(p.micro_batch),
        "TPOT (ms)": float(p.tpot_s) * 1e3, "tokens/GPU/s at the SLA": float(p.sla_tokens_per_gpu_s),
        "USD per 1M tokens at the SLA": float(p.sla_usd_per_mtok), "binding constraint": binding_constraint(p),
    } for p in plans], columns=["attention chip", "FFN chip", "layout", "GPUs", "micro-batch", "TPOT (ms)",
                                "tokens/GPU/s at the SLA", "USD per 1M tokens at the SLA", "binding constraint"])


@dataclass
class AFDView:
    """The AFD page as computed from a Scenario: the setup, the search's optimum (None: nothing
    feasible), the A:F choice (x, y, micro-batch: the scenario's, else the optimum's), its plan,
    binding constraint and nearest feasible alternative (None when it meets the target), the
    plan at the ends of assumed kernel efficiencies (``ranges``: (low, high), None when both
    chips' kernels were measured), what the plan assumes (``notes``), and the exportable
    content."""

    setup: object
    optimum: object
    choice: tuple
    plan: object
    binding: str
    nearest: str | None
    content: PageContent
    ranges: tuple | None = None
    notes: tuple = ()


def view(scenario: Scenario) -> AFDView:
    inputs, setup = scenario.afd, scenario.afd_setup()
    optimum = compute.afd_search(setup, objective=inputs.objective)
    best = compute.afd_optimum_ratio(optimum)
    x, y, mb = (best[i] if v is None else v
                for i, v in enumerate((inputs.attention_instances, inputs.ffn_instances, inputs.micro_batch)))
    if optimum is not None and (x, y, mb) == best:  # the optimum itself: evaluated already, feasible
        plan, binding, nearest = optimum, binding_constraint(optimum), None
    else:
        plan = compute.afd_plan(setup, x, y, mb)
        binding, nearest = compute.afd_explain(setup, x, y, mb)
    ranges = compute.afd_range(setup, x, y, mb)
    notes = afd_notes(setup)
    rows = [_afd_row("chosen", plan, binding, ranges)]
    lines = [f"{setup.model.name}, {labels.tokens(setup.context)} context, {setup.tpot_s * 1e3:g} ms TPOT target: "
             f"{plan.layout} with micro-batch {mb:,} ({int(plan.gpus)} GPUs) "
             + ("meets the target" if nearest is None else "misses the target")
             + f": TPOT {float(plan.tpot_s) * 1e3:.1f} ms, {float(plan.tokens_per_gpu_s):,.0f} tokens/GPU/s, "
               f"{usd(float(plan.usd_per_mtok))} per 1M tokens; binding constraint: {binding}"]
    if ranges is not None:
        lines.append(f"On assumed kernel efficiencies: TPOT {span((r.tpot_s * 1e3 for r in ranges), '{:.1f}')} ms, "
                     f"{span((r.tokens_per_gpu_s for r in ranges), '{:,.0f}')} tokens/GPU/s")
    lines += [note[0].upper() + note[1:] for note in notes]
    if nearest is not None:
        lines.append(nearest[0].upper() + nearest[1:])
    if optimum is None:
        lines.append(f"No ratio up to {MAX_LAYOUT} meets the target")
    else:
        rows.append(_afd_row("optimum", optimum, binding_constraint(optimum),
                             compute.afd_range(setup, *compute.afd_optimum_ratio(optimum))))
        lines.append(f"Optimum: {optimum.layout} with micro-batch {int(optimum.micro_batch):,}, "
                     f"{float(optimum.tokens_per_gpu_s):,.0f} tokens/GPU/s")
    figures = Lazy({
        "balance": lambda: charts.balance(plan),
        "pipeline": lambda: charts.gantt(plan),
        "ratio-vs-context": lambda: charts.ratio_vs_context(
            compute.afd_context_sweep(setup, y, mb, inputs.objective), y, mb, inputs.objective),
        "models": lambda: charts.models(compute.afd_models(setup, inputs.objective), setup),
    })
    tables = {"plan": lambda: pd.DataFrame(rows)}
    if inputs.chip_pairs:
        pairs = compute.afd_chip_pairs(setup, scenario.all_chip_specs(), inputs.objective)
        tables["chip-pairs"] = lambda: afd_pairs_table(pairs)
        if pairs:
            top = pairs[0]
            lines.append(f"Best chip pair: {labels.chip_label(top.setup.attention_chip)} attention + "
                         f"{labels.chip_label(top.setup.ffn_chip)} FFN, {top.layout} with micro-batch "
                         f"{int(top.micro_batch):,}: {float(top.sla_tokens_per_gpu_s):,.0f} tokens/GPU/s, "
                         f"{usd(float(top.sla_usd_per_mtok))} per 1M tokens at the SLA")
    content = page_content("afd", figures, Lazy(tables), lines)
    return AFDView(setup, optimum, (x, y, mb), plan, binding, nearest, content, ranges, notes)


def content(scenario: Scenario) -> PageContent:
    return view(scenario).content
