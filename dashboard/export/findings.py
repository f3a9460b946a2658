"""The report's findings: sentences written from the numbers the pages themselves show (their
tables and chart data, ``PageContent``), each naming the chart it comes from. Nothing here
computes a figure of its own: a finding reads a page's table or chart and words it, with units
and 3 significant figures (``numbers``). A page without a rule here adds no finding."""
from __future__ import annotations

from dataclasses import dataclass

from costmodel import escape
from costmodel.results import (DECODE_GPUS, ERROR, MEASURED_LATENCY, PREFILL_GPUS, PREFILL_SHARE, TOKENS_PER_GPU_S, TPOT,
                               TTFT, USD_PER_MTOK, USD_PER_MTOK_INPUT, USD_PER_MTOK_OUTPUT, USD_PER_REQUEST)

from dashboard.export.numbers import number, quantity


@dataclass(frozen=True)
class Finding:
    """One sentence (plain text: names as typed, escaped by each output) and the chart of page
    ``page`` it comes from (``chart``: its name in the page's content)."""

    page: str
    chart: str
    text: str


def _usd(value) -> str:
    return quantity(value, "USD") + " per 1M tokens"


def _names(values) -> str:
    values = list(values)
    return values[0] if len(values) == 1 else ", ".join(values[:-1]) + " and " + values[-1]


def overview(content) -> list[Finding]:
    """The cheapest decode per model (the costs table behind Figure 2): AFD or the best single chip."""
    table = content.tables["costs"]
    chips = [c for c in table.columns if c.endswith("(USD/1M tok)") and not c.startswith("AFD")]
    out = []
    for _, row in table.iterrows():
        single = min(chips, key=lambda c: row[c])
        afd = row["AFD (USD/1M tok)"]
        chip = single.split(" (")[0]
        text = (f"{row['model']} decodes cheapest with AFD ({row['AFD attention chip']} attention + "
                f"{row['AFD FFN chip']} FFN) at {_usd(afd)}; the best single chip, {chip}, costs {_usd(row[single])}."
                if afd < row[single] else
                f"{row['model']} decodes cheapest on one chip, {chip}, at {_usd(row[single])}: splitting attention and "
                "FFN over two chips saves nothing here.")
        out.append(Finding("overview", "fig2-single-chip-vs-afd", text))
    best = table.loc[table["AFD (USD/1M tok)"].idxmin()]
    out.insert(0, Finding("overview", "fig1-params-vs-cost",
                          f"The cheapest model to decode here is {best['model']} at {_usd(best['AFD (USD/1M tok)'])} "
                          "(AFD, the cheapest attention chip with the cheapest FFN chip)."))
    return out


def afd(content) -> list[Finding]:
    """The AFD page's chosen plan and what binds it (the plan table), and each model's best plan
    under the same SLA (the 'models' chart)."""
    plan = content.tables["plan"].iloc[0]
    tokens = plan[TOKENS_PER_GPU_S.column(after=" (achieved)")]
    out = [Finding("afd", "balance",
                   f"The AFD plan {plan['layout']} (micro-batch {number(plan['micro-batch'])}, {number(plan['GPUs'])} "
                   f"GPUs) {'meets' if plan['meets the target'] else 'misses'} the target: TPOT "
                   f"{quantity(plan[TPOT.title], TPOT.unit)}, {number(tokens)} tokens/GPU/s, "
                   f"{_usd(plan[USD_PER_MTOK.title])}; binding: {plan['binding constraint']}.")]
    data = content.charts["models"]["data"]
    names, rates, layouts = data[0]["x"], data[0]["y"], data[0]["text"]
    costs = [a + f for a, f in zip(data[1]["y"], data[2]["y"])]
    parts = [f"{escape.plotly_plain(n)} {layout} at {number(rate)} tokens/GPU/s and {_usd(cost)}"
             if rate else f"{escape.plotly_plain(n)}: no feasible plan"
             for n, rate, layout, cost in zip(names, rates, layouts, costs)]
    out.append(Finding("afd", "models", "Each model at its best AFD plan under the same SLA: " + "; ".join(parts) + "."))
    return out


def context_sweep(content) -> list[Finding]:
    """Where attention's cost passes FFN's and where the batch's KV fills the HBM (the crossings
    table behind the cost and KV charts)."""
    table = content.tables["crossings"]
    cross, full = "attention > FFN from (tokens)", "KV of batch 256 > HBM from (tokens)"
    full = next((c for c in table.columns if c.startswith("KV of batch")), full)
    groups: dict[str, list[str]] = {}
    for _, row in table.iterrows():
        value = row[cross]
        said = value if value in ("already at sweep start", "not in range") else f"from {value} tokens"
        groups.setdefault(said, []).append(f"{row['model']} on {row['chip']}")
    out = [Finding("context-sweep", "costs", f"Attention costs more than FFN {said}: {_names(who)}.")
           for said, who in groups.items()]
    fills = [f"{row['model']} on {row['chip']} {row[full] if row[full] == 'already at sweep start' else 'from ' + row[full]}"
             for _, row in table.iterrows()]
    out.append(Finding("context-sweep", "kv-cache", f"The KV cache of the batch fills the HBM: {'; '.join(fills)} tokens."
                       .replace("start tokens.", "start.")))
    return out


