"""Names are data on the pages (issue 22, findings 3 and 10): the hostile names of
tests/hostile_names.py as the user's own models and chips (saved in the user library), selected
on every page. Markdown shows them as text, the key figures' HTML stays one HTML block, and no
chart carries their markup."""
from __future__ import annotations

import dataclasses
import json

import pytest
from hostile_names import (HOSTILE_NAMES, assert_markdown_safe, assert_plotly_safe, hostile_chips,
                           hostile_models)
from streamlit.testing.v1 import AppTest

from app_harness import APP, TIMEOUT
from costmodel import escape, library
from dashboard import pages
from dashboard.user_library import store

NEWLINE_LINK = "x\n\n[newline-link](http://evil.example)"
PAGES = tuple(page.script for page in pages.PAGES)


def open_page(page: str, query: dict) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    if page != "views/overview.py":
        at.switch_page(page).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_a_models_name_never_puts_a_link_under_the_afd_key_figures(user_library):
    """Finding 3: the footnote was HTML-escaped but its blank line ended the HTML block, and the
    rest rendered as markdown: a live link. Now the key figures are st.metric, the footnote a
    caption whose text is escaped as markdown."""
    store.save_model(dataclasses.replace(library.model("step-3"), slug="nl-link", name=NEWLINE_LINK), user_library)
    at = open_page("views/afd.py", {"afd_model": NEWLINE_LINK})
    assert not at.error, [e.value for e in at.error]
    caption = next(c.value for c in at.caption if "Per-layer budget" in c.value)
    assert_markdown_safe(caption, "AFD key figures' footnote")
    assert escape.markdown(NEWLINE_LINK) in caption, "the name is shown, as text (the markdown rule's escape)"


@pytest.fixture
def hostile_library(user_library):
    for model in hostile_models(library.model("qwen3-32b")):
        store.save_model(model, user_library)
    for chip in hostile_chips(library.chip("h20")):
        store.save_chip(chip, user_library)
    return user_library


def _messages(at) -> list[str]:
    return [e.value for kind in ("markdown", "caption", "error", "warning", "success", "info")
            for e in getattr(at, kind)]


@pytest.mark.parametrize("page", PAGES)
def test_hostile_names_stay_text_on_every_page(hostile_library, page):
    """Findings 3 and 10 on every page: every model selected is a hostile name (the AFD page and
    the co-design explorer on one of them too)."""
    query = {"models": list(HOSTILE_NAMES), "afd_model": HOSTILE_NAMES[1], "cod_base": HOSTILE_NAMES[0]}
    at = open_page(page, query)
    assert not at.error, [e.value for e in at.error]
    for text in _messages(at) + [f"{m.label} {m.value} {m.delta}" for m in at.metric]:
        assert_markdown_safe(text, page)
    for chart in at.get("plotly_chart"):
        assert_plotly_safe(json.loads(chart.proto.spec), page)
    if page == "views/overview.py":
        bars = json.loads(at.get("plotly_chart")[1].proto.spec)["data"][0]
        assert bars["x"] == [escape.plotly(name) for name in HOSTILE_NAMES], "each model shown by its name, as text"
