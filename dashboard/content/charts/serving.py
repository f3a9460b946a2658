"""Serving cost charts: what a request costs, split into its prefill and its decode, for each
(model, chip) of the sidebar (one chip serving both phases); the cost against the input and
against the output length, with where the prefill's share crosses one half; the disaggregated
pools over every pair of chips; the modeled cost beside public API prices. Money in USD per
1,000 requests of the workload (a request's cost is a fraction of a cent)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from costmodel import escape
from costmodel.results import PREFILL_SHARE, TPOT, TTFT

from dashboard.content.charts.legend_room import labels_left
from dashboard.content.charts.theme import NICE_LOG_TICKS, axis, axis_ref, color, figure, grid_layout

PER = 1000  # requests the money axes count
USD_AXIS = f"USD per {PER:,} requests"
PHASES = (("prefill", "#0072B2"), ("decode", "#E69F00"))
DASH = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot")
LENGTH_AXIS = {"input_tokens": "Input tokens per request (tokens, log)",
               "output_tokens": "Output tokens per request (tokens, log)"}


@dataclass(frozen=True)
class Cell:
    """One (model, chip): its serving plan (None: no plan meets the targets, ``reason``), the
    indices that set its colour (chip) and dash (model)."""

    model: str
    chip: str
    model_index: int
    chip_index: int
    plan: object
    reason: str = ""

    @property
    def name(self) -> str:
        return f"{escape.plotly(self.model)} · {escape.plotly(self.chip)}"


@dataclass(frozen=True)
class Curve:
    """A cell's plans along one length axis (``serving.LengthPoint`` each) and where the
    prefill's share crosses one half (None: it does not in the range)."""

    cell: Cell
    points: tuple
    crossover: float | None


def _usd(plan, phase: str) -> float:
    return float(getattr(plan, f"{phase}_usd")) * PER


def split(cells: list[Cell], title: str) -> dict:
    """Stacked bars, one per (model, chip) that has a plan: the prefill's and the decode's
    cost per 1,000 requests, the prefill's share written on the bar."""
    rows = [c for c in cells if c.plan is not None]
    names = [c.name for c in rows]
    data = []
    for phase, colour in PHASES:
        data.append({"type": "bar", "orientation": "h", "name": phase, "y": names,
                     "x": [_usd(c.plan, phase) for c in rows], "marker": {"color": colour},
                     "customdata": [[PREFILL_SHARE.shown(c.plan.prefill_share), TTFT.shown(c.plan.ttft_s),
                                     TPOT.shown(c.plan.tpot_s), int(c.plan.prefill_gpus), int(c.plan.decode_gpus)]
                                    for c in rows],
                     "hovertemplate": f"<b>%{{y}}</b><br>{phase}: $%{{x:.4g}} per {PER:,} requests "
                                      "(prefill %{customdata[0]:.0f}% of the cost)<br>TTFT %{customdata[1]:,.0f} ms · "
                                      "TPOT %{customdata[2]:.1f} ms<br>%{customdata[3]:,} prefill GPUs · "
                                      "%{customdata[4]:,} decode GPUs<extra></extra>"})
    totals = [_usd(c.plan, "prefill") + _usd(c.plan, "decode") for c in rows]
    notes = [{"x": total, "y": name, "xref": "x", "yref": "y", "showarrow": False, "xanchor": "left", "xshift": 6,
              "text": f"${total:.3g} · prefill {float(c.plan.prefill_share) * 100:.0f}%", "font": {"size": 11}}
             for total, name, c in zip(totals, names, rows)]
    return figure(data, {
        "title": {"text": title}, "barmode": "stack", "height": max(340, 130 + 40 * len(rows)), "annotations": notes,
        "xaxis": axis(f"Cost ({USD_AXIS})", range=[0, max(totals + [1e-9]) * 1.3]),
        "yaxis": axis("Model · chip", type="category", categoryorder="array", categoryarray=names[::-1]),
        "legend": {"orientation": "h", "y": -0.2, "x": 0, "traceorder": "normal"},
        "margin": {"l": max(160, labels_left(names)), "r": 40, "t": 90, "b": 60}})


