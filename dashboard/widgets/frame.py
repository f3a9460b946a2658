"""The frame a page is drawn in. app.py draws the sidebar's inputs (``start``), runs the page,
then fills the sidebar's Download menu for what the page published (``finish``). A page draws
what follows the chip sliders in its fragment (``live``): the sliders (in the sidebar, below its
inputs), the page's body, the sidebar's 'Modified' caption; moving a slider reruns only that.

Kept in session state between the page and app.py: this run's Scenario from the sidebar
(``base``), and the page's final Scenario and content (``publish``): values, not code or
containers. The AFD, co-design, Deployments and Serving cost pages put their inputs in the Scenario;
the last ones are kept for the other pages (their exports and links carry them)."""
from __future__ import annotations

import streamlit as st

from dashboard.state import link_records
from dashboard.state.scenario import Scenario
from dashboard.widgets import baseline, chip_sliders, sidebar
from dashboard.widgets.errors import errors_as_messages

BASE = "_base_scenario"  # this full run's Scenario from the sidebar's inputs
EDIT = "_edit_chip"  # the chip whose sliders are drawn
FINAL = baseline.FINAL  # the page's final Scenario (its own inputs included)
CONTENT = "_page_content"  # the page's content, for the sidebar's 'This page (ZIP)'
PAGE = "_page"  # the page of the last full run: a new one seeds its chip sliders from the URL
SEED = "_seed_sliders"  # this full run's page is a new one
LIVE = "_page_live"  # the page ran its fragment in this full run


def start(page_path: str) -> sidebar.Sidebar:
    """app.py, before the page: the sidebar's inputs, this run's Scenario for the page."""
    for key in (FINAL, CONTENT, LIVE):  # set by this run's page, or not at all
        st.session_state.pop(key, None)
    drawn = sidebar.inputs()
    st.session_state[BASE], st.session_state[EDIT] = drawn.scenario, drawn.edit
    st.session_state[SEED] = st.session_state.get(PAGE) != page_path
    st.session_state[PAGE] = page_path
    return drawn


def finish(drawn: sidebar.Sidebar) -> None:
    """app.py, after the page (even one that failed): the Download menu and the context note; the
    chip sliders too when the page failed before its fragment (the sliders and the menu stay)."""
    if not st.session_state.get(LIVE):
        live(None)
    sidebar.after_page(drawn, st.session_state.get(FINAL, drawn.scenario), st.session_state.get(CONTENT))


def base() -> Scenario:
    """This run's Scenario from the sidebar's inputs, chips as the URL sets them (for a page's
    inputs drawn outside its fragment)."""
    return st.session_state[BASE]


def live(body) -> None:
    """Run ``body(scenario)`` as the page's fragment, ``scenario`` with the chips as the sliders
    set them. A slider move (no callback: measured in the browser, a callback calling
    ``st.rerun`` on the fragment costs ~27 ms more per move) or any widget of the body reruns
    only this; the sidebar's other inputs rerun the whole app."""
    st.session_state[LIVE] = True
    _page_fragment(body, st.session_state[BASE], st.session_state[EDIT])


@st.fragment
def _page_fragment(body, scenario: Scenario, edit) -> None:
    """The page's fragment (``live``); a rerun replays the arguments of the last full run."""
    with errors_as_messages():
        with st.sidebar:  # seeded from the URL on a new page's full run only, never on a slider's rerun
            chip_sliders.draw(scenario.known_chips()[edit.slug], scenario.weight_dtype, st.session_state.pop(SEED, False))
        scenario = publish(chip_sliders.with_url_chips(scenario))  # a slider may have moved since the full run
        try:
            if body is not None:
                body(scenario)
        finally:
            with st.sidebar:
                sidebar.modified_caption(scenario)
                baseline.note(scenario)
                sidebar.link_caption(st.session_state.get(sidebar.LINK_TEXT) or "")


def publish(scenario: Scenario, content=None) -> Scenario:
    """A page's final Scenario (the pages with inputs of their own add them) and,
    with ``content``, what the sidebar's 'This page (ZIP)' bundles: what the Download menu
    writes, and the page inputs the other pages keep. Keeps the link's parameter of the custom
    chips and models in use (``link_records``) up to date."""
    st.session_state[FINAL] = scenario
    if content is not None:
        st.session_state[CONTENT] = content
    sidebar.keep(scenario)
    text = link_records.encode(*link_records.in_use(scenario))
    if text and len(text) <= link_records.MAX_CHARS:
        if st.query_params.get(link_records.KEY) != text:
            st.query_params[link_records.KEY] = text
    elif link_records.KEY in st.query_params:
        st.query_params.pop(link_records.KEY)
    st.session_state[sidebar.LINK_TEXT] = text
    return scenario
