"""Overview: what the tool answers, and the paper's headline charts (Figures 1 and 2), live."""
import streamlit as st

from dashboard import compute, labels, render, sidebar
from dashboard.charts import overview

scenario = sidebar.current()
grid = compute.scenario_grid(scenario)
chips = ", ".join(labels.chip_label(c) for c in grid.chips)

st.title("What does decoding a token cost?")
st.markdown(
    "Per decoded token: KV-cache bytes and attention FLOPs grow with context, FFN FLOPs do not. On a chip "
    "priced per hour, each costs its share of the roofline: **attention = max(core FLOPs, KV bytes) + "
    "projections; FFN = FFN FLOPs**, in USD per 1M tokens (Step-3 report, §4). **AFD** puts attention on its "
    "cheapest chip and the FFN on its cheapest. Move the chip sliders in the sidebar and every chart and "
    "table follows; the URL keeps every input, so a copied link reopens this view."
)
st.caption(f"Context {labels.tokens(scenario.context)} tokens · chips {chips} · "
           f"KV {scenario.kv_dtype or 'model default'} · weights {scenario.weight_dtype}")
render.plotly(overview.params_vs_cost(grid, scenario.context), "fig1")
render.plotly(overview.totals_bars(grid, scenario.context), "fig2")
