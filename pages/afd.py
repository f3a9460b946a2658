"""AFD sizing: how many attention and FFN instances (xAyF), which micro-batch, and what it
yields under a TPOT target; the stage balance, the pipeline of one decode step, the best ratio
over context, three models under one SLA and, on request, every chip pair of the library.
The inputs build the Scenario's ``afd``; everything drawn comes from ``dashboard.content.afd.view``."""
from dashboard.widgets import navigation

navigation.through_app()  # first: a freshly started server may run this file alone (see through_app)

from dataclasses import replace  # noqa: E402
import streamlit as st  # noqa: E402
from costmodel import afd  # noqa: E402
from costmodel.results import objective_label  # noqa: E402
from dashboard.widgets import afd_inputs, downloads, draw, frame  # noqa: E402
from dashboard.content import afd as afd_content, compute, labels  # noqa: E402
from dashboard.content.page import span  # noqa: E402
from dashboard.content.charts import afd as charts  # noqa: E402

st.title("AFD sizing: attention-to-FFN ratio")
st.markdown(
    "Attention-FFN Disaggregation puts attention (holding the KV cache) and the MoE FFN on separate GPU "
    "pools; micro-batches ping-pong between them through a pipeline of attention, network and FFN stages. "
    "Every stage of every layer must fit the **per-layer budget** = TPOT / (max(micro-batches, stages) x "
    "layers). The A:F ratio starts at the optimum for the inputs; move it to see what breaks and why. "
    "(Step-3 paper §5-§6; chips selected in the sidebar carry their slider changes, marked with *.)"
)
inputs = afd_inputs.deployment(frame.base())
st.subheader("A:F ratio")


PLAN, PAIRS = "The plan as a table", "Mixed chip pools"
VIEWS = {"Stage balance": ("balance", "afdchart_balance"), "Pipeline of one decode step": ("pipeline", "afdchart_gantt"),
         "Best ratio vs context": ("ratio-vs-context", "afdchart_context"),
         "Three models, one SLA": ("models", "afdchart_models"), PLAN: None, PAIRS: None}  # tab: its chart (name, key)


def pairs_table(content, scenario, setup) -> None:
    """The chip-pair search's table (when the toggle asks for it)."""
    pairs = content.tables["chip-pairs"]
    st.caption(f"Every (attention chip, FFN chip) pair of the library ({len(pairs)} with a feasible plan), best "
               f"first for '{objective_label(scenario.afd.objective)}' at the {setup.tpot_s * 1e3:g} ms target; "
               "tokens/GPU/s and USD per 1M tokens when paced at the target.")
    draw.table(pairs, column_config={
        "TPOT (ms)": st.column_config.NumberColumn(format="%.1f"),
        "tokens/GPU/s at the SLA": st.column_config.NumberColumn(format="%.0f"),
        "USD per 1M tokens at the SLA": st.column_config.NumberColumn(format="%.4f")})
    downloads.table_download(pairs, "chip-pairs", scenario, content.page)


def body(scenario) -> None:
    """Everything that follows the chip sliders: the optimum, the A:F control and the views.
    The open view (a chart) is sent before the status line and the key figures above it: it is
    what a user watches after moving a slider."""
    optimum = compute.afd_search(replace(scenario, afd=inputs).afd_setup(), objective=inputs.objective)

    row = st.container(horizontal=True, vertical_alignment="bottom", gap="medium")
    choice = afd_inputs.ratio(optimum, row)
    scenario = frame.publish(replace(scenario, afd=afd_inputs.with_ratio(inputs, optimum, choice)))
    view = afd_content.view(scenario)
    status, key_figures = st.container(), st.container()
    views(view, scenario)
    with row:
        optimum_button(view, optimum)
    with status:
        status_line(view)
    with key_figures:
        figures_of(view)


def views(view, scenario) -> None:
    """The open tab: a chart, the plan as a table or the chip-pair table."""
    content = view.content
    tab, box = draw.open_tab([v for v in VIEWS if v != PAIRS or "chip-pairs" in content.tables], "afd_tab")
    with box:  # only the open tab is computed and drawn
        if tab == PAIRS:
            pairs_table(content, scenario, view.setup)
        elif tab == PLAN:
            st.caption("The chosen plan and, below it, the search's optimum; times in ms, memory in GB per GPU.")
            downloads.table(content, "plan", scenario)
        else:
            downloads.chart(content, *VIEWS[tab], scenario)
    frame.publish(scenario, content)


