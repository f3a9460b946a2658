"""The paper's headline charts: activated parameters vs AFD cost (Figure 1) and single-chip
vs AFD totals (Figure 2), in USD per 1M decoded tokens."""
from __future__ import annotations

import numpy as np

from costmodel import escape
from costmodel.cost import CostGrid

from dashboard.content import labels
from dashboard.content.charts.theme import axis, color, figure


def activated_params(model) -> float:
    """Activated parameters per token as the vendor states them (else computed), in params."""
    return model.published_activated_params or model.params().activated


def params_vs_cost(grid: CostGrid, context: int):
    """Figure 1: one point per model, x = activated params (B), y = AFD USD per 1M tokens."""
    afd = grid.afd()
    chips = [labels.chip_label(c) for c in grid.chips]
    data = []
    for i, model in enumerate(grid.models):
        a, f = int(afd.attention_chip[i, 0]), int(afd.ffn_chip[i, 0])
        name = escape.plotly(model.name)
        data.append({
            "type": "scatter", "mode": "markers+text", "name": name,
            "x": [activated_params(model) / 1e9], "y": [float(afd.total_usd_per_mtok[i, 0])],
            "text": [name], "textposition": "top center",
            "marker": {"size": 14, "color": color(i), "line": {"width": 1, "color": "white"}},
            "customdata": [[chips[a], chips[f], model.attention_label,
                            float(afd.attention_usd_per_mtok[i, 0]), float(afd.ffn_usd_per_mtok[i, 0])]],
            "hovertemplate": ("<b>%{text}</b> (%{customdata[2]})<br>activated %{x:.1f} B params<br>"
                              "AFD total $%{y:.4f} per 1M tokens<br>attention on %{customdata[0]}: "
                              "$%{customdata[3]:.4f}<br>FFN on %{customdata[1]}: $%{customdata[4]:.4f}"
                              "<extra></extra>"),
        })
    ymax = float(np.max(afd.total_usd_per_mtok)) * 1.25
    return figure(data, {
        "title": {"text": f"Activated parameters vs decode cost with AFD at {labels.tokens(context)} context "
                          f"(chips: {', '.join(chips)})"},
        "xaxis": axis("Activated parameters per token (billions)", rangemode="tozero"),
        "yaxis": axis("AFD decode cost (USD per 1M tokens)", range=[0, ymax]),
        "showlegend": False, "height": 460,
    })


def totals_bars(grid: CostGrid, context: int):
    """Figure 2: per model, attention + FFN on each single chip, and the AFD total."""
    afd = grid.afd()
    chips = [labels.chip_label(c) for c in grid.chips]
    names = [escape.plotly(m.name) for m in grid.models]
    data = []
    for j, chip in enumerate(chips):
        data.append({
            "type": "bar", "name": chip, "x": names, "y": grid.total_usd_per_mtok[:, j, 0].tolist(),
            "marker": {"color": color(j)},
            "customdata": np.stack([grid.attention_usd_per_mtok[:, j, 0], grid.ffn_usd_per_mtok[:, j, 0]], -1).tolist(),
            "hovertemplate": (f"<b>%{{x}}</b> on {chip}<br>total $%{{y:.4f}} per 1M tokens<br>attention "
                              "$%{customdata[0]:.4f} · FFN $%{customdata[1]:.4f}<extra></extra>"),
        })
    pairs = [f"{chips[int(a)]}+{chips[int(f)]}" for a, f in zip(afd.attention_chip[:, 0], afd.ffn_chip[:, 0])]
    data.append({
        "type": "bar", "name": "AFD (cheapest attention + cheapest FFN chip)", "x": names,
        "y": afd.total_usd_per_mtok[:, 0].tolist(), "text": pairs, "textposition": "outside",
        "marker": {"color": "#374151"}, "textfont": {"size": 11},
        "hovertemplate": "<b>%{x}</b> AFD on %{text}<br>total $%{y:.4f} per 1M tokens<extra></extra>",
    })
    return figure(data, {
        "title": {"text": f"Decode cost per 1M tokens at {labels.tokens(context)} context: single chip vs AFD"},
        "barmode": "group",
        "xaxis": axis("Model"),
        "yaxis": axis("Decode cost (USD per 1M tokens)"),
        "legend": {"orientation": "h", "y": -0.18, "x": 0, "title": {"text": "Deployment "}},
        "height": 480,
    })
