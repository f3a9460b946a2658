"""The attention page's latency views in a real browser: Table 9 measured beside the model and the
launch article's figures, latency over context following a chip slider, and the validation's
model / measured chart with every measured row; a copied link reopens the open view."""
from __future__ import annotations

import pytest

import browser_harness

pytestmark = pytest.mark.e2e
TRACES = """() => Array.from(document.querySelectorAll('.js-plotly-plot'))
    .map(g => (g.data || []).map(t => t.name))"""


def open_view(page, url: str):
    page.goto(url)
    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=90_000)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=90_000)
    return page


shot = browser_harness.shot


def test_measured_vs_modeled_view(page, warm):
    open_view(page, f"{warm}/attention?att_tab=%28d%29+Measured+vs+modeled+latency+%28Table+9%29")
    page.get_by_text("1.4x faster than MLA and 1.8x faster than GQA on H800").wait_for(timeout=60_000)
    names = page.evaluate(TRACES)
    assert len(names) == 2, names  # Table 9 bars, latency over context
    assert {"MFA measured", "MFA model", "MLA measured", "GQA model"} <= set(names[0])
    table = page.locator('[data-testid="stDataFrame"]').first
    table.wait_for(timeout=30_000)
    before = page.evaluate("() => JSON.stringify(document.querySelectorAll('.js-plotly-plot')[1].data.map(t => t.y))")
    slider = page.locator('[data-testid="stSidebar"]').get_by_role("slider", name="HBM bandwidth (TB/s)")
    slider.focus()
    for _ in range(20):
        slider.press("ArrowRight")
    page.wait_for_function("""(before) => {
        const g = document.querySelectorAll('.js-plotly-plot')[1];
        return g && JSON.stringify(g.data.map(t => t.y)) !== before; }""", arg=before, timeout=60_000)
    assert "H800*" in page.evaluate("() => document.querySelectorAll('.js-plotly-plot')[1].layout.annotations[0].text")
    shot(page, "attention-measured-vs-modeled")


def test_validation_view(page, warm):
    import tomllib

    rows = tomllib.loads((browser_harness.ROOT / "data" / "measurements.toml").read_text())["row"]
    open_view(page, f"{warm}/attention?att_tab=%28e%29+Validation+of+the+latency+model")
    names = page.evaluate(TRACES)
    assert names[0][:4] == ["±10% target", "±15% target", "±20% target", "model = measured"], names
    assert page.evaluate("() => document.querySelector('.js-plotly-plot').layout.yaxis.type") == "log"
    points = page.evaluate("""() => document.querySelector('.js-plotly-plot').data
        .filter(t => t.mode === 'markers').reduce((n, t) => n + t.x.length, 0)""")
    assert points == 2 * len(rows), "every measured row, held out and in sample"
    bars = page.evaluate("""() => document.querySelector('.js-plotly-plot').data
        .filter(t => t.error_y && t.error_y.array).map(t => t.error_y.array.filter(v => v > 0).length)""")
    measured = {r["chip"] for r in rows if r.get("deployment") != "ep"}  # chips whose kernels rows measure
    assert sum(bars) == sum(r["chip"] not in measured for r in rows) > 0, "the model's range on assumed kernels"
    assert page.locator('[data-testid="stDataFrame"]').count() == 2  # the rows, the fitted factors
    assert "att_tab=%28e%29" in page.url or "att_tab=(e)" in page.url
    shot(page, "attention-validation")
