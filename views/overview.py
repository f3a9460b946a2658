"""Overview: what the tool answers, and the paper's headline charts (Figures 1 and 2), live."""
import streamlit as st
from dashboard.widgets import downloads, draw, frame
from dashboard.content import baseline, labels, overview

st.title("What does decoding a token cost?")
st.markdown(
    "Per decoded token: KV-cache bytes and attention FLOPs grow with context, FFN FLOPs do not. On a chip "
    "priced per hour, each costs its share of the roofline: **attention = max(core FLOPs, KV bytes) + "
    "projections; FFN = FFN FLOPs**, in USD per 1M tokens (Step-3 report, §4). **AFD** puts attention on its "
    "cheapest chip and the FFN on its cheapest. Move the chip sliders in the sidebar and every chart and "
    "table follows; the URL keeps every input, so a copied link reopens this view."
)


def body(scenario) -> None:
    content = baseline.compared(overview.content(scenario), scenario)
    chips = ", ".join(labels.chip_label(c) for c in scenario.chip_specs())
    caption = st.empty()  # filled after the charts: the charts reach the browser first
    for name, key in (("fig1-params-vs-cost", "fig1"), ("fig2-single-chip-vs-afd", "fig2")):
        draw.plotly(content.charts[name], key)
        downloads.chart_downloads(content.charts[name], name, scenario, content.page)
    caption.caption(f"Context {labels.tokens(scenario.context)} tokens · chips {chips} · "
                    f"KV {scenario.kv_dtype or 'model default'} · weights {scenario.weight_dtype}")
    downloads.folded_table("Costs as a table: total decode cost (attention + FFN) per 1M tokens", content, "costs",
                        scenario)
    frame.publish(scenario, content)


frame.live(body)
