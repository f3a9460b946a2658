"""Context sweep: cost per 1M tokens and KV size over a context range, with crossover markers."""
import streamlit as st

from dashboard import compute, labels, render, sidebar
from dashboard.charts import sweep

scenario = sidebar.current()
grid = compute.scenario_grid(scenario, scenario.sweep_contexts())
log_x = scenario.sweep_axis == "log"

st.title("Context sweep")
st.caption(f"{labels.tokens(scenario.sweep_min)} to {labels.tokens(scenario.sweep_max)} tokens on a "
           f"{scenario.sweep_axis} axis (set the range in the sidebar) · decode batch {scenario.batch}")
render.plotly(sweep.costs(grid, log_x), "sweep_costs")
render.plotly(sweep.kv(grid, scenario.batch, log_x), "sweep_kv")
st.markdown(f"**Where the picture changes** (context in tokens; KV capacity assumes the whole HBM of one chip "
            f"holds the KV of {scenario.batch} requests, weights elsewhere as in AFD):")
st.dataframe(compute.frame(sweep.crossings(grid, scenario.batch)), hide_index=True)
