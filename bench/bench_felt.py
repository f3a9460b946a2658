"""Latency a user feels after moving a chip slider, per dashboard page, measured in a real
browser, as a ratio to the floor: the same move on a bare page with one slider and one
single-trace Plotly chart, measured in the same run.

    .venv/bin/python bench/bench_felt.py [--moves N] [--pages overview,afd] [--json PATH]

Two fresh servers (`streamlit run`, headless, on free ports on 127.0.0.1, file watcher off,
DECODE_CODESIGN_HOME a temporary folder): the real app.py and a bare floor app written to a
temporary file. Debian's chromium (never a downloaded browser) is driven with Playwright. Each
page is opened in a new tab (a new session); once its first full render has settled (no
"Running..." status widget, charts drawn, their data the same on two reads 300 ms apart), the
H800 HBM-bandwidth slider's thumb (widget key ``h800_hbm_tbps``; on the floor, its one slider)
is focused and ArrowRight / ArrowLeft pressed in turn (so the value alternates between the
library value and one step above it), ``--moves`` times (default 10, at least 8).

Each move is timed in the page, with ``performance.now()``: from the keydown event (a
capture-phase listener on window, ahead of the slider's own) to the first moment the plotted
data of the first Plotly chart of the main area (not the sidebar; the default tab's on a page
with tabs; the stage balance on the AFD page) differs from what it was before the press. That
data is the chart's traces as the app sent them (``data``: values, names, text) with its
layout's shapes and annotations (on the attention page a step of the slider moves only the
chips' ridge lines and their labels, on the paper page only the legend's H800 -> H800*). The
change is noticed by a MutationObserver on the document (Plotly redraws the chart's SVG in the
same task that sets its new data), backed by a 16 ms poll: the end is the chart redrawn with
the new data, before the browser paints it (about one frame, ~15 ms, later). A move that does
not change the chart within ``--timeout`` seconds (default 10) fails the page with an error.
After each move the page must settle again (two reads 300 ms apart agree) before the next; a
timed move whose chart then changed again is counted and shown. The first move of each page
is a warm-up and is discarded. Alternating keys set two values only: after the first two
moves, the app's caches keyed on the chips hit, as for a user stepping back and forth.

The machine is noisy (2 cores shared with other work): the floor is measured before and after
the pages, and each page's median is divided by the mean of the two floor medians. Printed per
page: median and p90 (ms) and that ratio; also both floor medians. ``--json`` writes the numbers
(every sample included). The exit status is 1 if any page failed (its error is printed)."""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "e2e")]

from browser_harness import ARGS, CHROMIUM, free_port, wait_until_up  # noqa: E402

from dashboard import pages  # noqa: E402

# page -> URL path (overview is the default page, at the root): every page of the registry with charts
PAGES = {page.slug: "/" + page.url_path for page in pages.REPORTED}
SLIDER = "h800_hbm_tbps"  # widget key of the H800 HBM-bandwidth slider (also its URL parameter)
FLOOR_SLIDER = "x"
# The floor: a bare page with one slider and one single-trace Plotly chart it moves, drawn as the
# app draws its charts (theme=None, a key, full width).
FLOOR_APP = '''
import plotly.graph_objects as go
import streamlit as st
x = st.slider("x", 0.05, 13.4, 3.35, step=0.01, key="x")
st.plotly_chart(go.Figure(go.Scatter(x=[1, 2, 3], y=[1, x, 3])), theme=None, key="chart", width="stretch")
'''
VIEWPORT = {"width": 1500, "height": 1000}
LOAD_TIMEOUT_MS = 90_000
SETTLE_TIMEOUT_S = 60.0

# In the page: the first Plotly chart outside the sidebar, and a string of its plotted data.
_CHARTS = """
const charts = () => Array.from(document.querySelectorAll('.js-plotly-plot'))
    .filter(g => !g.closest('[data-testid="stSidebar"]'));
const signature = g => (g && g.data && g.data.length)
    ? JSON.stringify([g.data, (g.layout || {}).shapes, (g.layout || {}).annotations]) : null;
"""
# All of the main area's charts, for "settled" (the whole rerun done, not only the first chart).
STATE = "() => {" + _CHARTS + """
    return {busy: !!document.querySelector('[data-testid="stStatusWidget"]'),
            drawn: charts().length > 0 && charts().every(g => g.querySelector('.main-svg') && signature(g) !== null),
            data: charts().map(signature)}; }"""
