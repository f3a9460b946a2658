"""One Plotly look for every chart. Figure builders return plain Plotly figure dicts
({"data": [...], "layout": {...}}, JSON-ready lists), never go.Figure objects (building and
deep-copying those costs more than the rest of a page rerun); ``dashboard.render.plotly``
draws a dict and ``dashboard.report`` exports it."""
from __future__ import annotations

import numpy as np

from dashboard.content.charts import legend_room

FONT = "Inter, Segoe UI, Helvetica, Arial, sans-serif"
# Colour-blind-safe qualitative palette (Okabe-Ito, then Tableau extras).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#8C564B",
           "#F0E442", "#7F7F7F", "#17BECF", "#BCBD22", "#9467BD", "#1F77B4", "#FF7F0E", "#2CA02C", "#D62728")
DASHES = ("dot", "dash", "dashdot", "longdash", "longdashdot", "5px,2px,1px,2px")
SYMBOLS = ("circle", "square", "diamond", "triangle-up", "x", "star", "cross", "pentagon")
GRID = "#E5E7EB"
AXIS = dict(showgrid=True, gridcolor=GRID, zeroline=False, showline=True, linecolor="#9CA3AF",
            ticks="outside", tickcolor="#9CA3AF", automargin=True, title=dict(font=dict(size=13)))
TEMPLATE = {
    "layout": {
        "font": {"family": FONT, "size": 13, "color": "#1F2937"},
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "colorway": list(PALETTE),
        "hoverlabel": {"font": {"family": FONT, "size": 12}},
        "legend": {"bgcolor": "rgba(255,255,255,0.85)", "bordercolor": GRID, "borderwidth": 1,
                   "font": {"size": 12}},
        "margin": {"l": 70, "r": 30, "t": 70, "b": 60},
        "title": {"font": {"size": 16}, "x": 0.01, "xanchor": "left"},
    }
}


def color(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


def axis(title: str, log: bool = False, decades: bool = False, **extra) -> dict:
    """An axis dict; ``title`` must carry the unit, e.g. 'Context (tokens)'. ``decades``: a log
    axis labelled at powers of ten only (no 2/5 minor labels)."""
    out = {**AXIS, "title": {**AXIS["title"], "text": title}, **extra}
    if log or decades:
        out["type"] = "log"
    if decades:
        out["dtick"] = 1
    return out


NICE_LOG_TICKS = [round(v * 10.0 ** e, 6) for e in range(-4, 7) for v in (1, 2, 5)]  # 1-2-5 labels on log axes


def value_axis(title: str, log: bool) -> dict:
    """A quantity axis: log with 1-2-5 labels, or linear from zero."""
    return axis(title, log=True, tickvals=NICE_LOG_TICKS) if log else axis(title, rangemode="tozero")


def context_axis(context, log: bool) -> dict:
    """The context axis in tokens (1k, 10k, 1M): powers of ten only on a log axis spanning two
    decades or more."""
    ctx = np.asarray(context, dtype=float)
    wide = log and np.log10(ctx.max() / ctx.min()) >= 2
    return axis("Context (tokens)", log=log, decades=wide, tickformat="~s")


def figure(data: list[dict], layout: dict) -> dict:
    """A Plotly figure dict from trace dicts and a layout dict, in the shared template, with room
    for its legend reserved in the margin (``legend_room``: Plotly then draws it once). A
    horizontal legend given a negative ``y`` goes just under the x axis, whatever that ``y``."""
    return {"data": data, "layout": legend_room.reserve(data, {"template": TEMPLATE, **layout})}


def columns(n: int, gap: float = 0.07) -> list[tuple[float, float]]:
    """x domains of ``n`` side-by-side panels."""
    width = (1.0 - gap * (n - 1)) / n
    return [(round(i * (width + gap), 6), min(1.0, round(i * (width + gap) + width, 6))) for i in range(n)]


def grid_layout(titles: list[str], x_axes: list[dict], y_axes: list[dict], rows: int = 1,
                gap_x: float = 0.07, gap_y: float = 0.16) -> dict:
    """Layout for panels in ``rows`` rows (filled row by row), each with its own axes and a
    title above it. Trace i of panel k uses xaxis=f'x{k+1}', yaxis=f'y{k+1}' (k=0 -> 'x','y')."""
    n = len(titles)
    cols = -(-n // rows)
    xdom = columns(cols, gap_x)
    height = (1.0 - gap_y * (rows - 1)) / rows
    layout: dict = {"annotations": []}
    for k, title in enumerate(titles):
        r, c = divmod(k, cols)
        y0 = max(0.0, round(1.0 - (r + 1) * height - r * gap_y, 6))
        suffix = "" if k == 0 else str(k + 1)
        layout[f"xaxis{suffix}"] = {**x_axes[k], "domain": list(xdom[c]), "anchor": f"y{suffix}"}
        layout[f"yaxis{suffix}"] = {**y_axes[k], "domain": [y0, min(1.0, round(y0 + height, 6))], "anchor": f"x{suffix}"}
        layout["annotations"].append({
            "text": f"<b>{title}</b>", "showarrow": False, "xref": "paper", "yref": "paper",
            "x": (xdom[c][0] + xdom[c][1]) / 2, "y": y0 + height, "xanchor": "center",
            "yanchor": "bottom", "yshift": 6, "font": {"size": 13},
        })
    return layout


def axis_ref(k: int) -> dict:
    """Trace keys placing a trace on panel ``k`` of ``grid_layout``."""
    suffix = "" if k == 0 else str(k + 1)
    return {"xaxis": f"x{suffix}", "yaxis": f"y{suffix}"}


def values(array) -> list:
    """Numpy -> JSON-friendly list (NaN -> None so Plotly leaves a gap)."""
    arr = np.asarray(array, dtype=float).ravel()
    if np.isfinite(arr).all():
        return arr.tolist()
    return [None if not np.isfinite(v) else float(v) for v in arr]


def xy(x, y) -> dict:
    """{"x": [...], "y": [...]} for a line trace: every point (CSV exports, the report and hover
    read the chart's own data, so nothing is thinned out for the screen)."""
    return {"x": values(x), "y": values(y)}


def xy_rows(x, ys) -> list[dict]:
    """``xy`` for each row of ``ys`` (series sharing ``x``)."""
    xs = values(x)
    return [{"x": xs, "y": values(row)} for row in np.asarray(ys, dtype=float).reshape(-1, len(xs))]
