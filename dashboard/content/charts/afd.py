"""AFD sizing charts: per-layer stage balance against the budget, the ping-pong pipeline of one
decode step as a Gantt chart, the best A:F ratio over context, and three models under one SLA.
Times in microseconds on screen (seconds in the plans)."""
from __future__ import annotations

from costmodel import escape
from costmodel.results import TPOT
from costmodel.afd_search import STAGE_WORDS

from dashboard.content import labels
from dashboard.content.charts.theme import axis, axis_ref, color, figure, grid_layout

US = 1e6
STAGE_LABELS = {"attention": "Attention", "network": "Network (A→F + F→A)", "a2f": "A→F network", "ffn": "FFN",
                "f2a": "F→A network"}
OVER = "#B91C1C"


def _stage_axis(rows: list[str]) -> dict:
    """Stage rows top to bottom in pipeline order, the title clear of the row names."""
    out = axis("Pipeline stage", categoryorder="array", categoryarray=rows[::-1])
    out["title"] = {**out["title"], "standoff": 14}
    return out


def _pieces(plan) -> list[tuple[str, str, float]]:
    """(stage, part name, seconds per layer) of every stacked part of every stage."""
    core, projections = float(plan.attention_core_s), float(plan.attention_projections_s)
    overhead = float(plan.attention_overhead_s)
    link = max(0.0, float(plan.attention_s) - core - projections - overhead)  # the layout's traffic not hidden
    parts = [("attention", "Attention: KV reads + core math", core),
             ("attention", "Attention: projections (weights + GEMMs)", projections),
             ("attention", "Attention: fixed per-layer overhead (launches, AFD side)", overhead)]
    if link > 0:
        parts.append(("attention", "Attention: scale-up link beyond the kernels (layout's traffic)", link))
    if plan.setup.stages == 3:
        parts += [("network", "A→F: FP8 activations + scales + routing", float(plan.a2f_s)),
                  ("network", "F→A: BF16 outputs", float(plan.f2a_s))]
    else:
        parts += [("a2f", "A→F: FP8 activations + scales + routing", float(plan.a2f_s)),
                  ("f2a", "F→A: BF16 outputs", float(plan.f2a_s))]
    parts.append(("ffn", "FFN: experts (FLOPs vs weight reads)", float(plan.ffn_s)))
    return parts


def balance(plan) -> dict:
    """Horizontal stacked bars: each stage's time per layer and micro-batch (µs) against the
    per-layer budget (dashed line); each row labelled with its use of the budget."""
    budget = plan.setup.per_layer_budget_s * US
    rows = [STAGE_LABELS[s] for s in plan.stage_names]
    data = []
    for i, (stage, name, seconds) in enumerate(_pieces(plan)):
        data.append({
            "type": "bar", "orientation": "h", "name": name, "y": [STAGE_LABELS[stage]], "x": [seconds * US],
            "marker": {"color": color(i), "line": {"width": 0.5, "color": "white"}},
            "hovertemplate": f"<b>{name}</b><br>%{{x:.1f}} µs per layer per micro-batch<br>"
                             f"budget {budget:.1f} µs<extra></extra>",
        })
    stage_us = {s: float(t) * US for s, t in plan.stage_s.items()}
    top = max(budget, *stage_us.values()) * 1.12
    notes = [{"x": 1.0, "y": STAGE_LABELS[s], "xref": "paper", "yref": "y", "showarrow": False,
              "xanchor": "left", "xshift": 8, "text": f"<b>{stage_us[s]:.0f} µs · {100 * stage_us[s] / budget:.0f}%</b>",
              "font": {"size": 12, "color": OVER if stage_us[s] > budget * (1 + 1e-9) else "#1F2937"}}
             for s in plan.stage_names]
    notes.append({"x": budget, "y": 1.0, "xref": "x", "yref": "paper", "showarrow": False, "yanchor": "bottom",
                  "text": f"budget {budget:.0f} µs", "font": {"size": 12, "color": OVER}})
    return figure(data, {
        "title": {"text": f"Per-layer balance of {plan.layout}, micro-batch {int(plan.micro_batch):,}<br>"
                          f"<sup>each stage's time per layer vs the {budget:.0f} µs budget "
                          f"(TPOT / ({plan.setup.slots_per_layer} slots x {plan.setup.layers} layers))</sup>"},
        "barmode": "stack",
        "xaxis": axis("Time per layer per micro-batch (µs)", range=[0, top]),
        "yaxis": _stage_axis(rows),
        "shapes": [{"type": "line", "xref": "x", "yref": "paper", "x0": budget, "x1": budget, "y0": 0, "y1": 1,
                    "line": {"color": OVER, "width": 2, "dash": "dash"}}],
        "annotations": notes,
        "legend": {"orientation": "h", "y": -0.3, "x": 0, "title": {"text": "Part "}, "traceorder": "normal"},
        "height": 440, "margin": {"l": 180, "r": 110, "t": 80, "b": 60},
    })


