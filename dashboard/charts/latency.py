"""Attention-layer latency charts: the paper's Table 9 measured beside the fitted model, the
modeled latency of each design over context on the selected chips, and the validation parity
plot (model vs measured, every measured row, with the ±15% band). Times in microseconds."""
from __future__ import annotations

import numpy as np

from costmodel import escape
from costmodel.paper import PAPER_CHIPS

from .. import labels
from ..theme import NICE_LOG_TICKS, axis, axis_ref, color, context_axis, figure, grid_layout, values

DESIGN_ORDER = ("MFA", "MLA", "GQA")
BAND = 0.15  # the held-out target for Table 9 cells


def table9(rows: list[dict]) -> dict:
    """Grouped bars per (context, chip): each design measured (solid) and modeled held out
    (light, outlined), µs per attention layer. ``rows``: dicts with context, chip, design,
    measured_us, model_us, error (model held out / measured - 1)."""
    order = [c.upper() for c in PAPER_CHIPS]
    groups = sorted({(r["context"], r["chip"]) for r in rows},
                    key=lambda g: (g[0], order.index(g[1]) if g[1] in order else len(order)))
    names = [f"{labels.tokens(c)} · {chip}" for c, chip in groups]
    data = []
    for i, design in enumerate(DESIGN_ORDER):
        by_group = {(r["context"], r["chip"]): r for r in rows if r["design"] == design}
        cells = [by_group.get(g) for g in groups]
        for kind in ("measured", "model"):
            y = [None if c is None else c[f"{kind}_us"] for c in cells]
            text = [None if c is None else f"{c['error']:+.1%}" for c in cells] if kind == "model" else None
            trace = {"type": "bar", "x": names, "y": y, "name": f"{design} {'measured' if kind == 'measured' else 'model'}",
                     "legendgroup": design, "offsetgroup": f"{design}-{kind}",
                     "marker": {"color": color(i), "opacity": 1.0 if kind == "measured" else 0.45,
                                "line": {"color": color(i), "width": 1.5}},
                     "hovertemplate": f"<b>{design}</b> %{{x}}: %{{y:,.0f}} µs "
                                      + ("measured (Table 9)" if kind == "measured" else "modeled, held out (%{text})")
                                      + "<extra></extra>"}
            if text:
                trace.update(text=text, textposition="outside", textfont={"size": 10})
            data.append(trace)
    return figure(data, {
        "title": {"text": "Table 9: attention-layer latency, measured vs modeled (held out), 4 GPUs, batch 256"},
        "barmode": "group", "height": 470, "xaxis": axis("Context · chip", type="category"),
        "yaxis": axis("Latency per attention layer (µs)", rangemode="tozero"),
        "legend": {"orientation": "h", "y": -0.2, "x": 0}})


def latency_vs_context(curves: list[dict], chips, log_x: bool) -> dict:
    """One panel per chip: modeled latency per attention layer (µs) over context for each
    design (its default layout). ``curves``: dicts with chip index, design, context, latency_s."""
    titles = [f"{labels.chip_label(c)} · {_kernel_note(c)}" for c in chips]
    data = []
    for curve in curves:
        i = DESIGN_ORDER.index(curve["design"]) if curve["design"] in DESIGN_ORDER else 3
        name = escape.plotly(curve["label"])
        data.append({"type": "scatter", "mode": "lines", "name": name, "legendgroup": name,
                     "showlegend": curve["chip"] == 0, "line": {"color": color(i), "width": 2.2},
                     "x": values(curve["context"]), "y": values(np.asarray(curve["latency_s"]) * 1e6),
                     **axis_ref(curve["chip"]),
                     "hovertemplate": f"<b>{name}</b> on {labels.chip_label(chips[curve['chip']])}<br>"
                                      "%{y:,.0f} µs per layer at %{x:,.0f} tokens<extra></extra>"})
    rows = 1 if len(chips) <= 3 else 2
    layout = grid_layout(titles, [context_axis(curves[0]["context"], log_x) for _ in chips],
                         [axis("Latency per layer (µs)", rangemode="tozero") for _ in chips], rows=rows, gap_x=0.08)
    return figure(data, {**layout, "height": 420 if rows == 1 else 680,
                         "title": {"text": "Modeled attention-layer latency vs context (projections included)"},
                         "legend": {"orientation": "h", "y": -0.2, "x": 0}})


def _kernel_note(chip) -> str:
    from costmodel.kernels import kernel_set

    ks = kernel_set(chip)
    return f"{ks.family} kernels" + (" (assumed)" if ks.assumed else "")


def parity(rows: list[dict]) -> dict:
    """Model vs measured on log axes for every measured row (held out, and in sample), with
    y = x and the ±15% band. ``rows``: validation rows (as_dict) with a 'kind' label."""
    measured = [r["measured"] for r in rows]
    low, high = min(measured) / 1.6, max(max(measured), max(r["model_held_out"] for r in rows)) * 1.6
    line = [low, high]
    data = [
        {"type": "scatter", "mode": "lines", "x": line, "y": [v * (1 + BAND) for v in line], "name": "±15%",
         "line": {"color": "#9CA3AF", "width": 1, "dash": "dot"}, "hoverinfo": "skip", "legendgroup": "band"},
        {"type": "scatter", "mode": "lines", "x": line, "y": [v * (1 - BAND) for v in line], "name": "±15%",
         "showlegend": False, "line": {"color": "#9CA3AF", "width": 1, "dash": "dot"}, "hoverinfo": "skip",
         "fill": "tonexty", "fillcolor": "rgba(156,163,175,0.12)", "legendgroup": "band"},
        {"type": "scatter", "mode": "lines", "x": line, "y": line, "name": "model = measured",
         "line": {"color": "#374151", "width": 1.2}, "hoverinfo": "skip"},
    ]
    kinds = list(dict.fromkeys(r["kind"] for r in rows))
    symbols = ("circle", "square", "diamond", "triangle-up")
    for k, kind in enumerate(kinds):
        mine = [r for r in rows if r["kind"] == kind]
        for held, name in ((True, "held out"), (False, "in sample")):
            data.append({
                "type": "scatter", "mode": "markers", "name": f"{kind}: {name}", "legendgroup": kind,
                "x": [r["measured"] for r in mine], "y": [r["model_held_out" if held else "model_in_sample"] for r in mine],
                "marker": {"symbol": symbols[k % len(symbols)], "size": 10 if held else 7, "color": color(k),
                           "opacity": 1.0 if held else 0.5, "line": {"color": "white", "width": 1}},
                "customdata": [[r["cell"], r["unit"], r["error_held_out" if held else "error_in_sample"]] for r in mine],
                "hovertemplate": "<b>%{customdata[0]}</b><br>measured %{x:,.0f} %{customdata[1]}<br>"
                                 f"model ({name}) %{{y:,.0f}} (%{{customdata[2]:+.1%}})<extra></extra>"})
    return figure(data, {
        "title": {"text": "Validation: model vs measured, every measured row (leave-one-out held out)"},
        "height": 560, "xaxis": axis("Measured (µs per layer, or tokens/GPU/s)", log=True, range=_log(line),
                                     tickvals=NICE_LOG_TICKS),
        "yaxis": axis("Modeled (same unit)", log=True, range=_log(line), scaleanchor="x", tickvals=NICE_LOG_TICKS),
        "legend": {"orientation": "v", "x": 1.02, "y": 1}})


def _log(pair) -> list[float]:
    return [float(np.log10(pair[0])), float(np.log10(pair[1]))]
