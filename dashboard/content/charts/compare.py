"""Several scenarios' versions of one chart drawn as one: the first as it is, each other in a
style of its own (its own dash and marker, bars as ticks where its bars end), every series named
'<scenario>: <series>' in the legend and the hover."""
from __future__ import annotations

import math

from dashboard.content.charts import legend_room
from dashboard.content.charts.theme import DASHES, SYMBOLS


def overlay(figures: list[dict], names: list[str]) -> dict:
    """One figure dict of ``figures`` (one per scenario, same chart) named by ``names``."""
    from dashboard.content import baseline  # the bar ends, as the baseline's ghosts draw them

    first = figures[0]
    data = [{**t, "name": f"{names[0]}: {t.get('name', '')}", "legendgroup": names[0]} for t in first["data"]]
    for i, (figure, name) in enumerate(zip(figures[1:], names[1:]), start=1):
        ends = baseline._bar_ends(figure)
        for k, trace in enumerate(figure["data"]):
            if trace.get("type", "scatter") == "bar":
                out = baseline._bar_ghost(trace, None, {}, ends.get(k))
                out["marker"]["symbol"] = ("line-ns-open" if trace.get("orientation") == "h" else "line-ew-open")
            elif trace.get("type", "scatter") in ("scatter", "scattergl"):
                out = {**trace, "line": {**(trace.get("line") or {}), "dash": DASHES[(i - 1) % len(DASHES)]},
                       "marker": {**(trace.get("marker") or {}), "symbol": SYMBOLS[i % len(SYMBOLS)]}}
                if isinstance(trace.get("hovertemplate"), str):
                    out["hovertemplate"] = f"<i>{name}</i> · " + trace["hovertemplate"]
            else:
                continue
            data.append({**out, "name": f"{name}: {trace.get('name', '')}", "legendgroup": name,
                         "showlegend": trace.get("showlegend", True)})
    title = (first["layout"].get("title") or {}).get("text", "")
    layout = {**first["layout"], "title": {**(first["layout"].get("title") or {}),
                                           "text": f"{title}<br><sup>{' vs '.join(names)}: solid, then "
                                                   f"{', '.join(DASHES[:len(names) - 1])}</sup>"}}
    return {"data": data, "layout": _keep_plot_height(data, layout)}


def _plot_height(layout: dict) -> float:
    margin = {**legend_room.MARGIN, **(layout.get("template", {}).get("layout", {}).get("margin") or {}),
              **(layout.get("margin") or {})}
    return float(layout.get("height") or legend_room.DEFAULT_HEIGHT) - margin["t"] - margin["b"]


def _keep_plot_height(data: list[dict], layout: dict) -> dict:
    """``layout`` with room for the overlaid legend (every series once per scenario), the figure
    taller by what the legend takes, so the plot keeps the height the page's own chart gives it
    (without this, the AFD balance chart's legend of two scenarios took its whole plot)."""
    laid = legend_room.reserve(data, layout)
    lost = _plot_height(layout) - _plot_height(laid)
    if lost > 0:
        height = float(layout.get("height") or legend_room.DEFAULT_HEIGHT)
        laid = legend_room.reserve(data, {**layout, "height": int(math.ceil(height + lost))})
    return laid
