"""Context sweep: USD per 1M tokens (attention, FFN, total) per model, per chip and for AFD,
with the context where attention overtakes FFN; KV per token and per request, with the
context where one chip's HBM no longer holds the decode batch's KV."""
from __future__ import annotations

import numpy as np

from costmodel import escape
from costmodel.cost import CostGrid

from dashboard.content import labels
from dashboard.content.charts.theme import DASHES, axis, axis_ref, color, context_axis, figure, grid_layout, value_axis, values, xy, xy_rows


def crossing(x: np.ndarray, a: np.ndarray, b: np.ndarray) -> float | None:
    """First x (linear interpolation) where a - b turns from <= 0 to > 0; None if it never does
    within x, NaN-free inputs. If a > b already at x[0], returns None (no crossing inside)."""
    d = np.asarray(a, float) - np.asarray(b, float)
    idx = np.nonzero((d[:-1] <= 0) & (d[1:] > 0))[0]
    if idx.size == 0:
        return None
    i = int(idx[0])
    t = -d[i] / (d[i + 1] - d[i])
    return float(x[i] + t * (x[i + 1] - x[i]))


def crossings(grid: CostGrid, batch: int) -> list[dict]:
    """Per model and chip: context (tokens) where attention cost passes FFN cost, and where
    ``batch`` requests' KV exceeds the chip's HBM capacity (None: not within the sweep)."""
    ctx = grid.context
    rows = []
    for i, model in enumerate(grid.models):
        kv = grid.tokens[i].kv_bytes
        for j, chip in enumerate(grid.chips):
            attn, ffn = grid.attention_usd_per_mtok[i, j], grid.ffn_usd_per_mtok[i, j]
            rows.append({
                "model": model.name, "chip": labels.chip_label(chip),
                "attention > FFN from (tokens)": "already at sweep start" if attn[0] > ffn[0] else crossing(ctx, attn, ffn),
                f"KV of batch {batch} > HBM from (tokens)": ("already at sweep start" if kv[0] * batch > chip.mem_bytes
                                                            else crossing(ctx, kv * batch, np.full_like(kv, chip.mem_bytes))),
                "max batch at sweep end (requests)": int(chip.mem_bytes // kv[-1]),
            })
    return rows


def costs(grid: CostGrid, log_x: bool):
    """Three panels (attention, FFN, total) of USD per 1M tokens vs context. Colour = model,
    dash = chip, solid = AFD; diamonds where attention cost overtakes FFN cost."""
    afd = grid.afd()
    chips = [labels.chip_label(c) for c in grid.chips]
    panels = (("Attention (core + projections)", grid.attention_usd_per_mtok, afd.attention_usd_per_mtok),
              ("FFN", grid.ffn_usd_per_mtok, afd.ffn_usd_per_mtok),
              ("Total = attention + FFN", grid.total_usd_per_mtok, afd.total_usd_per_mtok))
    data = []
    for k, (title, per_chip, per_afd) in enumerate(panels):
        ref = axis_ref(k)
        lines = xy_rows(grid.context, per_chip)  # (model, chip) rows, in order
        afd_lines = xy_rows(grid.context, per_afd)
        for i, model in enumerate(grid.models):
            for j, chip in enumerate(chips):
                name = f"{escape.plotly(model.name)} · {chip}"
                data.append({
                    "type": "scatter", "mode": "lines", "name": name, "legendgroup": name, "showlegend": k == 0,
                    **lines[i * len(chips) + j],
                    "line": {"color": color(i), "dash": DASHES[j % len(DASHES)], "width": 1.8},
                    "hovertemplate": f"<b>{name}</b><br>{title}: $%{{y:.4f}} per 1M tokens at %{{x:,.0f}} tokens<extra></extra>",
                    **ref,
                })
            name = f"{escape.plotly(model.name)} · AFD"
            data.append({
                "type": "scatter", "mode": "lines", "name": name, "legendgroup": name, "showlegend": k == 0,
                **afd_lines[i], "line": {"color": color(i), "width": 3.5},
                "hovertemplate": f"<b>{name}</b><br>{title}: $%{{y:.4f}} per 1M tokens at %{{x:,.0f}} tokens<extra></extra>",
                **ref,
            })
    # where attention overtakes FFN, per model and chip (on the attention panel)
    xs, ys, text = [], [], []
    for i, model in enumerate(grid.models):
        for j, chip in enumerate(chips):
            x = crossing(grid.context, grid.attention_usd_per_mtok[i, j], grid.ffn_usd_per_mtok[i, j])
            if x is not None:
                xs.append(x)
                ys.append(float(np.interp(x, grid.context, grid.attention_usd_per_mtok[i, j])))
                text.append(f"{escape.plotly(model.name)} · {chip}")
    data.append({"type": "scatter", "mode": "markers", "name": "attention cost = FFN cost", "x": xs, "y": ys,
                 "text": text, "marker": {"symbol": "diamond", "size": 11, "color": "#111827"},
                 "hovertemplate": "<b>%{text}</b><br>attention overtakes FFN at %{x:,.0f} tokens "
                                  "($%{y:.4f} per 1M tokens)<extra></extra>"})
    xa = [context_axis(grid.context, log_x) for _ in panels]
    ya = [value_axis("Decode cost (USD per 1M tokens)", log_x) for _ in panels]
    layout = grid_layout([p[0] for p in panels], xa, ya)
    return figure(data, {**layout, "title": {"text": "Decode cost vs context · colour = model, dash = chip, thick solid = AFD"},
                         "height": 560, "legend": {"orientation": "h", "y": -0.2, "x": 0, "font": {"size": 11}},
                         "margin": {"b": 40}})


def kv(grid: CostGrid, batch: int, log_x: bool):
    """KV bytes per context token (left) and KV GB per request (right, log), with each chip's
    HBM per request at ``batch`` as a dotted line and a marker where the model's KV crosses it."""
    ctx = values(grid.context)
    data = []
    for i, model in enumerate(grid.models):
        kv, name = grid.tokens[i].kv_bytes, escape.plotly(model.name)
        data.append({"type": "scatter", "mode": "lines", "name": name, "legendgroup": name,
                     **xy(grid.context, kv / grid.context), "line": {"color": color(i), "width": 2.5},
                     "hovertemplate": f"<b>{name}</b><br>%{{y:,.0f}} bytes of KV per context token "
                                      f"at %{{x:,.0f}} tokens<extra></extra>"})
        data.append({"type": "scatter", "mode": "lines", "name": name, "legendgroup": name,
                     "showlegend": False, **xy(grid.context, kv / 1e9), "line": {"color": color(i), "width": 2.5},
                     "hovertemplate": f"<b>{name}</b><br>%{{y:.3f}} GB of KV per request at %{{x:,.0f}} tokens<extra></extra>",
                     "xaxis": "x2", "yaxis": "y2"})
    for j, chip in enumerate(grid.chips):
        name = labels.chip_label(chip)
        cap = chip.mem_bytes / batch / 1e9
        data.append({"type": "scatter", "mode": "lines", "name": f"{name} HBM / batch {batch}", "legendgroup": "cap",
                     "legendgrouptitle": {"text": "HBM per request"} if j == 0 else None,
                     "x": [ctx[0], ctx[-1]], "y": [cap, cap], "line": {"color": "#6B7280", "dash": DASHES[j % len(DASHES)], "width": 1.5},
                     "hovertemplate": f"{name}: {chip.mem_bytes / 1e9:.0f} GB HBM / {batch} requests = {cap:.3f} GB each<extra></extra>",
                     "xaxis": "x2", "yaxis": "y2"})
    xs, ys, text = [], [], []
    for i, model in enumerate(grid.models):
        kv = grid.tokens[i].kv_bytes
        for chip in grid.chips:
            x = crossing(grid.context, kv * batch, np.full_like(kv, chip.mem_bytes))
            if x is not None:
                xs.append(x)
                ys.append(chip.mem_bytes / batch / 1e9)
                text.append(f"{escape.plotly(model.name)} on {labels.chip_label(chip)}")
    data.append({"type": "scatter", "mode": "markers", "name": f"KV of batch {batch} fills HBM", "x": xs, "y": ys,
                 "text": text, "marker": {"symbol": "x", "size": 12, "color": "#B91C1C"}, "xaxis": "x2", "yaxis": "y2",
                 "hovertemplate": "<b>%{text}</b>: beyond %{x:,.0f} tokens the chip's HBM holds fewer than "
                                  f"{batch} requests' KV<extra></extra>"})
    layout = grid_layout(["KV cache per context token (bytes)", f"KV cache per request (GB) vs HBM per request at batch {batch}"],
                         [context_axis(grid.context, log_x), context_axis(grid.context, log_x)],
                         [axis("KV bytes per context token (bytes)", rangemode="tozero"),
                          value_axis("KV per request (GB)", log_x)],
                         gap_x=0.1)
    return figure(data, {**layout, "title": {"text": "KV cache: per token and per request (all layers, KV precision in the sidebar)"},
                         "height": 480, "legend": {"font": {"size": 11}}})
