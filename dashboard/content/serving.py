"""The Serving cost page's content: what a request of the workload costs, prefill and decode, for
the sidebar's models and chips (one chip serving both phases, or both pools on it); the cost
against input and output length; the pools over every pair of the sidebar's chips; the modeled
cost beside public API prices."""
from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd

from costmodel import api_prices, serving
from costmodel.errors import InputError
from costmodel.results import (DECODE_GPUS, DECODE_TOKENS_PER_GPU_S, POOL_RATIO, PREFILL_GPUS, PREFILL_SHARE,
                               PREFILL_TOKENS_PER_GPU_S, SERVE_RESULTS, TPOT, TTFT, USD_PER_MTOK_INPUT,
                               USD_PER_MTOK_INPUT_CACHED, USD_PER_MTOK_OUTPUT, USD_PER_REQUEST)

from dashboard.content import baseline, compute, labels
from dashboard.content.charts import serving as charts
from dashboard.content.page import Lazy, PageContent, page_content
from dashboard.state.scenario import Scenario

AXES = {"input_tokens": "input", "output_tokens": "output"}  # the length charts' axes, in words
PRICE_COLUMNS = {"model": "model (slug)", "provider": "provider", "input": "USD per 1M input tokens (cache miss)",
                 "input_cached": "USD per 1M input tokens (cache hit)", "output": "USD per 1M output tokens",
                 "date": "date", "source": "source", "assumed": "estimated fields",
                 "notes": "notes"}  # an API price's fields as the price editor shows them


def price_table(prices) -> pd.DataFrame:
    """API prices as the editor's table (``PRICE_COLUMNS``)."""
    return pd.DataFrame([{column: ", ".join(p.assumed) if name == "assumed" else getattr(p, name)
                          for name, column in PRICE_COLUMNS.items()} for p in prices],
                        columns=list(PRICE_COLUMNS.values()))


def prices_from_table(table: pd.DataFrame) -> tuple:
    """The API prices an edited table holds (an empty cell: not given); InputError naming the row
    and field of one that is not a price."""
    records = [{name: row[column] for name, column in PRICE_COLUMNS.items()
                if not (row[column] is None or (isinstance(row[column], float) and pd.isna(row[column])))}
               for row in table.to_dict("records")]
    for record in records:
        if isinstance(record.get("assumed"), str):
            record["assumed"] = [word.strip() for word in record["assumed"].split(",") if word.strip()]
    return api_prices.parse({"price": records})


@dataclass
class ServeView:
    """The page as computed from a Scenario: a cell per (model, chip) of the sidebar
    (``charts.Cell``: its plan, or why none), their setups, the cheapest cell (None: none
    meets the targets), the workload in words, and the exportable content."""

    cells: list
    setups: dict
    best: object
    workload: str
    content: PageContent


def workload_words(scenario: Scenario) -> str:
    """'2,000 in / 500 out tokens, 0% cached; TTFT ≤ 2,000 ms, TPOT ≤ 50 ms; disaggregated'."""
    s = scenario.serve
    rows = s.mix_rows()
    lengths = (f"a mix of {len(rows)} request kinds" if rows else
               f"{s.input_tokens:,} in / {s.output_tokens:,} out tokens")
    return (f"{lengths}, {s.cache_hit:.0%} cached; TTFT ≤ {s.ttft_ms:,.0f} ms, TPOT ≤ {s.tpot_ms:g} ms; {s.mode}, "
            f"{s.deployment} over {s.gpus} GPUs" + (f", prefill {s.prefill_deployment} over {s.prefill_gpus or s.gpus}"
                                                    if s.mode == "disaggregated" else ""))


def _cells(scenario: Scenario):
    cells, setups = [], {}
    for i, model in enumerate(scenario.model_specs()):
        for j, chip in enumerate(scenario.chip_specs()):
            name = labels.chip_label(chip)
            try:
                setup = scenario.serve_setup(model, chip, chip)
            except InputError as err:
                cells.append(charts.Cell(model.name, name, i, j, None, f"{err.field}: {err.message}"))
                continue
            plan, reason = compute.serve_plan(setup)
            cells.append(charts.Cell(model.name, name, i, j, plan, reason))
            setups[(i, j)] = setup
    return cells, setups


def row(plan, **extra) -> dict:
    """A plan as a table row: what it serves, then every declared serving result under its title."""
    values = serving.as_row(plan)
    named = {"model": plan.setup.decode.model.name, "prefill chip": labels.chip_label(plan.prefill_chip),
             "decode chip": labels.chip_label(plan.setup.decode.chip), "mode": plan.setup.mode, **extra}
    return {**named, **{r.title: values[r.key] for r in SERVE_RESULTS}, "pricing": values["pricing"],
            "notes": values["notes"]}


