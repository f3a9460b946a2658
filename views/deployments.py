"""Deployments: expert parallel, tensor parallel and AFD side by side for the sidebar's models and
chips: tokens/GPU/s against requests per GPU, against TPOT and against tokens/s per user (with
the public deployments measured), the step timeline and every figure of the chosen points. The
inputs build the Scenario's ``deploy``; everything drawn comes from ``dashboard.content.deployments.view``."""
from dataclasses import replace
import streamlit as st
from dashboard import pages
from dashboard.widgets import deploy_inputs, downloads, draw, frame
from dashboard.content import baseline, deployments, labels

POINTS = "Chosen points (table)"
TABS = {"Throughput vs requests per GPU": ("vs-batch", "dep_batch"), "Throughput vs TPOT": ("vs-tpot", "dep_tpot"),
        "Throughput vs interactivity": ("frontier", "dep_frontier"), "Step timeline": ("timeline", "dep_timeline"),
        POINTS: None}  # tab: its chart (name, key)

st.title("Deployments: expert parallel, tensor parallel, AFD")
st.markdown(
    "Decode as it is deployed, for the sidebar's models and chips (slider changes applied) on the same GPUs: **ep** "
    "(attention data-parallel on every GPU, routed experts spread over the group, dispatch and combine all-to-all; "
    "DeepSeek, SGLang), **tp** (tensor parallel, all-reduces) and **afd** (the Step-3 paper's attention-FFN "
    "disaggregation, the best xAyF of whole instances). Each line runs from one request per GPU to the most whose KV "
    "fits; the chosen point is the most requests per GPU that meet the TPOT target (or the requests per GPU you set). "
    "`python -m costmodel decode` gives the same figures.")
inputs = deploy_inputs.inputs(frame.base())


def body(scenario) -> None:
    scenario = frame.publish(replace(scenario, deploy=inputs))  # the page's inputs go into its exports
    view = deployments.view(scenario)
    content = baseline.compared(view.content, scenario)
    tab, box = draw.open_tab(list(TABS), pages.BY_SLUG["deployments"].tabs.key)
    with box:  # only the open tab is computed and drawn
        if tab == POINTS:
            st.caption(f"Every chosen point ({labels.chosen_point(scenario.deploy)}) with every field of `python -m "
                       "costmodel decode --format json`: times in ms, memory in GB per GPU, `*_low`/`*_high` at the "
                       "ends of assumed kernel efficiencies.")
            downloads.table(content, "points", scenario)
        else:
            name, key = TABS[tab]
            downloads.chart(content, name, key, scenario)
            if name == "frontier":
                downloads.folded_table("The public deployments drawn (measured; where tokens/s per user comes from)",
                                    content, "public-deployments", scenario)
    for deployment, reasons in view.left_out.items():
        for reason, who in reasons.items():
            st.caption(draw.escape(f"Left out of {deployment}: {', '.join(who)} ({reason})."))
    for note in view.notes:
        st.caption(draw.escape(f"Assumed: {note}."))
    frame.publish(scenario, content)


frame.live(body)
