"""A page against its baseline (``dashboard.state.baseline.effective``), as data: every chart
with the baseline's series as quiet ghosts, every table with change columns, key figures'
changes. No Streamlit here.

The baseline's content is built once per (page, baseline) and kept (``before``): a pinned
baseline costs nothing on a slider move. A ghost is drawn only where the baseline's series
differs from the current one (an unchanged series would lie under itself): same colour, thin,
dotted, translucent, named 'baseline: <name>' in the hover and, once, 'baseline' in the
legend (clicking it hides every ghost). A bar's ghost is a tick where the baseline's bar ended.
Heatmaps and contours have no ghost; their lines (ridges, sweet spots) do. Chips a slider
changed are matched to their originals ('H800*' to 'H800')."""
from __future__ import annotations

import functools
import importlib
import math
import re

import numpy as np
import pandas as pd

from dashboard import pages
from dashboard.content.charts import legend_room
from dashboard.content.page import Lazy, PageContent
from dashboard.state.baseline import effective
from dashboard.state.scenario import Scenario

NAME = "baseline"
GREY = "#6B7280"
LINE = {"width": 6, "dash": "solid"}  # a wide faint band behind the series: no current series is drawn so
OPACITY = 0.22  # (they are opaque, at most 2.5 px, some dotted or dashed), so a ghost never reads as one
TRACES = ("scatter", "scattergl", "bar")  # what gets a ghost


@functools.lru_cache(maxsize=16)
def before(slug: str, baseline: Scenario):
    """The page's content for the baseline, built on first access and kept (one per page and baseline)."""
    return pages.BY_SLUG[slug].build(baseline, compare=False)


@functools.lru_cache(maxsize=16)
def before_view(module: str, baseline: Scenario):
    """``dashboard.content.<module>.view(baseline)`` (a page's view: its key figures' values), kept."""
    return importlib.import_module(f"dashboard.content.{module}").view(baseline)


def compared(content: PageContent, scenario: Scenario) -> PageContent:
    """``content`` (the page's, for ``scenario``) against ``scenario``'s baseline: charts with
    ghosts, tables with change columns; ``content`` itself when there is no baseline."""
    base = effective(scenario)
    if base is None:
        return content
    old = before(content.page, base)
    charts = Lazy({name: functools.partial(_ghosted, content.charts, old.charts, name) for name in content.charts})
    tables = Lazy({name: functools.partial(_changed, content.tables, old.tables, name) for name in content.tables})
    return PageContent(content.page, content.title, charts, tables, content.headlines)


def _ghosted(now, old, name: str) -> dict:
    return ghost(now[name], old[name] if name in old else None)


def _changed(now, old, name: str):
    return with_changes(now[name], old[name]) if name in old else now[name]


# --- names: a changed chip is its original ----------------------------------------------------------
def plain(text) -> str:
    """A name without the modified mark: 'H800* on Step-3' -> 'H800 on Step-3'."""
    return re.sub(r"\*", "", text) if isinstance(text, str) else text


# --- ghosts --------------------------------------------------------------------------------------------
def ghost(now: dict, old: dict | None) -> dict:
    """Figure dict ``now`` with the ghosts of ``old``'s series that differ from ``now``'s."""
    if old is None:
        return now
    index: dict = {}
    for trace in now["data"]:
        index.setdefault(_key(trace), []).append(trace)
    categories = _categories(now["data"])
    ends = _bar_ends(old)
    ghosts = []
    for k, trace in enumerate(old["data"]):
        kind = trace.get("type", "scatter")
        if kind not in TRACES or trace.get("mode") == "text" or trace.get("visible") is False:
            continue
        matches = index.get(_key(trace)) or [None]
        match = matches.pop(0) if len(matches) > 1 else matches[0]
        if match is not None and _same(match, trace):
            continue
        ghosts.append((_bar_ghost if kind == "bar" else _line_ghost)(trace, match, categories, ends.get(k)))
    if not ghosts:
        return now
    legend = {"type": "scatter", "x": [None], "y": [None], "mode": "lines", "name": NAME, "legendgroup": NAME,
              "line": {**LINE, "color": GREY}, "opacity": 2 * OPACITY, "hoverinfo": "skip", "showlegend": True}
    data = [*now["data"], *ghosts, legend]
    return {**now, "data": data, "layout": legend_room.reserve(data, now["layout"])}