def by_length(curves: list[Curve], axis_name: str, current: int, title: str) -> dict:
    """Two panels against the ``axis_name`` length: the cost per 1,000 requests and the
    prefill's share of it (%), one line per (model, chip); a circle where the share crosses
    50% (prefill and decode cost the same), a dotted line at the workload's own length."""
    data = []
    for curve in curves:
        c = curve.cell
        ok = [p for p in curve.points if p.plan is not None]
        if not ok:
            continue
        x = [p.tokens for p in ok]
        style = {"color": color(c.chip_index), "width": 2, "dash": DASH[c.model_index % len(DASH)]}
        group = f"{c.model_index}-{c.chip_index}"
        custom = [[TTFT.shown(p.plan.ttft_s), TPOT.shown(p.plan.tpot_s)] for p in ok]
        hover = (f"<b>{c.name}</b><br>%{{x:,}} tokens<br>WHAT<br>TTFT %{{customdata[0]:,.0f}} ms · TPOT "
                 "%{customdata[1]:.1f} ms<extra></extra>")
        data.append({"type": "scatter", "mode": "lines", "name": c.name, "legendgroup": group,
                     "x": x, "y": [(_usd(p.plan, "prefill") + _usd(p.plan, "decode")) for p in ok], "line": style,
                     "customdata": custom, "hovertemplate": hover.replace("WHAT", f"$%{{y:.4g}} per {PER:,} requests"),
                     **axis_ref(0)})
        data.append({"type": "scatter", "mode": "lines", "name": c.name, "legendgroup": group, "showlegend": False,
                     "x": x, "y": [float(p.plan.prefill_share) * 100 for p in ok], "line": style,
                     "customdata": custom, "hovertemplate": hover.replace("WHAT", "prefill %{y:.0f}% of the cost"),
                     **axis_ref(1)})
    crossing = [cv for cv in curves if cv.crossover is not None]
    if crossing:
        data.append({"type": "scatter", "mode": "markers", "name": "prefill = decode (the crossover)",
                     "x": [cv.crossover for cv in crossing], "y": [50.0] * len(crossing),
                     "marker": {"symbol": "circle-open", "size": 13, "line": {"width": 2.5},
                                "color": [color(cv.cell.chip_index) for cv in crossing]},
                     "customdata": [[cv.cell.name] for cv in crossing],
                     "hovertemplate": "<b>%{customdata[0]}</b><br>prefill and decode cost the same at %{x:,.0f} "
                                      "tokens<extra></extra>", **axis_ref(1)})
    lengths = [p.tokens for cv in curves for p in cv.points]
    span = [float(np.log10(min(lengths, default=64))), float(np.log10(max(lengths, default=131072)))]
    x_axis = axis(LENGTH_AXIS[axis_name], log=True, tickvals=NICE_LOG_TICKS, tickformat="~s", range=span)
    layout = grid_layout(["Cost per request", "Prefill's share of the cost"], [dict(x_axis), dict(x_axis)],
                         [axis(f"Cost ({USD_AXIS}, log)", log=True, tickvals=NICE_LOG_TICKS, tickformat="~g"),
                          axis("Prefill share of the cost (%)", range=[0, 100])])
    shapes = [{"type": "line", "xref": "x2 domain", "yref": "y2", "x0": 0, "x1": 1, "y0": 50, "y1": 50,
               "line": {"color": "#6B7280", "width": 1, "dash": "dash"}}]
    for suffix in ("", "2"):
        shapes.append({"type": "line", "xref": f"x{suffix}", "yref": f"y{suffix} domain", "x0": current,
                       "x1": current, "y0": 0, "y1": 1, "line": {"color": "#374151", "width": 1, "dash": "dot"}})
    layout["annotations"].append({"xref": "x", "yref": "y domain", "x": float(np.log10(max(current, 1))), "y": 1,
                                  "text": f" the workload: {current:,}", "showarrow": False, "xanchor": "left",
                                  "yanchor": "top", "font": {"size": 11, "color": "#374151"}})
    return figure(data, {**layout, "title": {"text": title}, "shapes": shapes, "height": 580, "margin": {"t": 110, "b": 200},  # b: the 13-entry legend wraps wider than estimated
                         "legend": {"orientation": "h", "y": -0.2, "x": 0}})


