"""The Deployments page's content: ep, tp and afd side by side for the sidebar's models and chips."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from costmodel.deploy import DEPLOYMENTS
from costmodel.results import TPOT
from costmodel.errors import InputError
from costmodel.latency import link_bytes_per_s

from dashboard.content import compute, labels
from dashboard.content.charts import deploy as charts
from dashboard.content.page import Lazy, PageContent, page_content
from dashboard.state.scenario import Scenario


@dataclass
class DeployView:
    """The Deployments page as computed from a Scenario: one line per (deployment, model, chip)
    (``charts.Line``), what was left out and why ({deployment: {reason: [model on chip]}}),
    what the figures assume (``notes``), and the exportable content."""

    lines: list
    left_out: dict
    notes: tuple
    content: PageContent


def _lines(scenario: Scenario):
    """Every (deployment, model, chip) that runs on these GPUs as a chart line (its curve, its
    chosen point), their setups, what was left out and why ({deployment: {reason: [model on
    chip]}}), and what the figures assume (notes, the chips with assumed kernels first)."""
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
                lines.append(charts.Line(deployment, model.name, labels.chip_label(chip), j, i, plan, ends, cut,
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
    return lines, setups, left_out, notes


def view(scenario: Scenario) -> DeployView:
    d = scenario.deploy
    lines, setups, left_out, notes = _lines(scenario)
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
                f"TPOT {TPOT.shown(best.point.tpot_s):.1f} ms, bound: {best.point.bound}")
        elif deployment not in empty:
            headlines.append(f"{deployment}: no (model, chip) meets {d.tpot_ms:g} ms TPOT with its KV in memory")
    headlines += [f"Left out, {dep}: {reason} ({', '.join(who)})" for dep, reasons in left_out.items()
                  for reason, who in reasons.items()]
    headlines += [n[0].upper() + n[1:] for n in notes]
    public = compute.public_deployments()
    title = f"{{}}<br><sup>{setup_words}; ★ the chosen point ({labels.chosen_point(scenario.deploy)})</sup>"
    figures = Lazy({
        "vs-batch": lambda: charts.throughput(
            lines, deployments, "batch", empty, title.format("Tokens per GPU per second vs requests per GPU")),
        "vs-tpot": lambda: charts.throughput(
            lines, deployments, "tpot", empty, title.format("Tokens per GPU per second vs TPOT"), target_ms=d.tpot_ms),
        "frontier": lambda: charts.throughput(
            lines, deployments, "frontier", empty,
            title.format("Throughput vs interactivity: tokens/s per GPU vs tokens/s per user (◆ public ep "
                         "deployments, measured, each at its own setup)"), public=public),
        "timeline": lambda: charts.timeline(
            lines, d.deployment, f"Step timeline at the chosen points: {d.deployment} over {setup_words}<br><sup>"
                                 f"each part summed over the step's layers, before overlap; ◆ the step as run</sup>"),
    })
    tables = Lazy({"points": lambda: pd.DataFrame([compute.deploy_row(setup, d.batch_per_gpu, d.tpot_ms / 1e3)
                                                   for setup in setups if compute.deploy_point(
                                                       setup, d.batch_per_gpu, d.tpot_ms / 1e3) is not None]),
                   "public-deployments": lambda: pd.DataFrame(list(public))})
    content = page_content("deployments", figures, tables, headlines)
    return DeployView(lines, left_out, notes, content)


def content(scenario: Scenario) -> PageContent:
    return view(scenario).content


# page slug (as in the URL) -> builder. A new page joins the report by adding its builder here.