def pipeline_slots(plan, layers: int) -> list[dict]:
    """The ping-pong schedule of the first ``layers`` layers: micro-batch i of layer l enters
    stage k in slot l x max(m, s) + i + k (each slot as long as the slowest stage), and takes its
    stage's own time. Rows: micro_batch, layer (1-based), stage, start_s, end_s."""
    s = plan.setup
    period, slot = s.slots_per_layer, float(plan.slot_s)
    rows = []
    for layer in range(layers):
        for mb in range(s.micro_batches):
            for k, stage in enumerate(plan.stage_names):
                start = (layer * period + mb + k) * slot
                rows.append({"micro_batch": mb + 1, "layer": layer + 1, "stage": stage, "start_s": start,
                             "end_s": start + float(plan.stage_s[stage])})
    return rows


def gantt(plan, layers: int = 2) -> dict:
    """One decode step's first ``layers`` layers: micro-batches as coloured bars on stage rows,
    time in µs; dotted lines where each layer's first attention slot starts."""
    s = plan.setup
    layers = max(1, min(layers, s.layers))
    rows = pipeline_slots(plan, layers)
    names = [STAGE_LABELS[st] for st in plan.stage_names]
    data = []
    for mb in range(1, s.micro_batches + 1):
        mine = [r for r in rows if r["micro_batch"] == mb]
        data.append({
            "type": "bar", "orientation": "h", "name": f"micro-batch {mb}",
            "y": [STAGE_LABELS[r["stage"]] for r in mine],
            "x": [(r["end_s"] - r["start_s"]) * US for r in mine],
            "base": [r["start_s"] * US for r in mine],
            "text": [f"L{r['layer']}" for r in mine], "textposition": "inside", "insidetextanchor": "middle",
            "textangle": 0, "textfont": {"color": "white", "size": 11},
            "marker": {"color": color(mb - 1), "line": {"width": 1, "color": "white"}},
            "customdata": [[r["layer"], r["start_s"] * US, r["end_s"] * US] for r in mine],
            "hovertemplate": (f"<b>micro-batch {mb}</b>, layer %{{customdata[0]}}<br>%{{y}}: "
                              "%{customdata[1]:.0f} to %{customdata[2]:.0f} µs (%{x:.1f} µs)<extra></extra>"),
        })
    period = s.slots_per_layer * float(plan.slot_s) * US
    end = max(r["end_s"] for r in rows) * US
    shapes = [{"type": "line", "xref": "x", "yref": "paper", "x0": layer * period, "x1": layer * period, "y0": 0,
               "y1": 1, "line": {"color": "#6B7280", "width": 1, "dash": "dot"}} for layer in range(1, layers + 1)]
    notes = [{"x": layer * period, "y": 1.0, "xref": "x", "yref": "paper", "showarrow": False, "yanchor": "bottom",
              "xanchor": "left", "text": f"layer {layer + 1}", "font": {"size": 11, "color": "#6B7280"}}
             for layer in range(layers)]
    return figure(data, {
        "title": {"text": f"One decode step: {s.micro_batches} micro-batches through {s.stages} stages<br>"
                          f"<sup>first {layers} of {s.layers} layers; step = {s.layers} layers x {period:.0f} µs = "
                          f"{TPOT.shown(plan.tpot_s):.1f} ms; bars labelled by layer</sup>"},
        "barmode": "overlay",
        "xaxis": axis("Time from the start of the step (µs)", range=[0, end * 1.02]),
        "yaxis": _stage_axis(names),
        "uniformtext": {"minsize": 9, "mode": "hide"},
        "shapes": shapes, "annotations": notes,
        "legend": {"orientation": "h", "y": -0.25, "x": 0},
        "height": 440, "margin": {"l": 180, "r": 30, "t": 80, "b": 60},
    })


