"""Context sweep: cost per 1M tokens and KV size over a context range, with crossover markers."""
import streamlit as st
from dashboard.widgets import downloads, draw, frame
from dashboard.content import baseline, context_sweep, labels

CROSSINGS = "Where the picture changes"
TABS = {"Cost per 1M tokens": ("costs", "sweep_costs"), "KV cache vs HBM": ("kv-cache", "sweep_kv"), CROSSINGS: None}


base = frame.base()  # the sidebar's inputs (no chip slider changes these lines)
st.title("Context sweep")
st.caption(f"{labels.tokens(base.sweep_min)} to {labels.tokens(base.sweep_max)} tokens on a "
           f"{base.sweep_axis} axis (set the range in the sidebar) · decode batch {base.batch}")


def body(scenario) -> None:
    content = baseline.compared(context_sweep.content(scenario), scenario)
    tab, box = draw.open_tab(list(TABS), "sweep_tab")
    with box:
        if tab == CROSSINGS:
            st.markdown(f"Context in tokens where attention cost passes FFN cost, and where the KV of {scenario.batch} "
                        "requests no longer fits one chip's whole HBM (weights elsewhere, as in AFD):")
            draw.table(content.tables["crossings"])
            downloads.table_download(content.tables["crossings"], "crossings", scenario, content.page)
        else:
            name, key = TABS[tab]
            draw.plotly(content.charts[name], key)
            downloads.chart_downloads(content.charts[name], name, scenario, content.page)
    frame.publish(scenario, content)


frame.live(body)
