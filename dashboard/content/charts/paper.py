"""Paper reproduction: the paper's printed totals next to the values recomputed with the
current (possibly slider-modified) chips."""
from __future__ import annotations

import pyarrow.compute as pc

from costmodel import escape

from dashboard.content.charts.legend_room import slanted_ticks_bottom
from dashboard.content.charts.theme import axis, figure

COLUMNS = (("afd_8k", "AFD at 8K"), ("afd_32k", "AFD at 32K"))


def afd_vs_paper(cells, model_names: dict, chip_labels: list[str]):
    """Grouped bars per model: paper AFD totals (8K, 32K) vs recomputed with current chips, in USD
    per 1M tokens. ``cells``: compute.paper_cells (an Arrow table)."""
    figures = cells.filter(pc.equal(cells["table"], "figures"))
    rows = list(zip(*(figures[name].to_pylist() for name in ("table", "row", "column", "paper", "with current chips"))))
    data, names = [], []
    for k, (column, label) in enumerate(COLUMNS):
        part = [r for r in rows if r[0] == "figures" and r[2] == column]
        names = [escape.plotly(model_names.get(r[1], r[1])) for r in part]
        data.append({"type": "bar", "name": f"{label} · paper", "x": names, "y": [float(r[3]) for r in part],
                     "marker": {"color": ("#9CA3AF", "#4B5563")[k]}, "offsetgroup": f"p{k}",
                     "hovertemplate": f"<b>%{{x}}</b> {label}<br>paper: $%{{y:.3f}} per 1M tokens<extra></extra>"})
        data.append({"type": "bar", "name": f"{label} · current chips ({', '.join(chip_labels)})", "x": names,
                     "y": [float(r[4]) for r in part], "offsetgroup": f"c{k}",
                     "marker": {"color": ("#56B4E9", "#0072B2")[k]},
                     "hovertemplate": f"<b>%{{x}}</b> {label}<br>current chips: $%{{y:.3f}} per 1M tokens<extra></extra>"})
    return figure(data, {"title": {"text": "Figure 1 totals (AFD, paper's four chips): paper vs recomputed with current sliders"},
                         "barmode": "group", "xaxis": axis("Model", tickangle=30),
                         "yaxis": axis("Decode cost (USD per 1M tokens)"),
                         "legend": {"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 1, "xanchor": "right"},
                         # slanted names, their room given: no automargin redraw
                         "margin": {"t": 110, "b": slanted_ticks_bottom(names)}, "height": 480})
