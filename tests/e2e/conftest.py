"""Browser tests: the real dashboard server (`python -m dashboard serve`, as `make run`) on 127.0.0.1 and Debian's chromium via Playwright
(never `playwright install`)."""
from __future__ import annotations

import pytest
from browser_harness import ARGS, CHROMIUM, require_chromium, running_server


def pytest_configure(config):
    config.addinivalue_line("markers", "e2e: drives a real browser against a running streamlit server")


@pytest.fixture(scope="session")
def user_library(tmp_path_factory):
    """The servers' user library folder (DECODE_CODESIGN_HOME): empty at the start of the run."""
    return tmp_path_factory.mktemp("user-library")


@pytest.fixture(scope="session")
def server(user_library):
    """Base URL of a headless streamlit server running app.py."""
    require_chromium()
    with running_server(user_library) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    require_chromium()
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def warm(server, browser):
    """Load the root once: the server's first run switches Streamlit to st.navigation mode."""
    page = browser.new_page(viewport={"width": 1500, "height": 1000})
    page.goto(server + "/")
    page.wait_for_selector(".js-plotly-plot", timeout=60_000)
    page.close()
    return server


@pytest.fixture
def page(browser, warm):
    p = browser.new_page(viewport={"width": 1500, "height": 1000})
    yield p
    p.close()