def roofline(content) -> list[Finding]:
    """Which bound the attention core meets on each chip (the roofline points table)."""
    table = content.tables["points"]
    core = table[table["part"] == "attention core"]
    out = []
    for chip, rows in core.groupby("chip", sort=False):
        said = [f"{r['model']} {number(r['intensity (FLOPs/byte)'])} FLOPs/byte ({r['bound']})" for _, r in rows.iterrows()]
        out.append(Finding("roofline", "overlaid", f"On {chip} the attention core runs: {'; '.join(said)}."))
    return out


def attention(content) -> list[Finding]:
    """MFA's speedups measured and modeled (Table 9) and the latency model's held-out error."""
    speedups = content.tables["speedups"]
    at = speedups[speedups["context"] == speedups["context"].iloc[-1]]
    said = [f"{number(r['measured (x)'], 'x')} measured vs {number(r['modeled (x)'], 'x')} modeled over "
            f"{r['MFA faster than']} on {r['chip']}" for _, r in at.iterrows()]
    out = [Finding("attention", "table9", f"At {at['context'].iloc[0]} context MFA is faster: {'; '.join(said)}.")]
    table9 = content.tables["table9"]
    worst = table9.loc[table9[ERROR.name].abs().idxmax()]
    out.append(Finding("attention", "table9",
                       f"Across Table 9's {len(table9)} measured latencies the model is within "
                       f"{number(ERROR.shown(abs(worst[ERROR.name])), '%')} held out (worst: {worst['design']} on "
                       f"{worst['chip']} at {number(worst['context'])} tokens, "
                       f"{quantity(worst[MEASURED_LATENCY.key], MEASURED_LATENCY.unit)} measured)."))
    return out


def deployments(content) -> list[Finding]:
    """The best chosen point of each deployment (the chosen-points table)."""
    table = content.tables["points"]
    out = []
    for deployment, rows in table.groupby("deployment", sort=False):
        best = rows.loc[rows[TOKENS_PER_GPU_S.key].idxmax()]
        out.append(Finding("deployments", "vs-batch",
                           f"{deployment} over {number(best['gpus'])} GPUs: best {best['model']} on {best['chip']}, "
                           f"{number(best[TOKENS_PER_GPU_S.key])} tokens/GPU/s at {number(best['batch_per_gpu'])} requests "
                           f"per GPU, TPOT {quantity(best[TPOT.key], TPOT.unit)}, {_usd(best[USD_PER_MTOK.key])}."))
    return out


def paper(content) -> list[Finding]:
    """How many of the paper's cells the model reproduces (the cells table)."""
    cells = content.tables["cells"]
    return [Finding("paper", "afd-vs-paper",
                    f"{number(int(cells['match'].sum()))} of {number(len(cells))} cells of the paper's Tables 2-7 and "
                    f"Figures 1-2 match with the library's chips; {number(int(cells['still matches'].sum()))} with the "
                    "chips as set here.")]


def codesign(content) -> list[Finding]:
    """Which chips' sweet spots hold each reference design (the designs-vs-ridges table)."""
    table = content.tables["designs-vs-ridges"]
    return [Finding("co-design", "sweet-spots",
                    f"{r['model']} ({r['attention']}): {number(r['intensity now (FLOPs/byte)'])} FLOPs per KV byte; "
                    + (f"in the sweet spot of {r['in the sweet spot of']}" if r["in the sweet spot of"] != "none"
                       else "in no selected chip's sweet spot")
                    + (f", compute-bound on {r['compute-bound on']}." if r["compute-bound on"] != "none" else "."))
            for _, r in table.iterrows()]


def serving(content) -> list[Finding]:
    """What a request costs on each model's cheapest chip, and its split (the plans table behind
    the cost split)."""
    table = content.tables["plans"]
    out = []
    for model, rows in table.groupby("model", sort=False):
        best = rows.loc[rows[USD_PER_REQUEST.title].idxmin()]
        out.append(Finding(
            "serving", "split",
            f"A request of {model} costs least on {best['prefill chip']} ({best['mode']}): "
            f"{quantity(best[USD_PER_REQUEST.title] * 1000, 'USD')} per 1,000 requests, prefill "
            f"{number(best[PREFILL_SHARE.title])}% of it; {quantity(best[USD_PER_MTOK_INPUT.title], 'USD')} per 1M input "
            f"and {quantity(best[USD_PER_MTOK_OUTPUT.title], 'USD')} per 1M output tokens; "
            f"{number(best[PREFILL_GPUS.title])} prefill and {number(best[DECODE_GPUS.title])} decode GPUs, TTFT "
            f"{quantity(best[TTFT.title], TTFT.unit)}, TPOT {quantity(best[TPOT.title], TPOT.unit)}."))
    return out


RULES = {"overview": overview, "roofline": roofline, "context-sweep": context_sweep, "attention": attention,
         "afd": afd, "deployments": deployments, "serving": serving, "paper": paper, "co-design": codesign}  # page slug -> its findings


def findings(contents) -> list[Finding]:
    """Every finding of the reported pages, in their order."""
    return [f for content in contents if content.page in RULES for f in RULES[content.page](content)]
