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

from costmodel.results import ATTENTION_USD_PER_MTOK, FFN_USD_PER_MTOK

from dashboard.content import labels
from dashboard.content.charts.legend_room import labels_left
from dashboard.content.charts.theme import DASHES, NICE_LOG_TICKS, SYMBOLS, axis, axis_ref, color, figure, grid_layout, values

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


def _masked(array, valid, decimals: int | None = 4) -> list:
    """Nested lists of ``array`` ([y, x]) rounded to ``decimals`` (None: exact); None where not
    valid or not finite."""
    return [[None if not ok or not math.isfinite(v) else v if decimals is None else round(v, decimals)
             for v, ok in zip(row, oks)]
            for row, oks in zip(np.asarray(array, dtype=float).tolist(), np.asarray(valid).tolist())]


def _rounded(array, digits: int = 5) -> list:
    """Nested lists of ``array`` at ``digits`` significant digits (hover text only: a third of
    the JSON), NaN as None."""
    arr = np.asarray(array, dtype=float)
    flat = [None if not math.isfinite(v) else float(f"{v:.{digits}g}") for v in arr.ravel().tolist()]
    out = np.empty(len(flat), dtype=object)
    out[:] = flat
    return out.reshape(arr.shape).tolist()


def _nice_ticks(lo: float, hi: float) -> list[float]:
    """1-2-5 values within [lo, hi] (at least the two ends)."""
    out = [m * 10.0 ** e for e in range(math.floor(math.log10(lo)) - 1, math.ceil(math.log10(hi)) + 1)
           for m in (1, 2, 5) if lo <= m * 10.0 ** e <= hi]
    return out if len(out) >= 2 else [lo, hi]


def _money(v: float) -> str:
    return f"${v:.3g}" if v < 1 else f"${v:,.2f}"


def _colorbar(title: str, ticks: list, text: list, x: float = 1.02) -> dict:
    return {"title": {"text": title, "side": "right"}, "tickvals": ticks, "ticktext": text, "x": x, "len": 0.9,
            "thickness": 14}


GLYPHS = {"circle": "○", "square": "□", "diamond": "◇", "triangle-up": "△", "x": "×", "star": "☆", "cross": "+",
          "pentagon": "⬠"}


def _key(plane: Plane) -> str:
    """The markers' symbols in words, for a title: '○ Step-3 (base), □ ≈ DeepSeek-V3, ...'."""
    return ", ".join(f"{GLYPHS[SYMBOLS[i % len(SYMBOLS)]]} {m['label']}" for i, m in enumerate(plane.markers))


MARGIN = 0.5  # log2 units around a panel of one cell per axis


