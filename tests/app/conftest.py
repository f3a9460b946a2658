"""AppTest fixtures (helpers live in app_harness.py)."""
from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def user_library(tmp_path, monkeypatch):
    """Every app test starts with an empty user library of its own (DECODE_CODESIGN_HOME)."""
    folder = tmp_path / "user-library"
    monkeypatch.setenv("DECODE_CODESIGN_HOME", str(folder))
    return folder
