"""Log-log rooflines: attainable FLOP/s vs arithmetic intensity (FLOPs per HBM byte) per chip,
the ridge point labelled, and each model's attention core, projections and FFN as points."""
from __future__ import annotations

import math

from costmodel import escape

from dashboard.content import labels
from dashboard.content.charts.theme import SYMBOLS, axis, axis_ref, color, figure, grid_layout

KINDS = ("attention core", "attention projections", "FFN")
SIZES = (15, 9, 11)  # core drawn largest: at some batches it shares an intensity with the projections
HOVER = ("<b>%{customdata[0]}</b> · %{customdata[1]} on %{customdata[2]}<br>"
         "intensity %{x:.1f} FLOPs/byte · attainable %{y:.1f} TFLOP/s<br>"
         "per step: %{customdata[3]} FLOPs, %{customdata[4]} of HBM reads, %{customdata[5]}<br>"
         "%{customdata[6]}<extra></extra>")


def _x_range(chips, points, weight_dtype) -> tuple[float, float]:
    xs = [c.ridge_point(weight_dtype) for c in chips] + [p["intensity"] for p in points]
    return 10 ** math.floor(math.log10(min(xs) / 3)), 10 ** math.ceil(math.log10(max(xs) * 3))


def _roof(chip, weight_dtype, x0, x1, **trace):
    peak = chip.peak_flops(chip.compute_dtype(weight_dtype))
    bw = chip.mem_bw_bytes_per_s
    ridge = peak / bw
    return {
        "type": "scatter", "mode": "lines", "x": [x0, ridge, x1], "y": [x0 * bw / 1e12, peak / 1e12, peak / 1e12],
        "hovertemplate": (f"{labels.chip_label(chip)}: %{{y:.1f}} TFLOP/s attainable at %{{x:.1f}} FLOPs/byte "
                          f"(peak {peak / 1e12:.0f} TFLOP/s {chip.compute_dtype(weight_dtype).upper()}, "
                          f"HBM {bw / 1e12:.2f} TB/s)<extra></extra>"), **trace,
    }


def _ridge(chip, weight_dtype, **trace):
    """Ridge marker; labelled 'CHIP ridge N' unless ``mode='markers'``."""
    peak = chip.peak_flops(chip.compute_dtype(weight_dtype))
    ridge = chip.ridge_point(weight_dtype)
    return {
        "type": "scatter", "mode": "markers+text", "x": [ridge], "y": [peak / 1e12],
        "text": [f"{labels.chip_label(chip)} ridge {ridge:.0f}"], "textposition": "top center",
        "marker": {"symbol": "line-ns-open", "size": 18, "line": {"width": 3}},
        "hovertemplate": (f"{labels.chip_label(chip)} ridge point: {ridge:.1f} FLOPs/byte, "
                          f"{peak / 1e12:.0f} TFLOP/s<extra></extra>"), "showlegend": False, **trace,
    }


def _custom(p) -> list:
    return [escape.plotly(p["model"]), p["kind"], p["chip"], labels.si(p["flops"]), labels.si(p["bytes"], "B"),
            f"{p['time_s'] * 1e6:.1f} µs", p["bound"]]


def _points(points, color_of, legend: bool, **trace):
    data = []
    for k, kind in enumerate(KINDS):
        ps = [p for p in points if p["kind"] == kind]
        if not ps:
            continue
        data.append({
            "type": "scatter", "mode": "markers", "name": kind, "legendgroup": kind, "showlegend": False,
            "x": [p["intensity"] for p in ps], "y": [p["attainable_flops"] / 1e12 for p in ps],
            "marker": {"symbol": SYMBOLS[k], "size": SIZES[k], "color": [color_of(p) for p in ps],
                       "line": {"width": 1, "color": "#111827"}},
            "customdata": [_custom(p) for p in ps], "hovertemplate": HOVER, **trace,
        })
    return data


