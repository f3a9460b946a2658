"""AFD sizing: how many attention and FFN instances (xAyF), which micro-batch, and what it
yields under a TPOT target; the stage balance, the pipeline of one decode step, the best ratio
over context and three models under one SLA."""
import streamlit as st

from dashboard import afd_inputs, compute, labels, render, sidebar
from dashboard.charts import afd as charts

scenario = sidebar.current()

st.title("AFD sizing: attention-to-FFN ratio")
st.markdown(
    "Attention-FFN Disaggregation puts attention (holding the KV cache) and the MoE FFN on separate GPU "
    "pools; micro-batches ping-pong between them through a pipeline of attention, network and FFN stages. "
    "Every stage of every layer must fit the **per-layer budget** = TPOT / (max(micro-batches, stages) x "
    "layers). The A:F ratio starts at the optimum for the inputs; move it to see what breaks and why. "
    "(Step-3 paper §5-§6; chips selected in the sidebar carry their slider changes, marked with *.)"
)
setup = afd_inputs.setup(scenario)
objective = afd_inputs.objective()
optimum = compute.afd_search(setup, objective=objective)

st.subheader("A:F ratio")
c_x, c_y, c_mb, c_reset, c_opt = st.columns([1, 1, 1.2, 0.9, 2.2], vertical_alignment="bottom")
x, y, mb = afd_inputs.ratio(optimum, (c_x, c_y, c_mb))
at_optimum = optimum is not None and (x, y, mb) == tuple(afd_inputs.optimum_values(optimum).values())
c_reset.button("Use optimum", key="afd_reset", on_click=afd_inputs.reset_ratio, disabled=at_optimum,
               width="stretch")
if optimum is None:
    c_opt.warning("No ratio up to 64A16F meets the target with these inputs.", icon=":material/warning:")
else:
    c_opt.metric("Optimum for these inputs", afd_inputs.layout_name(optimum),
                 f"micro-batch {int(optimum.micro_batch):,} · {float(optimum.tokens_per_gpu_s):,.0f} tokens/GPU/s",
                 delta_color="off", delta_arrow="off")

plan = compute.afd_plan(setup, x, y, mb)
binding, nearest = compute.afd_explain(setup, x, y, mb)
name = afd_inputs.layout_name(plan)
if nearest is None:
    st.success(f"**{name} meets the {setup.tpot_s * 1e3:g} ms target.** Binding constraint: {binding}.",
               icon=":material/check_circle:")
else:
    st.warning(f"**{name} with micro-batch {mb:,} misses the target.** Binding constraint: {binding}. "
               f"{nearest[0].upper()}{nearest[1:]}.", icon=":material/warning:")

use = plan.constraint_use()
m = st.columns(4)
m[0].metric("Layout", name, f"{int(plan.gpus)} GPUs", delta_color="off", delta_arrow="off")
m[1].metric("Micro-batch", f"{mb:,}", f"total batch {int(plan.total_batch):,} ({setup.micro_batches} in flight)",
            delta_color="off", delta_arrow="off")
m[2].metric("TPOT (ms)", f"{float(plan.tpot_s) * 1e3:.1f}", f"target {setup.tpot_s * 1e3:g} ms", delta_color="off",
            delta_arrow="off")
m[3].metric("Tokens per GPU per s", f"{float(plan.tokens_per_gpu_s):,.0f}",
            f"{float(plan.sla_tokens_per_gpu_s):,.0f} at the target TPOT", delta_color="off", delta_arrow="off",
            help="Achieved (at the TPOT reached) and paced at the target TPOT (capacity under the SLA).")
m = st.columns(4)
m[0].metric("USD per 1M tokens", f"{float(plan.usd_per_mtok):.4f}",
            f"attention {float(plan.attention_usd_per_mtok):.4f} + FFN {float(plan.ffn_usd_per_mtok):.4f}",
            delta_color="off", delta_arrow="off")
m[1].metric("Attention GPU memory (GB)", f"{float(plan.attention_memory_bytes) / 1e9:.1f}",
            f"{100 * float(use['attention memory']):.0f}% of usable (KV + weights)", delta_color="off",
            delta_arrow="off")
m[2].metric("FFN GPU memory (GB)", f"{float(plan.ffn_memory_bytes) / 1e9:.1f}",
            f"{100 * float(use['ffn memory']):.0f}% of usable (experts)", delta_color="off", delta_arrow="off")
m[3].metric("Max context per attention GPU", f"{float(plan.attention_max_context_tokens_per_gpu):,.0f}",
            "tokens (requests x context)", delta_color="off", delta_arrow="off",
            help="Requests x context one attention GPU can serve per micro-batch within the per-layer budget "
                 "and its memory.")
utilization = " · ".join(f"{charts.stage_words(k[:-5])} {100 * float(v):.0f}%" for k, v in use.items()
                         if k.endswith(" time"))
st.caption(
    f"Per-layer budget {setup.per_layer_budget_s * 1e6:.1f} µs ({setup.tpot_s * 1e3:g} ms / "
    f"({setup.slots_per_layer} slots x {setup.layers} layers)). Stage utilization: {utilization}. "
    f"Chips: {afd_inputs.chips_label(setup)}; "
    f"{labels.tokens(setup.context)} context; {setup.model.name}."
)

left, right = st.columns(2)
with left:
    render.plotly(charts.balance(plan), "afd_balance")
with right:
    render.plotly(charts.gantt(plan), "afd_gantt")
sweep_rows = compute.afd_context_sweep(setup, y, mb, objective)
render.plotly(charts.ratio_vs_context(sweep_rows, y, mb, objective), "afd_context")
render.plotly(charts.models(compute.afd_models(setup, objective), setup), "afd_models")
