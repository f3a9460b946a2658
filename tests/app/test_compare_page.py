"""The Compare page with three saved scenarios (one with a custom chip, one with a custom model):
every headline figure is the one the page it comes from shows for that scenario (the costs
recomputed by the cost model itself), and every overlaid chart holds each scenario's series of
its own page's chart."""
from __future__ import annotations

import dataclasses
import json
import math

from app_harness import open_app
from costmodel import cost_grid, library
from dashboard import pages
from dashboard.content import afd
from dashboard.content.compare import CHARTS
from dashboard.state.scenario import Scenario
from dashboard.user_library import store

CHIP = dataclasses.replace(library.chip("h20"), slug="my-h20", name="My H20", price_usd_per_hour=0.9, assumed=())
MODEL = dataclasses.replace(library.model("step-3"), slug="my-step", name="My Step")
SCENARIOS = {
    "with my chip": Scenario(chips=("h800", "my-h20"), custom_chips=(CHIP,)),
    "with my model": Scenario(models=("my-step", "deepseek-v3"), custom_models=(MODEL,), context=32768),
    "faster h800": Scenario(chips=("h800", "h20"), chip_overrides={"h800": {"mem_bw_bytes_per_s": 4.5e12}}),
}


def test_three_saved_scenarios_side_by_side_match_their_pages(user_library):
    store.save_chip(CHIP, user_library)
    store.save_model(MODEL, user_library)
    for name, scenario in SCENARIOS.items():
        store.save_scenario(name, scenario.to_dict(), user_library)
    at = open_app("compare")
    at.multiselect(key="cmp_saved").set_value(list(SCENARIOS)).run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    table = at.dataframe[0].value
    assert table.columns[2] == "current" and set(table.columns[3:6]) == set(SCENARIOS), "current first, then three"
    for name in SCENARIOS:
        scenario = SCENARIOS[name]
        rows = dict(zip(table["figure"], table[name]))
        grid = cost_grid(scenario.model_specs(), scenario.chip_specs(), scenario.context)
        for i, model in enumerate(scenario.model_specs()):
            for j, chip in enumerate(scenario.chip_specs()):
                shown = float(rows[f"{model.name}: {chip.slug.upper()} (USD/1M tok)"])
                assert math.isclose(shown, grid.total_usd_per_mtok[i, j, 0], rel_tol=1e-9), (name, model.slug, chip.slug)
        plan = afd.view(scenario).plan
        for result, fmt, _ in afd.KEY_FIGURES:
            assert float(rows[f"AFD plan: {result.title}"]) == float(fmt.format(result.shown(getattr(plan, result.name)))
                                                                     .replace(",", "")), (name, result.name)
        assert rows["AFD plan: ratio"] == plan.layout
    assert all(f"{name} − current" in table.columns for name in SCENARIOS)
    drawn = {c.proto.id.rsplit("cmp_", 1)[-1]: json.loads(c.proto.spec) for c in at.get("plotly_chart")}
    assert set(drawn) == set(CHARTS)
    for chart, (slug, name) in CHARTS.items():
        for label in SCENARIOS:
            own = pages.BY_SLUG[slug].build(SCENARIOS[label], compare=False).charts[name]
            mine = [t for t in drawn[chart]["data"] if t.get("legendgroup") == label]
            lines = [t for t in own["data"] if t.get("type", "scatter") == "scatter"]
            if lines:
                assert [t["y"] for t in mine if t.get("type", "scatter") == "scatter"][:len(lines)] == \
                    [t["y"] for t in lines], (chart, label)
            assert mine, (chart, label)
