"""Every chart of every page and tab is drawn once: Plotly draws it with the margins its layout
gives (dashboard.legend_room reserves the legend's room). A legend or a label that does not fit
makes automargin push a margin, and Plotly then draws the whole chart a second time, which a
user feels on every slider move. Checked at the reference width (a 1500 px window)."""
from __future__ import annotations


import pytest

import browser_harness
from browser_harness import PAGES

pytestmark = pytest.mark.e2e

# Per chart: its title and each side whose drawn margin differs from the layout's, as
# "side given->drawn".
PUSHED = """() => Array.from(document.querySelectorAll('[data-testid="stMain"] .js-plotly-plot')).map(g => {
    const size = g._fullLayout._size, margin = g._fullLayout.margin;
    return [((g.layout.title || {}).text || '').slice(0, 60),
            ['l', 'r', 't', 'b'].filter(k => Math.round(size[k]) !== margin[k])
                .map(k => `${k} ${margin[k]}->${Math.round(size[k])}`)]; })"""
DRAWN = """() => !document.querySelector('[data-testid="stStatusWidget"]') &&
    Array.from(document.querySelectorAll('[data-testid="stMain"] .js-plotly-plot')).every(g => g.querySelector('.main-svg'))"""


def settled(page) -> list:
    """The charts' margins once the page has settled (``browser_harness.settled``; a tab without
    a chart gives an empty list)."""
    page.wait_for_function(DRAWN, timeout=60_000)
    return browser_harness.settled(page, PUSHED, empty=True)


@pytest.mark.parametrize("name", [*PAGES, "afd"])
def test_every_chart_is_drawn_with_the_margins_its_layout_gives(page, warm, name):
    page.goto(f"{warm}/{PAGES.get(name, name)}")
    page.wait_for_selector('[data-testid="stMain"] .js-plotly-plot .main-svg', timeout=90_000)
    tabs = page.locator('[data-testid="stMain"] [role="tab"]')
    labels = [tabs.nth(i).inner_text() for i in range(tabs.count())] or [None]
    pushed, charts = {}, 0
    for label in labels:
        if label is not None:
            tab = tabs.filter(has_text=label).first
            tab.click()
            page.wait_for_function("(tab) => tab.getAttribute('aria-selected') === 'true'", arg=tab.element_handle(),
                                   timeout=30_000)
        for title, sides in settled(page):
            charts += 1
            if sides:
                pushed[f"{label}: {title}"] = sides
    assert charts, f"no chart drawn on {name}"
    assert not pushed, f"charts drawn twice (automargin pushed a margin): {pushed}"