class Multiples:
    """Panels of one plane as small multiples on ONE axis pair: panel k's point (x, y) (log2 of
    the design values) is drawn at (x + dx(k), y + dy(k)). Plotly's redraw cost grows with every
    axis (a subplot per chip panel drew ~2x slower), and a slider move redraws every panel.
    Panels fill rows of ``cols``; the first row takes the remainder, so every column's tick
    labels at the bottom sit under a panel. Each panel is framed and titled."""

    def __init__(self, plane: Plane, n: int, cols: int):
        self.plane, self.n, self.cols = plane, n, cols
        self.rows = -(-n // cols)
        self.first = n - (self.rows - 1) * cols  # panels in the first row
        x, y = _log2(plane.x), _log2(plane.y)
        half = lambda v, a, b: (v[b] - v[a]) / 2 if len(v) > 1 else MARGIN  # noqa: E731  Plotly's outer cell edge
        self.x0, self.x1 = x[0] - half(x, 0, 1), x[-1] + half(x, -2, -1)
        self.y0, self.y1 = y[0] - half(y, 0, 1), y[-1] + half(y, -2, -1)
        self.wx, self.wy = self.x1 - self.x0, self.y1 - self.y0
        self.gx, self.gy = 0.14 * self.wx, 0.3 * self.wy

    def place(self, k: int) -> tuple[int, int]:
        """(row, column) of panel k."""
        if k < self.first:
            return 0, k
        return 1 + (k - self.first) // self.cols, (k - self.first) % self.cols

    def dx(self, k: int) -> float:
        return self.place(k)[1] * (self.wx + self.gx)

    def dy(self, k: int) -> float:
        return -self.place(k)[0] * (self.wy + self.gy)

    def xs(self, k: int, values) -> list:
        return [None if v is None else v + self.dx(k) for v in values]

    def ys(self, k: int, values) -> list:
        return [None if v is None else v + self.dy(k) for v in values]

    def box(self, k: int) -> tuple[float, float, float, float]:
        """(x0, x1, y0, y1) of panel k in the shared coordinates."""
        return self.x0 + self.dx(k), self.x1 + self.dx(k), self.y0 + self.dy(k), self.y1 + self.dy(k)

    def _ticks(self, values, shifts, sparse: bool) -> tuple[list, list]:
        step = 2 if sparse else 1  # narrow panels: powers of four
        shown = [v for v in values if float(v).is_integer() and int(v) & (int(v) - 1) == 0
                 and round(math.log2(v)) % step == 0] or list(values)
        return [math.log2(v) + d for d in shifts for v in shown], [f"{v:g}" for _ in shifts for v in shown]

    def layout(self, titles: list[str]) -> dict:
        """The shared axes (ticks repeated under each column and beside each row), the panels'
        frames (shapes) and titles (annotations)."""
        sparse = self.n > 1  # repeated per panel: powers of four (every tick label costs a redraw)
        xt, xtext = self._ticks(self.plane.x, [c * (self.wx + self.gx) for c in range(self.cols)], sparse)
        yt, ytext = self._ticks(self.plane.y, [-r * (self.wy + self.gy) for r in range(self.rows)], sparse)
        plain = {"showgrid": False, "zeroline": False, "showline": False, "ticks": "outside", "tickangle": 0}
        xaxis = axis(self.plane.x_title, tickvals=xt, ticktext=xtext, **plain,
                     range=[self.x0, self.x1 + (self.cols - 1) * (self.wx + self.gx)])
        yaxis = axis(self.plane.y_title, tickvals=yt, ticktext=ytext, **plain,
                     range=[self.y0 - (self.rows - 1) * (self.wy + self.gy), self.y1 + 0.12 * self.wy])
        shapes, notes = [], []
        for k, title in enumerate(titles):
            x0, x1, y0, y1 = self.box(k)
            shapes.append({"type": "rect", "xref": "x", "yref": "y", "x0": x0, "x1": x1, "y0": y0, "y1": y1,
                           "line": {"color": "#9CA3AF", "width": 1}, "layer": "below"})
            notes.append({"text": f"<b>{title}</b>", "showarrow": False, "xref": "x", "yref": "y", "x": (x0 + x1) / 2,
                          "y": y1, "yanchor": "bottom", "yshift": 4, "font": {"size": 13}})
        return {"xaxis": xaxis, "yaxis": yaxis, "shapes": shapes, "annotations": notes}

    def markers(self, k: int, labelled: bool) -> dict:
        """The reference designs on panel k: one scatter trace; with ``labelled``, their names as
        its text (a third of the redraw time of annotations), above and below in turn from left to
        right so that neighbours do not collide."""
        plane = self.plane
        xs = self.xs(k, [math.log2(m["x"]) if m["x"] > 0 else None for m in plane.markers])
        ys = self.ys(k, [math.log2(m["y"]) if m["y"] > 0 else None for m in plane.markers])
        order = sorted(range(len(xs)), key=lambda i: (xs[i] is None, xs[i] or 0.0))
        position = {i: ("top center", "bottom center")[rank % 2] for rank, i in enumerate(order)}
        text = {"mode": "markers+text", "text": [m["label"] for m in plane.markers],
                "textposition": [position[i] for i in range(len(xs))],
                "textfont": {"size": 12, "color": "#111827"}} if labelled else {"mode": "markers"}
        trace = {"type": "scatter", **text, "x": xs, "y": ys, "name": "reference designs",
                 "showlegend": False, "cliponaxis": False,
                 "marker": {"size": 13, "symbol": [SYMBOLS[i % len(SYMBOLS)] + ("" if m["exact"] else "-open")
                                                   for i, m in enumerate(plane.markers)],
                            "color": ["#FFFFFF" if m["exact"] else "#111827" for m in plane.markers],
                            "line": {"width": 2, "color": "#111827"}},
                 "customdata": [m["note"] for m in plane.markers], "hovertemplate": "%{customdata}<extra></extra>",
                 "meta": {"values": {"x": [m["x"] for m in plane.markers], "y": [m["y"] for m in plane.markers]}}}
        return trace

    def boxed_labels(self, k: int) -> list:
        """The reference designs' names on panel k as boxed annotations, readable over dark cells
        (for a single panel: each annotation costs a redraw)."""
        plane = self.plane
        xs = self.xs(k, [math.log2(m["x"]) if m["x"] > 0 else None for m in plane.markers])
        ys = self.ys(k, [math.log2(m["y"]) if m["y"] > 0 else None for m in plane.markers])
        return [{"x": x, "y": y, "xref": "x", "yref": "y", "text": m["label"], "showarrow": True, "arrowhead": 0,
                 "arrowwidth": 1, "arrowcolor": "#374151", "ax": 0, "ay": -24 - 14 * (i % 2), **LABEL_BOX}
                for i, (m, x, y) in enumerate(zip(plane.markers, xs, ys)) if x is not None and y is not None]

    def heatmap(self, k: int, values, z_title: str, log, **trace) -> dict:
        """Panel k's heatmap of ``values`` ([y, x]; NaN or invalid designs blank), coloured by
        ``log`` of them; the values themselves (and the designs' own x, y) kept for export."""
        shown = _masked(values, self.plane.valid, decimals=None)
        with np.errstate(divide="ignore", invalid="ignore"):
            z = _masked(log(np.where(np.asarray(values, dtype=float) > 0, values, np.nan)), self.plane.valid)
        return {"type": "heatmap", "x": self.xs(k, _log2(self.plane.x)), "y": self.ys(k, _log2(self.plane.y)),
                "z": z, "xgap": 1, "ygap": 1, "hoverongaps": False, "showlegend": False,
                "meta": {"values": {"x": list(self.plane.x), "y": list(self.plane.y), "z": shown, "z axis": z_title}},
                **trace}

    def ridge(self, k: int, along: str, ridge: float, band: bool, line: dict) -> list | None:
        """Shapes on panel k of a separable plane: the ridge (intensity = ridge) as a line across
        the panel and (``band``) the sweet spot ridge/2 to ridge shaded; None when the plane's
        intensity is not monotone along that axis."""
        plane = self.plane
        coords = _log2(plane.x if along == "x" else plane.y)
        levels = np.log2(plane.intensity[0, :] if along == "x" else plane.intensity[:, 0])
        top, half = _crossing(coords, levels, math.log2(ridge)), _crossing(coords, levels, math.log2(ridge / 2))
        if top is None or half is None:
            return None
        x0, x1, y0, y1 = self.box(k)
        lo, hi, shift, across = (x0, x1, self.dx(k), (y0, y1)) if along == "x" else (y0, y1, self.dy(k), (x0, x1))
        top, half = top + shift, half + shift
        clamp = lambda v: min(max(v, lo), hi)  # noqa: E731
        a, b = ("x", "y") if along == "x" else ("y", "x")
        shapes = []
        if band and clamp(half) < clamp(top):
            shapes.append({"type": "rect", "xref": "x", "yref": "y", f"{a}0": clamp(half), f"{a}1": clamp(top),
                           f"{b}0": across[0], f"{b}1": across[1], "fillcolor": SWEET,
                           "line": {"color": SWEET_LINE, "width": 1, "dash": "dot"}})
        if lo <= top <= hi:
            shapes.append({"type": "line", "xref": "x", "yref": "y", f"{a}0": top, f"{a}1": top,
                           f"{b}0": across[0], f"{b}1": across[1], "line": line})
        return shapes

    def contour(self, k: int, **trace) -> dict:
        """A contour of log2 intensity on panel k (for planes whose intensity changes along both
        axes: recurrent layers)."""
        return {"type": "contour", "x": self.xs(k, _log2(self.plane.x)), "y": self.ys(k, _log2(self.plane.y)),
                "z": np.log2(self.plane.intensity).tolist(), "showlegend": False, "hoverinfo": "skip",
                "showscale": False, **trace}


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


def _legend_line(name: str, line: dict, group: str) -> dict:
    """A legend entry for lines drawn as shapes (no data)."""
    return {"type": "scatter", "mode": "lines", "x": [None], "y": [None], "name": name, "legendgroup": group,
            "line": line, "hoverinfo": "skip"}


def _shape(n: int) -> tuple[int, int]:
    """(rows, columns) of n panels: up to 3 in a row, 2 x 2 for four."""
    cols = 2 if n == 4 else min(n, 3)
    return -(-n // cols), cols


def _figure(data: list, layout: dict, title: str, rows: int, right: int, **extra) -> dict:
    """The panels' figure: no legend unless ``extra`` (layout keys) asks for one."""
    return figure(data, {**layout, "title": {"text": title}, "height": 150 + 360 * rows, "showlegend": False,
                         "margin": {"l": 70, "r": right, "t": 110, "b": 60}, **extra})


def cost_panels(plane: Plane) -> dict:
    """Decode cost per 1M tokens of every design of the plane, one panel per chip, on one colour
    scale (log); over it the chip's ridge point (the contour intensity = ridge: a straight line
    in a plane whose intensity changes along one axis, drawn as a shape; else a contour trace)
    and its sweet spot (ridge/2 to ridge) shaded; the reference designs marked."""
    n = len(plane.chips)
    rows, cols = _shape(n)
    grid = Multiples(plane, n, cols)
    layout = grid.layout([f"{c}: ridge {r:.0f}, sweet spot {r / 2:.0f}-{r:.0f} FLOPs/byte"
                          for c, r in zip(plane.chips, plane.ridge)])
    finite = plane.total[np.broadcast_to(plane.valid[..., None], plane.total.shape) & np.isfinite(plane.total)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (1e-3, 1.0)
    hi = max(hi, lo * 1.01)
    ticks = _nice_ticks(lo, hi)
    along = _separable(plane.intensity)
    ridge_line = {"color": RIDGE, "width": 3}
    data = []
    for j, (chip, ridge) in enumerate(zip(plane.chips, plane.ridge)):
        custom = _rounded(np.stack([plane.total[..., j], plane.attention[..., j], plane.intensity,
                                    plane.query_heads], axis=-1))
        data.append(grid.heatmap(
            j, plane.total[..., j], "USD per 1M tokens", np.log10, zmin=math.log10(lo), zmax=math.log10(hi),
            colorscale=COST_SCALE, showscale=j == 0, name=chip, customdata=custom,
            colorbar=_colorbar("USD per 1M tokens", [math.log10(t) for t in ticks], [_money(t) for t in ticks]),
            hovertemplate=(f"<b>{chip}</b> · %{{customdata[3]:.0f}} query heads<br>total $%{{customdata[0]:.4f}} "
                           "per 1M tokens (attention $%{customdata[1]:.4f})<br>intensity %{customdata[2]:.0f} "
                           "FLOPs per KV byte<extra></extra>")))
        shapes = grid.ridge(j, along, ridge, True, ridge_line) if along else None
        if shapes is not None:
            layout["shapes"] += shapes
        else:  # intensity changes along both axes (recurrent layers): contour traces
            data.append(grid.contour(j, contours={"type": "constraint", "operation": "][",  # Plotly shades the
                                                  "value": [math.log2(ridge / 2), math.log2(ridge)]},  # excluded
                                     fillcolor=SWEET, line={"color": SWEET_LINE, "width": 1, "dash": "dot"}))
            data.append(grid.contour(j, contours={"type": "constraint", "operation": "=", "value": math.log2(ridge)},
                                     line=ridge_line))
        data.append(grid.markers(j, labelled=j == 0))
    key = ("<br><sup>Shaded: the chip's sweet spot (ridge/2 to ridge); red line: its ridge; markers: "
           f"{_key(plane)} (≈: the design with the same KV bytes per token and intensity)</sup>")
    return _figure(data, layout, f"Decode cost per 1M tokens per chip: {plane.what}{key}", rows, 115)


def intensity_panel(plane: Plane) -> dict:
    """Attention arithmetic intensity of every design of the plane (log colour scale), every
    chip's ridge point as a contour line (a shape where the plane's intensity changes along one
    axis), the reference designs marked."""
    inten = plane.intensity
    lo, hi = float(np.nanmin(inten)), float(np.nanmax(inten))
    hi = max(hi, lo * 1.01)
    ticks = [2.0 ** k for k in range(math.floor(math.log2(lo)), math.ceil(math.log2(hi)) + 1)]
    ticks = ticks[::2] if len(ticks) > 10 else ticks
    grid = Multiples(plane, 1, 1)
    layout = grid.layout(["Arithmetic intensity of attention (core FLOPs per KV byte read)"])
    data = [grid.heatmap(0, inten, "FLOPs per KV byte", np.log2, zmin=math.log2(lo), zmax=math.log2(hi),
                         colorscale=INTENSITY_SCALE, name="intensity",
                         colorbar=_colorbar("FLOPs per KV byte", _log2(ticks), [f"{t:g}" for t in ticks]),
                         customdata=_rounded(np.stack([inten, plane.kv_per_token / 1e3, plane.query_heads], axis=-1)),
                         hovertemplate=("intensity %{customdata[0]:.1f} FLOPs per KV byte<br>%{customdata[2]:.0f} "
                                        "query heads · KV %{customdata[1]:.1f} kB per context token<extra></extra>"))]
    along = _separable(inten)
    for j, (chip, ridge) in enumerate(zip(plane.chips, plane.ridge)):
        line = {"color": color(j), "width": 3, "dash": DASHES[j % len(DASHES)] if j else "solid"}
        drawn = grid.ridge(0, along, ridge, False, line) if along else None
        if drawn is not None:
            layout["shapes"] += drawn
            data.append(_legend_line(f"{chip} ridge {ridge:.0f}", line, chip))
        else:
            data.append(grid.contour(0, name=f"{chip} ridge {ridge:.0f}", showlegend=True, line=line,
                                     contours={"type": "constraint", "operation": "=", "value": math.log2(ridge)}))
    data.append(grid.markers(0, labelled=False))
    layout["annotations"] += grid.boxed_labels(0)  # over dark cells: boxed
    return _figure(data, layout, f"Attention intensity vs every chip's ridge point: {plane.what}", 1, 230,
                   showlegend=True, height=540, legend={"x": 1.16, "y": 1, "xanchor": "left", "title": {"text": "Lines "}})


def kv_panels(plane: Plane) -> dict:
    """KV bytes cached per context token (first panel) and the context one GPU can hold per
    chip (the others), over the plane, the reference designs marked."""
    n = len(plane.chips) + 1
    rows, cols = _shape(n)
    grid = Multiples(plane, n, cols)
    layout = grid.layout(["KV cache per context token (kB)"] + [f"{c}: context one GPU holds (tokens)"
                                                                for c in plane.chips])
    kv = plane.kv_per_token / 1e3
    ok = plane.valid & np.isfinite(kv)
    klo, khi = float(np.min(kv[ok])), float(np.max(kv[ok]))
    khi = max(khi, klo * 1.01)
    kticks = _nice_ticks(klo, khi)
    ctx = plane.context_per_gpu
    cok = np.broadcast_to(plane.valid[..., None], ctx.shape) & (ctx > 0)
    clo, chi = (float(np.min(ctx[cok])), float(np.max(ctx[cok]))) if cok.any() else (1.0, 10.0)
    chi = max(chi, clo * 1.01)
    cticks = _nice_ticks(clo, chi)
    data = [grid.heatmap(0, kv, "kB of KV per context token", np.log10, zmin=math.log10(klo),
                         zmax=math.log10(khi), colorscale=SIZE_SCALE, name="KV per token",
                         colorbar=_colorbar("kB per token", [math.log10(t) for t in kticks], [f"{t:g}" for t in kticks]),
                         customdata=_rounded(np.stack([kv, plane.query_heads], axis=-1)),
                         hovertemplate=("%{customdata[0]:.2f} kB of KV per context token<br>%{customdata[1]:.0f} "
                                        "query heads<extra></extra>"))]
    data.append(grid.markers(0, labelled=True))
    for j, chip in enumerate(plane.chips):
        data.append(grid.heatmap(
            j + 1, ctx[..., j], "context one GPU holds (tokens)", np.log10, zmin=math.log10(clo),
            zmax=math.log10(chi),
            colorscale=COST_SCALE, reversescale=True, showscale=j == 0, name=chip, customdata=_rounded(ctx[..., j]),
            colorbar=_colorbar("tokens per GPU", [math.log10(t) for t in cticks], [labels.si(t) for t in cticks],
                               x=1.1),
            hovertemplate=f"<b>{chip}</b>: %{{customdata:,.0f}} tokens of context per GPU<extra></extra>"))
        data.append(grid.markers(j + 1, labelled=False))
    key = f"<br><sup>Markers: {_key(plane)} (≈: the design with the same KV bytes per token and intensity)</sup>"
    return _figure(data, layout, f"KV bytes per token and the context one GPU holds: {plane.what}{key}", rows, 190)


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
        "shapes": shapes, "annotations": notes, "height": height, "margin": {"l": 90, "r": 30, "t": 120},
        "legend": {"orientation": "h", "x": 0, "y": -0.2},
    })


def tornado(rows: list[dict], chip: str, what: str) -> dict:
    """Change (%) in cost per 1M tokens (top row) and tokens per GPU per second (bottom) for
    each chip spec changed by -50, -10, +10, +50%, for attention, FFN and AFD (columns).
    ``rows``: the sensitivity table's rows."""
    parts = list(dict.fromkeys(r["part"] for r in rows))  # attention, FFN, AFD
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
                         "margin": {"l": 195, "r": 30, "t": 90}})


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
             "meta": {"values": {"x": values(peaks_t), "y": values(bws_t), "z": np.asarray(cost).tolist(),
                                 "z axis": "USD per 1M tokens"}},
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
        "height": 620, "legend": {"orientation": "h", "x": 0, "y": -0.15}, "margin": {"r": 115},
    })


