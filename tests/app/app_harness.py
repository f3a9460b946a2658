"""Shared AppTest helpers: the real app.py with st.navigation, absolute paths, a generous timeout."""
from __future__ import annotations

import html
import re
from pathlib import Path
from typing import NamedTuple

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
PAGES = {
    "overview": "pages/overview.py",
    "roofline": "pages/roofline.py",
    "context-sweep": "pages/context_sweep.py",
    "attention": "pages/attention.py",
    "paper": "pages/paper.py",
    "co-design": "pages/codesign.py",
    "deployments": "pages/deployments.py",
}
TIMEOUT = 60
FOLDED_TABLES = {"overview": ["costs"], "roofline": ["points"]}  # in an expander, drawn only while open
TABS = {"attention": ("att_tab", ["(a) The paper's three designs", "(b) Same body, different attention",
                                  "(c) What-ifs: 4-bit KV and multi-token prediction",
                                  "(d) Measured vs modeled latency (Table 9)", "(e) Validation of the latency model"]),
        "context-sweep": ("sweep_tab", ["Cost per 1M tokens", "KV cache vs HBM", "Where the picture changes"]),
        "paper": ("paper_tab", ["Figure 1 totals: paper vs current chips",
                                "Every cell: paper, library chips, current chips"]),
        "co-design": ("cod_tab", ["Design space: sweet spots and cost", "Intensity, KV and context per GPU",
                                  "What a chip wants", "What a model wants: sensitivity",
                                  "What a model wants: FLOP/s and bandwidth", "What a model wants: chips"]),
        "deployments": ("dep_tab", ["Throughput vs requests per GPU", "Throughput vs TPOT",
                                    "Throughput vs interactivity", "Step timeline", "Chosen points (table)"])}
# (lazy tabs: only the open one is drawn)


def open_app(page: str = "overview", query: dict | None = None) -> AppTest:
    """Run app.py (optionally with URL query params), then switch to ``page`` and rerun."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    if page != "overview":
        at.switch_page(PAGES[page]).run()
    return at


def open_chart_downloads(at: AppTest, page: str, charts) -> AppTest:
    """Open the 'Download chart' popover of each chart (as a click would) and rerun: their
    buttons are drawn only while open."""
    from dashboard import export

    return _open(at, [export.popover_key(page, name) for name in charts])


def open_download_menu(at: AppTest) -> AppTest:
    """Open the sidebar's 'Download' menu (page ZIP, all pages ZIP, scenario JSON) and rerun."""
    from dashboard import export

    return _open(at, [export.EXPORT_POPOVER])


def open_tables(at: AppTest, page: str, names) -> AppTest:
    """Open the expanders of the page's folded tables (drawn only while open) and rerun."""
    from dashboard import render

    return _open(at, [render.folded_table_key(page, name) for name in names])


def open_tab(at: AppTest, key: str, label: str) -> AppTest:
    """Open the tab ``label`` of the lazy tabs ``key`` (only the open one is drawn) and rerun."""
    at.session_state[key] = label
    return at.run()


def _open(at: AppTest, keys) -> AppTest:
    for key in keys:
        at.session_state[key] = True
    return at.run()


class Metric(NamedTuple):
    label: str
    value: str
    delta: str  # the note under the value


def key_figures(at: AppTest) -> str:
    """The HTML of a page's key figures and their footnote (``render.metrics``: one element)."""
    return next(m.value for m in at.markdown if 'class="kpis"' in m.value)


def metric(at: AppTest, label: str) -> Metric:
    """The key figure whose label starts with ``label``: its label, value and note."""
    cards = re.findall(r'class="kpi-label">(.*?)</div><div class="kpi-value">(.*?)</div>'
                       r'<div class="kpi-note">(.*?)</div>', key_figures(at))
    return next(Metric(*map(html.unescape, card)) for card in cards if html.unescape(card[0]).startswith(label))


def footnote(at: AppTest) -> str:
    """The line under a page's key figures."""
    return html.unescape(re.search(r'<p class="kpi-foot">(.*?)</p>', key_figures(at)).group(1))


def shown(element) -> str:
    """An element's markdown as the reader sees it: backslash escapes (``render.escape``) removed."""
    return re.sub(r"\\(.)", r"\1", element.value)