ERRORS = """() => Array.from(document.querySelectorAll(
    '[data-testid="stException"], [data-testid="stAlertContentError"]')).map(e => e.innerText.slice(0, 500))"""
# After a move has settled: was the chart the timed move ended on already the final one?
FINAL = "() => {" + _CHARTS + " return window.__feltSignature === signature(charts()[0]); }"
# Arm a timed move: window.__felt resolves with the ms from the next keydown to the first chart's
# data differing from now, or rejects after timeoutMs.
ARM = "(timeoutMs) => {" + _CHARTS + """
    const before = signature(charts()[0]);
    if (before === null) throw new Error('no drawn chart in the main area');
    // Cheap test on every DOM mutation: has the chart element or its drawn data object been
    // replaced? Only then compare the (costly) signature, so the measurement adds no work
    // proportional to the chart's size while the page renders.
    let seenEl = charts()[0], seenData = seenEl._fullData;
    let t0 = null, done = false, observer = null, poll = null, timer = null;
    const onKey = () => { if (t0 === null) t0 = performance.now(); };
    window.__felt = new Promise((resolve, reject) => {
        const finish = (fn, arg) => {
            if (done) return;
            done = true;
            observer.disconnect(); clearInterval(poll); clearTimeout(timer);
            window.removeEventListener('keydown', onKey, true);
            fn(arg);
        };
        const check = () => {
            if (t0 === null || done) return;
            const g = charts()[0];
            if (!g || (g === seenEl && g._fullData === seenData)) return;
            seenEl = g; seenData = g._fullData;
            const now = signature(g);
            if (now !== null && now !== before) {
                window.__feltSignature = now;
                finish(resolve, performance.now() - t0);
            }
        };
        window.addEventListener('keydown', onKey, true);
        observer = new MutationObserver(check);
        observer.observe(document.body, {subtree: true, childList: true, attributes: true, characterData: true});
        poll = setInterval(check, 16);
        timer = setTimeout(() => finish(reject, new Error(t0 === null
            ? 'no keydown reached the page' : `the first chart did not change within ${timeoutMs} ms of the key press`)),
            timeoutMs);
    });
    return true; }"""


class PageFailed(RuntimeError):
    pass


def start_server(script: Path, home: Path, log_path: Path):
    """A fresh server for ``script`` on a free port of 127.0.0.1 (the dashboard as `make run`
    serves it: `python -m dashboard serve`; another script: `streamlit run`): (process, URL)."""
    port = free_port()
    runner = ["dashboard", "serve"] if script == ROOT / "app.py" else ["streamlit", "run", str(script)]
    cmd = [sys.executable, "-m", *runner, "--server.headless", "true",
           "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
           "--server.fileWatcherType", "none"]
    env = dict(os.environ, DECODE_CODESIGN_HOME=str(home))
    with open(log_path, "w") as log:  # a file: a pipe could fill and block the server
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    wait_until_up(url, proc)
    return proc, url


def stop_server(proc) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def check_errors(page, where: str) -> None:
    errors = page.evaluate(ERRORS)
    if errors:
        raise PageFailed(f"the app shows an error {where}: " + " | ".join(" ".join(e.split()) for e in errors))


def settle(page, where: str) -> list:
    """Wait until no rerun runs, the main area's charts are drawn and their data agrees on two
    reads 300 ms apart; return that data."""
    deadline, last = time.monotonic() + SETTLE_TIMEOUT_S, None
    while time.monotonic() < deadline:
        state = page.evaluate(STATE)
        if not state["busy"] and state["drawn"]:
            if last is not None and state["data"] == last:
                return last
            last = state["data"]
        else:
            last = None
        page.wait_for_timeout(300)
    check_errors(page, where)
    raise PageFailed(f"the page did not settle within {SETTLE_TIMEOUT_S:.0f} s {where}")


