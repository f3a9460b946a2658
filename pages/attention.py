"""MFA vs MLA vs GQA: the paper's three models, Step-3 with swapped attention, and what-ifs."""
import pandas as pd
import streamlit as st

from costmodel.scenario import PAPER_MODELS
from dashboard import compute, labels, render, sidebar, variants
from dashboard.charts import attention

scenario = sidebar.current()
chips = scenario.chip_specs()
ctx = scenario.sweep_contexts()
log_x = scenario.sweep_axis == "log"

st.title("MFA vs MLA vs GQA")
st.markdown("Dashed lines: each selected chip's ridge point. Attention whose intensity sits below a chip's "
            "ridge is memory-bound there (pays for KV bytes); above it, compute-bound (pays for FLOPs).")

st.subheader("(a) The paper's three designs")
paper_models = compute.library_models(PAPER_MODELS)
render.plotly(attention.profiles(compute.tokens(paper_models, ctx, scenario.kv_dtype), chips, scenario.weight_dtype,
                                 log_x, "Step-3 (MFA) vs DeepSeek-V3 (MLA) vs Qwen3-235B (GQA), per decoded token"),
              "att_paper")

st.subheader("(b) Same body, different attention")
swaps = variants.swapped(paper_models[0])
st.markdown("Step-3's 61 layers, hidden 7168 and FFN kept; only the attention changes. MLA: DeepSeek-V3's "
            "shape with Step-3's 64 query heads; GQA: Qwen3-235B's shape (64 query heads, 4 KV heads of 128).")
st.dataframe(pd.DataFrame([variants.describe(m) for m in swaps]), hide_index=True)
render.plotly(attention.profiles(compute.tokens(swaps, ctx, scenario.kv_dtype), chips, scenario.weight_dtype, log_x,
                                 "Step-3 body with MFA, MLA or GQA, per decoded token"), "att_iso")
render.plotly(attention.iso_costs(compute.grid(swaps, chips, (scenario.context,), scenario.kv_dtype,
                                               scenario.weight_dtype), scenario.context), "att_iso_cost")

st.subheader("(c) What-ifs: 4-bit KV and multi-token prediction")
st.markdown("Storing KV in 4 bits while computing in 8 halves the bytes per FLOP; predicting 2 tokens per "
            "step reads the KV once for 2 queries. Either doubles intensity; together, 4x. The paper (§5.2): "
            "no gain for DeepSeek-V3 on H800 (already near its ridge); GQA may approach H20's ridge; Step-3 "
            "would pass A800's and 910B's ridges but not by far.")
rows = compute.what_if_intensity(paper_models, scenario.context, scenario.kv_dtype)
render.plotly(attention.what_ifs(rows, chips, scenario.weight_dtype, scenario.context), "att_whatif")
st.caption(f"Context {labels.tokens(scenario.context)}; ridge points use {scenario.weight_dtype.upper()} compute where "
           "the chip has it.")