def _curves(cells, setups, axis: str) -> list:
    curves = []
    for cell in cells:
        setup = setups.get((cell.model_index, cell.chip_index))
        if setup is not None:
            points, crossing = compute.serve_lengths(setup, axis)
            curves.append(charts.Curve(cell, points, crossing))
    return curves


def _pairs(scenario: Scenario, setups: dict) -> dict:
    """{model name: the disaggregated plans over every (prefill chip, decode chip) pair of the
    sidebar's chips, cheapest first}."""
    out = {}
    chips = scenario.chip_specs()
    for i, model in enumerate(scenario.model_specs()):
        setup = next((s for (m, _), s in setups.items() if m == i), None)
        if setup is not None:
            out[model.name] = compute.serve_pairs(replace(setup, mode="disaggregated"), chips)
    return out


def _pairs_figure(scenario: Scenario, pairs: dict, title: str) -> dict:
    chips = [labels.chip_label(c) for c in scenario.chip_specs()]
    usd = {(model, labels.chip_label(p.prefill_chip), labels.chip_label(p.setup.decode.chip)):
           p.usd_per_request * charts.PER for model, plans in pairs.items() for p in plans}
    return charts.pairs(list(pairs), chips, usd, title)


def api_rows(scenario: Scenario, cells) -> list[dict]:
    """Each API price of a sidebar model beside the modeled cost of the workload's request: the
    price per request at the provider's list prices, and the cheapest modeled chip's."""
    s, models = scenario.serve, {m.slug: m.name for m in scenario.model_specs()}
    rows = s.mix_rows() or ((s.input_tokens, s.output_tokens, 1.0),)
    total = sum(w for _, _, w in rows)
    rows = tuple((i, o, w / total) for i, o, w in rows)
    cheapest = {}
    for c in cells:
        if c.plan is not None and (c.model not in cheapest or c.plan.usd_per_request < cheapest[c.model][1]):
            cheapest[c.model] = (c.chip, c.plan.usd_per_request)
    out = []
    for price in scenario.api_price_table():
        name = models.get(price.model)
        if name is None:
            continue
        api_usd = api_prices.usd_per_request(price, rows, s.cache_hit)
        chip, modeled = cheapest.get(name, ("", None))
        out.append({"model": name, "provider": price.provider, "USD per 1M input tokens (cache miss)": price.input,
                    "USD per 1M input tokens (cache hit)": price.input_cached,
                    "USD per 1M output tokens": price.output, f"API USD per {charts.PER:,} requests": api_usd * charts.PER,
                    f"modeled USD per {charts.PER:,} requests": None if modeled is None else modeled * charts.PER,
                    "cheapest modeled chip": chip, "API price / modeled": None if not modeled else api_usd / modeled,
                    "date": price.date, "source": price.source,
                    "assumed": ", ".join(price.assumed)})
    return out


def _api_figure(cells, rows: list[dict], title: str) -> dict:
    modeled = [{"model": c.model, "chip": c.chip, "chip_index": c.chip_index, "usd": c.plan.usd_per_request * charts.PER}
               for c in cells if c.plan is not None]
    api = [{"model": r["model"], "provider": r["provider"], "usd": r[f"API USD per {charts.PER:,} requests"],
            "date": r["date"]} for r in rows]
    return charts.against_api(modeled, api, title)


def headlines(view_cells, best, workload: str) -> list[str]:
    lines = []
    if best is not None:
        p = best.plan
        lines.append(
            f"Cheapest of the sidebar's models and chips for {workload}: {best.model} on {best.chip}, "
            f"${USD_PER_REQUEST.shown(p.usd_per_request):.3g} per request (${p.usd_per_request * charts.PER:.3g} per "
            f"{charts.PER:,}), prefill {p.prefill_share:.0%} of it; ${p.usd_per_mtok_input:.3g} per 1M input tokens "
            f"(cache miss), ${p.usd_per_mtok_output:.3g} per 1M output tokens; {p.prefill_gpus:,} prefill and "
            f"{p.decode_gpus:,} decode GPUs for {p.requests_per_s:,.1f} requests/s; TTFT {TTFT.shown(p.ttft_s):,.0f} ms, "
            f"TPOT {TPOT.shown(p.tpot_s):.1f} ms; {p.pricing_words}")
    for c in view_cells:
        if c.plan is None:
            lines.append(f"{c.model} on {c.chip}: no plan ({c.reason})")
    return lines


