"""Co-design explorer charts: each chip's sweet spot against the reference designs' attention
intensity; heatmaps of a design plane (cost per chip with the chip's ridge as a contour and its
sweet spot shaded, intensity with every ridge, KV bytes per token and the context one GPU
holds), the reference designs marked; a tornado of chip-spec sensitivities; iso-cost contours
over peak FLOP/s and HBM bandwidth; chips ranked. Figure dicts, few traces per chart: one
heatmap, one sweet-spot contour, one ridge contour and one marker trace per chip panel."""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .. import labels
from ..theme import DASHES, NICE_LOG_TICKS, SYMBOLS, axis, axis_ref, color, figure, grid_layout, values

SWEET = "rgba(230,159,0,0.32)"  # the sweet spot's fill (orange, over a blue cost scale)
SWEET_LINE = "#B45309"
RIDGE = "#C2410C"
COST_SCALE = [[0.0, "#F7FBFF"], [0.25, "#C6DBEF"], [0.5, "#6BAED6"], [0.75, "#2171B5"], [1.0, "#08306B"]]
INTENSITY_SCALE = [[0.0, "#FCFBFD"], [0.5, "#9E9AC8"], [1.0, "#3F007D"]]
SIZE_SCALE = [[0.0, "#F7FCF5"], [0.5, "#74C476"], [1.0, "#00441B"]]
LABEL_BOX = {"bgcolor": "rgba(255,255,255,0.85)", "bordercolor": "#374151", "borderwidth": 1, "borderpad": 2,
             "font": {"size": 11, "color": "#111827"}}


@dataclass
class Plane:
    """One slice of the design space for the heatmaps. Axis values are the designs' own (x, y:
    whole numbers, drawn on log2 axes); arrays are indexed [y, x] (as Plotly's z), per chip on
    the last axis; NaN where a design is left out (too many query heads). ``markers``: dicts
    with name, label (short), x, y (may be fractional), exact (the design itself, or its
    equivalent), note (hover text)."""

    x_name: str
    y_name: str
    x_title: str
    y_title: str
    x: list
    y: list
    chips: list  # labels
    ridge: list  # FLOPs per byte, per chip
    total: np.ndarray  # (y, x, chips) USD per 1M tokens
    attention: np.ndarray
    intensity: np.ndarray  # (y, x) FLOPs per KV byte read
    kv_per_token: np.ndarray  # (y, x) bytes cached per context token
    context_per_gpu: np.ndarray  # (y, x, chips) tokens
    query_heads: np.ndarray  # (y, x)
    valid: np.ndarray  # (y, x)
    what: str  # the slice in words: body, family, fixed values
    markers: list = field(default_factory=list)


def _log2(v) -> list:
    return [math.log2(float(x)) for x in v]


def _plane_axis(title: str, vals) -> dict:
    """A design axis on log2 coordinates, labelled at its powers of two."""
    ticks = _log2(vals)
    labelled = [v for v in vals if float(v).is_integer() and int(v) & (int(v) - 1) == 0] or list(vals)
    return axis(title, tickvals=_log2(labelled), ticktext=[f"{v:g}" for v in labelled], tickangle=0,
                range=[ticks[0] - 0.35, ticks[-1] + 0.35], showgrid=False)


def _masked(array, valid, decimals: int = 4) -> list:
    """z of a heatmap (a log of the value: colour only, ``decimals`` kept); None where not valid."""
    return [[None if not ok or not math.isfinite(v) else round(v, decimals) for v, ok in zip(row, oks)]
            for row, oks in zip(np.asarray(array, dtype=float).tolist(), np.asarray(valid).tolist())]


def _nice_ticks(lo: float, hi: float, log_values: bool = True) -> list[float]:
    """1-2-5 values within [lo, hi] (at least the two ends)."""
    out = [m * 10.0 ** e for e in range(math.floor(math.log10(lo)) - 1, math.ceil(math.log10(hi)) + 1)
           for m in (1, 2, 5) if lo <= m * 10.0 ** e <= hi]
    return out if len(out) >= 2 else [lo, hi]


