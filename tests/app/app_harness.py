"""Shared AppTest helpers: the real app.py with st.navigation, absolute paths, a generous timeout."""
from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
PAGES = {
    "overview": "pages/overview.py",
    "roofline": "pages/roofline.py",
    "context-sweep": "pages/context_sweep.py",
    "attention": "pages/attention.py",
    "paper": "pages/paper.py",
}
TIMEOUT = 60


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

    for name in charts:
        at.session_state[export.popover_key(page, name)] = True
    return at.run()
