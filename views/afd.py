"""AFD sizing: how many attention and FFN instances (xAyF), which micro-batch, and what it
yields under a TPOT target; the stage balance, the pipeline of one decode step, the best ratio
over context, three models under one SLA and, on request, every chip pair of the library.
The inputs build the Scenario's ``afd``; everything drawn comes from ``dashboard.content.afd.view``."""
from dataclasses import replace
import streamlit as st
from costmodel import afd
from costmodel.results import (ATTENTION_MEMORY, ATTENTION_USD_PER_MTOK, FFN_MEMORY, FFN_USD_PER_MTOK,
                               MAX_CONTEXT_PER_GPU, PER_LAYER_BUDGET, SLA_TOKENS_PER_GPU_S, SLA_USD_PER_MTOK,
                               TOKENS_PER_GPU_S, TPOT, USD_PER_MTOK, objective_label)
from dashboard.widgets import afd_inputs, downloads, draw, frame
from dashboard.content import afd as afd_content, baseline, compute, labels
from dashboard.content.page import span
from dashboard.state.baseline import effective
from dashboard.content.charts import afd as charts

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
               f"first for '{objective_label(scenario.afd.objective)}' at the {TPOT.shown(setup.tpot_s):g} ms target; "
               "tokens/GPU/s and USD per 1M tokens when paced at the target.")
    draw.table(pairs, column_config={result.title: st.column_config.NumberColumn(format=fmt) for result, fmt in (
        (TPOT, "%.1f"), (SLA_TOKENS_PER_GPU_S, "%.0f"), (SLA_USD_PER_MTOK, "%.4f"))})
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
    view = replace(view, content=baseline.compared(view.content, scenario))
    status, key_figures = st.container(), st.container()
    views(view, scenario)
    with row:
        optimum_button(view, optimum)
    with status:
        status_line(view)
    base = effective(scenario)
    old = baseline.before_view("afd", base) if base is not None else None
    with key_figures:
        figures_of(view, old)
    if old is not None:
        what_moved(view, old)


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
        st.success(f"**{plan.layout} meets the {TPOT.shown(setup.tpot_s):g} ms target** ({size}). Binding constraint: "
                   f"{view.binding}.", icon=":material/check_circle:")
    else:
        st.warning(f"**{plan.layout} with micro-batch {mb:,} misses the target** ({size}). Binding constraint: "
                   f"{view.binding}. {view.nearest[0].upper()}{view.nearest[1:]}.", icon=":material/warning:")


FIGURES = afd_content.KEY_FIGURES


def what_moved(view, old) -> None:
    """What moved against the baseline: the plan's ratio, micro-batch and binding constraint."""
    moved = [f"{what}: {a} → {b}" for what, a, b in (
        ("ratio", old.plan.layout, view.plan.layout), ("micro-batch", old.choice[2], view.choice[2]),
        ("binding constraint", old.binding, view.binding),
        ("optimum", getattr(old.optimum, "layout", "none"), getattr(view.optimum, "layout", "none"))) if a != b]
    st.caption(draw.escape("Against the baseline: " + ("; ".join(moved) if moved else "the same plan") + "."))


def figures_of(view, old=None) -> None:
    """The chosen plan's key figures and the budget they are held to; a figure that rests on
    assumed kernel efficiencies shows its range, and what the plan assumes is said below.
    ``old``: the baseline's view, whose figures the changes are against."""
    setup, plan, ends = view.setup, view.plan, view.ranges
    use = plan.constraint_use()
    utilization = " · ".join(f"{charts.stage_words(k[:-5])} {100 * float(v):.0f}%" for k, v in use.items()
                             if k.endswith(" time"))

    def assumed(result, fmt: str) -> str:
        """' · assumed kernels: a–b' (the range of ``result`` over the kernel-efficiency ends), or ''."""
        if ends is None:
            return ""
        unit = f" {result.unit}" if result.unit and result.unit != "tokens" else ""
        return f" · assumed kernels: {span((result.shown(getattr(e, result.name)) for e in ends), fmt)}{unit}"

    def title(result) -> str:
        return result.title[0].upper() + result.title[1:]

    def shown(result, fmt: str) -> str:
        return fmt.format(result.shown(getattr(plan, result.name)))

    target = f"{TPOT.shown(setup.tpot_s):g} ms"
    changes = None if old is None else [
        (text, colour) if (text := baseline.delta(float(result.shown(getattr(plan, result.name))),
                                                   float(result.shown(getattr(old.plan, result.name))), fmt)) else None
        for result, fmt, colour in FIGURES]
    draw.key_figures([
        (title(TPOT), shown(TPOT, "{:.1f}"), f"target {target}" + assumed(TPOT, "{:.1f}")),
        (title(TOKENS_PER_GPU_S), shown(TOKENS_PER_GPU_S, "{:,.0f}"),
         f"{shown(SLA_TOKENS_PER_GPU_S, '{:,.0f}')} at the target TPOT" + assumed(TOKENS_PER_GPU_S, "{:,.0f}"),
         "Achieved (at the TPOT reached) and paced at the target TPOT (capacity under the SLA)."),
        (title(USD_PER_MTOK), shown(USD_PER_MTOK, "{:.4f}"),
         f"attention {shown(ATTENTION_USD_PER_MTOK, '{:.4f}')} + FFN {shown(FFN_USD_PER_MTOK, '{:.4f}')}"
         + assumed(USD_PER_MTOK, "{:.4f}")),
        (title(ATTENTION_MEMORY), shown(ATTENTION_MEMORY, "{:.1f}"),
         f"{100 * float(use['attention memory']):.0f}% of usable (KV + weights)"),
        (title(FFN_MEMORY), shown(FFN_MEMORY, "{:.1f}"), f"{100 * float(use['ffn memory']):.0f}% of usable (experts)"),
        (title(MAX_CONTEXT_PER_GPU), shown(MAX_CONTEXT_PER_GPU, "{:,.0f}"),
         "requests x context" + assumed(MAX_CONTEXT_PER_GPU, "{:,.0f}"),
         "Requests x context one attention GPU can serve per micro-batch within the per-layer budget and its memory."),
    ], footnote=(
        f"Per-layer budget {PER_LAYER_BUDGET.shown(setup.per_layer_budget_s):.1f} µs ({target}"
        + (f" x {setup.mtp_accept:g} accepted tokens" if setup.mtp_accept != 1 else "")
        + f" / ({setup.slots_per_layer} slots x {setup.step_layers} layers"
        + (f": {setup.layers} + the MTP layer {setup.mtp_tokens - 1}x" if setup.mtp_tokens > 1 else "")
        + f")). Stage utilization: {utilization}. "
        f"Chips: {labels.chips_label(setup)}; network {labels.network_label(setup)}; "
        f"{labels.tokens(setup.context)} context; {setup.model.name}."), changes=changes)
    for note in view.notes:
        st.caption(draw.escape(f"Assumed: {note}."), help="Ranges: the plan at the low and high ends of the "
                   "assumed kernel efficiencies (bracketed by the measured chip families' fits, under the public "
                   "kernels' ceilings).")


frame.live(body)