def felt_moves(browser, url: str, slider_key: str, moves: int, timeout_s: float) -> tuple[list[float], int]:
    """Open ``url`` in a new tab and time ``moves`` key presses on the slider ``slider_key``:
    (ms from keydown to the first chart's data changing, each measured in the page; how many
    timed moves ended on a chart that changed again before settling)."""
    from playwright.sync_api import Error as PlaywrightError

    page = browser.new_page(viewport=VIEWPORT)
    try:
        try:
            page.goto(url)
            page.wait_for_function("() => {" + _CHARTS + " return charts().some(g => g.querySelector('.main-svg'));}",
                                   timeout=LOAD_TIMEOUT_MS)
        except PlaywrightError as exc:  # this page fails, the others are still measured
            check_errors(page, "while loading")
            raise PageFailed(f"no chart drawn after loading: {str(exc).splitlines()[0]}") from None
        settle(page, "after loading")
        check_errors(page, "after loading")
        thumb = page.locator(f'.st-key-{slider_key} input[type="range"]')
        thumb.wait_for(state="attached", timeout=30_000)
        samples, interim = [], 0
        for i in range(moves):
            key = "ArrowRight" if i % 2 == 0 else "ArrowLeft"
            start = float(thumb.input_value())
            thumb.focus()
            page.evaluate(ARM, int(timeout_s * 1000))
            page.keyboard.press(key)
            try:
                samples.append(page.evaluate("() => window.__felt"))
            except Exception as exc:  # the promise rejected (timeout): the move never changed the chart
                check_errors(page, f"at move {i + 1}")
                raise PageFailed(f"move {i + 1} ({key} from {start:g}): {str(exc).splitlines()[0]}") from None
            settle(page, f"after move {i + 1}")
            check_errors(page, f"after move {i + 1}")
            interim += i > 0 and not page.evaluate(FINAL)
            now = float(thumb.input_value())
            if (now > start) != (key == "ArrowRight"):
                raise PageFailed(f"move {i + 1}: {key} moved the slider from {start:g} to {now:g}")
        return samples, interim
    finally:
        page.close()


def summary(measured: tuple[list[float], int]) -> dict:
    samples, interim = measured
    kept = samples[1:]  # the first move warms up
    return {"median_ms": statistics.median(kept),
            "p90_ms": statistics.quantiles(kept, n=10, method="inclusive")[-1],
            "samples_ms": [round(s, 2) for s in samples], "discarded_ms": round(samples[0], 2),
            "ended_on_interim_chart": interim}


def pinned_query() -> str:
    """The link's parameter of a pinned baseline that differs from every value the moves set: the
    default scenario with the H800 at 3.0 TB/s (the moves alternate 3.35 and one step above), so
    every move draws the baseline's ghosts beside the current series."""
    from dashboard.state import baseline
    from dashboard.state.scenario import Scenario

    pinned = Scenario(chip_overrides={"h800": {"mem_bw_bytes_per_s": 3.0e12}})
    return f"?{baseline.KEY}={baseline.encode(pinned, Scenario())}"


