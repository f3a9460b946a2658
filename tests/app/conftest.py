"""AppTest fixtures (helpers live in app_harness.py)."""
from __future__ import annotations

import pytest
from streamlit.runtime.pages_manager import PagesManager


@pytest.fixture(autouse=True)
def navigation_mode(monkeypatch):
    """Emulate a running server. A server starts in Streamlit's mode for a ``pages/`` folder and
    leaves it for good once a session has called st.navigation (a page run alone goes through
    app.py once: ``dashboard.widgets.navigation.through_app``). AppTest resets that mode before
    every run, as if each were a fresh server's first, and the extra rerun would drop a click.
    Test code only: the dashboard itself touches no Streamlit internals."""
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
