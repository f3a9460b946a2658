"""Attention designs compared: KV bytes and core FLOPs per decoded token vs context, arithmetic
intensity against each chip's ridge point, iso-model cost, and the paper's what-ifs."""
from __future__ import annotations

import math

from costmodel import escape

from dashboard.content import labels
from dashboard.content.charts.theme import DASHES, NICE_LOG_TICKS, axis, axis_ref, color, context_axis, figure, grid_layout, xy


def _ridge_shapes(chips, weight_dtype: str, xref: str, yref: str) -> tuple[list, list]:
    """A dashed line per chip ridge point (FLOPs/byte) with its label at the right edge; labels
    of ridges within 25% of each other are nudged apart."""
    shapes, notes, previous = [], [], None
    order = sorted(range(len(chips)), key=lambda j: chips[j].ridge_point(weight_dtype))
    for j in order:
        chip = chips[j]
        r = chip.ridge_point(weight_dtype)
        shift = -7 if previous is not None and r / previous < 1.25 else 0
        if shift and notes:
            notes[-1]["yshift"] = notes[-1].get("yshift", 0) - 7
            shift = 7
        previous = r
        shapes.append({"type": "line", "xref": f"{xref} domain", "x0": 0, "x1": 1, "yref": yref, "y0": r, "y1": r,
                       "line": {"color": "#6B7280", "width": 1.2, "dash": DASHES[j % len(DASHES)]}})
        notes.append({"xref": f"{xref} domain", "x": 1.0, "xanchor": "left", "yref": yref, "y": math.log10(r),
                      "yshift": shift, "text": f"{labels.chip_label(chip)} {r:.0f}", "showarrow": False,
                      "font": {"size": 11, "color": "#374151"}})
    return shapes, notes


def profiles(named_tokens, chips, weight_dtype: str, log_x: bool, title: str):
    """Three panels over context: KV bytes read per decoded token (GB), attention-core FLOPs per
    token (GFLOPs), and intensity (FLOPs/byte) with every chip's ridge point as a dashed line.
    ``named_tokens``: [(label, TokenCost)] sharing one context array."""
    data = []
    for i, (label, token) in enumerate(named_tokens):
        name = escape.plotly(label)
        common = {"type": "scatter", "mode": "lines", "name": name, "legendgroup": name,
                  "line": {"color": color(i), "width": 2.5}}
        data.append({**common, **xy(token.context, token.kv_bytes / 1e9), **axis_ref(0),
                     "hovertemplate": f"<b>{name}</b><br>%{{y:.3f}} GB of KV read per token at %{{x:,.0f}} tokens<extra></extra>"})
        data.append({**common, "showlegend": False, **xy(token.context, token.attention_flops / 1e9), **axis_ref(1),
                     "hovertemplate": f"<b>{name}</b><br>%{{y:.1f}} GFLOPs attention core per token at %{{x:,.0f}} tokens<extra></extra>"})
        data.append({**common, "showlegend": False, **xy(token.context, token.attention_intensity), **axis_ref(2),
                     "hovertemplate": f"<b>{name}</b><br>intensity %{{y:.1f}} FLOPs/byte at %{{x:,.0f}} tokens<extra></extra>"})
    shapes, notes = _ridge_shapes(chips, weight_dtype, "x3", "y3")
    layout = grid_layout(["KV read per token (GB)", "Attention-core compute per token (GFLOPs)",
                          "Arithmetic intensity vs ridge points (FLOPs/byte)"],
                         [context_axis(named_tokens[0][1].context, log_x) for _ in range(3)],
                         [axis("KV bytes per token (GB)", rangemode="tozero"), axis("FLOPs per token (GFLOPs)", rangemode="tozero"),
                          axis("Intensity (FLOPs per KV byte)", log=True, tickvals=NICE_LOG_TICKS)], gap_x=0.09)
    layout["annotations"] += notes
    return figure(data, {**layout, "shapes": shapes, "title": {"text": title}, "height": 460,
                         "legend": {"orientation": "h", "y": -0.22, "x": 0}, "margin": {"r": 90, "b": 40}})


def iso_costs(grid, context: int):
    """Bars: USD per 1M tokens per chip for each attention swap, attention and FFN stacked."""
    data = []
    chips = [labels.chip_label(c) for c in grid.chips]
    for i, model in enumerate(grid.models):
        name = escape.plotly(model.name)
        data.append({"type": "bar", "name": f"{name} · attention", "x": chips, "offsetgroup": str(i),
                     "y": grid.attention_usd_per_mtok[i, :, 0].tolist(), "marker": {"color": color(i)},
                     "hovertemplate": f"<b>{name}</b> on %{{x}}<br>attention $%{{y:.4f}} per 1M tokens<extra></extra>"})
        data.append({"type": "bar", "name": f"{name} · FFN", "x": chips, "offsetgroup": str(i),
                     "base": grid.attention_usd_per_mtok[i, :, 0].tolist(),
                     "y": grid.ffn_usd_per_mtok[i, :, 0].tolist(),
                     "marker": {"color": color(i), "opacity": 0.45, "pattern": {"shape": "."}},
                     "hovertemplate": f"<b>{name}</b> on %{{x}}<br>FFN $%{{y:.4f}} per 1M tokens<extra></extra>"})
    return figure(data, {"title": {"text": f"Same body, different attention: decode cost at {labels.tokens(context)} context"},
                         "barmode": "group", "xaxis": axis("Chip"), "yaxis": axis("Decode cost (USD per 1M tokens)"),
                         "height": 420})


def what_ifs(rows, chips, weight_dtype: str, context: int):
    """Grouped bars of attention intensity (log) per model and what-if; ridge points dashed.
    ``rows``: [{"model", "what_if", "intensity"}]."""
    models = list(dict.fromkeys(r["model"] for r in rows))
    cases = list(dict.fromkeys(r["what_if"] for r in rows))
    data = []
    for k, case in enumerate(cases):
        ys = [next(r["intensity"] for r in rows if r["model"] == m and r["what_if"] == case) for m in models]
        data.append({"type": "bar", "name": case, "x": [escape.plotly(m) for m in models], "y": ys,
                     "marker": {"color": color(k + 4)},
                     "text": [f"{y:.0f}" for y in ys], "textposition": "outside",
                     "hovertemplate": f"<b>%{{x}}</b> · {case}<br>%{{y:.1f}} FLOPs per KV byte<extra></extra>"})
    shapes, notes = _ridge_shapes(chips, weight_dtype, "x", "y")
    return figure(data, {"title": {"text": f"What-ifs from the paper (§5.2) at {labels.tokens(context)} context: "
                                           "attention intensity vs each chip's ridge point"},
                         "barmode": "group", "xaxis": axis("Model"),
                         "yaxis": axis("Attention intensity (FLOPs per KV byte)", log=True, tickvals=NICE_LOG_TICKS),
                         "shapes": shapes, "annotations": notes, "height": 460, "margin": {"r": 90},
                         "legend": {"title": {"text": "What-if "}}})
