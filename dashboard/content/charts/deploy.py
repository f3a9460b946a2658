"""Deployment charts: tokens per GPU per second of each deployment (one panel each: ep, tp, afd)
against requests per GPU, against TPOT and against tokens per second per user (the
throughput-interactivity frontier public serving benchmarks publish, with the public
deployments' measured points), and the step timeline of the chosen points. One line per
(model, chip): colour by chip, dash by model; a shaded band where the chip's kernel
efficiencies are assumed (the model at their low and high ends); each line ends where the KV
cache fills the usable memory (a tick); a star marks the chosen point. Times in ms."""
from __future__ import annotations

import textwrap
from dataclasses import dataclass

import numpy as np

from costmodel import escape
from costmodel.results import TPOT

from dashboard.content.charts.legend_room import labels_left
from dashboard.content.charts.theme import NICE_LOG_TICKS, axis, axis_ref, color, figure, grid_layout, values

DASH = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot")
PANEL = {"ep": "ep: expert parallel", "tp": "tp: tensor parallel", "afd": "afd: attention-FFN disaggregation"}
TOKENS_AXIS = "Tokens per GPU per second (tokens/s)"
COMM = "comm"
PART_NAMES = {"ffn": "FFN"}  # a part's name as shown (the core's, else)


@dataclass(frozen=True)
class Line:
    """One (deployment, model, chip): its plan over the batches that fit (None: not even one
    request fits), the (low, high) plans on assumed kernels (None: measured), the first batch
    that does not fit (None: every batch of the grid fits), the chosen point (None: no batch
    meets the target) and the indices that set its colour (chip) and dash (model)."""

    deployment: str
    model: str
    chip: str
    chip_index: int
    model_index: int
    plan: object
    ends: tuple | None
    cut: float | None
    point: object

    @property
    def name(self) -> str:
        return f"{escape.plotly(self.model)} · {escape.plotly(self.chip)}"