def _context_ticks(contexts) -> dict:
    return {"tickvals": list(contexts), "ticktext": [labels.tokens(c) for c in contexts]}


def ratio_vs_context(rows, ffn_instances: int, micro_batch: int, objective: str) -> dict:
    """Left: attention and FFN instances of the best plan per context, and the attention
    instances the search picks for the chosen FFN instances and micro-batch. Right: tokens per
    GPU per second (achieved) of both. One figure's traces in drawing order, then its layout:
    long on purpose (see ``charts.deploy.throughput``)."""
    contexts = [c for c, _, _ in rows]
    best, pinned = [b for _, b, _ in rows], [p for _, _, p in rows]
    pinned_name = f"best x for {ffn_instances}F, micro-batch {micro_batch:,}"

    def get(plans, attr):
        return [None if p is None else float(getattr(p, attr)) for p in plans]

    def layout_text(plans):
        return [None if p is None else f"{p.layout} · micro-batch {int(p.micro_batch):,}" for p in plans]

    ctx_text = [labels.tokens(c) for c in contexts]
    common = {"type": "scatter", "mode": "lines+markers", "x": contexts}
    data = [
        {**common, "name": "best plan: attention instances", "y": get(best, "attention_instances"),
         "customdata": [[t, l] for t, l in zip(ctx_text, layout_text(best))], "marker": {"color": color(0), "size": 8},
         "line": {"color": color(0)}, "legendgroup": "best",
         "hovertemplate": "%{customdata[0]} context: <b>%{customdata[1]}</b><br>%{y:.0f} attention instances"
                          "<extra></extra>", **axis_ref(0)},
        {**common, "name": "best plan: FFN instances", "y": get(best, "ffn_instances"),
         "customdata": [[t, l] for t, l in zip(ctx_text, layout_text(best))],
         "marker": {"color": color(0), "size": 8, "symbol": "square-open"},
         "line": {"color": color(0), "dash": "dot"}, "legendgroup": "best",
         "hovertemplate": "%{customdata[0]} context: <b>%{customdata[1]}</b><br>%{y:.0f} FFN instances"
                          "<extra></extra>", **axis_ref(0)},
        {**common, "name": pinned_name, "y": get(pinned, "attention_instances"),
         "customdata": [[t, l] for t, l in zip(ctx_text, layout_text(pinned))],
         "marker": {"color": color(1), "size": 8, "symbol": "diamond"}, "line": {"color": color(1)},
         "legendgroup": "pinned",
         "hovertemplate": "%{customdata[0]} context: <b>%{customdata[1]}</b><br>%{y:.0f} attention instances"
                          "<extra></extra>", **axis_ref(0)},
        {**common, "name": "best plan: tokens/GPU/s", "y": get(best, "tokens_per_gpu_s"),
         "customdata": [[t, l] for t, l in zip(ctx_text, layout_text(best))], "marker": {"color": color(0), "size": 8},
         "line": {"color": color(0)}, "legendgroup": "best", "showlegend": False,
         "hovertemplate": "%{customdata[0]} context: <b>%{customdata[1]}</b><br>%{y:,.0f} tokens/GPU/s"
                          "<extra></extra>", **axis_ref(1)},
        {**common, "name": f"{pinned_name}: tokens/GPU/s", "y": get(pinned, "tokens_per_gpu_s"),
         "customdata": [[t, l] for t, l in zip(ctx_text, layout_text(pinned))],
         "marker": {"color": color(1), "size": 8, "symbol": "diamond"}, "line": {"color": color(1)},
         "legendgroup": "pinned", "showlegend": False,
         "hovertemplate": "%{customdata[0]} context: <b>%{customdata[1]}</b><br>%{y:,.0f} tokens/GPU/s"
                          "<extra></extra>", **axis_ref(1)},
    ]
    x_axis = axis("Average context (tokens)", log=True, **_context_ticks(contexts))
    layout = grid_layout(["Instances of the best plan", "Tokens per GPU per second"],
                         [x_axis, x_axis],
                         [axis("Instances (count)", rangemode="tozero"),
                          axis("Tokens per GPU per second (tokens/s)", rangemode="tozero")], gap_x=0.1)
    goal = "most tokens/GPU/s" if objective == "tokens_per_gpu_s" else "lowest USD per 1M tokens"
    return figure(data, {
        **layout,
        "title": {"text": f"Best A:F ratio from 4K to 128K context ({goal}; gaps: nothing feasible)"},
        "legend": {"orientation": "h", "y": -0.22, "x": 0},
        "height": 460, "margin": {"l": 70, "r": 30, "t": 90, "b": 60},
    })