def pairs(models: list[str], chips: list[str], usd: dict, title: str) -> dict:
    """Disaggregated pools over every (prefill chip, decode chip): one heatmap per model of the
    cost per 1,000 requests (``usd``: {(model, prefill chip, decode chip): USD}; a missing pair
    meets no target or does not fit), the cheapest pair of each model boxed."""
    data, shapes = [], []
    for k, model in enumerate(models):
        z = [[usd.get((model, p, d)) for d in chips] for p in chips]
        text = [["–" if v is None else f"{v:.3g}" for v in row] for row in z]
        data.append({"type": "heatmap", "x": [escape.plotly(c) for c in chips], "y": [escape.plotly(c) for c in chips],
                     "z": [[None if v is None else v for v in row] for row in z], "text": text,
                     "texttemplate": "%{text}", "colorscale": "Blues", "reversescale": True,
                     "showscale": k == 0, "colorbar": {"title": {"text": f"{USD_AXIS}"}},
                     "meta": {"values": {"x": [escape.plotly(c) for c in chips], "y": [escape.plotly(c) for c in chips],
                                         "z": z, "z axis": f"Cost ({USD_AXIS})"}},
                     "name": escape.plotly(model), "hovertemplate": f"<b>{escape.plotly(model)}</b><br>prefill on %{{y}}"
                                                                    f", decode on %{{x}}<br>$%{{z:.4g}} per {PER:,} "
                                                                    "requests<extra></extra>", **axis_ref(k)})
        found = [(v, i, j) for i, row in enumerate(z) for j, v in enumerate(row) if v is not None]
        if found:
            _, i, j = min(found)
            suffix = "" if k == 0 else str(k + 1)
            shapes.append({"type": "rect", "xref": f"x{suffix}", "yref": f"y{suffix}", "x0": j - 0.5, "x1": j + 0.5,
                           "y0": i - 0.5, "y1": i + 0.5, "line": {"color": "#B91C1C", "width": 3}})
    layout = grid_layout([escape.plotly(m) for m in models],
                         [axis("Decode pool's chip", type="category", tickangle=-30) for _ in models],
                         [axis("Prefill pool's chip", type="category") for _ in models], gap_x=0.1)
    return figure(data, {**layout, "title": {"text": title}, "shapes": shapes,
                         "height": max(420, 160 + 34 * len(chips)),
                         "margin": {"t": 110, "r": 240, "b": 90}})  # room for the colour bar's title, slanted names


def against_api(modeled: list[dict], api: list[dict], title: str) -> dict:
    """Per model (a row): the modeled cost of a workload's request on each chip (circles, the
    chip's colour) and what public APIs charge for it (black diamonds), per 1,000 requests.
    ``modeled``: {model, chip, chip_index, usd}; ``api``: {model, provider, usd, date}."""
    data = []
    chips = list(dict.fromkeys((r["chip_index"], r["chip"]) for r in modeled))
    for index, chip in chips:
        mine = [r for r in modeled if r["chip"] == chip]
        data.append({"type": "scatter", "mode": "markers", "name": f"modeled on {escape.plotly(chip)}",
                     "x": [r["usd"] for r in mine], "y": [escape.plotly(r["model"]) for r in mine],
                     "marker": {"size": 11, "color": color(index), "line": {"color": "white", "width": 1}},
                     "hovertemplate": f"<b>%{{y}} on {escape.plotly(chip)}</b> (modeled)<br>$%{{x:.4g}} per {PER:,} "
                                      "requests<extra></extra>"})
    if api:
        data.append({"type": "scatter", "mode": "markers", "name": "public API list price",
                     "x": [r["usd"] for r in api], "y": [escape.plotly(r["model"]) for r in api],
                     "marker": {"symbol": "diamond", "size": 12, "color": "#111827", "line": {"color": "white",
                                                                                           "width": 1}},
                     "customdata": [[escape.plotly(r["provider"]), escape.plotly(r["date"])] for r in api],
                     "hovertemplate": f"<b>%{{y}}: %{{customdata[0]}}</b> (API, %{{customdata[1]}})<br>$%{{x:.4g}} per "
                                      f"{PER:,} requests<extra></extra>"})
    names = list(dict.fromkeys(escape.plotly(r["model"]) for r in [*modeled, *api]))
    return figure(data, {
        "title": {"text": title}, "height": max(340, 140 + 44 * len(names)),
        "xaxis": axis(f"Cost of the workload ({USD_AXIS}, log)", log=True, tickvals=NICE_LOG_TICKS, tickformat="~g"),
        "yaxis": axis("Model", type="category", categoryorder="array", categoryarray=names[::-1]),
        "legend": {"orientation": "h", "y": -0.2, "x": 0},
        "margin": {"l": max(140, labels_left(names)), "r": 40, "t": 90, "b": 60}})
