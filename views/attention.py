"""MFA vs MLA vs GQA: the paper's three models, Step-3 with swapped attention, and what-ifs."""
import streamlit as st
from dashboard.widgets import downloads, draw, frame
from dashboard.content import attention, baseline, labels

TABS = ["(a) The paper's three designs", "(b) Same body, different attention",
        "(c) What-ifs: 4-bit KV and multi-token prediction", "(d) Measured vs modeled latency (Table 9)",
        "(e) Validation of the latency model"]
SEED = ("The launch article: at 32K, MFA's attention layer is about 1.4x faster than MLA and 1.8x faster than GQA on "
        "H800, 3.3x and 2.1x on H20, and 2x faster than GQA on A800 (Table 9: 4 GPUs, total batch 256, MFA and MLA "
        "data-parallel, GQA tensor-parallel attention).")


base = frame.base()  # the sidebar's inputs (no chip slider changes this text)
st.title("MFA vs MLA vs GQA")
st.markdown("Dashed lines: each selected chip's ridge point. Attention whose intensity sits below a chip's "
            "ridge is memory-bound there (pays for KV bytes); above it, compute-bound (pays for FLOPs). "
            f"Context {labels.tokens(base.context)} for (b)'s costs and (c); ridge points use "
            f"{base.weight_dtype.upper()} compute where the chip has it.")


def body(scenario) -> None:
    content = baseline.compared(attention.content(scenario), scenario)

    def chart(name: str, key: str) -> None:
        downloads.chart(content, name, key, scenario)

    tab, box = draw.open_tab(TABS, "att_tab")
    with box:
        if tab == TABS[0]:
            chart("paper-designs", "att_paper")
        elif tab == TABS[1]:
            st.markdown("Step-3's 61 layers, hidden 7168 and FFN kept; only the attention changes. MLA: "
                        "DeepSeek-V3's shape with Step-3's 64 query heads; GQA: Qwen3-235B's shape (64 query "
                        "heads, 4 KV heads of 128).")
            draw.table(content.tables["swapped-attention"])
            downloads.table_download(content.tables["swapped-attention"], "swapped-attention", scenario, content.page)
            chart("same-body", "att_iso")
            chart("same-body-cost", "att_iso_cost")
        elif tab == TABS[3]:
            measured_vs_modeled(content, scenario, chart)
        elif tab == TABS[4]:
            validation_view(content, scenario, chart)
        else:
            st.markdown("Storing KV in 4 bits while computing in 8 halves the bytes per FLOP; predicting 2 tokens "
                        "per step reads the KV once for 2 queries. Either doubles intensity; together, 4x. The "
                        "paper (§5.2): no gain for DeepSeek-V3 on H800 (already near its ridge); GQA may approach "
                        "H20's ridge; Step-3 would pass A800's and 910B's ridges but not by far.")
            chart("what-ifs", "att_whatif")
    frame.publish(scenario, content)


def measured_vs_modeled(content, scenario, chart) -> None:
    """Table 9 beside the model, MFA's speedups measured and modeled, latency over context."""
    st.markdown(SEED)
    st.caption("Model: per GPU and layer, max(KV reads, core FLOPs with query heads padded to the kernel's 64-row "
               "tile) + each projection's max(weight reads, GEMM FLOPs) + a fixed overhead + what the layout sends "
               "over the scale-up link, with kernel efficiencies fitted per chip family to Tables 8 and 9. "
               "'Held out': each cell predicted by a fit without it.")
    chart("table9", "att_t9")
    speedups = content.tables["speedups"]
    draw.table(speedups, column_config={c: st.column_config.NumberColumn(format="%.2f")
                                          for c in ("measured (x)", "modeled (x)")}
                 | {"error": st.column_config.NumberColumn(format="percent")})
    downloads.table_download(speedups, "speedups", scenario, content.page)
    st.caption(f"Latency over the sidebar's context range on the selected chips, slider changes included: Table 9's "
               f"setup (4 GPUs, {scenario.batch} requests in total: the sidebar's decode batch), each design's own "
               f"layout (MFA and MLA data-parallel, GQA tensor-parallel), KV in "
               f"{(scenario.kv_dtype or 'bf16').upper()}, GEMMs in FP8 (INT8 where a chip has no FP8).")
    chart("latency-vs-context", "att_lat")
    with st.expander("Which kernel efficiencies each chip uses"):
        draw.table(content.tables["kernel-sets"][["chip", "label", "flash_kernel", "flash_hbm", "flash_flops",
                                                    "mla_kernel", "gemm_hbm", "gemm_flops", "overhead_us"]])


def validation_view(content, scenario, chart) -> None:
    """Model / measured per kind of row, every measured row with its source and errors (and the
    model's range where a chip's kernels are assumed), the fitted factors and the deployments'
    defaults with their sources."""
    st.markdown("Every measured row the model is checked against (data/measurements.toml): the paper's Table 9 "
                "(attention-layer latency, µs), Table 8 (Step-3 with AFD, tokens/GPU/s), kernel benchmarks (FlashMLA, "
                "DeepGEMM: TFLOPS or GB/s) and public expert-parallel deployments, decode and prefill side by side (DeepSeek, "
                "SGLang, Kimi K2: output or prompt tokens/GPU/s; the Serving cost page prices both phases). 'Held out': the kernel efficiencies (or, for a deployment, the overlap) refitted "
                "without the row, then the row predicted (leave one out). Rows on chips whose kernel efficiencies are "
                "assumed (no kernel measurements of their own) carry bars: the model at the low and high ends of the "
                "assumed efficiencies. Rows not fitted (GB200) are checks.")
    chart("validation-ratio", "att_parity")
    rows = content.tables["validation"]
    downloads.table(content, "validation", scenario, rows[[
        "kind", "table", "cell", "unit", "measured", "model_in_sample", "error_in_sample", "model_held_out",
        "error_held_out", "model_low", "model_high", "fitted", "assumed", "source"]],
        column_config={c: st.column_config.NumberColumn(format="percent") for c in ("error_in_sample", "error_held_out")}
        | {c: st.column_config.NumberColumn(format="%.4g")
           for c in ("measured", "model_in_sample", "model_held_out", "model_low", "model_high")})
    st.caption("Fitted factors (data/kernels.toml; `python -m costmodel validate` prints the same and checks them), "
               "each under the ceiling public kernels reach; then the deployments' default overlap and expert "
               "balance, with their sources:")
    downloads.table(content, "kernel-factors", scenario,
                 column_config={c: st.column_config.NumberColumn(format="%.3f") for c in ("value", "ceiling")})


frame.live(body)
