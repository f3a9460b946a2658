"""Browser tests: a real `streamlit run app.py` on 127.0.0.1 and Debian's chromium via Playwright
(never `playwright install`)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from browser_harness import ARGS, CHROMIUM, ROOT, free_port, wait_until_up


def pytest_configure(config):
    config.addinivalue_line("markers", "e2e: drives a real browser against a running streamlit server")


@pytest.fixture(scope="session")
def user_library(tmp_path_factory):
    """The servers' user library folder (DECODE_CODESIGN_HOME): empty at the start of the run."""
    return tmp_path_factory.mktemp("user-library")


@pytest.fixture(scope="session")
def server(user_library):
    """Base URL of a headless streamlit server running app.py."""
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        if os.environ.get("CI"):
            pytest.fail("Debian's chromium is not installed: CI must run the browser tests (make test installs it)")
        pytest.skip("Debian's chromium is not installed (make test installs it)")
    port = free_port()
    cmd = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless", "true",
           "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
           "--server.fileWatcherType", "none"]
    log = tempfile.NamedTemporaryFile(prefix="streamlit-e2e-", suffix=".log", delete=False)
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,  # a file: a pipe could fill and block
                            env={**os.environ, "DECODE_CODESIGN_HOME": str(user_library)})
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url, proc)
        yield url
        assert "Traceback" not in Path(log.name).read_text(errors="replace"), f"server errors, see {log.name}"
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

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