def chips_ranked(rows: list[dict], what: str, ranks: list[str]) -> dict:
    """Single-chip decode cost per 1M tokens (attention and FFN stacked) of the chips that can run
    the model, cheapest first; ``rows``: ``chip`` (its name with its marks), attention and FFN
    cost; ``ranks``: per row its ranks at the other contexts, written at the bar's end."""
    names = [r["chip"] for r in rows]
    data = [{"type": "bar", "orientation": "h", "name": part, "y": names, "x": [r[key] for r in rows],
             "marker": {"color": col}, "hovertemplate": f"<b>%{{y}}</b>: {part} $%{{x:.4f}} per 1M tokens<extra></extra>"}
            for part, key, col in (("attention", ATTENTION_USD_PER_MTOK.title, color(0)),
                                   ("FFN", FFN_USD_PER_MTOK.title, color(1)))]
    totals = [r[ATTENTION_USD_PER_MTOK.title] + r[FFN_USD_PER_MTOK.title] for r in rows]
    data.append({"type": "scatter", "mode": "text", "name": "ranks", "showlegend": False, "y": names, "x": totals,
                 "text": ranks, "textposition": "middle right", "textfont": {"size": 11, "color": "#4B5563"},
                 "hoverinfo": "skip"})
    room = max(totals, default=1.0) * 1.45
    return figure(data, {"title": {"text": f"Chips ranked by decode cost: {what}"}, "barmode": "stack",
                         "xaxis": axis("Decode cost (USD per 1M tokens)", range=[0, room]),
                         "yaxis": axis("Chip", type="category", autorange="reversed", showgrid=False),
                         "height": 200 + 22 * len(rows),
                         "legend": {"orientation": "h", "x": 0, "y": -0.2},
                         "margin": {"l": labels_left(names)}})
