"""Server-side rerun time of each dashboard page after a chip-slider move, as a ratio to the
framework's floor: the rerun of a bare page drawing one single-trace Plotly chart after its
slider moves. Both measured here, in one process, with Streamlit's AppTest (no browser).

    .venv/bin/python bench/bench_pages.py [--repeats N]

Each sample moves the slider to a value not seen before, so caches keyed on chips miss, as
they do for a user dragging a slider. Two medians per rerun: "server" is the script run on
the server's script thread (the app's Python and Streamlit's message building: what a user
waits for before the browser redraws); "apptest" adds AppTest's own client-side work
(parsing the element tree), which grows with the number of elements. Ratios use "server"."""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from streamlit.runtime.pages_manager import PagesManager  # noqa: E402
from streamlit.runtime.scriptrunner.script_cache import ScriptCache  # noqa: E402
from streamlit.runtime.scriptrunner.script_runner import ScriptRunner  # noqa: E402
from streamlit.testing.v1 import AppTest, app_test  # noqa: E402

PAGES = {"overview": None, "roofline": "pages/roofline.py", "context-sweep": "pages/context_sweep.py",
         "attention": "pages/attention.py", "paper": "pages/paper.py", "afd": "pages/afd.py"}
SLIDER = "h800_hbm_tbps"
FLOOR_APP = '''
import plotly.graph_objects as go
import streamlit as st
x = st.slider("x", 0.05, 13.4, 3.35, step=0.01, key="x")
st.plotly_chart(go.Figure(go.Scatter(x=[1, 2, 3], y=[1, x, 3])), theme=None)
'''


def _server_like():
    """As on a running server: after app.py's st.navigation there is no legacy pages/ mode, and
    compiled scripts stay cached between reruns (AppTest makes a fresh ScriptCache per run,
    recompiling app.py and the page every time, which a server never does)."""
    shared = ScriptCache()
    app_test.ScriptCache = lambda: shared
    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    PagesManager.__init__ = init


SCRIPT_RUNS: list[float] = []


def _time_script_runs():
    """Record the duration of every script run on the script thread."""
    original = ScriptRunner._run_script

    def timed(self, rerun_data):
        start = time.perf_counter()
        try:
            return original(self, rerun_data)
        finally:
            SCRIPT_RUNS.append(time.perf_counter() - start)

    ScriptRunner._run_script = timed


def _rerun_times(at: AppTest, key: str, repeats: int, value=lambda i: round(1.0 + 0.01 * i, 2)):
    """(server-side seconds, AppTest wall seconds) per rerun after moving slider ``key``."""
    server, wall = [], []
    for i in range(repeats):
        at.slider(key=key).set_value(value(i))
        SCRIPT_RUNS.clear()
        start = time.perf_counter()
        at.run()
        wall.append(time.perf_counter() - start)
        server.append(sum(SCRIPT_RUNS))
        assert not at.exception, at.exception
        assert not at.error, [e.value for e in at.error]
    return server, wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    _server_like()
    _time_script_runs()

    with tempfile.TemporaryDirectory() as tmp:
        floor_path = Path(tmp) / "floor.py"
        floor_path.write_text(FLOOR_APP)
        floor = AppTest.from_file(str(floor_path), default_timeout=60).run()
        _rerun_times(floor, "x", 3)  # warm-up
        server, wall = _rerun_times(floor, "x", args.repeats)
        floor_s, floor_wall = statistics.median(server), statistics.median(wall)

    rows = []
    for name, path in PAGES.items():
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
        if path:
            at.switch_page(path).run()
        _rerun_times(at, SLIDER, 3)  # warm-up (imports, first compiles)
        server, wall = _rerun_times(at, SLIDER, args.repeats)
        rows.append((name, statistics.median(server), statistics.median(wall)))

    print(f"{'page':<16}{'server (ms)':>12}{'x floor':>9}{'apptest (ms)':>14}{'x floor':>9}")
    print(f"{'floor':<16}{floor_s * 1e3:>12.1f}{1.0:>9.2f}{floor_wall * 1e3:>14.1f}{1.0:>9.2f}")
    for name, page_s, page_wall in rows:
        print(f"{name:<16}{page_s * 1e3:>12.1f}{page_s / floor_s:>9.2f}{page_wall * 1e3:>14.1f}{page_wall / floor_wall:>9.2f}")
    worst = max(page_s for _, page_s, _ in rows) / floor_s
    print(f"worst page: {worst:.2f}x floor, server-side (target <= 3x)")


if __name__ == "__main__":
    main()
