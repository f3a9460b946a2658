"""The Roofline page's content: every chip's roofline with each model's parts as points."""
from __future__ import annotations

from dashboard.content import compute, labels
from dashboard.content.charts import roofline as charts
from dashboard.content.page import Lazy, PageContent, page_content
from dashboard.state.scenario import Scenario


def content(scenario: Scenario) -> PageContent:
    models, chips = scenario.model_specs(), scenario.chip_specs()
    points = compute.roofline_points(models, chips, scenario.batch, scenario.context, scenario.kv_dtype,
                                     scenario.weight_dtype)
    lines = [f"{labels.chip_label(c)}: ridge point {c.ridge_point(scenario.weight_dtype):.0f} FLOPs/byte"
             for c in chips]
    lines += [f"{p['model']} attention core on {p['chip']}: {p['intensity']:.1f} FLOPs/byte, {p['bound']}"
              for p in points if p["kind"] == "attention core"]
    return page_content("roofline", Lazy({
        "overlaid": lambda: charts.overlaid(chips, points, scenario.weight_dtype, scenario.context, scenario.batch),
        "per-chip": lambda: charts.faceted(chips, points, models, scenario.weight_dtype, scenario.context,
                                             scenario.batch),
    }), Lazy({"points": lambda: compute.roofline_table(points)}), lines)
