"""The AFD sizing page's content: the chosen plan and the optimum, the stage balance, the pipeline, the
best ratio over context, three models under one SLA and, on request, every chip pair."""
from __future__ import annotations

from costmodel import results

from dataclasses import dataclass

import pandas as pd

from costmodel.afd import MAX_LAYOUT
from costmodel.afd_search import binding_constraint, notes as afd_notes
from costmodel.results import (ATTENTION_MEMORY, ATTENTION_USD_PER_MTOK, FFN_MEMORY, FFN_USD_PER_MTOK, MAX_CONTEXT_PER_GPU,
                               SLA_TOKENS_PER_GPU_S, SLA_USD_PER_MTOK, TOKENS_PER_GPU_S, TPOT, USD_PER_MTOK)

from dashboard.content import compute, labels
from dashboard.content.charts import afd as charts
from dashboard.content.page import Lazy, PageContent, page_content, span, usd
from dashboard.state.scenario import Scenario


PLAN_RESULTS = (TPOT, TOKENS_PER_GPU_S, SLA_TOKENS_PER_GPU_S, USD_PER_MTOK, ATTENTION_USD_PER_MTOK, FFN_USD_PER_MTOK,
                ATTENTION_MEMORY, FFN_MEMORY, MAX_CONTEXT_PER_GPU)  # a plan's results in its table, in order
RANGED = (TPOT, TOKENS_PER_GPU_S)  # shown at the ends of assumed kernel efficiencies
PAIR_RESULTS = (TPOT, SLA_TOKENS_PER_GPU_S, SLA_USD_PER_MTOK)  # a chip pair's results


def _column(result) -> str:
    """A plan's table column: the result's title ('TPOT (ms)'), the achieved rate said as such."""
    return result.column(after=" (achieved)") if result is TOKENS_PER_GPU_S else result.title


def _afd_row(label: str, plan, binding: str, ends=None) -> dict:
    """One plan as a table row, units in the column names (``PLAN_RESULTS``); ``ends``: its (low,
    high) plans at the ends of assumed kernel efficiencies (None: measured, no range)."""
    row = {"plan": label, "layout": plan.layout, "GPUs": int(plan.gpus), "micro-batch": int(plan.micro_batch),
           "total batch": int(plan.total_batch)}
    row.update({_column(r): r.shown(getattr(plan, r.name)) for r in PLAN_RESULTS})
    row.update({"meets the target": bool(plan.feasible), "binding constraint": binding})
    for r in RANGED:
        for end, name in enumerate(("low", "high")):
            row[r.column(after=f" at {name} kernel efficiency")] = None if ends is None else \
                r.shown(getattr(ends[end], r.name))
    return row


def afd_pairs_table(plans) -> pd.DataFrame:
    """The best plan per (attention chip, FFN chip) pair, best first."""
    columns = ["attention chip", "FFN chip", "layout", "GPUs", "micro-batch", *(r.title for r in PAIR_RESULTS),
               "binding constraint"]
    return pd.DataFrame([{
        "attention chip": labels.chip_label(p.setup.attention_chip), "FFN chip": labels.chip_label(p.setup.ffn_chip),
        "layout": p.layout, "GPUs": int(p.gpus), "micro-batch": int(p.micro_batch),
        **{r.title: r.shown(getattr(p, r.name)) for r in PAIR_RESULTS}, "binding constraint": binding_constraint(p),
    } for p in plans], columns=columns)


KEY_FIGURES = tuple((getattr(results, name), fmt, rise) for name, fmt, rise in (
    ("TPOT", "{:.1f}", "inverse"), ("TOKENS_PER_GPU_S", "{:,.0f}", "normal"), ("USD_PER_MTOK", "{:.4f}", "inverse"),
    ("ATTENTION_MEMORY", "{:.1f}", "off"), ("FFN_MEMORY", "{:.1f}", "off"), ("MAX_CONTEXT_PER_GPU", "{:,.0f}", "normal")))
# the page's key figures in order: (result, display format, whether a rise is good: 'normal', bad: 'inverse', or
# neither: 'off'); the plan's value of each is ``result.shown(getattr(plan, result.name))``

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
    lines = [f"{setup.model.name}, {labels.tokens(setup.context)} context, {TPOT.shown(setup.tpot_s):g} ms TPOT target: "
             f"{plan.layout} with micro-batch {mb:,} ({int(plan.gpus)} GPUs) "
             + ("meets the target" if nearest is None else "misses the target")
             + f": TPOT {TPOT.shown(plan.tpot_s):.1f} ms, {float(plan.tokens_per_gpu_s):,.0f} tokens/GPU/s, "
               f"{usd(float(plan.usd_per_mtok))} per 1M tokens; binding constraint: {binding}"]
    if ranges is not None:
        lines.append(f"On assumed kernel efficiencies: TPOT {span((TPOT.shown(r.tpot_s) for r in ranges), '{:.1f}')} ms, "
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
