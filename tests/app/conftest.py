"""AppTest fixtures (helpers live in app_harness.py)."""
from __future__ import annotations

import pytest
from streamlit.runtime.pages_manager import PagesManager


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


@pytest.fixture(autouse=True)
def user_library(tmp_path, monkeypatch):
    """Every app test starts with an empty user library of its own (DECODE_CODESIGN_HOME)."""
    folder = tmp_path / "user-library"
    monkeypatch.setenv("DECODE_CODESIGN_HOME", str(folder))
    return folder
