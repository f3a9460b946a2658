"""Shared AppTest helpers: the real app.py with st.navigation, absolute paths, a generous timeout."""
from __future__ import annotations

import re
from pathlib import Path

from streamlit.testing.v1 import AppTest

from dashboard import pages

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
OWN_TESTS = ("afd",)  # pages tested in a file of their own (test_afd_page.py)
PAGES = {page.slug: page.script for page in pages.REPORTED if page.slug not in OWN_TESTS}  # page -> its script
TIMEOUT = 60
FOLDED_TABLES = {"overview": ["costs"], "roofline": ["points"]}  # in an expander, drawn only while open
TABS = {page.slug: (page.tabs.key, list(page.tabs.labels)) for page in pages.PAGES if page.tabs}  # only the open tab is drawn


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
    from dashboard.widgets import downloads

    return _open(at, [downloads.popover_key(page, name) for name in charts])


def open_download_menu(at: AppTest) -> AppTest:
    """Open the sidebar's 'Download' menu (page ZIP, all pages ZIP, scenario JSON) and rerun."""
    from dashboard.widgets import downloads

    return _open(at, [downloads.EXPORT_POPOVER])


def open_tables(at: AppTest, page: str, names) -> AppTest:
    """Open the expanders of the page's folded tables (drawn only while open) and rerun."""
    from dashboard.widgets import downloads

    return _open(at, [downloads.folded_table_key(page, name) for name in names])


def open_tab(at: AppTest, key: str, label: str) -> AppTest:
    """Open the tab ``label`` of the lazy tabs ``key`` (only the open one is drawn) and rerun."""
    at.session_state[key] = label
    return at.run()


def _open(at: AppTest, keys) -> AppTest:
    for key in keys:
        at.session_state[key] = True
    return at.run()


def metric(at: AppTest, label: str):
    """The key figure (``st.metric``) whose label starts with ``label``: its label, value and
    note (``delta``)."""
    return next(m for m in at.metric if m.label.startswith(label))


def footnote(at: AppTest) -> str:
    """The line under a page's key figures (the AFD page's: it starts with the per-layer budget)."""
    return next(shown(c) for c in at.caption if shown(c).startswith("Per-layer budget"))


def shown(element) -> str:
    """An element's markdown as the reader sees it: backslash escapes (``draw.escape``) removed."""
    return re.sub(r"\\(.)", r"\1", element.value)