def measure(pages: list[str], moves: int, timeout_s: float, app: Path = ROOT / "app.py", pinned: bool = False) -> dict:
    """The floor before, each page of ``pages`` (names of ``PAGES``), the floor after, measured
    as the module says on fresh servers (``app``: the entry file served): {"pages": {name:
    summary}, "errors": {name: message}, "floor_before", "floor_after", "floor_ms" (their
    mean), "load_average_1min" (before, after), "tracebacks" {server: its log from the first
    traceback}}; each page's summary gains its "ratio" to the floor. ``pinned``: each page is
    measured again right after, with a baseline pinned (``pinned_query``), as '<page> pinned'."""
    from playwright.sync_api import sync_playwright

    results: dict = {"moves": moves, "pages": {}, "errors": {}}
    with tempfile.TemporaryDirectory(prefix="bench-felt-") as tmp:
        tmp = Path(tmp)
        floor_script = tmp / "floor.py"
        floor_script.write_text(FLOOR_APP)
        (tmp / "home-floor").mkdir()
        (tmp / "home-app").mkdir()
        logs = {"floor": tmp / "floor.log", "app": tmp / "app.log"}
        servers = []
        try:
            servers.append(start_server(floor_script, tmp / "home-floor", logs["floor"]))
            servers.append(start_server(app, tmp / "home-app", logs["app"]))
            floor_url, app_url = servers[0][1], servers[1][1]
            load = [os.getloadavg()[0]]
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                try:
                    # The server's first run switches Streamlit to st.navigation mode: load the root once.
                    warm = browser.new_page(viewport=VIEWPORT)
                    warm.goto(app_url + "/")
                    warm.wait_for_selector(".js-plotly-plot", timeout=LOAD_TIMEOUT_MS)
                    warm.close()
                    results["floor_before"] = summary(felt_moves(browser, floor_url, FLOOR_SLIDER, moves,
                                                                 timeout_s))
                    for name in pages:
                        for label, query in ((name, ""), *(((f"{name} pinned", pinned_query()),) if pinned else ())):
                            try:
                                results["pages"][label] = summary(felt_moves(browser, app_url + PAGES[name] + query,
                                                                             SLIDER, moves, timeout_s))
                            except PageFailed as exc:
                                results["errors"][label] = str(exc)
                            print(".", end="", flush=True, file=sys.stderr)
                    results["floor_after"] = summary(felt_moves(browser, floor_url, FLOOR_SLIDER, moves,
                                                                timeout_s))
                    print(file=sys.stderr)
                finally:
                    browser.close()
            load.append(os.getloadavg()[0])
        finally:
            for proc, _ in servers:
                stop_server(proc)
        texts = {name: log.read_text(errors="replace") for name, log in logs.items() if log.exists()}
        results["tracebacks"] = {name: text[text.index("Traceback"):][:1500]
                                 for name, text in texts.items() if "Traceback" in text}

    floor = (results["floor_before"]["median_ms"] + results["floor_after"]["median_ms"]) / 2
    results["floor_ms"] = floor
    results["load_average_1min"] = load
    for row in results["pages"].values():
        row["ratio"] = row["median_ms"] / floor
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=10, help="key presses per page, the first discarded (>= 8)")
    parser.add_argument("--pages", default=",".join(PAGES), help=f"comma-separated, of: {', '.join(PAGES)}")
    parser.add_argument("--json", type=Path, help="write the numbers to this file")
    parser.add_argument("--pinned", action="store_true",
                        help="also measure each page with a baseline pinned, and print pinned / unpinned")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds a move may take to change the chart")
    args = parser.parse_args()
    if args.moves < 8:
        parser.error("--moves must be at least 8")
    pages = [p.strip() for p in args.pages.split(",") if p.strip()]
    unknown = [p for p in pages if p not in PAGES]
    if unknown or not pages:
        parser.error(f"unknown page(s) {unknown}; choose from {', '.join(PAGES)}")
    if not Path(CHROMIUM).exists():
        sys.exit(f"Debian's chromium is not at {CHROMIUM} (make test installs it; never `playwright install`)")

    results = measure(pages, args.moves, args.timeout, pinned=args.pinned)
    load, floor = results["load_average_1min"], results["floor_ms"]
    print(f"Felt latency: keydown on the H800 HBM-bandwidth slider -> first chart's data changed in the page "
          f"({args.moves} moves per page, first discarded; load average {load[0]:.2f} -> {load[1]:.2f})")
    print(f"{'':<16}{'median ms':>10}{'p90 ms':>9}{'x floor':>9}")
    for label, key in (("floor before", "floor_before"), ("floor after", "floor_after")):
        print(f"{label:<16}{results[key]['median_ms']:>10.1f}{results[key]['p90_ms']:>9.1f}")
    print(f"{'floor (mean)':<16}{floor:>10.1f}{'':>9}{1.0:>9.2f}")
    for name in [label for p in pages for label in (p, f"{p} pinned")
                 if label in results["pages"] or label in results["errors"]]:
        if name in results["pages"]:
            row = results["pages"][name]
            note = f"  ({row['ended_on_interim_chart']} timed moves ended on a chart that changed again)" \
                if row["ended_on_interim_chart"] else ""
            print(f"{name:<16}{row['median_ms']:>10.1f}{row['p90_ms']:>9.1f}{row['ratio']:>9.2f}{note}")
        else:
            print(f"{name:<16}  FAILED: {results['errors'][name]}")
    for name in pages:
        rows = results["pages"]
        if name in rows and f"{name} pinned" in rows:
            print(f"{name:<16} pinned / unpinned {rows[f'{name} pinned']['median_ms'] / rows[name]['median_ms']:.2f}")
    if results["pages"]:
        worst = max(results["pages"], key=lambda n: results["pages"][n]["ratio"])
        print(f"worst page: {worst}, {results['pages'][worst]['ratio']:.2f}x floor (median felt latency)")
    for name, tail in results["tracebacks"].items():
        print(f"server log of {name} has a traceback:\n{tail}", file=sys.stderr)
        results["errors"][f"{name} server log"] = tail
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 1 if results["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
