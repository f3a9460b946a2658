"""The baseline in the sidebar: pin what the page shows (or a saved scenario) as the baseline
every page is compared with, unpin it; read it from the link (``dashboard.state.baseline``).
A pin is a click (a full run): the page's last final Scenario, as the sliders set it, becomes
the baseline, written to the link (parameter ``baseline``) and kept in the scenario file."""
from __future__ import annotations

import functools

import streamlit as st

from costmodel.errors import InputError

from dashboard.content import labels
from dashboard.state import baseline as state
from dashboard.state.scenario import Scenario, parse_scenario
from dashboard.user_library import store
from dashboard.widgets import link_checks
from dashboard.widgets.draw import escape

PIN, UNPIN, SAVED = "baseline_pin", "baseline_unpin", "baseline_saved"  # widget keys
FINAL = "_final_scenario"  # the page's last final Scenario (``frame.FINAL``)
NONE = "—"


@functools.lru_cache(maxsize=16)
def _decoded(text: str, custom_chips: tuple, custom_models: tuple) -> Scenario:
    return state.decode(text, Scenario(custom_chips=custom_chips, custom_models=custom_models))


def read(scenario: Scenario, user) -> Scenario:
    """``scenario`` with the baseline the link names (an encoded one, or a saved scenario's name);
    a value that cannot be used is named and dropped (``link_checks``)."""
    text = st.query_params.get(state.KEY)
    if not text:
        return scenario
    try:
        if text.startswith(state.CODED):
            pinned = _decoded(text, scenario.custom_chips, scenario.custom_models)
        else:
            if text not in user.scenarios:
                raise InputError(state.FIELD, f"no saved scenario named {text!r}")
            pinned, _ = parse_scenario(store.read_scenario(text).decode(), f"saved scenario {text}",
                                       user.chips, user.models)
    except InputError as err:
        link_checks.refuse(state.KEY, f"{err.field}: {err.message}")
        return scenario
    return Scenario(**{**_fields(scenario), "baseline": state.pinned(pinned)})


def _fields(scenario: Scenario) -> dict:
    return {name: getattr(scenario, name) for name in scenario.__dataclass_fields__ if name != "schema_version"}


def _pin() -> None:
    final = st.session_state.get(FINAL)
    if final is not None:
        st.query_params[state.KEY] = state.encode(state.pinned(final), final)


def _unpin() -> None:
    st.query_params.pop(state.KEY, None)
    st.session_state[SAVED] = NONE


def _pin_saved() -> None:
    name = st.session_state.get(SAVED)
    if name and name != NONE:
        st.query_params[state.KEY] = name
    else:
        st.query_params.pop(state.KEY, None)


def controls(box, scenario: Scenario, saved: tuple) -> None:
    """The sidebar's baseline controls in ``box``: 'Pin as baseline' (or 'Unpin'), a saved
    scenario to pin, and what the page is compared with."""
    box.subheader("Baseline")
    row = box.container(horizontal=True, gap="small")
    row.button("Pin as baseline" if scenario.baseline is None else "Pin this view instead", key=PIN, on_click=_pin,
               icon=":material/push_pin:", help="Compare every page with what it shows now: the baseline is drawn "
               "as dotted ghosts, key figures and tables show the change.")
    if scenario.baseline is not None:
        row.button("Unpin", key=UNPIN, on_click=_unpin, icon=":material/close:")
    if saved:
        text = st.query_params.get(state.KEY) or ""
        if st.session_state.get(SAVED) not in (NONE, *saved) or (text in saved and st.session_state.get(SAVED) != text):
            st.session_state[SAVED] = text if text in saved else NONE
        box.selectbox("Or pin a saved scenario", (NONE, *saved), key=SAVED, on_change=_pin_saved)


def note(scenario: Scenario) -> None:
    """What the page is compared with, in a caption (under the chip sliders: it follows them)."""
    if scenario.baseline is not None:
        name = st.query_params.get(state.KEY) or ""
        what = f"the saved scenario {name}" if name and not name.startswith(state.CODED) else "the pinned view"
        st.caption(f"Compared with {escape(what)}: dotted ghosts and changes are its.")
    elif scenario.chip_overrides:
        chips = ", ".join(labels.chip_label(c) for c in scenario.chip_specs() if c.is_modified)
        st.caption(f"Compared with the library's originals of {chips} (dotted ghosts) until you pin a baseline.")