def optimum_button(view, optimum) -> None:
    """Back to the search's optimum (or, with nothing feasible, to the fallback ratio)."""
    if optimum is None:
        st.button("Reset the ratio", key="afd_reset", on_click=afd_inputs.reset_ratio)
        st.warning(f"No ratio up to {afd.MAX_LAYOUT} meets the target with these inputs.", icon=":material/warning:")
        return
    at_optimum = view.choice == compute.afd_optimum_ratio(optimum)
    st.button(f"{'At the' if at_optimum else 'Use'} optimum: {optimum.layout}, micro-batch "
              f"{int(optimum.micro_batch):,} ({float(optimum.tokens_per_gpu_s):,.0f} tokens/GPU/s)",
              key="afd_reset", on_click=afd_inputs.reset_ratio, disabled=at_optimum,
              help="The search's best plan for these inputs; click to set the ratio and micro-batch to it.")


def status_line(view) -> None:
    """Whether the chosen plan meets the target, and what binds it."""
    setup, plan, mb = view.setup, view.plan, view.choice[2]
    size = (f"{int(plan.gpus)} GPUs, micro-batch {mb:,}, total batch {int(plan.total_batch):,} "
            f"({setup.micro_batches} in flight)")
    if view.nearest is None:
        st.success(f"**{plan.layout} meets the {setup.tpot_s * 1e3:g} ms target** ({size}). Binding constraint: "
                   f"{view.binding}.", icon=":material/check_circle:")
    else:
        st.warning(f"**{plan.layout} with micro-batch {mb:,} misses the target** ({size}). Binding constraint: "
                   f"{view.binding}. {view.nearest[0].upper()}{view.nearest[1:]}.", icon=":material/warning:")


def figures_of(view) -> None:
    """The chosen plan's key figures and the budget they are held to; a figure that rests on
    assumed kernel efficiencies shows its range, and what the plan assumes is said below."""
    setup, plan, ends = view.setup, view.plan, view.ranges
    use = plan.constraint_use()
    utilization = " · ".join(f"{charts.stage_words(k[:-5])} {100 * float(v):.0f}%" for k, v in use.items()
                             if k.endswith(" time"))

    def assumed(attr: str, fmt: str, scale: float = 1.0, unit: str = "") -> str:
        """' · assumed kernels: a–b' (the range of ``attr`` over the kernel-efficiency ends), or ''."""
        if ends is None:
            return ""
        return f" · assumed kernels: {span((float(getattr(e, attr)) * scale for e in ends), fmt)}{unit}"

    draw.key_figures([
        ("TPOT (ms)", f"{float(plan.tpot_s) * 1e3:.1f}",
         f"target {setup.tpot_s * 1e3:g} ms" + assumed("tpot_s", "{:.1f}", 1e3, " ms")),
        ("Tokens per GPU per s", f"{float(plan.tokens_per_gpu_s):,.0f}",
         f"{float(plan.sla_tokens_per_gpu_s):,.0f} at the target TPOT" + assumed("tokens_per_gpu_s", "{:,.0f}"),
         "Achieved (at the TPOT reached) and paced at the target TPOT (capacity under the SLA)."),
        ("USD per 1M tokens", f"{float(plan.usd_per_mtok):.4f}",
         f"attention {float(plan.attention_usd_per_mtok):.4f} + FFN {float(plan.ffn_usd_per_mtok):.4f}"
         + assumed("usd_per_mtok", "{:.4f}")),
        ("Attention GPU memory (GB)", f"{float(plan.attention_memory_bytes) / 1e9:.1f}",
         f"{100 * float(use['attention memory']):.0f}% of usable (KV + weights)"),
        ("FFN GPU memory (GB)", f"{float(plan.ffn_memory_bytes) / 1e9:.1f}",
         f"{100 * float(use['ffn memory']):.0f}% of usable (experts)"),
        ("Max context per attention GPU", f"{float(plan.attention_max_context_tokens_per_gpu):,.0f}",
         "tokens (requests x context)" + assumed("attention_max_context_tokens_per_gpu", "{:,.0f}"),
         "Requests x context one attention GPU can serve per micro-batch within the per-layer budget and its memory."),
    ], footnote=(
        f"Per-layer budget {setup.per_layer_budget_s * 1e6:.1f} µs ({setup.tpot_s * 1e3:g} ms"
        + (f" x {setup.mtp_accept:g} accepted tokens" if setup.mtp_accept != 1 else "")
        + f" / ({setup.slots_per_layer} slots x {setup.step_layers} layers"
        + (f": {setup.layers} + the MTP layer {setup.mtp_tokens - 1}x" if setup.mtp_tokens > 1 else "")
        + f")). Stage utilization: {utilization}. "
        f"Chips: {labels.chips_label(setup)}; network {labels.network_label(setup)}; "
        f"{labels.tokens(setup.context)} context; {setup.model.name}."))
    for note in view.notes:
        st.caption(draw.escape(f"Assumed: {note}."), help="Ranges: the plan at the low and high ends of the "
                   "assumed kernel efficiencies (bracketed by the measured chip families' fits, under the public "
                   "kernels' ceilings).")


frame.live(body)
