"""Attention-layer latency charts: the paper's Table 9 measured beside the fitted model, the
modeled latency of each design over context on the selected chips, and the validation parity
plot (model / measured for every measured row, each kind against its held-out target band).
Times in microseconds."""
from __future__ import annotations

import numpy as np

from costmodel import escape
from costmodel.paper import PAPER_CHIPS

from dashboard.content import labels
from dashboard.content.charts.theme import SYMBOLS, axis, axis_ref, color, context_axis, figure, grid_layout, values

DESIGN_ORDER = ("MFA", "MLA", "GQA")


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


RATIO_TICKS = (0.4, 0.5, 0.67, 0.8, 0.9, 1.0, 1.1, 1.25, 1.5, 2.0, 3.0)


def parity(rows: list[dict], targets: dict) -> dict:
    """Model / measured for every measured row on one log axis, a column per kind of row
    (``targets``: {kind: held-out target, e.g. 0.15}, in order): the kinds are measured in
    different units (µs per layer, tokens/GPU/s, TFLOPS, GB/s), their ratios are not. Filled:
    held out; open: in sample; shaded: each kind's ±target band; error bars: the model at the
    ends of assumed kernel efficiencies (rows on chips without measurements). ``rows``:
    validation rows (as_dict) with a 'kind' label. One figure's traces in drawing order, then
    its layout: long on purpose (see ``charts.deploy.throughput``)."""
    kinds = [k for k in targets if any(r["kind"] == k for r in rows)]
    data, ratios = [], [1.0]
    bands = {}
    for k, kind in enumerate(kinds):
        bands.setdefault(targets[kind], []).append(k)
    for j, (target, columns) in enumerate(sorted(bands.items())):
        x, y = [], []
        for k in columns:
            x += [k - 0.45, k + 0.45, k + 0.45, k - 0.45, k - 0.45, None]
            y += [1 - target, 1 - target, 1 + target, 1 + target, 1 - target, None]
        data.append({"type": "scatter", "mode": "lines", "x": x, "y": y, "fill": "toself", "name": f"±{target:.0%} target",
                     "fillcolor": f"rgba(156,163,175,{0.10 + 0.08 * j:.2f})", "line": {"width": 0},
                     "hoverinfo": "skip", "legendgroup": "band"})
    data.append({"type": "scatter", "mode": "lines", "x": [-0.5, len(kinds) - 0.5], "y": [1, 1],
                 "name": "model = measured", "line": {"color": "#374151", "width": 1.2}, "hoverinfo": "skip"})
    for k, kind in enumerate(kinds):
        mine = [r for r in rows if r["kind"] == kind]
        x = [k - 0.36 + 0.72 * (i + 0.5) / len(mine) for i in range(len(mine))]
        for held, name in ((True, "held out"), (False, "in sample")):
            y = [r["model_held_out" if held else "model_in_sample"] / r["measured"] for r in mine]
            ratios += y
            trace = {
                "type": "scatter", "mode": "markers", "name": f"{kind}: {name}", "legendgroup": kind, "x": x, "y": y,
                "marker": {"symbol": SYMBOLS[k % len(SYMBOLS)] + ("" if held else "-open"), "size": 10 if held else 7,
                           "color": color(k), "line": {"color": "white" if held else color(k), "width": 1}},
                "customdata": [[r["cell"], r["table"], r["measured"], r["unit"], r["model_held_out" if held else
                                "model_in_sample"], r["error_held_out" if held else "error_in_sample"],
                                _range_text(r), "fitted" if r["fitted"] else "check (not fitted)"] for r in mine],
                "hovertemplate": "<b>%{customdata[0]}</b><br>%{customdata[1]} · %{customdata[7]}<br>measured "
                                 "%{customdata[2]:,.4~g} %{customdata[3]}<br>model (" + name + ") %{customdata[4]:,.4~g}"
                                 " (%{customdata[5]:+.1%})%{customdata[6]}<extra></extra>"}
            ranged = [r for r in mine if r.get("model_low") is not None]
            if held and ranged:
                lows = [r["model_low"] / r["measured"] if r.get("model_low") is not None else v for r, v in zip(mine, y)]
                highs = [r["model_high"] / r["measured"] if r.get("model_high") is not None else v
                         for r, v in zip(mine, y)]
                ratios += lows + highs
                trace["error_y"] = {"type": "data", "symmetric": False, "color": color(k), "thickness": 1.5, "width": 5,
                                    "array": [max(h, v) - v for h, v in zip(highs, y)],
                                    "arrayminus": [v - min(lo, v) for lo, v in zip(lows, y)]}
            data.append(trace)
    top, bottom = max(max(ratios), 1 + max(targets.values())) * 1.15, min(min(ratios), 1 - max(targets.values())) / 1.15
    ticks = [t for t in RATIO_TICKS if bottom <= t <= top]
    counts = {kind: sum(r["kind"] == kind for r in rows) for kind in kinds}
    units = {kind: ", ".join(dict.fromkeys({"us": "µs"}.get(r["unit"], r["unit"]) for r in rows if r["kind"] == kind))
             for kind in kinds}
    return figure(data, {
        "title": {"text": "Validation: model / measured for every measured row (filled: held out, leave one out; "
                          "open: in sample)<br><sup>a ratio, since each kind has its own unit; bars: the model's range on "
                          "assumed kernel efficiencies (chips without measurements)</sup>"},
        "height": 560,
        "xaxis": axis("Kind of measured row (its unit, rows, held-out target)", range=[-0.5, len(kinds) - 0.5],
                      tickvals=list(range(len(kinds))), showgrid=False,
                      ticktext=[f"{kind}<br>{units[kind]} · {counts[kind]} rows · ±{targets[kind]:.0%}" for kind in kinds]),
        "yaxis": axis("Model / measured (ratio, log)", log=True, range=_log((bottom, top)), tickvals=ticks,
                      ticktext=[f"{t:g}x" for t in ticks]),
        "legend": {"orientation": "h", "y": -0.2, "x": 0}})


def _range_text(row: dict) -> str:
    if row.get("model_low") is None:
        return ""
    low, high = sorted((row["model_low"], row["model_high"]))
    return f"<br>assumed kernels: {low:,.4g} to {high:,.4g} {row['unit']}"


def _log(pair) -> list[float]:
    return [float(np.log10(pair[0])), float(np.log10(pair[1]))]