def _key(trace: dict) -> tuple:
    return (trace.get("type", "scatter"), plain(trace.get("name", "")), trace.get("xaxis", "x"),
            trace.get("yaxis", "y"), trace.get("legendgroup") and plain(trace.get("legendgroup")))


def _categories(data: list) -> dict:
    """{plain category: as the current chart names it} over every trace's categorical x and y."""
    out = {}
    for trace in data:
        for axis in ("x", "y"):
            for value in trace.get(axis) or ():
                if isinstance(value, str):
                    out.setdefault(plain(value), value)
    return out


def _renamed(values, categories: dict):
    if not isinstance(values, list):
        return values
    return [categories.get(plain(v), v) if isinstance(v, str) else v for v in values]


def _same(a: dict, b: dict) -> bool:
    return all(_values(a.get(k)) == _values(b.get(k)) for k in ("x", "y", "base"))


def _values(values):
    if not isinstance(values, (list, tuple)):
        return values
    return [plain(v) if isinstance(v, str) else v for v in values]


def _color(trace: dict | None):
    if trace is None:
        return None
    for part in ("line", "marker"):
        value = (trace.get(part) or {}).get("color")
        if isinstance(value, str):
            return value
    return None


def _hover(trace: dict) -> dict:
    template = trace.get("hovertemplate")
    if trace.get("hoverinfo") == "skip":
        return {"hoverinfo": "skip"}
    if isinstance(template, str):
        return {"hovertemplate": "<i>baseline</i> · " + template}
    return {}


def _line_ghost(trace: dict, match: dict | None, categories: dict, _end) -> dict:
    colour = _color(match) or _color(trace) or GREY
    mode = "+".join(m for m in str(trace.get("mode", "lines")).split("+") if m != "text") or "lines"
    marker = trace.get("marker") or {}
    out = {"type": "scatter", "mode": mode, "x": _renamed(trace.get("x"), categories),
           "y": _renamed(trace.get("y"), categories), "name": f"{NAME}: {trace.get('name', '')}",
           "legendgroup": NAME, "showlegend": False, "opacity": OPACITY,
           "line": {**LINE, "color": colour, **({"shape": trace["line"]["shape"]} if "shape" in (trace.get("line") or {}) else {})},
           "marker": {"color": colour, "size": marker.get("size", 6) if not isinstance(marker.get("size"), list) else 6,
                      "symbol": "circle-open"}, **_hover(trace)}
    for key in ("xaxis", "yaxis", "customdata", "connectgaps"):
        if key in trace:
            out[key] = trace[key]
    return out


def _bar_ends(figure: dict) -> dict:
    """{trace index: where each of its bars ends} for the bar traces of ``figure`` (stacked bars
    stacked in trace order per axis and category; a bar with a ``base`` from there)."""
    stack = figure.get("layout", {}).get("barmode") in ("stack", "relative")
    totals: dict = {}
    out = {}
    for k, trace in enumerate(figure["data"]):
        if trace.get("type") != "bar":
            continue
        horizontal = trace.get("orientation") == "h"
        size, where = (trace.get("x"), trace.get("y")) if horizontal else (trace.get("y"), trace.get("x"))
        if not isinstance(size, list) or not isinstance(where, list):
            continue
        base = trace.get("base")
        ends = []
        for i, (s, w) in enumerate(zip(size, where)):
            s = 0.0 if s is None or (isinstance(s, float) and math.isnan(s)) else float(s)
            start = (base[i] if isinstance(base, list) else base) if base is not None else (
                totals.get((trace.get("xaxis"), trace.get("yaxis"), w), 0.0) if stack else 0.0)
            ends.append(float(start or 0.0) + s)
            if stack and base is None:
                totals[(trace.get("xaxis"), trace.get("yaxis"), w)] = ends[-1]
        out[k] = ends
    return out


