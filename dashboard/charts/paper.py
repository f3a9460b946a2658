"""Paper reproduction: the paper's printed totals next to the values recomputed with the
current (possibly slider-modified) chips."""
from __future__ import annotations

import pandas as pd

from ..theme import axis, figure

COLUMNS = (("afd_8k", "AFD at 8K"), ("afd_32k", "AFD at 32K"))


def afd_vs_paper(cells: pd.DataFrame, model_names: dict, chip_labels: list[str]):
    """Grouped bars per model: paper AFD totals (8K, 32K) vs recomputed with current chips, in USD
    per 1M tokens. ``cells``: compute.paper_cells frame."""
    rows = cells[(cells["table"] == "figures") & cells["column"].isin([c for c, _ in COLUMNS])]
    data = []
    for k, (column, label) in enumerate(COLUMNS):
        part = rows[rows["column"] == column]
        names = [model_names.get(r, r) for r in part["row"]]
        data.append({"type": "bar", "name": f"{label} · paper", "x": names, "y": part["paper"].astype(float).tolist(),
                     "marker": {"color": ("#9CA3AF", "#4B5563")[k]}, "offsetgroup": f"p{k}",
                     "hovertemplate": f"<b>%{{x}}</b> {label}<br>paper: $%{{y:.3f}} per 1M tokens<extra></extra>"})
        data.append({"type": "bar", "name": f"{label} · current chips ({', '.join(chip_labels)})", "x": names,
                     "y": part["with current chips"].astype(float).tolist(), "offsetgroup": f"c{k}",
                     "marker": {"color": ("#56B4E9", "#0072B2")[k]},
                     "hovertemplate": f"<b>%{{x}}</b> {label}<br>current chips: $%{{y:.3f}} per 1M tokens<extra></extra>"})
    return figure(data, {"title": {"text": "Figure 1 totals (AFD, paper's four chips): paper vs recomputed with current sliders"},
                         "barmode": "group", "xaxis": axis("Model"), "yaxis": axis("Decode cost (USD per 1M tokens)"),
                         "legend": {"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 1, "xanchor": "right"},
                         "margin": {"t": 110}, "height": 480})
