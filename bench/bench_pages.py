"""Server-side rerun time of each dashboard page after a chip-slider move, as a ratio to the
framework's floor: the rerun of a bare page drawing one single-trace Plotly chart after its
slider moves. Both measured here, in one process, with Streamlit's AppTest (no browser).

    .venv/bin/python bench/bench_pages.py [--repeats N]

The bench sends what a browser sends: the moved widget's new state, with the id of its
fragment when it has one. A chip slider is drawn inside the page's fragment, so its move reruns
only that fragment: "slider rerun" is what a user waits for after a move. "Full rerun" (the whole app.py, after
a change of the context input) is shown beside it. Each sample sets a value not seen before
by any app (the caches are the process's), so caches keyed on chips or context miss, as they
do for a user dragging a slider. The floor and the pages are sampled round-robin, so all
see the same (noisy) machine. Times are medians of the script run on the server's script
thread (the app's Python and Streamlit's message building), wall and the
thread's CPU time (they agree: the machine's noise is its speed, not waiting); AppTest's own
client-side parsing is not counted."""
from __future__ import annotations

import argparse
import functools
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from streamlit.runtime.forward_msg_queue import ForwardMsgQueue  # noqa: E402
from streamlit.runtime.pages_manager import PagesManager  # noqa: E402
from streamlit.runtime.scriptrunner.script_cache import ScriptCache  # noqa: E402
from streamlit.runtime.scriptrunner.script_runner import ScriptRunner  # noqa: E402
from streamlit.runtime.scriptrunner_utils.script_requests import RerunData  # noqa: E402
from streamlit.testing.v1 import AppTest, app_test, local_script_runner  # noqa: E402

from dashboard import pages  # noqa: E402

PAGES = {page.slug: None if page is pages.DEFAULT else page.script for page in pages.REPORTED}  # None: app.py's default
SLIDER = "h800_hbm_tbps"
CONTEXT = "ctx"  # the sidebar's context input: a full rerun
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
    app_test.ScriptCache = local_script_runner.ScriptCache = lambda: shared
    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    PagesManager.__init__ = init


SCRIPT_RUNS: list[tuple[float, float]] = []
FRAGMENT_OF: dict[str, str] = {}  # widget id -> id of the fragment that drew it


def _time_script_runs():
    """Record every script run on the script thread: (wall seconds, CPU seconds of the thread)."""
    original = ScriptRunner._run_script

    def timed(self, rerun_data):
        start, cpu = time.perf_counter(), time.thread_time()
        try:
            return original(self, rerun_data)
        finally:
            SCRIPT_RUNS.append((time.perf_counter() - start, time.thread_time() - cpu))

    ScriptRunner._run_script = timed


_ENQUEUE = ForwardMsgQueue.enqueue


def _record_fragments(on: bool) -> None:
    """While on, note which fragment drew each widget (what a browser sends back when that
    widget changes). Off while timing: a server pays nothing like it per message."""
    def record(self, msg):
        if msg.WhichOneof("type") == "delta" and msg.delta.fragment_id and msg.delta.WhichOneof("type") == "new_element":
            element = msg.delta.new_element
            kind = element.WhichOneof("type")
            widget_id = getattr(getattr(element, kind), "id", None) if kind else None
            if widget_id:
                FRAGMENT_OF[widget_id] = msg.delta.fragment_id
        return _ENQUEUE(self, msg)

    ForwardMsgQueue.enqueue = record if on else _ENQUEUE


def _rerun(at: AppTest, fragment_id: str | None) -> None:
    """at.run(), as a rerun of only ``fragment_id`` when given (as the browser requests it)."""
    if fragment_id is None:
        at.run()
        return
    local_script_runner.RerunData = functools.partial(RerunData, fragment_id=fragment_id)
    try:
        at.run()
    finally:
        local_script_runner.RerunData = RerunData


def _rerun_time(at: AppTest, kind: str, key: str, value) -> tuple[float, float]:
    """Server-side (wall, CPU) seconds of the rerun after setting widget ``key`` (a ``kind``:
    'slider' or 'number_input') to ``value``; then a plain run, as a browser keeps the whole app."""
    widget = getattr(at, kind)(key=key)
    widget.set_value(value)
    SCRIPT_RUNS.clear()
    _rerun(at, FRAGMENT_OF.get(widget.id))
    seconds = tuple(sum(run[i] for run in SCRIPT_RUNS) for i in (0, 1))
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    at.run()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=40)
    args = parser.parse_args()
    _server_like()
    _time_script_runs()
    _record_fragments(True)

    with tempfile.TemporaryDirectory() as tmp:
        floor_path = Path(tmp) / "floor.py"
        floor_path.write_text(FLOOR_APP)
        apps = {"floor": AppTest.from_file(str(floor_path), default_timeout=60).run()}
        for name, path in PAGES.items():
            apps[name] = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
            if path:
                apps[name].switch_page(path).run()
        # Round-robin, so that the floor and every page see the same machine (they are noisy):
        # each round moves every app's slider once (and the context input of every page).
        samples = {(name, kind): [] for name in apps for kind in ("slider", "full")}
        for i in range(args.repeats + 3):  # the first 3 rounds warm up (imports, first compiles)
            _record_fragments(i < 3)
            for j, (name, at) in enumerate(apps.items()):
                key = "x" if name == "floor" else SLIDER
                n = i * len(apps) + j  # a value no app has seen: caches are shared by the process
                slider = _rerun_time(at, "slider", key, round(1.0 + 0.01 * n, 2))
                full = None if name == "floor" else _rerun_time(at, "number_input", CONTEXT, 8192 + 512 + 1024 * n)
                if i >= 3:
                    samples[name, "slider"].append(slider)
                    samples[name, "full"].append(full)

    def median(name, kind, i):
        return statistics.median(sample[i] for sample in samples[name, kind])

    floor_wall, floor_cpu = median("floor", "slider", 0), median("floor", "slider", 1)
    print(f"{'':<16}{'after a chip-slider move':^36}{'full rerun (context input)':^36}")
    print(f"{'page':<16}" + f"{'wall ms':>9}{'x floor':>9}{'CPU ms':>9}{'x floor':>9}" * 2)
    print(f"{'floor':<16}{floor_wall * 1e3:>9.1f}{1.0:>9.2f}{floor_cpu * 1e3:>9.1f}{1.0:>9.2f}")
    worst = 0.0
    for name in PAGES:
        row = ""
        for kind in ("slider", "full"):
            wall, cpu = median(name, kind, 0), median(name, kind, 1)
            row += f"{wall * 1e3:>9.1f}{wall / floor_wall:>9.2f}{cpu * 1e3:>9.1f}{cpu / floor_cpu:>9.2f}"
        worst = max(worst, median(name, "slider", 0) / floor_wall)
        print(f"{name:<16}{row}")
    print(f"worst page after a chip-slider move: {worst:.2f}x floor, server-side wall time (target <= 3x)")


if __name__ == "__main__":
    main()