def models(rows, setup) -> dict:
    """Left: tokens per GPU per second of each model's best plan; right: USD per 1M tokens,
    attention and FFN stacked. Same chips, context and TPOT target for all."""
    names = [escape.plotly(m.name) for m, _ in rows]
    plans = [p for _, p in rows]
    text = [("no feasible plan" if p is None else f"{p.layout}, mb {int(p.micro_batch):,}") for p in plans]

    def get(attr):
        return [0.0 if p is None else float(getattr(p, attr)) for p in plans]

    data = [
        {"type": "bar", "name": "tokens/GPU/s (achieved)", "x": names, "y": get("tokens_per_gpu_s"),
         "text": text, "textposition": "outside", "marker": {"color": color(2)}, "showlegend": False,
         "customdata": [[s] for s in get("sla_tokens_per_gpu_s")],
         "hovertemplate": "<b>%{x}</b> · %{text}<br>%{y:,.0f} tokens/GPU/s achieved<br>"
                          "%{customdata[0]:,.0f} tokens/GPU/s paced at the target<extra></extra>", **axis_ref(0)},
        {"type": "bar", "name": "attention GPUs", "x": names, "y": get("attention_usd_per_mtok"),
         "marker": {"color": color(0)},
         "hovertemplate": "<b>%{x}</b><br>attention: $%{y:.4f} per 1M tokens<extra></extra>", **axis_ref(1)},
        {"type": "bar", "name": "FFN GPUs", "x": names, "y": get("ffn_usd_per_mtok"), "marker": {"color": color(1)},
         "text": [("no feasible plan" if p is None else f"${float(p.usd_per_mtok):.3f}") for p in plans],
         "textposition": "outside",
         "hovertemplate": "<b>%{x}</b><br>FFN: $%{y:.4f} per 1M tokens<extra></extra>", **axis_ref(1)},
    ]
    tokens_top = max(get("tokens_per_gpu_s") + [1.0]) * 1.2
    usd_top = max(get("usd_per_mtok") + [1e-6]) * 1.2
    layout = grid_layout(["Tokens per GPU per second", "Cost per 1M tokens (attention + FFN)"],
                         [axis("Model"), axis("Model")],
                         [axis("Tokens per GPU per second (tokens/s)", range=[0, tokens_top]),
                          axis("Decode cost (USD per 1M tokens)", range=[0, usd_top])], gap_x=0.1)
    chips = labels.chip_label(setup.attention_chip) + "+" + labels.chip_label(setup.ffn_chip)
    return figure(data, {
        **layout,
        "title": {"text": f"Three models under one SLA: {TPOT.shown(setup.tpot_s):g} ms TPOT, "
                          f"{labels.tokens(setup.context)} context, {chips}, each at its best plan"},
        "barmode": "stack",
        "legend": {"orientation": "h", "y": -0.18, "x": 0.55, "title": {"text": "Cost of "}},
        "height": 460, "margin": {"l": 70, "r": 30, "t": 90, "b": 60},
    })


def stage_words(stage: str) -> str:
    return STAGE_WORDS.get(stage, stage)
