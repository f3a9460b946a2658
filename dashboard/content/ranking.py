"""The co-design explorer's chip ranking (``costmodel.ranking``) as the page shows it: every known
chip ranked for the base model only where a deployment of 1..256 GPUs holds the model and one
request's KV, at 8K, 32K, 128K and the sidebar's context side by side, the deployment named, the
user's own chips and estimated prices marked. Costs in USD per 1M decoded tokens."""
from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from costmodel import ranking
from costmodel.results import ATTENTION_USD_PER_MTOK, FFN_USD_PER_MTOK, TOTAL_USD_PER_MTOK

from dashboard.content import compute, labels
from dashboard.state.scenario import Scenario

OWN_MARK, ESTIMATE_MARK = "yours", "price estimated"  # said beside a chip's name
CHIP, MARKS = "chip", "marks"


def contexts(context: int) -> tuple[int, ...]:
    """The contexts ranked (tokens): ranking.CONTEXTS and the sidebar's, ascending, once each."""
    return tuple(sorted({*ranking.CONTEXTS, int(context)}))


def rank_column(context: float) -> str:
    return f"rank at {labels.tokens(context)}"


def cost_column(context: float) -> str:
    return TOTAL_USD_PER_MTOK.column(f"{labels.tokens(context)} ")


def runs_column(context: float) -> str:
    return f"runs at {labels.tokens(context)} on"


def marks(row: ranking.RankedChip) -> str:
    """'yours, price estimated', one of them, or ''."""
    return ", ".join(m for m, on in ((OWN_MARK, row.own), (ESTIMATE_MARK, row.price_estimated)) if on)


@functools.lru_cache(maxsize=64)
def ranked(scenario: Scenario, model, kv_dtype, weight_dtype: str, context: int) -> pd.DataFrame:
    """One row per known chip (the selected with their slider changes), by rank at ``context``
    (chips that do not fit there last): per ranked context its rank (None: not ranked, it does not
    fit), its cost and where it runs; at ``context`` also attention and FFN cost, its price."""
    chips = scenario.all_chip_specs()
    ctxs = contexts(context)
    own = frozenset(c.slug for c in scenario.custom_chips)
    rows = {row.chip.slug: row for row in ranking.rank_chips(model, chips, ctxs, own, kv_dtype, weight_dtype)}
    here = ctxs.index(int(context))
    order = sorted(rows.values(), key=lambda r: (r.rank[here] is None, r.rank[here] or 0, r.chip.slug))
    grid = compute.grid((model,), chips, (float(context),), kv_dtype, weight_dtype)
    at = {c.slug: i for i, c in enumerate(chips)}
    cols = {CHIP: [labels.chip_label(r.chip) for r in order], MARKS: [marks(r) for r in order]}
    for k, c in enumerate(ctxs):
        cols[rank_column(c)] = pd.array([r.rank[k] for r in order], dtype="Int64")
        cols[cost_column(c)] = [r.usd_per_mtok[k] for r in order]
        cols[runs_column(c)] = [r.placements[k].label for r in order]
    index = [at[r.chip.slug] for r in order]
    cols[ATTENTION_USD_PER_MTOK.title] = grid.attention_usd_per_mtok[0, index, 0]
    cols[FFN_USD_PER_MTOK.title] = grid.ffn_usd_per_mtok[0, index, 0]
    cols["attention"] = np.where(grid.attention_memory_bound[0, index, 0], "memory-bound", "compute-bound")
    cols["price (USD/hour)"] = [r.chip.price_usd_per_hour for r in order]
    return pd.DataFrame(cols)


def fits(df: pd.DataFrame, context: int) -> pd.DataFrame:
    """The rows ranked at ``context`` (the chips that can run the model there)."""
    return df[df[rank_column(context)].notna()].reset_index(drop=True)


def shown_name(row) -> str:
    """A chip's name with its marks: 'MY-CHIP (yours)', 'L20 (price estimated)'."""
    return f"{row[CHIP]} ({row[MARKS]})" if row[MARKS] else row[CHIP]


def cheapest(df: pd.DataFrame, context: int) -> str:
    """The cost model's AFD among the chips that can run the model at ``context`` (cheapest
    attention chip + cheapest FFN chip, full utilization) and the best single chip, in a sentence."""
    ok = fits(df, context)
    if ok.empty:
        return f"No chip holds the model and one request at {labels.tokens(context)} on {ranking.MAX_GPUS} GPUs."
    a = ok.loc[ok[ATTENTION_USD_PER_MTOK.title].idxmin()]
    f = ok.loc[ok[FFN_USD_PER_MTOK.title].idxmin()]
    attention, ffn = a[ATTENTION_USD_PER_MTOK.title], f[FFN_USD_PER_MTOK.title]
    best = ok.iloc[0]
    return (f"The cost model's AFD (cheapest attention chip + cheapest FFN chip among those that can run it, full "
            f"utilization): {shown_name(a)} ${attention:.4f} + {shown_name(f)} ${ffn:.4f} = ${attention + ffn:.4f} per "
            f"1M tokens; the best single chip, {shown_name(best)}, ${best[cost_column(context)]:.4f} "
            f"({best[runs_column(context)]}).")


def left_out(df: pd.DataFrame, context: int) -> list[str]:
    """'CHIP: does not fit on 256 GPUs (...)' for each chip not ranked at ``context``."""
    return [f"{row[CHIP]}: {row[runs_column(context)]}" for _, row in df.iterrows()
            if pd.isna(row[rank_column(context)])]
