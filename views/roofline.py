"""Roofline per chip: attainable FLOP/s vs intensity, ridge points, each model's parts as points."""
import streamlit as st
from dashboard.widgets import downloads, draw, frame, link_checks
from dashboard.content import baseline, roofline

VIEWS = ["All chips overlaid", "One panel per chip"]


st.title("Roofline per chip")
st.markdown(
    "A part of the model is **memory-bound** left of a chip's ridge point (FLOPs per byte at which compute "
    "and HBM time are equal) and **compute-bound** right of it. The attention core's intensity is fixed by "
    "the attention design (KV bytes per FLOP); projections and FFN gain intensity with the decode batch, "
    "which shares each weight read. Every model's projections sit at the same intensity (2 x batch / bytes "
    "per weight), so their markers coincide; hover for each point's FLOPs, bytes, time and bound."
)


def body(scenario) -> None:
    content = baseline.compared(roofline.content(scenario), scenario)
    link_checks.choice("roof_view", VIEWS)
    view = st.segmented_control("View", VIEWS, default="All chips overlaid",
                                key="roof_view", bind="query-params", required=True)
    name = "per-chip" if view == "One panel per chip" else "overlaid"
    draw.plotly(content.charts[name], "roofline")
    downloads.chart_downloads(content.charts[name], name, scenario, content.page)
    downloads.folded_table("Points as a table", content, "points", scenario)
    frame.publish(scenario, content)


frame.live(body)
