"""Room for a chart's legend, reserved in the layout before Plotly draws it.

A legend outside the plot area pushes the figure's margin (automargin), and Plotly does that by
drawing the whole chart a second time: on a slider move that second draw was 30-60% of Plotly's
work on the AFD, paper and context-sweep charts (measured in chromium: the AFD balance chart
33 ms -> 13 ms with its margins given up front). ``reserve`` estimates the legend's size from
its entries the way Plotly lays a legend out and widens the margin to hold it, so the chart is
drawn once at the dashboard's reference width. The estimate errs on the large side; where it
still falls short (a narrower window, a wider font) automargin stays on and grows the margin as
before, at the cost of that second draw."""
from __future__ import annotations

import math
import re

REFERENCE_WIDTH = 1040  # px: a chart in the main area of a 1500 px wide window beside the sidebar
DEFAULT_HEIGHT = 450    # px: Plotly's figure height when the layout gives none
MARGIN = {"l": 80, "r": 80, "t": 100, "b": 80}  # px, Plotly's; the template's and the layout's override it
FONT_SIZE = 12          # px: the template's legend font
TEXT_GAP = 40           # px an entry takes before its text (the symbol), Plotly's legend textGap
ITEM_GAP = 5            # px between entries, Plotly's itemGap
GROUP_GAP = 10          # px between rows of legend groups, Plotly's tracegroupgap
BORDER = 1              # px, the template's legend border
X_AXIS_BLOCK = 56       # px under the plot for the x axis's ticks, labels and title (52 measured)
PAD = 12                # px: a legend's padding and border (top + bottom), and the gap Plotly keeps under it

# Advance widths in em of Arial/Helvetica (Liberation Sans, what chromium uses here), by class,
# each class at its widest member (the estimate errs wide: a little white space beats a second
# draw); any other character counts 0.56 em (digits, most lower case).
_EM = {**dict.fromkeys(" !,./:;I[\\]ftijl'|·", 0.28), **dict.fromkeys("()-`r{}\"*", 0.34),
       **dict.fromkeys("Jcksvxyz^", 0.5), **dict.fromkeys("FTZ&ABEKPSVXY", 0.67),
       **dict.fromkeys("CDHNRUwGOQ", 0.78), **dict.fromkeys("Mm%W→—@", 1.0)}


def text_width(text: str, size: float) -> float:
    """Estimated width in px of one line of ``text`` at font ``size`` px (HTML tags dropped)."""
    return size * sum(_EM.get(ch, 0.56) for ch in re.sub(r"<[^>]*>", "", text))


def slanted_ticks_bottom(labels, size: float = 13, angle: float = 30) -> int:
    """Bottom margin in px that holds an x axis whose tick ``labels`` (font ``size`` px) are
    slanted by ``angle`` degrees, and its title."""
    longest = max((text_width(str(label), size) for label in labels), default=0.0)
    slant = math.radians(angle)
    return math.ceil(longest * math.sin(slant) + size * math.cos(slant) + X_AXIS_BLOCK)


def labels_left(labels, size: float = 13) -> int:
    """Left margin in px that holds a y axis's tick ``labels`` (font ``size`` px) and its title."""
    return math.ceil(max((text_width(str(label), size) for label in labels), default=0.0) + 2 * size + 30)


def _entries(data: list[dict]) -> list[tuple[str, str]]:
    """(legend group, name) of each trace the legend lists, in order."""
    return [(str(t.get("legendgroup") or ""), str(t.get("name") or "")) for t in data
            if t.get("showlegend", True) and t.get("name") and t.get("visible", True) is not False]


def _text(title) -> str:
    """The text of a Plotly title (a dict with "text", or a string)."""
    return str((title or {}).get("text") or "") if isinstance(title, dict) else str(title or "")


