"""Co-design explorer: the attention design space against every chip's ridge, what a chip wants
from a model, what a model wants from a chip. Content: ``dashboard.content.codesign``; inputs:
``dashboard.widgets.codesign_inputs``."""
from dataclasses import replace

import streamlit as st

from costmodel.results import (ATTENTION_USD_PER_MTOK, FFN_USD_PER_MTOK, TOTAL_USD_PER_MTOK,
                               USD_PER_MTOK)

from dashboard import pages
from dashboard.content import baseline, codesign, labels, ranking
from dashboard.export import report
from dashboard.widgets import codesign_inputs, downloads, draw, frame
from dashboard.state.baseline import effective

TABS = pages.BY_SLUG["co-design"].tabs

USD = {name: st.column_config.NumberColumn(format="%.4f") for name in (
    *(r.title for r in (ATTENTION_USD_PER_MTOK, FFN_USD_PER_MTOK, TOTAL_USD_PER_MTOK, USD_PER_MTOK)),
    USD_PER_MTOK.column(after=" (changed)"), *(ranking.cost_column(c) for c in (*ranking.ranking.CONTEXTS, 1 << 20)))}
PERCENT = {name: st.column_config.NumberColumn(format="%+.2f") for name in ("cost change (%)", "tokens/GPU/s change (%)")}

st.title("Co-design explorer")
st.markdown(
    "The Step-3 paper chose MFA's attention intensity, **128 FLOPs per KV byte** with 8-bit KV, to sit just under "
    "mainstream chips' ridge points, leaving room for 4-bit KV and multi-token prediction (§5). Here: any base model, "
    "any chip, your own included. A design is in a chip's **sweet spot** when its intensity lies between half the "
    "chip's ridge and the ridge: the KV reads still set the cost, but by no more than twice the compute would.")
inputs = codesign_inputs.inputs(frame.base())
st.caption(codesign.ASSUMPTIONS)


def chart(content, name: str, scenario) -> None:
    draw.plotly(content.charts[name], f"cod_{name}")
    downloads.chart_downloads(content.charts[name], name, scenario, content.page)


def table(content, name: str, scenario, df=None, **kwargs) -> None:
    draw.table(content.tables[name] if df is None else df, **kwargs)
    downloads.table_download(content.tables[name], name, scenario, content.page)


def design_space(view, scenario) -> None:
    content = view.content
    chart(content, "sweet-spots", scenario)
    downloads.folded_table("The paper's designs against the ridges: intensity as published, under the what-ifs "
                           "and now", content, "designs-vs-ridges", scenario)
    st.markdown("**Each chip's decode cost over the plane.** Shaded: the chip's sweet spot; red line: its "
                "ridge (designs right of it, or above it for MLA, are compute-bound there). Markers: the "
                "paper's three designs and the base, filled at their own design, open (≈) at the design with "
                "the same KV bytes per token and intensity. Blank: more than "
                f"{codesign.MAX_QUERY_HEADS} query heads. The intensity of every design, against every ridge, "
                f"is in the next tab.")
    chart(content, "cost", scenario)
    st.download_button(
        "Design grid (CSV): every design of the plane at every KV precision and tokens per step",
        data=lambda: report.table_csv(content.tables["design-grid"]), on_click="ignore", type="tertiary",
        file_name=f"{report.file_stem(content.page, 'table-design-grid', scenario)}.csv",
        mime=report.MIME["csv"], key="dl_cod_design_grid", icon=":material/table:")
    codesign_inputs.save_design(view, scenario)


def sizes(view, scenario) -> None:
    chart(view.content, "intensity", scenario)
    chart(view.content, "kv-context", scenario)


def chip_wants(view, scenario) -> None:
    r, content = view.resolved, view.content
    chip, model = labels.chip_label(r.chip), draw.escape(r.base.name)  # a user's model name shows as itself
    st.markdown(f"**What {chip} wants from a model:** the designs of {model}'s {r.family.upper()} "
                f"space inside {chip}'s sweet spot ({r.chip.ridge_point(r.weight_dtype) / 2:.0f}-"
                f"{r.chip.ridge_point(r.weight_dtype):.0f} FLOPs per KV byte), cheapest first, at "
                f"{labels.tokens(r.context)} context. Cost only: fewer heads also mean a weaker model, which "
                "no cost model sees; compare the query heads and head dim with the base's.")
    everything = st.toggle("Every KV precision and tokens per step", value=False, key="cod_all",
                           help="Off: only the designs at the KV precision and tokens per step chosen above.")
    wants = content.tables["chip-wants"]
    shown = wants if everything else wants[(wants["KV bits"] == r.kv_bits)
                                            & (wants["tokens per step"] == r.tokens_per_step)]
    st.caption(f"{len(shown):,} designs in the sweet spot ({len(wants):,} over every KV precision and tokens "
               "per step); the CSV holds them all.")
    table(content, "chip-wants", scenario, shown.head(200), column_config=USD)