def _money(v: float) -> str:
    return f"${v:.3g}" if v < 1 else f"${v:,.2f}"


def _markers(plane: Plane, ref: dict, showlegend: bool) -> tuple[dict, list]:
    """The reference designs on one panel: one scatter trace, labels as boxed annotations."""
    xs = [math.log2(m["x"]) if m["x"] > 0 else None for m in plane.markers]
    ys = [math.log2(m["y"]) if m["y"] > 0 else None for m in plane.markers]
    trace = {"type": "scatter", "mode": "markers", "x": xs, "y": ys, "name": "reference designs",
             "showlegend": showlegend, "legendgroup": "designs", "cliponaxis": False,
             "marker": {"size": 13, "symbol": [SYMBOLS[i % len(SYMBOLS)] + ("" if m["exact"] else "-open")
                                               for i, m in enumerate(plane.markers)],
                        "color": ["#FFFFFF" if m["exact"] else "#111827" for m in plane.markers],
                        "line": {"width": 2, "color": "#111827"}},
             "customdata": [m["note"] for m in plane.markers], "hovertemplate": "%{customdata}<extra></extra>",
             **ref}
    notes = [{"x": x, "y": y, "xref": ref["xaxis"], "yref": ref["yaxis"], "text": m["label"], "showarrow": True,
              "arrowhead": 0, "arrowwidth": 1, "arrowcolor": "#374151", "ax": 0, "ay": -22 - 14 * (i % 2),
              **LABEL_BOX} for i, (m, x, y) in enumerate(zip(plane.markers, xs, ys)) if x is not None and y is not None]
    return trace, notes


def _panels(plane: Plane, titles: list[str], rows: int, gap_x: float = 0.06):
    x_axes = [_plane_axis(plane.x_title, plane.x) for _ in titles]
    y_axes = [_plane_axis(plane.y_title, plane.y) for _ in titles]
    return grid_layout(titles, x_axes, y_axes, rows=rows, gap_x=gap_x, gap_y=0.2 if rows > 1 else 0.16)


