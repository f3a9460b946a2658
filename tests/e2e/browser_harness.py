"""Shared browser-test helpers: paths, Debian's chromium and its flags, server start-up."""
from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from dashboard import pages

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
# page -> URL path (the default page, overview, lives at the root); the AFD page: test_afd_browser.py
PAGES = {page.slug: page.url_path for page in pages.REPORTED if page.slug != "afd"}
SHOTS = os.environ.get("DASHBOARD_SHOTS")  # folder to save full-page screenshots into, if set


def shot(page, name: str, height: int | None = None, wait_ms: int = 0) -> None:
    """A full-page screenshot ``name``.png into $DASHBOARD_SHOTS, if set (``height``: the
    viewport first, px; ``wait_ms``: let the page draw first)."""
    if not SHOTS:
        return
    Path(SHOTS).mkdir(parents=True, exist_ok=True)
    if height:
        page.set_viewport_size({"width": 1500, "height": height})
    page.wait_for_timeout(wait_ms)
    page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


IDLE = "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"  # no script run in flight
MAIN_CHARTS = """() => Array.from(document.querySelectorAll('.js-plotly-plot'))
    .filter(g => !g.closest('[data-testid="stSidebar"]'))"""  # the page's charts (not the sidebar's)


def drawn(page, url: str, data_js: str, **settle):
    """Open ``url`` and wait for a chart of the page to draw; then what ``data_js`` returns once
    the page has settled (``settled``, with ``settle``: its ``mark`` or ``count``)."""
    page.goto(url)
    page.wait_for_function("() => (" + MAIN_CHARTS + ")().some(g => g.querySelector('.main-svg'))", timeout=90_000)
    return settled(page, data_js, **settle)


def no_errors(page) -> None:
    """No 'Page not found', no exception, no error message on the page."""
    assert not page.get_by_text("Page not found").count()
    assert not page.locator('[data-testid="stException"]').count()
    assert not page.locator('[data-testid="stAlertContentError"]').count()
_SETTLED = """([fn, before, mark, count, empty]) => {
    const reset = () => { window.__settled = undefined; return false; };
    if (document.querySelector('[data-testid="stStatusWidget"]')) return reset();
    const data = (0, eval)('(' + fn + ')')();
    const text = JSON.stringify(data);
    if (data === null || data === undefined || (!empty && Array.isArray(data) && !data.length)) return reset();
    if (before !== null && text === JSON.stringify(before)) return reset();
    if (mark !== null && !text.includes(mark)) return reset();
    if (count !== null && data.length !== count) return reset();
    if (window.__settled !== text) { window.__settled = text; return false; }
    window.__settled = undefined;
    return text;
}"""


# Counts the app's script runs (an init script: page.add_init_script(RUN_COUNTER)): window.__runs grows
# each time Streamlit's app root says a run started; ``mark_runs`` then ``after_rerun`` wait for the run
# an action caused to end, with no fixed sleep.
RUN_COUNTER = """(() => {
    window.__runs = 0;
    let last = null;
    new MutationObserver((records) => {
        // every state the attribute passed through since the last callback (each record's old value),
        // then its state now: a run that started and ended between two callbacks is still counted
        const app = document.querySelector('[data-testid="stApp"]');
        const states = records.filter(r => r.type === 'attributes').map(r => r.oldValue);
        states.push(app && app.getAttribute('data-test-script-state'));
        for (const state of states) {
            if (state !== last && state === 'running') window.__runs += 1;
            last = state;
        }
    }).observe(document, {subtree: true, attributes: true, attributeFilter: ['data-test-script-state'],
                          attributeOldValue: true, childList: true});
})()"""


def mark_runs(page) -> None:
    """Remember how many runs the page has seen (before an action that reruns the app)."""
    page.evaluate("() => { window.__mark = window.__runs || 0; }")


def after_rerun(page, timeout_ms: int = 60_000) -> None:
    """Wait until a run started after ``mark_runs`` has ended (and none is in flight)."""
    page.wait_for_function("""() => (window.__runs || 0) > (window.__mark || 0)
        && document.querySelector('[data-testid="stApp"]').getAttribute('data-test-script-state') === 'notRunning'
        && !document.querySelector('[data-testid="stStatusWidget"]')""", timeout=timeout_ms)


