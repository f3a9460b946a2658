"""MFA vs MLA vs GQA: the paper's three models, Step-3 with swapped attention, and what-ifs."""
import streamlit as st

from dashboard import export, figures, labels, render, sidebar

TABS = ["(a) The paper's three designs", "(b) Same body, different attention",
        "(c) What-ifs: 4-bit KV and multi-token prediction"]


base = sidebar.base()  # the sidebar's inputs (no chip slider changes this text)
st.title("MFA vs MLA vs GQA")
st.markdown("Dashed lines: each selected chip's ridge point. Attention whose intensity sits below a chip's "
            "ridge is memory-bound there (pays for KV bytes); above it, compute-bound (pays for FLOPs). "
            f"Context {labels.tokens(base.context)} for (b)'s costs and (c); ridge points use "
            f"{base.weight_dtype.upper()} compute where the chip has it.")


def draw(scenario) -> None:
    content = figures.attention_page(scenario)

    def chart(name: str, key: str) -> None:
        render.plotly(content.charts[name], key)
        export.chart_downloads(content.charts[name], name, scenario, content.page)

    tab, box = render.open_tab(TABS, "att_tab")
    with box:
        if tab == TABS[0]:
            chart("paper-designs", "att_paper")
        elif tab == TABS[1]:
            st.markdown("Step-3's 61 layers, hidden 7168 and FFN kept; only the attention changes. MLA: "
                        "DeepSeek-V3's shape with Step-3's 64 query heads; GQA: Qwen3-235B's shape (64 query "
                        "heads, 4 KV heads of 128).")
            render.table(content.tables["swapped-attention"])
            export.table_download(content.tables["swapped-attention"], "swapped-attention", scenario, content.page)
            chart("same-body", "att_iso")
            chart("same-body-cost", "att_iso_cost")
        else:
            st.markdown("Storing KV in 4 bits while computing in 8 halves the bytes per FLOP; predicting 2 tokens "
                        "per step reads the KV once for 2 queries. Either doubles intensity; together, 4x. The "
                        "paper (§5.2): no gain for DeepSeek-V3 on H800 (already near its ridge); GQA may approach "
                        "H20's ridge; Step-3 would pass A800's and 910B's ridges but not by far.")
            chart("what-ifs", "att_whatif")
    export.page_bundle(content)


sidebar.show(draw)