def _shape(n: int) -> tuple[int, int]:
    """(rows, columns) of n panels: up to 3 in a row, 2 x 2 for four."""
    cols = 2 if n == 4 else min(n, 3)
    return -(-n // cols), cols


def _colorbar(title: str, ticks: list, text: list, x: float = 1.02) -> dict:
    return {"title": {"text": title, "side": "right"}, "tickvals": ticks, "ticktext": text, "x": x, "len": 0.9,
            "thickness": 14}


def _rounded(array, digits: int = 5) -> list:
    """Nested lists of ``array`` at ``digits`` significant digits (hover text only: a third of
    the JSON), NaN as None."""
    arr = np.asarray(array, dtype=float)
    flat = [None if not math.isfinite(v) else float(f"{v:.{digits}g}") for v in arr.ravel().tolist()]
    out = np.empty(len(flat), dtype=object)
    out[:] = flat
    return out.reshape(arr.shape).tolist()


def _separable(intensity: np.ndarray) -> str | None:
    """'x' when the intensity changes along x only (every row alike), 'y' along y only, else
    None. GQA/MFA/MLA bodies without recurrent layers: intensity = 2 (q per KV) T / b or
    4 (query heads) T / b, so the ridge is a straight line of the plane."""
    log = np.log2(intensity)
    for name, ref in (("x", log[:1, :]), ("y", log[:, :1])):
        if np.allclose(log, ref, rtol=0.0, atol=1e-9):
            return name
    return None


def _crossing(coords: list, levels, target: float) -> float | None:
    """Where the polyline (coords, levels) reaches ``target``, extended linearly past both ends
    (exact for a separable plane: log2 intensity is affine in the log2 axis); None when the
    levels are not strictly monotone."""
    c, v = np.asarray(coords, dtype=float), np.asarray(levels, dtype=float)
    if len(c) < 2 or not (np.all(np.diff(v) > 0) or np.all(np.diff(v) < 0)):
        return None
    if v[-1] < v[0]:
        c, v = c[::-1], v[::-1]
    k = int(np.clip(np.searchsorted(v, target) - 1, 0, len(v) - 2))
    return float(c[k] + (target - v[k]) * (c[k + 1] - c[k]) / (v[k + 1] - v[k]))


def _ridge_lines(plane: Plane, along: str, ridge: float, ref: dict, band: bool, line: dict) -> list | None:
    """Shapes of a separable plane: the ridge as a line across the panel and (``band``) the
    sweet spot ridge/2 to ridge shaded; None when the plane's intensity is not monotone."""
    coords = _log2(plane.x if along == "x" else plane.y)
    levels = np.log2(plane.intensity[0, :] if along == "x" else plane.intensity[:, 0])
    top, half = _crossing(coords, levels, math.log2(ridge)), _crossing(coords, levels, math.log2(ridge / 2))
    if top is None or half is None:
        return None
    lo, hi = coords[0] - 0.35, coords[-1] + 0.35
    clamp = lambda v: min(max(v, lo), hi)  # noqa: E731
    other = ref["yaxis" if along == "x" else "xaxis"] + " domain"
    own = ref["xaxis" if along == "x" else "yaxis"]
    a, b = ("x", "y") if along == "x" else ("y", "x")
    shapes = []
    if band and clamp(half) < clamp(top):
        shapes.append({"type": "rect", f"{a}ref": own, f"{a}0": clamp(half), f"{a}1": clamp(top),
                       f"{b}ref": other, f"{b}0": 0, f"{b}1": 1, "fillcolor": SWEET,
                       "line": {"color": SWEET_LINE, "width": 1, "dash": "dot"}})
    if lo <= top <= hi:
        shapes.append({"type": "line", f"{a}ref": own, f"{a}0": top, f"{a}1": top, f"{b}ref": other,
                       f"{b}0": 0, f"{b}1": 1, "line": line})
    return shapes


def _legend_line(name: str, line: dict, group: str) -> dict:
    """A legend entry for lines drawn as shapes (no data)."""
    return {"type": "scatter", "mode": "lines", "x": [None], "y": [None], "name": name, "legendgroup": group,
            "line": line, "hoverinfo": "skip"}


def cost_panels(plane: Plane) -> dict:
    """Decode cost per 1M tokens of every design of the plane, one panel per chip, on one colour
    scale (log); over it the chip's ridge point (the contour intensity = ridge: a straight line
    in a plane whose intensity changes along one axis, drawn as a shape; else a contour trace)
    and its sweet spot (ridge/2 to ridge) shaded; the reference designs marked."""
    n = len(plane.chips)
    rows, cols = _shape(n)
    titles = [f"{c}: ridge {r:.0f}, sweet spot {r / 2:.0f}-{r:.0f} FLOPs/byte" for c, r in zip(plane.chips, plane.ridge)]
    layout = _panels(plane, titles, rows)
    layout["shapes"] = []
    finite = plane.total[np.broadcast_to(plane.valid[..., None], plane.total.shape) & np.isfinite(plane.total)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (1e-3, 1.0)
    hi = max(hi, lo * 1.01)
    ticks = _nice_ticks(lo, hi)
    x, y = _log2(plane.x), _log2(plane.y)
    along = _separable(plane.intensity)
    ridge_line = {"color": RIDGE, "width": 3}
    band_line = {"color": SWEET_LINE, "width": 1, "dash": "dot"}
    data = [_legend_line("sweet spot: ridge/2 to ridge", {"color": SWEET, "width": 12}, "sweet"),
            _legend_line("ridge point (intensity = ridge)", ridge_line, "ridge")]
    for j, (chip, ridge) in enumerate(zip(plane.chips, plane.ridge)):
        ref = axis_ref(j)
        custom = _rounded(np.stack([plane.total[..., j], plane.attention[..., j], plane.intensity,
                                    plane.query_heads], axis=-1))
        z = _masked(np.log10(plane.total[..., j]), plane.valid)
        data.append({"type": "heatmap", "x": x, "y": y, "z": z,
                     "zmin": math.log10(lo), "zmax": math.log10(hi), "colorscale": COST_SCALE, "showscale": j == 0,
                     "colorbar": _colorbar("USD per 1M tokens", [math.log10(t) for t in ticks],
                                           [_money(t) for t in ticks]),
                     "customdata": custom, "xgap": 1, "ygap": 1, "hoverongaps": False, "name": chip,
                     "showlegend": False,
                     "hovertemplate": (f"<b>{chip}</b> · %{{customdata[3]:.0f}} query heads<br>"
                                       "total $%{customdata[0]:.4f} per 1M tokens (attention $%{customdata[1]:.4f})"
                                       "<br>intensity %{customdata[2]:.0f} FLOPs per KV byte<extra></extra>"),
                     **ref})
        shapes = _ridge_lines(plane, along, ridge, ref, True, ridge_line) if along else None
        if shapes is not None:
            layout["shapes"] += shapes
        else:  # intensity changes along both axes (recurrent layers): contour traces
            log_intensity = np.log2(plane.intensity).tolist()
            data.append({"type": "contour", "x": x, "y": y, "z": log_intensity, "showlegend": False,
                         "hoverinfo": "skip", "showscale": False,
                         "contours": {"type": "constraint", "operation": "][",  # Plotly shades what it excludes
                                      "value": [math.log2(ridge / 2), math.log2(ridge)]},
                         "fillcolor": SWEET, "line": band_line, **ref})
            data.append({"type": "contour", "x": x, "y": y, "z": log_intensity, "showlegend": False,
                         "hoverinfo": "skip", "showscale": False,
                         "contours": {"type": "constraint", "operation": "=", "value": math.log2(ridge)},
                         "line": ridge_line, **ref})
        trace, notes = _markers(plane, ref, j == 0)
        data.append(trace)
        layout["annotations"] += notes
    height = 170 + 360 * rows
    return figure(data, {**layout, "title": {"text": f"Decode cost per 1M tokens per chip: {plane.what}"},
                         "height": height, "margin": {"l": 70, "r": 110, "t": 90, "b": 110},
                         "legend": {"orientation": "h", "x": 0, "y": -75 / height, "yanchor": "top"}})


def intensity_panel(plane: Plane) -> dict:
    """Attention arithmetic intensity of every design of the plane (log colour scale), every
    chip's ridge point as a contour line (a shape where the plane's intensity changes along one
    axis), the reference designs marked."""
    x, y = _log2(plane.x), _log2(plane.y)
    inten = plane.intensity
    lo, hi = float(np.nanmin(inten)), float(np.nanmax(inten))
    hi = max(hi, lo * 1.01)
    ticks = [2.0 ** k for k in range(math.floor(math.log2(lo)), math.ceil(math.log2(hi)) + 1)]
    ticks = ticks[::2] if len(ticks) > 10 else ticks
    ref = axis_ref(0)
    z = _masked(np.log2(inten), plane.valid)
    data = [{"type": "heatmap", "x": x, "y": y, "z": z, "showlegend": False,
             "zmin": math.log2(lo), "zmax": math.log2(hi), "colorscale": INTENSITY_SCALE, "xgap": 1, "ygap": 1,
             "colorbar": _colorbar("FLOPs per KV byte", _log2(ticks), [f"{t:g}" for t in ticks]),
             "customdata": _rounded(np.stack([inten, plane.kv_per_token / 1e3, plane.query_heads], axis=-1)),
             "hoverongaps": False, "name": "intensity",
             "hovertemplate": ("intensity %{customdata[0]:.1f} FLOPs per KV byte<br>%{customdata[2]:.0f} query heads"
                               " · KV %{customdata[1]:.1f} kB per context token<extra></extra>"), **ref}]
    shapes = []
    along = _separable(inten)
    for j, (chip, ridge) in enumerate(zip(plane.chips, plane.ridge)):
        line = {"color": color(j), "width": 3, "dash": DASHES[j % len(DASHES)] if j else "solid"}
        drawn = _ridge_lines(plane, along, ridge, ref, False, line) if along else None
        if drawn is not None:
            shapes += drawn
            data.append(_legend_line(f"{chip} ridge {ridge:.0f}", line, chip))
        else:
            data.append({"type": "contour", "x": x, "y": y, "z": np.log2(inten).tolist(),
                         "name": f"{chip} ridge {ridge:.0f}", "hoverinfo": "skip", "showscale": False,
                         "contours": {"type": "constraint", "operation": "=", "value": math.log2(ridge)},
                         "line": line, **ref})
    trace, notes = _markers(plane, ref, True)
    data.append(trace)
    layout = _panels(plane, ["Arithmetic intensity of attention (core FLOPs per KV byte read)"], 1)
    layout["annotations"] += notes
    return figure(data, {**layout, "shapes": shapes,
                         "title": {"text": f"Attention intensity vs every chip's ridge point: {plane.what}"},
                         "height": 520, "margin": {"l": 70, "r": 230, "t": 90, "b": 60},
                         "legend": {"x": 1.16, "y": 1, "xanchor": "left", "title": {"text": "Lines "}}})


def kv_panels(plane: Plane) -> dict:
    """KV bytes cached per context token (first panel) and the context one GPU can hold per
    chip (the others), over the plane, the reference designs marked."""
    n = len(plane.chips) + 1
    rows, cols = _shape(n)
    titles = ["KV cache per context token (kB)"] + [f"{c}: context one GPU holds (tokens)" for c in plane.chips]
    layout = _panels(plane, titles, rows)
    x, y = _log2(plane.x), _log2(plane.y)
    kv = plane.kv_per_token / 1e3
    ok = plane.valid & np.isfinite(kv)
    klo, khi = float(np.min(kv[ok])), float(np.max(kv[ok]))
    kticks = _nice_ticks(klo, max(khi, klo * 1.01))
    ctx = plane.context_per_gpu
    cok = np.broadcast_to(plane.valid[..., None], ctx.shape) & (ctx > 0)
    clo, chi = (float(np.min(ctx[cok])), float(np.max(ctx[cok]))) if cok.any() else (1.0, 10.0)
    cticks = _nice_ticks(clo, max(chi, clo * 1.01))
    data = [{"type": "heatmap", "x": x, "y": y, "z": _masked(np.log10(kv), plane.valid), "zmin": math.log10(klo),
             "zmax": math.log10(max(khi, klo * 1.01)), "colorscale": SIZE_SCALE, "xgap": 1, "ygap": 1,
             "colorbar": _colorbar("kB per token", [math.log10(t) for t in kticks], [f"{t:g}" for t in kticks],
                                   x=1.02),
             "customdata": _rounded(np.stack([kv, plane.query_heads], axis=-1)), "hoverongaps": False,
             "name": "KV per token", "hovertemplate": ("%{customdata[0]:.2f} kB of KV per context token<br>"
                                                       "%{customdata[1]:.0f} query heads<extra></extra>"),
             **axis_ref(0)}]
    trace, notes = _markers(plane, axis_ref(0), True)
    data.append(trace)
    layout["annotations"] += notes
    with np.errstate(divide="ignore"):
        log_ctx = np.log10(np.where(ctx > 0, ctx, np.nan))
    for j, chip in enumerate(plane.chips):
        ref = axis_ref(j + 1)
        data.append({"type": "heatmap", "x": x, "y": y, "z": _masked(log_ctx[..., j], plane.valid),
                     "zmin": math.log10(clo), "zmax": math.log10(max(chi, clo * 1.01)), "colorscale": COST_SCALE,
                     "reversescale": True, "showscale": j == 0, "xgap": 1, "ygap": 1,
                     "colorbar": _colorbar("tokens per GPU", [math.log10(t) for t in cticks],
                                           [labels.si(t) for t in cticks], x=1.1),
                     "customdata": _rounded(ctx[..., j]), "hoverongaps": False, "name": chip,
                     "hovertemplate": f"<b>{chip}</b>: %{{customdata:,.0f}} tokens of context per GPU<extra></extra>",
                     **ref})
        trace, notes = _markers(plane, ref, False)
        data.append(trace)
        layout["annotations"] += notes
    height = 140 + 360 * rows
    return figure(data, {**layout, "title": {"text": f"KV bytes per token and the context one GPU holds: {plane.what}"},
                         "height": height, "margin": {"l": 70, "r": 190, "t": 90, "b": 60}, "showlegend": False})


def sweet_spots(chips: list, ridges: list, designs: list, what: str) -> dict:
    """One row per chip: its sweet spot (ridge/2 to ridge, a thick bar) and ridge (a tick) on
    an intensity axis; each reference design's attention intensity as a vertical line across
    all chips. ``designs``: dicts with name, intensity, note."""
    rows = [f"{c}  " for c in chips]
    band_x, band_y = [], []
    for row, r in zip(rows, ridges):
        band_x += [r / 2, r, None]
        band_y += [row, row, None]
    data = [
        {"type": "scatter", "mode": "lines", "x": band_x, "y": band_y, "name": "sweet spot: ridge/2 to ridge",
         "line": {"color": SWEET, "width": 18}, "hoverinfo": "skip"},
        {"type": "scatter", "mode": "markers+text", "x": list(ridges), "y": rows, "name": "ridge point",
         "marker": {"symbol": "line-ns", "size": 24, "line": {"width": 3, "color": RIDGE}, "color": RIDGE},
         "text": [f"{r:.0f}" for r in ridges], "textposition": "middle right", "textfont": {"color": RIDGE},
         "customdata": [[c, r / 2] for c, r in zip(chips, ridges)],
         "hovertemplate": ("<b>%{customdata[0]}</b>: ridge %{x:.0f} FLOPs/byte; sweet spot "
                           "%{customdata[1]:.0f}-%{x:.0f}<extra></extra>")},
    ]
    xs = [*(r / 2 for r in ridges), *ridges, *(d["intensity"] for d in designs)]
    lo, hi = min(xs) / 2.5, max(xs) * 2.5
    shapes, notes = [], []
    for k, d in enumerate(sorted(designs, key=lambda d: d["intensity"])):
        v = d["intensity"]
        shapes.append({"type": "line", "xref": "x", "x0": v, "x1": v, "yref": "paper", "y0": 0, "y1": 1,
                       "line": {"color": "#111827", "width": 2, "dash": "dash" if d.get("base") else "solid"}})
        notes.append({"xref": "x", "x": math.log10(v), "yref": "paper", "y": 1.0, "yanchor": "bottom",
                      "yshift": 4 + 18 * (k % 2), "text": f"<b>{d['name']}</b> {v:.0f}", "showarrow": False,
                      **LABEL_BOX})
    data.append({"type": "scatter", "mode": "markers", "name": "reference designs",
                 "x": [d["intensity"] for d in designs for _ in rows], "y": [row for _ in designs for row in rows],
                 "marker": {"symbol": "diamond", "size": 9, "color": "#111827"},
                 "customdata": [d["note"] for d in designs for _ in rows],
                 "hovertemplate": "%{customdata}<br>on %{y}<extra></extra>"})
    height = 190 + 46 * len(rows)
    return figure(data, {
        "title": {"text": f"Where each chip's sweet spot lies and where the designs fall ({what})"},
        "xaxis": axis("Attention arithmetic intensity (FLOPs per KV byte read)", log=True, range=[math.log10(lo),
                                                                                                  math.log10(hi)],
                      tickvals=[v for v in (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384)
                                if lo <= v <= hi]),
        "yaxis": axis("Chip", type="category", autorange="reversed", showgrid=False),
        "shapes": shapes, "annotations": notes, "height": height, "margin": {"l": 90, "r": 30, "t": 120, "b": 60},
        "legend": {"orientation": "h", "x": 0, "y": -0.25 - 20 / height, "yanchor": "top"},
    })


def tornado(rows: list[dict], chip: str, what: str) -> dict:
    """Change (%) in cost per 1M tokens (top row) and tokens per GPU per second (bottom) for
    each chip spec changed by -50, -10, +10, +50%, for attention, FFN and AFD (columns).
    ``rows``: the sensitivity table's rows."""
    parts = ["attention", "FFN", "AFD"]
    specs = list(dict.fromkeys(r["chip spec"] for r in rows))
    metrics = (("cost change (%)", "USD per 1M tokens"), ("tokens/GPU/s change (%)", "tokens per GPU per s"))
    titles = [f"{p}: {m[1]}" for m in metrics for p in parts]
    x_axes = [axis("Change (%)", zeroline=True, zerolinecolor="#6B7280", zerolinewidth=1.5) for _ in titles]
    y_axes = [axis("Chip spec changed" if k % 3 == 0 else "", type="category", autorange="reversed", showgrid=False,
                   showticklabels=k % 3 == 0) for k in range(len(titles))]
    layout = grid_layout(titles, x_axes, y_axes, rows=2, gap_x=0.04, gap_y=0.22)
    data = []
    for k, (metric, part) in enumerate((m, p) for m in metrics for p in parts):
        sel = [r for r in rows if r["part"] == part]
        for size, light in ((50, True), (10, False)):
            pick = [r for r in sel if abs(r["change (%)"]) == size]
            xs = [r[metric[0]] for r in pick]
            data.append({
                "type": "bar", "orientation": "h", "x": [0.0 if v is None else v for v in xs],
                "y": [r["chip spec"] for r in pick], "name": f"±{size}% of the spec", "legendgroup": str(size),
                "showlegend": k == 0, "width": 0.75 if light else 0.4,
                "marker": {"color": [("#9ECAE1" if light else "#08519C") if r["change (%)"] > 0
                                     else ("#FDD0A2" if light else "#D94801") for r in pick]},
                "customdata": [[r["change (%)"], "no feasible plan" if v is None else f"{v:+.2f}%"]
                               for r, v in zip(pick, xs)],
                "hovertemplate": f"<b>%{{y}}</b> %{{customdata[0]:+d}}%: {part} {metric[1]} %{{customdata[1]}}"
                                 "<extra></extra>", **axis_ref(k)})
    return figure(data, {**layout, "barmode": "overlay", "height": 620,
                         "title": {"text": f"What {what} wants from {chip}: change per chip spec "
                                           "(blue: spec raised, orange: lowered; light ±50%, dark ±10%)"},
                         "legend": {"orientation": "h", "x": 0, "y": -0.12},
                         "margin": {"l": 190, "r": 30, "t": 90, "b": 80}})


def iso_cost(peaks, bandwidths, cost, chips: list[dict], intensity: float, price: float, what: str) -> dict:
    """Iso-cost contours of USD per 1M tokens over peak FLOP/s (x, TFLOP/s) and HBM bandwidth
    (y, TB/s) at one price; chips as points (selected ones labelled); the line where the
    model's attention turns from memory- to compute-bound (peak / bandwidth = its intensity)."""
    peaks_t, bws_t = np.asarray(peaks) / 1e12, np.asarray(bandwidths) / 1e12
    z = np.log10(np.asarray(cost))
    lo, hi = float(z.min()), float(z.max())
    ticks = _nice_ticks(10 ** lo, 10 ** hi)
    data = [{"type": "contour", "x": values(peaks_t), "y": values(bws_t), "z": z.tolist(), "name": "USD per 1M tokens",
             "colorscale": COST_SCALE, "contours": {"coloring": "heatmap", "showlines": True, "start": math.floor(lo * 10) / 10,
                                                   "end": math.ceil(hi * 10) / 10, "size": 0.1},
             "line": {"width": 0.6, "color": "rgba(17,24,39,0.35)"},
             "colorbar": _colorbar("USD per 1M tokens", [math.log10(t) for t in ticks], [_money(t) for t in ticks]),
             "customdata": (10 ** z).tolist(),
             "hovertemplate": ("peak %{x:.0f} TFLOP/s · HBM %{y:.2f} TB/s<br>$%{customdata:.4f} per 1M tokens at "
                               f"${price:g}/h<extra></extra>")}]
    x0, x1 = float(peaks_t.min()), float(peaks_t.max())
    data.append({"type": "scatter", "mode": "lines", "x": [x0, x1], "y": [x0 / intensity, x1 / intensity],
                 "name": f"attention ridge = the model's intensity ({intensity:.0f} FLOPs/byte)",
                 "line": {"color": RIDGE, "width": 2.5, "dash": "dash"},
                 "hovertemplate": (f"peak / bandwidth = {intensity:.0f} FLOPs/byte: above this line the attention "
                                   "is compute-bound, below it memory-bound<extra></extra>")})
    for selected in (False, True):
        pts = [c for c in chips if c["selected"] == selected]
        if not pts:
            continue
        data.append({"type": "scatter", "mode": "markers+text" if selected else "markers",
                     "name": "chips (selected)" if selected else "other chips",
                     "x": [c["peak"] / 1e12 for c in pts], "y": [c["bw"] / 1e12 for c in pts],
                     "text": [c["label"] for c in pts] if selected else None, "textposition": "top center",
                     "textfont": {"size": 12, "color": "#111827"}, "cliponaxis": False,
                     "marker": {"size": 11 if selected else 7, "color": "#FFFFFF" if selected else "#6B7280",
                                "symbol": "circle", "line": {"width": 2 if selected else 1, "color": "#111827"}},
                     "customdata": [[c["label"], c["at_price"], c["own"], c["own_price"]] for c in pts],
                     "hovertemplate": ("<b>%{customdata[0]}</b>: %{x:.0f} TFLOP/s, %{y:.2f} TB/s<br>"
                                       f"$%{{customdata[1]:.4f}} per 1M tokens at ${price:g}/h; "
                                       "$%{customdata[2]:.4f} at its own $%{customdata[3]:g}/h<extra></extra>")})
    return figure(data, {
        "title": {"text": f"Iso-cost over peak FLOP/s and HBM bandwidth at ${price:g} per GPU-hour: {what}"},
        "xaxis": axis("Peak FLOP/s in the compute format (TFLOP/s)", log=True, tickvals=NICE_LOG_TICKS,
                      range=[math.log10(x0), math.log10(x1)]),
        "yaxis": axis("HBM bandwidth (TB/s)", log=True, tickvals=NICE_LOG_TICKS,
                      range=[math.log10(float(bws_t.min())), math.log10(float(bws_t.max()))]),
        "height": 620, "legend": {"orientation": "h", "x": 0, "y": -0.15}, "margin": {"r": 110},
    })


def chips_ranked(rows: list[dict], what: str) -> dict:
    """Single-chip decode cost per 1M tokens (attention and FFN stacked), cheapest first."""
    names = [r["chip"] for r in rows]
    data = [{"type": "bar", "orientation": "h", "name": part, "y": names, "x": [r[key] for r in rows],
             "marker": {"color": col}, "hovertemplate": f"<b>%{{y}}</b>: {part} $%{{x:.4f}} per 1M tokens<extra></extra>"}
            for part, key, col in (("attention", "attention USD per 1M tokens", color(0)),
                                   ("FFN", "FFN USD per 1M tokens", color(1)))]
    return figure(data, {"title": {"text": f"Chips ranked by decode cost: {what}"}, "barmode": "stack",
                         "xaxis": axis("Decode cost (USD per 1M tokens)"),
                         "yaxis": axis("Chip", type="category", autorange="reversed", showgrid=False),
                         "height": 200 + 22 * len(rows),
                         "legend": {"orientation": "h", "x": 0, "y": -60 / (200 + 22 * len(rows)), "yanchor": "top"},
                         "margin": {"b": 90}})
