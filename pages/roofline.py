"""Roofline per chip: attainable FLOP/s vs intensity, ridge points, each model's parts as points."""
import streamlit as st

from dashboard import compute, render, sidebar
from dashboard.charts import roofline

scenario = sidebar.current()
models, chips = scenario.model_specs(), scenario.chip_specs()
points = compute.roofline_points(models, chips, scenario.batch, scenario.context, scenario.kv_dtype,
                                 scenario.weight_dtype)

st.title("Roofline per chip")
st.markdown(
    "A part of the model is **memory-bound** left of a chip's ridge point (FLOPs per byte at which compute "
    "and HBM time are equal) and **compute-bound** right of it. The attention core's intensity is fixed by the "
    "attention design (KV bytes per FLOP); projections and FFN gain intensity with the decode batch, which "
    "shares each weight read. Every model's projections sit at the same intensity (2 x batch / bytes per "
    "weight), so their markers coincide; hover for each point's FLOPs, bytes, time and bound."
)
view = st.segmented_control("View", ["All chips overlaid", "One panel per chip"], default="All chips overlaid",
                            key="roof_view", bind="query-params", required=True)
if view == "One panel per chip":
    fig = roofline.faceted(chips, points, models, scenario.weight_dtype, scenario.context, scenario.batch)
else:
    fig = roofline.overlaid(chips, points, scenario.weight_dtype, scenario.context, scenario.batch)
render.plotly(fig, "roofline")
with st.expander("Points as a table"):
    st.dataframe(compute.roofline_table(points), hide_index=True)
