"""AppTest fixtures: the real app.py with st.navigation, absolute paths, generous timeout."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.runtime.pages_manager import PagesManager
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


@pytest.fixture(autouse=True)
def navigation_mode(monkeypatch):
    """Emulate a running server: once app.py has called st.navigation, Streamlit stops treating
    pages/ as the old file-based page list (AppTest resets that flag before every run, which
    would run page files directly, bypassing app.py and its sidebar)."""
    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)


def open_app(page: str = "overview", query: dict | None = None) -> AppTest:
    """Run app.py (optionally with URL query params), then switch to ``page`` and rerun."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    if page != "overview":
        at.switch_page(PAGES[page]).run()
    return at


@pytest.fixture
def app():
    return open_app