def _symbol_legend():
    """Legend entries explaining marker shapes (points carry colour by chip or model)."""
    return [{"type": "scatter", "mode": "markers", "x": [None], "y": [None], "name": kind, "legendgroup": kind,
             "legendgrouptitle": {"text": "Marker = part of the model"} if k == 0 else None,
             "marker": {"symbol": SYMBOLS[k], "size": 11, "color": "#9CA3AF", "line": {"width": 1, "color": "#111827"}}}
            for k, kind in enumerate(KINDS)]


def _title(context, batch):
    return (f"attention core at {labels.tokens(context)} context; projections and FFN at decode batch {batch}")


def overlaid(chips, points, weight_dtype: str, context: int, batch: int):
    """All chips' rooflines on one log-log chart; points coloured by chip."""
    x0, x1 = _x_range(chips, points, weight_dtype)
    data, chip_color = [], {}
    for j, chip in enumerate(chips):
        chip_color[labels.chip_label(chip)] = color(j)
        name = f"{labels.chip_label(chip)} · ridge {chip.ridge_point(weight_dtype):.0f} FLOPs/byte"
        data.append(_roof(chip, weight_dtype, x0, x1, name=name, legendgroup="chips",
                          legendgrouptitle={"text": "Roofline per chip"} if j == 0 else None,
                          line={"color": color(j), "width": 2.5}))
        data.append(_ridge(chip, weight_dtype, mode="markers", marker={"symbol": "line-ns-open", "size": 18, "color": color(j),
                                                                       "line": {"width": 3, "color": color(j)}}))
    data += _points(points, lambda p: chip_color[p["chip"]], False)
    data += _symbol_legend()
    return figure(data, {
        "title": {"text": "Rooflines of all chips · " + _title(context, batch)},
        "xaxis": axis("Arithmetic intensity (FLOPs per byte of HBM traffic)", decades=True, range=[math.log10(x0), math.log10(x1)]),
        "yaxis": axis("Attainable throughput (TFLOP/s)", decades=True),
        "legend": {"groupclick": "toggleitem"}, "height": 560,
    })


def faceted(chips, points, models, weight_dtype: str, context: int, batch: int):
    """One roofline panel per chip; points coloured by model."""
    x0, x1 = _x_range(chips, points, weight_dtype)
    n = len(chips)
    rows = 1 if n <= 3 else 2
    model_color = {m.name: color(i) for i, m in enumerate(models)}
    titles = [labels.chip_label(c) for c in chips]
    xa = [axis("Intensity (FLOPs/byte)", decades=True, range=[math.log10(x0), math.log10(x1)]) for _ in chips]
    ya = [axis("Attainable (TFLOP/s)", decades=True) for _ in chips]
    layout = grid_layout(titles, xa, ya, rows=rows, gap_x=0.08, gap_y=0.14)
    data = []
    for k, chip in enumerate(chips):
        ref = axis_ref(k)
        data.append(_roof(chip, weight_dtype, x0, x1, name="roofline", showlegend=False,
                          line={"color": "#374151", "width": 2}, **ref))
        data.append(_ridge(chip, weight_dtype, marker={"symbol": "line-ns-open", "size": 16, "color": "#374151",
                                                       "line": {"width": 3, "color": "#374151"}}, **ref))
        data += _points([p for p in points if p["chip"] == labels.chip_label(chip)],
                        lambda p: model_color[p["model"]], False, **ref)
    for i, m in enumerate(models):  # colour legend
        data.append({"type": "scatter", "mode": "markers", "x": [None], "y": [None], "name": escape.plotly(m.name),
                     "legendgroup": "models", "legendgrouptitle": {"text": "Colour = model"} if i == 0 else None,
                     "marker": {"size": 11, "color": color(i)}})
    data += _symbol_legend()
    return figure(data, {**layout, "title": {"text": "Roofline per chip · " + _title(context, batch)},
                         "height": 380 * rows + 120, "legend": {"groupclick": "toggleitem"}})