def sensitivity(view, scenario) -> None:
    r = view.resolved
    chip, model = labels.chip_label(r.chip), draw.escape(r.base.name)
    st.markdown(f"**What {model} wants from {chip}** at {labels.tokens(r.context)} context: each chip "
                "spec changed by ±10% and ±50%, the rest kept. Attention and FFN from the cost model (full "
                "utilization: tokens per GPU per second = price / cost per token); AFD: the cheapest plan of "
                "the AFD search at the AFD page's TPOT target and settings, both pools on this chip. A +10% "
                "HBM bandwidth lowers a memory-bound attention's KV term by 1 - 1/1.1 = 9.1% at unchanged "
                "price; capacity and network matter only to AFD.")
    chart(view.content, "sensitivity", scenario)
    table(view.content, "sensitivity", scenario, column_config={**USD, **PERCENT})


def iso_cost(view, scenario) -> None:
    r = view.resolved
    st.markdown(f"**Which chip {draw.escape(r.base.name)} wants:** its decode cost per 1M tokens (attention + FFN on "
                f"one chip, {labels.tokens(r.context)} context) over peak FLOP/s and HBM bandwidth at one price "
                f"(${r.price:g} per GPU-hour; set it above). Below the dashed line the attention is "
                "memory-bound: bandwidth buys cost, FLOP/s barely; above it, the reverse.")
    chart(view.content, "iso-cost", scenario)


def ranked(view, scenario) -> None:
    r, content, model = view.resolved, view.content, draw.escape(view.resolved.base.name)
    shown = ", ".join(labels.tokens(c) for c in ranking.contexts(r.context))
    st.markdown(f"**Chips ranked for {model}** at {shown} context side by side: every library and custom chip (the "
                "selected with their slider changes), single chip by the cost model, ranked at a context only where "
                f"a deployment of at most {ranking.ranking.MAX_GPUS} GPUs of it holds the model's weights and one "
                "request's KV there (the smallest: one GPU, or expert parallel for an MoE model, tensor parallel for "
                "a dense one; named in the table). Marked: your own chips and the prices that are estimates.")
    chart(content, "chips-ranked", scenario)
    st.caption(draw.escape(codesign.cheapest(scenario, r)))
    moved = winners_moved(view, scenario)
    if moved:
        st.caption(draw.escape(moved))
    gone = ranking.left_out(content.tables["chips"], r.context)
    if gone:
        st.caption(draw.escape(f"Not ranked at {labels.tokens(r.context)}: " + "; ".join(gone) + "."))
    table(content, "chips", scenario, column_config=USD)
    st.markdown(f"**Chip pairs (attention pool, FFN pool)** for {model}: the AFD search's cheapest plan "
                "per pair at the AFD page's TPOT target and settings, each pool on its chip's own network.")
    table(content, "chip-pairs", scenario, content.tables["chip-pairs"].head(100))


def winners_moved(view, scenario) -> str:
    """Against the baseline: the cheapest chip at each ranked context, where it changed."""
    base = effective(scenario)
    if base is None:
        return ""
    old, now = baseline.before("co-design", base).tables["chips"], view.content.tables["chips"]
    moved = []
    for c in ranking.contexts(view.resolved.context):
        column = ranking.rank_column(c)
        first = [lambda df=df: ", ".join(df.loc[df[column] == 1, "chip"]) for df in (old, now)]
        if column in old and baseline.plain(first[0]()) != baseline.plain(first[1]()):
            moved.append(f"at {labels.tokens(c)} {first[0]() or 'none'} → {first[1]() or 'none'}")
    return ("Against the baseline, the cheapest chip moved: " + "; ".join(moved) + "." if moved
            else "Against the baseline: the same cheapest chip at every context.")


VIEWS = dict(zip(TABS.labels, (design_space, sizes, chip_wants, sensitivity, iso_cost, ranked)))  # tab -> its view


def body(scenario) -> None:
    """The open tab's view (only it is computed and drawn)."""
    scenario = frame.publish(replace(scenario, codesign=inputs))  # the page's inputs go into its exports
    view = codesign.view(scenario, scenario.codesign)
    view = replace(view, content=baseline.compared(view.content, scenario))
    tab, box = draw.open_tab(list(TABS.labels), TABS.key)
    with box:
        VIEWS[tab](view, scenario)
    frame.publish(scenario, view.content)


frame.live(body)
