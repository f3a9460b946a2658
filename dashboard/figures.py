"""What each page shows, as data: its charts (figure dicts), tables (DataFrames) and headline
numbers, built from a Scenario. The pages draw this; the report bundle and the headless
``python -m dashboard report`` export it, so a report always holds the figures of the screen.
No Streamlit here."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd
import pyarrow.compute as pc

from costmodel.afd import MAX_LAYOUT, binding_constraint, notes as afd_notes
from costmodel.deploy import DEPLOYMENTS
from costmodel.errors import InputError
from costmodel.latency import link_bytes_per_s
from costmodel.kernels import chip_kernel_rows
from costmodel.paper import PAPER_MODELS

from . import codesign, compute, labels, variants
from .charts import afd as afd_charts
from .charts import deploy as deploy_charts
from .charts import attention, latency, overview, paper, roofline, sweep
from .scenario import Scenario


class Lazy(Mapping):
    """{name: value}, each built on first access by its zero-argument builder and kept, in
    the builders' order: a page computes only what it shows, an export the rest."""

    def __init__(self, builders: dict):
        self._builders, self._built = dict(builders), {}

    def __getitem__(self, name: str):
        if name not in self._built:
            self._built[name] = self._builders[name]()
        return self._built[name]

    def __iter__(self):
        return iter(self._builders)

    def __len__(self) -> int:
        return len(self._builders)


@dataclass
class PageContent:
    """One page's exportable content. ``charts``/``tables``: {short name: figure dict /
    DataFrame}, in display order, built on first access (``Lazy``); ``headlines``: Markdown
    bullet lines for the summary."""

    page: str
    title: str
    charts: Mapping = field(default_factory=dict)
    tables: Mapping = field(default_factory=dict)
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
        rows.append({"model": model.name, "AFD attention chip": chips[a], "AFD FFN chip": chips[f],  # short headers:
                     "AFD (USD/1M tok)": float(afd.total_usd_per_mtok[i, 0]),  # the table fits a 1,500 px window
                     **{f"{c} (USD/1M tok)": float(grid.total_usd_per_mtok[i, j, 0]) for j, c in enumerate(chips)}})
        lines.append(f"{model.name}: AFD ({chips[a]} attention + {chips[f]} FFN) {_usd(afd.total_usd_per_mtok[i, 0])} "
                     f"per 1M tokens; best single chip {chips[best]} {_usd(grid.total_usd_per_mtok[i, best, 0])}")
    return PageContent("overview", "Overview", Lazy({
        "fig1-params-vs-cost": lambda: overview.params_vs_cost(grid, scenario.context),
        "fig2-single-chip-vs-afd": lambda: overview.totals_bars(grid, scenario.context),
    }), Lazy({"costs": lambda: pd.DataFrame(rows)}), lines)


def roofline_page(scenario: Scenario) -> PageContent:
    models, chips = scenario.model_specs(), scenario.chip_specs()
    points = compute.roofline_points(models, chips, scenario.batch, scenario.context, scenario.kv_dtype,
                                     scenario.weight_dtype)
    lines = [f"{labels.chip_label(c)}: ridge point {c.ridge_point(scenario.weight_dtype):.0f} FLOPs/byte"
             for c in chips]
    lines += [f"{p['model']} attention core on {p['chip']}: {p['intensity']:.1f} FLOPs/byte, {p['bound']}"
              for p in points if p["kind"] == "attention core"]
    return PageContent("roofline", "Roofline per chip", Lazy({
        "overlaid": lambda: roofline.overlaid(chips, points, scenario.weight_dtype, scenario.context, scenario.batch),
        "per-chip": lambda: roofline.faceted(chips, points, models, scenario.weight_dtype, scenario.context,
                                             scenario.batch),
    }), Lazy({"points": lambda: compute.roofline_table(points)}), lines)