def key_figures(view: ServeView) -> list[tuple]:
    """The cheapest cell's figures: (label, value, note, help) for ``draw.key_figures``."""
    if view.best is None:
        return []
    p, cell = view.best.plan, view.best
    ratio = POOL_RATIO.shown(p.pool_ratio) if p.pool_ratio is not None else None
    return [
        (f"USD per {charts.PER:,} requests", f"${p.usd_per_request * charts.PER:.3g}", f"{cell.model} on {cell.chip}; "
         f"prefill {PREFILL_SHARE.shown(p.prefill_share):.0f}%", "The cheapest (model, chip) of the sidebar for the "
         f"workload; {USD_PER_REQUEST.label}: ${USD_PER_REQUEST.shown(p.usd_per_request):.3g}."),
        (USD_PER_MTOK_INPUT.label, f"${p.usd_per_mtok_input:.3g}",
         f"cache hit ${p.usd_per_mtok_input_cached:.3g}" if p.setup.workload.cache_hit else "no cache hits",
         USD_PER_MTOK_INPUT_CACHED.label + ": what a cached prefix adds (its attention and reads)."),
        (USD_PER_MTOK_OUTPUT.label, f"${p.usd_per_mtok_output:.3g}", p.pricing_words),
        (f"{TTFT.label} / {TPOT.label}", f"{TTFT.shown(p.ttft_s):,.0f} / {TPOT.shown(p.tpot_s):.1f} ms",
         f"targets {TTFT.shown(p.setup.workload.ttft_s):,.0f} / {TPOT.shown(p.setup.workload.tpot_s):g} ms"),
        (f"{PREFILL_GPUS.label} : {DECODE_GPUS.label}", f"{p.prefill_gpus:,} : {p.decode_gpus:,}",
         f"{p.requests_per_s:,.1f} requests/s" + (f"; ratio {ratio:.2f} before rounding" if ratio else ""),
         "Pools rounded up to whole deployments; colocated: one pool serves both phases."),
        ("tokens/GPU/s", f"{PREFILL_TOKENS_PER_GPU_S.shown(p.prefill_tokens_per_gpu_s):,.0f} / "
                         f"{DECODE_TOKENS_PER_GPU_S.shown(p.decode_tokens_per_gpu_s):,.0f}",
         "prefill (new input tokens) / decode (output tokens)"),
    ]


def key_changes(view: ServeView, old: ServeView | None) -> list | None:
    """Each key figure's change against the baseline's view ``old`` (``baseline.delta``; a rise
    in cost is bad), None for a figure without one; None without a baseline."""
    if old is None or view.best is None:
        return None
    now, then = view.best.plan, (old.best.plan if old.best is not None else None)

    def change(value, fmt):
        text = baseline.delta(value(now), value(then), fmt) if then is not None else None
        return None if text is None else (text, "inverse")

    costs = [change(lambda p: p.usd_per_request * charts.PER, "${:.3g}"), change(lambda p: p.usd_per_mtok_input, "${:.3g}"),
             change(lambda p: p.usd_per_mtok_output, "${:.3g}")]
    return costs + [None] * (len(key_figures(view)) - len(costs))


def view(scenario: Scenario) -> ServeView:
    cells, setups = _cells(scenario)
    ok = [c for c in cells if c.plan is not None]
    best = min(ok, key=lambda c: c.plan.usd_per_request) if ok else None
    workload = workload_words(scenario)
    sub = f"<br><sup>{workload}</sup>"  # numbers and declared choices only: no user text
    inputs = scenario.serve
    current = {"input_tokens": inputs.input_tokens, "output_tokens": inputs.output_tokens}
    figures = Lazy({
        "split": lambda: charts.split(cells, f"What a request costs: prefill and decode, per {charts.PER:,} requests"
                                             + sub),
        **{f"vs-{word}": (lambda axis=axis, word=word: charts.by_length(
            _curves(cells, setups, axis), axis, current[axis],
            f"Cost per request against the {word} length, and where prefill overtakes decode (a line ends where no "
            "plan meets the targets)" + sub))
           for axis, word in AXES.items()},
        "pairs": lambda: _pairs_figure(scenario, _pairs(scenario, setups),
                                       "Disaggregated pools over every pair of the sidebar's chips (cheapest boxed; "
                                       "– : no plan meets the targets)"
                                       + sub),
        "vs-api": lambda: _api_figure(cells, api_rows(scenario, cells),
                                      "The modeled cost beside public API list prices, for the workload's request" + sub),
    })
    tables = Lazy({
        "plans": lambda: pd.DataFrame([row(c.plan) for c in ok]),
        "chip-pairs": lambda: pd.DataFrame([row(p) for plans in _pairs(scenario, setups).values() for p in plans]),
        "api-prices": lambda: pd.DataFrame(api_rows(scenario, cells)),
    })
    content = page_content("serving", figures, tables, headlines(cells, best, workload))
    return ServeView(cells, setups, best, workload, content)


def content(scenario: Scenario) -> PageContent:
    return view(scenario).content
