"""The pinned baseline through the real app.py: pin, move a chip slider, and every key figure's
change equals the difference of two independent runs (one opened on the baseline's scenario, one
on the current); the ghosts are the baseline's series; unpin restores the page exactly; the
baseline lives in the link."""
from __future__ import annotations

import json
import re

from streamlit.testing.v1 import AppTest

from app_harness import APP, TIMEOUT, open_app, shown
from dashboard.state import baseline as state

SLIDER = "h800_hbm_tbps"  # H800's HBM bandwidth slider (TB/s), library value 3.35


def open_afd(query: dict | None = None) -> AppTest:
    """The AFD page (tested apart from the other pages: not in app_harness.PAGES)."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    at.switch_page("views/afd.py").run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def figures(at) -> dict:
    """{label: (value, delta)} of the page's key figures."""
    return {m.label: (m.value, m.delta) for m in at.metric}


def charts(at) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def number(text: str) -> float:
    return float(re.sub(r"[^0-9.eE+-]", "", text.replace(",", "")))


def change(delta: str) -> tuple[float, float]:
    """(absolute, %) of a delta '+1.5 (+3.2%) vs baseline' or '-12 (-0.4%) vs baseline'."""
    m = re.match(r"([+-])([\d,.]+) \(([+-][\d.]+)%\) vs baseline", delta)
    assert m, delta
    sign = -1.0 if m.group(1) == "-" else 1.0
    return sign * float(m.group(2).replace(",", "")), float(m.group(3))


def ghosts(at) -> list[list[dict]]:
    return [[t for t in c["data"] if t.get("legendgroup") == "baseline"] for c in charts(at)]


def test_pin_move_a_slider_and_the_deltas_are_the_difference_of_two_independent_runs():
    at = open_afd()
    assert not at.exception
    at.button(key="baseline_pin").click().run()
    assert not at.exception and at.query_params[state.KEY][0].startswith(state.CODED)
    assert all(not g for g in ghosts(at)), "pinned, nothing moved: no ghost"
    at.slider(key=SLIDER).set_value(4.0).run()
    assert not at.exception, [e.message for e in at.exception]
    pinned = figures(at)
    before = figures(open_afd())  # an independent run on the baseline's scenario
    after = figures(open_afd({SLIDER: "4.0"}))  # and one on the current
    moved = 0
    for label, (value, delta) in pinned.items():
        assert value == after[label][0], label
        if delta.startswith("±0"):
            assert value == before[label][0], label
            continue
        moved += 1
        absolute, pct = change(delta)
        now, was = number(after[label][0]), number(before[label][0])
        digits = len(after[label][0].split(".")[1]) if "." in after[label][0] else 0
        assert abs(absolute - (now - was)) <= 10 ** -digits, (label, delta, now, was)
        assert abs(pct - 100 * (now - was) / was) <= 0.05 + 100 * 10 ** -digits / abs(was), (label, delta)
    assert moved >= 2, pinned
    assert any(g for g in ghosts(at)), "the moved series have ghosts"
    for g in ghosts(at):
        for trace in g:
            assert trace["name"].startswith("baseline"), trace["name"]
    assert any("Against the baseline:" in shown(c) for c in at.caption)


def test_unpin_restores_the_page_exactly():
    at = open_app("overview")
    first = charts(at)
    at.button(key="baseline_pin").click().run()
    at.slider(key=SLIDER).set_value(4.0).run()
    assert any(ghosts(at)), "the moved H800 has ghosts"
    at.button(key="baseline_unpin").click().run()
    assert not at.exception and state.KEY not in at.query_params
    assert charts(at) == charts(open_app("overview", {SLIDER: "4.0"})), "unpinned: the page of that link"
    at.slider(key=SLIDER).set_value(3.35).run()
    assert charts(at) == first, "and the slider back: the page as it was"


def test_the_baseline_lives_in_the_link_and_reopens_the_same_comparison():
    at = open_app("overview")
    at.button(key="baseline_pin").click().run()
    at.slider(key=SLIDER).set_value(4.0).run()
    link = {key: at.query_params[key][0] for key in at.query_params}
    again = open_app("overview", link)
    assert not again.exception and charts(again) == charts(at)
    assert any(ghosts(again))


def test_a_bad_baseline_in_the_link_is_named_and_dropped():
    at = open_app("overview", {state.KEY: "~not-a-baseline"})
    assert not at.exception
    assert any(state.KEY in shown(w) for w in at.warning), [shown(w) for w in at.warning]
    assert state.KEY not in at.query_params and not any(ghosts(at))