def _rows_height(legend: dict, entries, widths: list[float], data: list[dict], room: float, size: float) -> float:
    """Height in px of a horizontal legend's rows of entries (``widths``, px each) in ``room`` px."""
    row = math.ceil(1.3 * size + 4)  # px per row of entries: 19 at 11 px, 20 at 12 (19 measured)
    order = legend.get("traceorder")  # Plotly's default: "grouped" once any trace has a legend group
    if ("grouped" in order) if order else any(group for group, _ in entries):
        # each group a column of its entries (and its title), groups packed left to right in rows
        titled = {str(t.get("legendgroup")) for t in data if _text(t.get("legendgrouptitle"))}
        groups: dict[str, list[float]] = {}
        for k, ((group, _), w) in enumerate(zip(entries, widths)):
            groups.setdefault(group or f"#{k}", []).append(w)
        heights, row_height, x = [], 0, 0.0
        for group, ws in groups.items():
            w, h = max(ws), (len(ws) + (group in titled)) * row
            if x and x + w + ITEM_GAP > room:
                heights, row_height, x = heights + [row_height], 0, 0.0
            row_height, x = max(row_height, h), x + w + ITEM_GAP
        heights.append(row_height)
        return sum(heights) + (len(heights) - 1) * GROUP_GAP
    if sum(widths) + ITEM_GAP * (len(widths) - 1) < room:
        return row
    # once a flat legend wraps, Plotly gives every entry the widest entry's width
    columns = max(1, int((room + ITEM_GAP) // (max(widths) + ITEM_GAP)))
    return math.ceil(len(widths) / columns) * row


def reserve(data: list[dict], layout: dict) -> dict:
    """``layout`` with its margin widened to hold the legend of ``data`` (a horizontal legend
    under the plot: placed just under the x axis, the bottom margin holds it; a vertical
    legend right of the plot: the right margin holds it). Other legends, and charts whose
    legend is hidden or lists fewer than two entries, are returned as they are."""
    legend = layout.get("legend") or {}
    entries = _entries(data)
    if layout.get("showlegend") is False or (len(entries) < 2 and layout.get("showlegend") is not True):
        return layout
    size = float((legend.get("font") or {}).get("size", FONT_SIZE))
    margin = {**MARGIN, **(layout.get("template", {}).get("layout", {}).get("margin") or {}),
              **(layout.get("margin") or {})}
    widths = [TEXT_GAP + text_width(name, size) for _, name in entries]
    height = float(layout.get("height") or DEFAULT_HEIGHT)
    plot_width = REFERENCE_WIDTH - margin["l"] - margin["r"]
    horizontal = legend.get("orientation") == "h"
    if horizontal and float(legend.get("y", 1)) < 0:
        title = _text(legend.get("title"))
        room = plot_width - (text_width(title, size) if title else 0) - 2 * BORDER
        legend_height = _rows_height(legend, entries, widths, data, room, size) + PAD
        bottom = max(margin["b"], X_AXIS_BLOCK + legend_height + PAD)
        plot_height = max(height - margin["t"] - bottom, 1.0)
        return {**layout, "margin": {**margin, "b": bottom},
                "legend": {**legend, "y": -X_AXIS_BLOCK / plot_height, "yanchor": "top"}}
    if not horizontal and float(legend.get("x", 1.02)) >= 1 and legend.get("xanchor", "left") == "left":
        titles = [text_width(_text(t.get("legendgrouptitle")), size) + 10 for t in data]
        legend_width = max(widths + titles + [text_width(_text(legend.get("title")), size)]) + 2 * (BORDER + ITEM_GAP) + 8
        # the legend starts at x (plot fractions) and must end inside the figure:
        # (x - 1) * (W - l - r) + legend_width <= r
        x = float(legend.get("x", 1.02))
        right = max(margin["r"], math.ceil(((x - 1) * (REFERENCE_WIDTH - margin["l"]) + legend_width) / x))
        return {**layout, "margin": {**margin, "r": right}}
    return layout