def _rgba(hex_color: str, alpha: float) -> str:
    r, g, b = (int(hex_color[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def batch_x(plan):
    return np.asarray(plan.batch, dtype=float)


def tpot_x(plan):
    return TPOT.shown(np.asarray(plan.tpot_s, dtype=float))


def per_user_x(plan):
    return np.asarray(plan.tokens_per_user_s, dtype=float)


VIEWS = {  # chart -> (x of a plan, x axis title, what the x is in the hover)
    "batch": (batch_x, "Requests per GPU (batch per GPU, log)", "%{x:,.0f} requests per GPU"),
    "tpot": (tpot_x, "TPOT: time per output token (ms, log)", "TPOT %{x:.1f} ms"),
    "frontier": (per_user_x, "Tokens per second per user (tokens/s, log)", "%{x:.1f} tokens/s per user"),
}


def _hover(line: Line, what: str) -> str:
    """A line's hover: its name, the point's x (``what``), tokens/GPU/s, requests per GPU and
    TPOT (from ``customdata``: a small per-point array, rounded: the hover only)."""
    return (f"<b>{line.name}</b> · {line.deployment}<br>{what}<br>%{{y:,.0f}} tokens/GPU/s<br>"
            "%{customdata[0]:,.0f} requests per GPU · TPOT %{customdata[1]:.1f} ms<extra></extra>")


def _batch_tpot(plan) -> list:
    """[requests per GPU, TPOT in ms] of each point, 4 significant digits."""
    return [[float(f"{b:.4g}"), float(f"{TPOT.shown(t):.4g}")] for b, t in zip(np.ravel(plan.batch), np.ravel(plan.tpot_s))]


def _custom(plan) -> list:
    """[requests per GPU, TPOT in ms, mode and bound] of each point (the chosen points' hover)."""
    layout = np.broadcast_to(np.asarray(plan.layout, dtype=str), np.shape(plan.batch))
    mode, bound = np.asarray(plan.mode, dtype=str), np.asarray(plan.bound, dtype=str)
    return [[float(b), TPOT.shown(t), f"{m}{' ' + lay if lay else ''}; bound: {bd}"]
            for b, t, m, lay, bd in zip(np.ravel(plan.batch), np.ravel(plan.tpot_s), np.ravel(mode), np.ravel(layout),
                                        np.ravel(bound))]


def throughput(lines: list[Line], deployments: tuple, view: str, left_out: dict, title: str,
               target_ms: float | None = None, public: tuple = ()) -> dict:
    """One panel per deployment: tokens/GPU/s of each line against the ``view``'s x (a key of
    VIEWS), the assumed-kernel bands, the memory cut, the chosen points; ``target_ms`` a dashed
    TPOT target line (the TPOT view); ``public``: measured deployments drawn on the ep panel
    (the frontier). ``left_out``: {deployment: why it has no line} (said in its panel).
    Long on purpose: one figure's traces, in the order Plotly stacks them (bands, lines, cuts,
    points, public rows), then its layout; split, the order of the traces would be spread over
    functions that each depend on it."""
    x_of, x_title, what = VIEWS[view]
    data, shown, top, bottom = [], set(), [1.0], []

    def first(group: str) -> bool:
        """Whether ``group`` gets its legend entry now (once per chart)."""
        new = group not in shown
        shown.add(group)
        return new

    bands = {}  # (panel, chip): the bands of its lines as one trace (polygons apart by gaps), under the lines
    for line in lines:
        if line.plan is not None and line.ends is not None:
            low, high = line.ends
            bx, by = bands.setdefault((deployments.index(line.deployment), line.chip_index, line.chip), ([], []))
            bx += values(np.concatenate([x_of(low), x_of(high)[::-1], x_of(low)[:1]])) + [None]
            by += values(np.concatenate([low.tokens_per_gpu_s, np.asarray(high.tokens_per_gpu_s)[::-1],
                                         np.asarray(low.tokens_per_gpu_s)[:1]])) + [None]
            top.append(float(np.max(high.tokens_per_gpu_s)))
    for (k, j, chip), (bx, by) in bands.items():
        data.append({"type": "scatter", "mode": "lines", "x": bx, "y": by, "fill": "toself",
                     "fillcolor": _rgba(color(j), 0.12), "line": {"width": 0}, "hoverinfo": "skip",
                     "name": f"{escape.plotly(chip)}: assumed kernels, low to high", "showlegend": False,
                     **axis_ref(k)})
    for line in lines:
        k = deployments.index(line.deployment)
        c = color(line.chip_index)
        group = f"{line.model_index}-{line.chip_index}"
        if line.plan is None:
            continue
        x, y = x_of(line.plan), np.asarray(line.plan.tokens_per_gpu_s, dtype=float)
        top.append(float(np.max(y)))
        bottom.append(float(np.min(y)))
        data.append({"type": "scatter", "mode": "lines", "x": values(x), "y": values(y), "name": line.name,
                     "legendgroup": group, "showlegend": first(group),
                     "line": {"color": c, "width": 2, "dash": DASH[line.model_index % len(DASH)]},
                     "customdata": _batch_tpot(line.plan), "hovertemplate": _hover(line, what), **axis_ref(k)})
    for k, deployment in enumerate(deployments):
        mine = [ln for ln in lines if ln.deployment == deployment and ln.plan is not None]
        walls = [ln for ln in mine if ln.cut is not None]
        if walls:
            data.append({"type": "scatter", "mode": "markers", "name": "KV fills the memory (line ends)",
                         "legendgroup": "wall", "showlegend": first("wall"),
                         "x": [float(x_of(ln.plan)[-1]) for ln in walls],
                         "y": [float(np.asarray(ln.plan.tokens_per_gpu_s)[-1]) for ln in walls],
                         "marker": {"symbol": "line-ns-open", "size": 16, "line": {"width": 3},
                                    "color": [color(ln.chip_index) for ln in walls]},
                         "customdata": [[ln.name, int(ln.plan.batch[-1]), ln.cut] for ln in walls],
                         "hovertemplate": "<b>%{customdata[0]}</b>: KV + weights fill the usable memory beyond "
                                          "%{customdata[1]:,} requests per GPU (%{customdata[2]:,.0f} do not fit)"
                                          "<extra></extra>", **axis_ref(k)})
        chosen = [ln for ln in lines if ln.deployment == deployment and ln.point is not None]
        if chosen:
            data.append({"type": "scatter", "mode": "markers", "name": "chosen point", "legendgroup": "chosen",
                         "showlegend": first("chosen"),
                         "x": [float(np.ravel(x_of(ln.point))[0]) for ln in chosen],
                         "y": [float(ln.point.tokens_per_gpu_s) for ln in chosen],
                         "marker": {"symbol": "star", "size": 14, "color": [color(ln.chip_index) for ln in chosen],
                                    "line": {"color": "#111827", "width": 1}},
                         "customdata": [[ln.name] + _custom(ln.point)[0] for ln in chosen],
                         "hovertemplate": "<b>chosen: %{customdata[0]}</b><br>" + what + "<br>%{y:,.0f} tokens/GPU/s"
                                          "<br>%{customdata[1]:,.0f} requests per GPU · TPOT %{customdata[2]:.1f} ms"
                                          "<br>%{customdata[3]}<extra></extra>", **axis_ref(k)})
            top += [float(ln.point.tokens_per_gpu_s) for ln in chosen]
    if public and "ep" in deployments:
        k = deployments.index("ep")
        top += [p["tokens_per_gpu_s"] for p in public]
        bottom += [p["tokens_per_gpu_s"] for p in public]
        data.append({"type": "scatter", "mode": "markers", "name": "public ep deployments (measured)",
                     "x": [p["tokens_per_user_s"] for p in public], "y": [p["tokens_per_gpu_s"] for p in public],
                     "marker": {"symbol": "diamond", "size": 11, "color": "#111827", "line": {"color": "white",
                                                                                            "width": 1}},
                     "customdata": [[_wrap(p["cell"]), p["model"], p["chip"].upper(), p.get("gpus") or 0,
                                     p.get("context") or 0, _wrap(p["how"]), _wrap(p["source"][:400])]
                                    for p in public],
                     "hovertemplate": "<b>%{customdata[0]}</b><br>%{y:,.0f} tokens/GPU/s measured · %{x:.1f} tokens/s "
                                      "per user<br>(%{customdata[5]})<br>%{customdata[1]} on %{customdata[2]}, "
                                      "%{customdata[3]} GPUs, %{customdata[4]:,} tokens of context<br>"
                                      "%{customdata[6]}<extra></extra>", **axis_ref(k)})
    x_axis = axis(x_title, log=True, tickvals=NICE_LOG_TICKS, tickformat="~s")
    if public:  # points from other setups reach far above the lines: a log axis keeps both readable
        y_axis = axis(TOKENS_AXIS.replace(")", ", log)"), log=True, tickvals=NICE_LOG_TICKS, tickformat="~s",
                      range=[np.log10(max(1.0, min(bottom) / 1.5)), np.log10(max(top) * 1.5)])
    else:
        y_axis = axis(TOKENS_AXIS, range=[0, max(top) * 1.08], tickformat="~s")
    # each panel's x axis names its deployment: a chart's CSV rows say which panel a line is in
    x_axes = [{**x_axis, "title": {**x_axis["title"], "text": f"{x_axis['title']['text']} · {d}"}} for d in deployments]
    layout = grid_layout([PANEL.get(d, d) for d in deployments], x_axes, [dict(y_axis) for _ in deployments],
                         gap_x=0.06)
    shapes, notes = [], []
    for k, deployment in enumerate(deployments):
        suffix = "" if k == 0 else str(k + 1)
        if target_ms is not None:
            shapes.append({"type": "line", "xref": f"x{suffix}", "yref": f"y{suffix} domain", "x0": target_ms,
                           "x1": target_ms, "y0": 0, "y1": 1, "line": {"color": "#B91C1C", "width": 1.5, "dash": "dash"}})
            notes.append({"xref": f"x{suffix}", "yref": f"y{suffix} domain", "x": float(np.log10(target_ms)), "y": 1,
                          "text": f"target {target_ms:g} ms", "showarrow": False, "xanchor": "left", "yanchor": "top",
                          "font": {"size": 11, "color": "#B91C1C"}})
        if deployment in left_out:  # in paper coordinates: the panel's centre
            xd, yd = layout[f"xaxis{suffix}"]["domain"], layout[f"yaxis{suffix}"]["domain"]
            notes.append({"xref": "paper", "yref": "paper", "x": sum(xd) / 2, "y": sum(yd) / 2,
                          "text": "<br>".join(textwrap.wrap(escape.plotly(left_out[deployment]), 40)), "showarrow": False,
                          "font": {"size": 11, "color": "#6B7280"}})
    layout["annotations"] += notes
    return figure(data, {**layout, "title": {"text": title}, "shapes": shapes, "height": 540,
                         "margin": {"t": 120}, "legend": {"orientation": "h", "y": -0.2, "x": 0}})


def _wrap(text: str, width: int = 90) -> str:
    return "<br>".join(textwrap.wrap(escape.plotly(str(text)), width)) or " "


def timeline(points: list[Line], deployment: str, title: str) -> dict:
    """The chosen points of ``deployment`` as stacked bars, one row per (model, chip): each part
    of the step (compute solid, communication hatched) summed over the step's layers before
    overlap, and a diamond at the step as run (after overlap, or the AFD pipeline's), with the
    mode beside it."""
    rows = [p for p in points if p.deployment == deployment and p.point is not None]
    names = [f"{p.name} · {int(p.point.batch):,} per GPU" for p in rows]
    data = []
    parts = list(dict.fromkeys(part.name for p in rows for part in p.point.parts))
    shown = {name: PART_NAMES.get(name, name.replace("->", "→")) for name in parts}
    for i, name in enumerate(parts):
        kind = next(part.kind for p in rows for part in p.point.parts if part.name == name)
        ms = [next((float(part.seconds) * 1e3 for part in p.point.parts if part.name == name), 0.0) for p in rows]
        bound = [next((str(part.bound) for part in p.point.parts if part.name == name), "") for p in rows]
        data.append({"type": "bar", "orientation": "h",
                     "name": f"{shown[name]} ({'communication' if kind == COMM else 'compute'})",
                     "y": names, "x": ms, "customdata": [[b or "-"] for b in bound],
                     "marker": {"color": color(i), "line": {"color": "white", "width": 0.5},
                                **({"pattern": {"shape": "/", "fgcolor": "white", "size": 7, "fillmode": "overlay"}}
                                   if kind == COMM else {})},
                     "hovertemplate": f"<b>{escape.plotly(shown[name])}</b> (%{{y}})<br>%{{x:.2f}} ms per step"
                                      "<br>bound: %{customdata[0]}<extra></extra>"})
    steps = [float(p.point.step_s) * 1e3 for p in rows]
    modes = [str(p.point.mode) + (f" {p.point.layout}" if str(p.point.layout) else "") for p in rows]
    ends = [max(sum(float(part.seconds) for part in p.point.parts) * 1e3, s) for p, s in zip(rows, steps)]
    notes = [{"x": end, "y": name, "xref": "x", "yref": "y", "text": f"step {s:.1f} ms · {m}", "showarrow": False,
              "xanchor": "left", "xshift": 8, "font": {"size": 11}} for end, name, s, m in zip(ends, names, steps, modes)]
    data.append({"type": "scatter", "mode": "markers", "name": "step as run (after overlap)", "y": names, "x": steps,
                 "marker": {"symbol": "diamond", "size": 12, "color": "#111827", "line": {"color": "white", "width": 1}},
                 "customdata": [[m, TPOT.shown(p.point.tpot_s)] for m, p in zip(modes, rows)],
                 "hovertemplate": "<b>%{y}</b><br>step %{x:.2f} ms (%{customdata[0]}); TPOT %{customdata[1]:.2f} ms"
                                  "<extra></extra>"})
    total = max(ends + [1.0])
    return figure(data, {
        "title": {"text": title}, "barmode": "stack", "height": max(360, 120 + 46 * len(rows)), "annotations": notes,
        "xaxis": axis("Time per decode step (ms; parts before overlap)", range=[0, total * 1.35]),
        "yaxis": axis("Model · chip at the chosen point", categoryorder="array", categoryarray=names[::-1]),
        "legend": {"orientation": "h", "y": -0.2, "x": 0, "traceorder": "normal"},
        "margin": {"l": max(200, labels_left(names)), "r": 40, "t": 90, "b": 60}})
