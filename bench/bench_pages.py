"""Server-side rerun time of each dashboard page after a chip-slider move, as a ratio to the
framework's floor: the rerun of a bare page drawing one single-trace Plotly chart after its
slider moves. Both measured here, in one process, with Streamlit's AppTest (no browser).

    .venv/bin/python bench/bench_pages.py [--repeats N]

Each sample moves the slider to a value not seen before, so caches keyed on chips miss, as
they do for a user dragging a slider. Prints the median time per rerun and the ratio."""
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
from streamlit.testing.v1 import AppTest, app_test  # noqa: E402

PAGES = {"overview": None, "roofline": "pages/roofline.py", "context-sweep": "pages/context_sweep.py",
         "attention": "pages/attention.py", "paper": "pages/paper.py"}
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


def _rerun_times(at: AppTest, key: str, repeats: int) -> list[float]:
    times = []
    for i in range(repeats):
        at.slider(key=key).set_value(round(1.0 + 0.01 * i, 2))
        start = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - start)
        assert not at.exception, at.exception
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    _server_like()

    with tempfile.TemporaryDirectory() as tmp:
        floor_path = Path(tmp) / "floor.py"
        floor_path.write_text(FLOOR_APP)
        floor = AppTest.from_file(str(floor_path), default_timeout=60).run()
        _rerun_times(floor, "x", 3)  # warm-up
        floor_s = statistics.median(_rerun_times(floor, "x", args.repeats))

    rows = []
    for name, path in PAGES.items():
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
        if path:
            at.switch_page(path).run()
        _rerun_times(at, SLIDER, 3)  # warm-up (imports, first compiles)
        page_s = statistics.median(_rerun_times(at, SLIDER, args.repeats))
        rows.append((name, page_s))

    print(f"{'page':<16}{'rerun (ms)':>12}{'x floor':>10}")
    print(f"{'floor':<16}{floor_s * 1e3:>12.1f}{1.0:>10.2f}")
    for name, page_s in rows:
        print(f"{name:<16}{page_s * 1e3:>12.1f}{page_s / floor_s:>10.2f}")
    worst = max(page_s for _, page_s in rows) / floor_s
    print(f"worst page: {worst:.2f}x floor (target <= 3x)")


if __name__ == "__main__":
    main()