def _bar_ghost(trace: dict, match: dict | None, categories: dict, ends) -> dict:
    """A tick where each of the baseline's bars ended."""
    colour = _color(match) or _color(trace) or GREY
    horizontal = trace.get("orientation") == "h"
    where = _renamed(trace.get("y") if horizontal else trace.get("x"), categories)
    end = ends if ends is not None else trace.get("x" if horizontal else "y")
    out = {"type": "scatter", "mode": "markers", "name": f"{NAME}: {trace.get('name', '')}", "legendgroup": NAME,
           "showlegend": False, "opacity": 0.85,
           "marker": {"symbol": "line-ns-open" if horizontal else "line-ew-open", "size": 18,
                      "line": {"color": colour, "width": 2}, "color": colour},
           "hovertemplate": f"<i>baseline</i> · {trace.get('name', '')}: %{{{'x' if horizontal else 'y'}:.4g}}"
                            "<extra></extra>"}
    out.update({"x": end, "y": where} if horizontal else {"x": where, "y": end})
    for key in ("xaxis", "yaxis"):
        if key in trace:
            out[key] = trace[key]
    return out


# --- tables ------------------------------------------------------------------------------------------
def _numeric(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def _row_keys(df: pd.DataFrame, keys: list) -> list[tuple]:
    return [tuple(str(plain(v)) for v in row) for row in zip(*(df.iloc[:, list(df.columns).index(k)].tolist()
                                                                   for k in keys))]


def with_changes(now, old):
    """Table ``now`` with, for each numeric column whose values moved from ``old``, its change
    ('<column> change', same unit) and relative change ('<column> change (%)'), rows matched by
    their text columns (a changed chip to its original), else by position; ``now`` as it is when
    nothing moved or the rows cannot be matched."""
    if not isinstance(now, pd.DataFrame) or not isinstance(old, pd.DataFrame):
        return now
    shared = [c for c in now.columns if c in old.columns]
    numbers = [c for c in shared if _numeric(now[c]) and _numeric(old[c]) and "change" not in str(c)]
    keys = [c for c in shared if c not in numbers and now[c].dtype == object]
    if keys:
        left, right = _row_keys(now, keys), _row_keys(old, keys)
        if len(set(left)) == len(left) and len(set(right)) == len(right):
            lookup = {key: i for i, key in enumerate(right)}
            rows = np.array([lookup.get(key, np.nan) for key in left], dtype=float)
        elif len(now) == len(old):
            rows = np.arange(len(old), dtype=float)
        else:
            return now
    elif len(now) == len(old):
        rows = np.arange(len(old), dtype=float)
    else:
        return now
    found = ~pd.isna(rows)
    out = now.copy()
    for column in numbers:
        current = pd.to_numeric(now[column], errors="coerce").astype(float).to_numpy()
        earlier = np.full(len(now), np.nan)
        earlier[found] = pd.to_numeric(old[column], errors="coerce").astype(float).to_numpy()[rows[found].astype(int)]
        diff = current - earlier
        if np.all((diff == 0) | np.isnan(diff)) and np.array_equal(np.isnan(current), np.isnan(earlier)):
            continue
        out[f"{column} change"] = diff
        with np.errstate(divide="ignore", invalid="ignore"):
            out[f"{column} change (%)"] = np.where(earlier != 0, 100.0 * (current / earlier - 1.0), np.nan)
    return out


# --- key figures -----------------------------------------------------------------------------------
def delta(now: float | None, old: float | None, fmt: str) -> str | None:
    """The change of a key figure, absolute in the figure's own format ``fmt`` ('{:,.1f}') and
    relative: '+1.5 (+3.2%)'; '±0 (0%)' when equal; None without a baseline value."""
    if now is None or old is None or not (math.isfinite(now) and math.isfinite(old)):
        return None
    diff = now - old
    if diff == 0:
        return "±0 (0%)"
    sign = "+" if diff > 0 else "-"
    pct = f"{100.0 * diff / abs(old):+.1f}%" if old else "new"
    return f"{sign}{fmt.format(abs(diff))} ({pct})"