def settled(page, data_js: str, changed_from=None, mark: str | None = None, count: int | None = None,
            timeout_ms: int = 60_000, empty: bool = False):
    """What the page function ``data_js`` returns once the page has settled: no script run in
    flight (Streamlit's status widget gone), something drawn, different from ``changed_from`` (when
    given), holding ``mark`` and ``count`` items (when given; ``empty``: an empty list counts as
    drawn, a view without charts), and the same on two of Playwright's
    polls (the frontend briefly shows an old chart beside, then instead of, the new one). A
    condition Playwright polls, no fixed sleep."""
    handle = page.wait_for_function(_SETTLED, arg=[data_js, changed_from, mark, count, empty], polling=300, timeout=timeout_ms)
    return json.loads(handle.json_value())


def idle(page, timeout_ms: int = 60_000) -> None:
    """Wait until no script run is in flight."""
    page.wait_for_function(IDLE, timeout=timeout_ms)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, proc, timeout: float = 60.0) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"streamlit did not answer on {url}")


def bound_url(log: Path, proc, timeout: float = 60.0) -> str:
    """The URL a server started on port 0 prints once it has bound a port the system chose (no
    other server, of a parallel test worker say, can have taken it in between)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        found = re.search(r"URL: (http://127\.0\.0\.1:\d+)", log.read_text(errors="replace"))
        if found:
            return found.group(1)
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}, see {log}")
        time.sleep(0.3)  # polls the log while the server starts
    raise TimeoutError(f"streamlit printed no URL, see {log}")


def require_chromium() -> None:
    """Skip the browser tests when Debian's chromium is missing (fail on CI, which must run them)."""
    import pytest

    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        if os.environ.get("CI"):
            pytest.fail("Debian's chromium is not installed: CI must run the browser tests (make test installs it)")
        pytest.skip("Debian's chromium is not installed (make test installs it)")


# A browser closed while its websocket was still connecting: Streamlit's server logs the transport's
# teardown as an ASGI exception. Not an error of the app.
TRANSPORT_TEARDOWN = ("WebSocketDisconnected", "websockets.exceptions.ConnectionClosed")


def app_tracebacks(log: str) -> list[str]:
    """The tracebacks in a server log, but for a websocket's teardown (``TRANSPORT_TEARDOWN``)."""
    blocks = log.split("Traceback (most recent call last):")[1:]
    return [b for b in blocks if not any(name in b for name in TRANSPORT_TEARDOWN)]


def start_server(home: Path, plain: bool = False) -> tuple[subprocess.Popen, str, Path]:
    """Start the dashboard as ``make run`` does (``python -m dashboard serve``; ``plain``: as a
    Streamlit user would, ``streamlit run app.py``), headless on a free port of 127.0.0.1 with its
    user library (DECODE_CODESIGN_HOME) in ``home``; (process, base URL, log file) once it answers.
    Port 0: the system picks a free port as the server binds it (``bound_url``), so servers of
    parallel test workers never race for one."""
    command = ["-m", "streamlit", "run", "app.py"] if plain else ["-m", "dashboard", "serve"]
    cmd = [sys.executable, *command, "--server.headless", "true",
           "--server.port", "0", "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
           "--server.fileWatcherType", "none"]
    with tempfile.NamedTemporaryFile(prefix="streamlit-e2e-", suffix=".log", delete=False) as log:
        # output to a file: a pipe could fill and block the server; unbuffered, so the URL shows at once
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                env={**os.environ, "DECODE_CODESIGN_HOME": str(home), "PYTHONUNBUFFERED": "1"})
    try:
        url = bound_url(Path(log.name), proc)
        wait_until_up(url, proc)
    except BaseException:
        stop_server(proc)
        raise
    return proc, url, Path(log.name)


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)


@contextlib.contextmanager
def running_server(home: Path):
    """A server (``start_server``) for the ``with`` block: yields its base URL; on a normal exit,
    checks its log holds no traceback; stops it either way."""
    proc, url, log = start_server(home)
    try:
        yield url
        assert not app_tracebacks(log.read_text(errors="replace")), f"server errors, see {log}"
    finally:
        stop_server(proc)