def sweep_page(scenario: Scenario) -> PageContent:
    grid = compute.scenario_grid(scenario, scenario.sweep_contexts())
    log_x = scenario.sweep_axis == "log"
    rows = sweep.crossings(grid, scenario.batch)
    key = "attention > FFN from (tokens)"
    lines = [f"{r['model']} on {r['chip']}: attention cost passes FFN cost "
             + (r[key] if isinstance(r[key], str) else "not in range" if r[key] is None else f"at {r[key]:,.0f} tokens")
             for r in rows]
    return PageContent("context-sweep", "Context sweep", Lazy({
        "costs": lambda: sweep.costs(grid, log_x), "kv-cache": lambda: sweep.kv(grid, scenario.batch, log_x),
    }), Lazy({"crossings": lambda: compute.frame(rows)}), lines)


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
    lines += [f"Table 9 (4 GPUs, batch 256, 32K): MFA {r['measured (x)']:.2f}x faster than {r['MFA faster than']} on "
              f"{r['chip']} measured, {r['modeled (x)']:.2f}x modeled" for r in compute.table9_speedups()
              if r["context"] == "32K"]
    curves = lambda: compute.latency_curves(paper_models, chips, tuple(ctx), scenario.batch, scenario.kv_dtype)  # noqa: E731
    return PageContent("attention", "MFA vs MLA vs GQA", Lazy({
        "paper-designs": lambda: attention.profiles(
            compute.tokens(paper_models, ctx, scenario.kv_dtype), chips, scenario.weight_dtype, log_x,
            "Step-3 (MFA) vs DeepSeek-V3 (MLA) vs Qwen3-235B (GQA), per decoded token"),
        "same-body": lambda: attention.profiles(compute.tokens(swaps, ctx, scenario.kv_dtype), chips,
                                                scenario.weight_dtype, log_x,
                                                "Step-3 body with MFA, MLA or GQA, per decoded token"),
        "same-body-cost": lambda: attention.iso_costs(iso_grid, scenario.context),
        "what-ifs": lambda: attention.what_ifs(what_ifs, chips, scenario.weight_dtype, scenario.context),
        "table9": lambda: latency.table9(compute.table9_rows()),
        "latency-vs-context": lambda: latency.latency_vs_context(curves(), chips, log_x),
        "validation-ratio": lambda: latency.parity(compute.validation_rows(), compute.KIND_TARGETS),
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


def paper_page(scenario: Scenario) -> PageContent:
    modified = compute.paper_chips_in_use(scenario)
    cells = compute.paper_cells(modified)
    n, ok, still = paper_counts(cells)
    lines = [f"{ok} of {n} paper cells match with the library's chips",
             f"{still} of {n} still match with the current chips"
             + (" (modified: " + "; ".join(labels.modified_summary(c) for c in modified) + ")" if modified else "")]
    return PageContent("paper", "Paper reproduction", Lazy({
        "afd-vs-paper": lambda: paper.afd_vs_paper(cells, compute.model_names(), compute.paper_chip_labels(modified)),
    }), Lazy({"cells": cells.to_pandas}), lines)


def paper_counts(cells) -> tuple[int, int, int]:
    """(cells, matching with the library's chips, still matching with the current ones) of
    ``compute.paper_cells``."""
    return cells.num_rows, pc.sum(cells["match"]).as_py() or 0, pc.sum(cells["still matches"]).as_py() or 0


def span(values, fmt: str) -> str:
    """'a–b' of two numbers, smaller first, each formatted with ``fmt`` ('{:,.0f}')."""
    low, high = sorted(float(v) for v in values)
    return f"{fmt.format(low)}–{fmt.format(high)}"


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


def afd_view(scenario: Scenario) -> AFDView:
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
               f"{_usd(float(plan.usd_per_mtok))} per 1M tokens; binding constraint: {binding}"]
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
    charts = Lazy({
        "balance": lambda: afd_charts.balance(plan),
        "pipeline": lambda: afd_charts.gantt(plan),
        "ratio-vs-context": lambda: afd_charts.ratio_vs_context(
            compute.afd_context_sweep(setup, y, mb, inputs.objective), y, mb, inputs.objective),
        "models": lambda: afd_charts.models(compute.afd_models(setup, inputs.objective), setup),
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
                         f"{_usd(float(top.sla_usd_per_mtok))} per 1M tokens at the SLA")
    content = PageContent("afd", "AFD sizing", charts, Lazy(tables), lines)
    return AFDView(setup, optimum, (x, y, mb), plan, binding, nearest, content, ranges, notes)


def afd_page(scenario: Scenario) -> PageContent:
    return afd_view(scenario).content


@dataclass
class DeployView:
    """The Deployments page as computed from a Scenario: one line per (deployment, model, chip)
    (``deploy_charts.Line``), what was left out and why ({deployment: {reason: [model on chip]}}),
    what the figures assume (``notes``), and the exportable content."""

    lines: list
    left_out: dict
    notes: tuple
    content: PageContent


def deployments_view(scenario: Scenario) -> DeployView:
    d = scenario.deploy
    lines, setups, left_out, notes, assumed = [], [], {}, [], []
    for deployment in DEPLOYMENTS:
        for i, model in enumerate(scenario.model_specs()):
            for j, chip in enumerate(scenario.chip_specs()):
                try:
                    setup = scenario.deploy_setup(model, chip, deployment)
                    plan, ends, cut = compute.deploy_curve(setup)
                    point = compute.deploy_point(setup, d.batch_per_gpu, d.tpot_ms / 1e3)
                except InputError as err:  # this deployment cannot run this model on these GPUs
                    reasons = left_out.setdefault(deployment, {})
                    reasons.setdefault(f"{err.field}: {err.message}", []).append(
                        f"{model.name} on {labels.chip_label(chip)}")
                    continue
                if plan is None:  # the weights leave no room for one request's KV
                    reasons = left_out.setdefault(deployment, {})
                    reasons.setdefault("memory: the weights leave no room for one request's KV cache", []).append(
                        f"{model.name} on {labels.chip_label(chip)}")
                setups.append(setup)
                lines.append(deploy_charts.Line(deployment, model.name, labels.chip_label(chip), j, i, plan, ends, cut,
                                                point))
                if ends is not None:
                    assumed.append(labels.chip_label(chip))
                link = link_bytes_per_s(chip)[1]
                if link and min(setup.gpus, setup.node_gpus) > 1:
                    notes.append(link)
    if assumed:
        notes.insert(0, f"kernel efficiencies assumed (no measurements) for {', '.join(dict.fromkeys(assumed))}: their "
                        "lines carry a shaded range, the model at the low and high ends of the assumed efficiencies")
    notes = tuple(dict.fromkeys(notes))
    deployments = tuple(DEPLOYMENTS)
    empty = {dep: "; ".join(reasons) for dep, reasons in left_out.items()
             if not any(ln.deployment == dep and ln.plan is not None for ln in lines)}  # said in the empty panels
    setup_words = labels.deploy_setup(d, scenario.context)
    headlines = []
    for deployment in deployments:
        chosen = [ln for ln in lines if ln.deployment == deployment and ln.point is not None]
        mine = [ln for ln in lines if ln.deployment == deployment]
        if chosen:
            best = max(chosen, key=lambda ln: float(ln.point.tokens_per_gpu_s))
            headlines.append(
                f"{deployment} over {setup_words}: {len(chosen)} of {len(mine)} (model, chip) have a chosen point "
                f"({labels.chosen_point(scenario.deploy)}); best {best.model} on {best.chip}: "
                f"{float(best.point.tokens_per_gpu_s):,.0f} tokens/GPU/s at {int(best.point.batch):,} requests per GPU, "
                f"TPOT {float(best.point.tpot_s) * 1e3:.1f} ms, bound: {best.point.bound}")
        elif deployment not in empty:
            headlines.append(f"{deployment}: no (model, chip) meets {d.tpot_ms:g} ms TPOT with its KV in memory")
    headlines += [f"Left out, {dep}: {reason} ({', '.join(who)})" for dep, reasons in left_out.items()
                  for reason, who in reasons.items()]
    headlines += [n[0].upper() + n[1:] for n in notes]
    public = compute.public_deployments()
    title = f"{{}}<br><sup>{setup_words}; ★ the chosen point ({labels.chosen_point(scenario.deploy)})</sup>"
    charts = Lazy({
        "vs-batch": lambda: deploy_charts.throughput(
            lines, deployments, "batch", empty, title.format("Tokens per GPU per second vs requests per GPU")),
        "vs-tpot": lambda: deploy_charts.throughput(
            lines, deployments, "tpot", empty, title.format("Tokens per GPU per second vs TPOT"), target_ms=d.tpot_ms),
        "frontier": lambda: deploy_charts.throughput(
            lines, deployments, "frontier", empty,
            title.format("Throughput vs interactivity: tokens/s per GPU vs tokens/s per user (◆ public ep "
                         "deployments, measured, each at its own setup)"), public=public),
        "timeline": lambda: deploy_charts.timeline(
            lines, d.deployment, f"Step timeline at the chosen points: {d.deployment} over {setup_words}<br><sup>"
                                 f"each part summed over the step's layers, before overlap; ◆ the step as run</sup>"),
    })
    tables = Lazy({"points": lambda: pd.DataFrame([compute.deploy_row(setup, d.batch_per_gpu, d.tpot_ms / 1e3)
                                                   for setup in setups if compute.deploy_point(
                                                       setup, d.batch_per_gpu, d.tpot_ms / 1e3) is not None]),
                   "public-deployments": lambda: pd.DataFrame(list(public))})
    content = PageContent("deployments", "Deployments", charts, tables, headlines)
    return DeployView(lines, left_out, notes, content)


def deployments_page(scenario: Scenario) -> PageContent:
    return deployments_view(scenario).content


# page slug (as in the URL) -> builder. A new page joins the report by adding its builder here.
PAGES = {
    "overview": overview_page,
    "roofline": roofline_page,
    "context-sweep": sweep_page,
    "attention": attention_page,
    "afd": afd_page,
    "deployments": deployments_page,
    "paper": paper_page,
    "co-design": codesign.codesign_page,
}


def build(page: str, scenario: Scenario) -> PageContent:
    return PAGES[page](scenario)
