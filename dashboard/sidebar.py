"""The shared sidebar: every input of the Scenario, each bound to the URL (query parameter =
widget key), plus per-chip spec sliders with a reset button. Units shown in the labels;
values converted to SI once, here. The page body and the 'Modified' caption run as one
fragment (``show``, ``draw_page``); a chip slider's callback reruns only that fragment (the
sidebar already shows the new value), any other sidebar input the whole app. The AFD page sets
the Scenario's ``afd`` (``use``); the sidebar keeps the last one for the other pages. The
export menu is drawn after the page in a full run, for the page's final Scenario; opening it
is a full run, so its files always carry the chips as the sliders set them."""
from __future__ import annotations

import math
from dataclasses import dataclass, replace

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from costmodel import library
from costmodel.chips import PEAK_FIELDS, Chip
from costmodel.errors import InputError
from costmodel.scenario import (KV_DTYPES, MAX_CONTEXT, PAPER_CHIPS, PAPER_MODELS, SWEEP_AXES,
                                WEIGHT_DTYPES, AFDInputs, Scenario, is_close)

from . import export, labels
from .guard import errors_as_messages

URL = "query-params"
SCENARIO_KEY = "_scenario"  # the page's final Scenario, for the sidebar's export buttons
BASE_KEY = "_base_scenario"  # this full run's Scenario before the chip sliders
SLOTS_KEY = "_sidebar_slots"  # sidebar containers: 'Modified' caption, export menu
DRAW_KEY = "_page_body"  # the page's body (``show``), run by ``draw_page``
PAGE = "page"  # key of the page's fragment: what a chip slider reruns
AFD_KEY = "_afd_inputs"  # the AFD page's last inputs, for the Scenario on every page


@dataclass(frozen=True)
class SpecSlider:
    """One chip-spec slider: the Chip field it sets, URL suffix, label with unit, SI scale per
    UI unit, lower bound (> 0, so no slider reaches an invalid spec) and step."""

    field: str
    suffix: str
    label: str
    scale: float
    minimum: float
    step: float


def _peak(dtype: str) -> SpecSlider:
    return SpecSlider(PEAK_FIELDS[dtype], f"{dtype}_tflops", f"Peak {dtype.upper()} (dense TFLOP/s)", 1e12, 1.0, 0.1)


COMMON = (
    SpecSlider("mem_bw_bytes_per_s", "hbm_tbps", "HBM bandwidth (TB/s)", 1e12, 0.05, 0.01),
    SpecSlider("mem_bytes", "hbm_gb", "HBM capacity (GB)", 1e9, 1.0, 1.0),
    SpecSlider("net_bytes_per_s", "net_gbps", "Scale-out network per GPU (GB/s)", 1e9, 0.5, 0.5),
    SpecSlider("price_usd_per_hour", "usd_h", "Price (USD/hour)", 1.0, 0.01, 0.01),
)
ALL_SPECS = tuple(_peak(d) for d in PEAK_FIELDS) + COMMON


def spec_sliders(chip: Chip, weight_dtype: str) -> list[SpecSlider]:
    """The sliders shown for ``chip``: peak FLOP/s of the format it computes in, then memory,
    network and price."""
    return [_peak(chip.compute_dtype(weight_dtype)), *COMMON]


def slider_key(chip: Chip, spec: SpecSlider) -> str:
    """Widget key and URL query parameter, e.g. 'h800_hbm_tbps'."""
    return f"{chip.slug}_{spec.suffix}"


def _default(chip: Chip, spec: SpecSlider) -> float | None:
    value = getattr(chip, spec.field)
    return None if value is None else round(value / spec.scale, 6)


def _maximum(default: float, spec: SpecSlider) -> float:
    top = max(4.0 * default, default + 10 * spec.step)
    return float(math.ceil(top / spec.step) * spec.step)


def url_overrides(chip: Chip, params: dict) -> dict:
    """{field: SI value} of ``chip``'s specs set in the URL query ``params`` (UI units there,
    e.g. TB/s); InputError naming the parameter for a value no slider can reach."""
    out = {}
    for spec in ALL_SPECS:
        key = slider_key(chip, spec)
        raw = params.get(key)
        default = _default(chip, spec)
        if raw is None or default is None:
            continue
        try:
            value = float(raw)
        except ValueError:
            raise InputError(f"URL parameter {key}", f"expected a number, got {raw!r}") from None
        if not spec.minimum <= value <= _maximum(default, spec):
            raise InputError(f"URL parameter {key}",
                             f"{spec.label} must be between {spec.minimum:g} and {_maximum(default, spec):g}, got {raw}")
        if not is_close(value, default):
            out[spec.field] = value * spec.scale
    return out


def _reset(chip: Chip) -> None:
    """Back to library values: drop the chip's URL parameters and slider states."""
    for spec in ALL_SPECS:
        key = slider_key(chip, spec)
        st.query_params.pop(key, None)
        st.session_state.pop(key, None)


def _write_url(chip: Chip, spec: SpecSlider, value: float) -> None:
    """Keep a slider's value in the URL (no parameter at the library value)."""
    key = slider_key(chip, spec)
    if is_close(value, _default(chip, spec)):
        st.query_params.pop(key, None)
    elif st.query_params.get(key) != f"{value:g}":
        st.query_params[key] = f"{value:g}"


def _moved(chip: Chip, spec: SpecSlider) -> None:
    """A chip slider's callback: its value into the URL, then rerun only the page (the
    ``PAGE`` fragment), not the sidebar, which shows the new value already."""
    _write_url(chip, spec, st.session_state[slider_key(chip, spec)])
    st.rerun(PAGE)


def chip_editor(chip_slugs: list[str], weight_dtype: str) -> None:
    """Sliders for the chip chosen to edit (the others keep their values in the URL), each
    starting from its URL value, and a reset button. A moved slider writes its URL parameter;
    the page reads every chip's specs from the URL (``url_overrides``).
    (Seeded through session state: passing the URL value as ``value=`` on every run makes the
    browser snap a dragged slider back. ``value=`` is the constant library value, which the
    seeded state overrides; without it Streamlit copies the whole session state per slider.)"""
    chips = library.chips()
    edit = st.selectbox("Edit chip", chip_slugs, key="edit", bind=URL, format_func=lambda s: chips[s].name)
    chip = chips[edit]
    overrides = url_overrides(chip, st.query_params.to_dict())
    for spec in spec_sliders(chip, weight_dtype):
        key, default = slider_key(chip, spec), _default(chip, spec)
        if key not in st.session_state:  # first draw (or after a reset): start from the URL value
            st.session_state[key] = overrides.get(spec.field, default * spec.scale) / spec.scale
        value = st.slider(spec.label, min_value=spec.minimum, max_value=_maximum(default, spec), value=default,
                          step=spec.step, key=key, on_change=_moved, args=(chip, spec),
                          help=f"Library value {default:g}; source: {chip.source}")
        _write_url(chip, spec, value)
    if chip.assumed:
        st.caption("Estimated in the library: " + ", ".join(sorted(chip.assumed)))
    st.button(f"Reset {chip.slug.upper()} to library values", key=f"{chip.slug}_reset", on_click=_reset,
              args=(chip,), width="stretch")


def with_url_chips(scenario: Scenario) -> Scenario:
    """``scenario`` with every selected chip's specs as the URL sets them now."""
    chips, params = library.chips(), st.query_params.to_dict()
    return replace(scenario, chip_overrides={slug: url_overrides(chips[slug], params) for slug in scenario.chips})


def modified_caption(scenario: Scenario) -> None:
    modified = [labels.modified_summary(c) for c in scenario.chip_specs() if c.is_modified]
    st.caption("Modified: " + "; ".join(modified) if modified else "No chip modified.")


def render() -> Scenario:
    """Draw the sidebar's inputs, the chip-spec sliders included, and return the Scenario they
    describe, chips as the URL sets them (InputError if invalid). The 'Modified' caption and the
    export menu are drawn later, after the page (``draw_page``), into slots kept here."""
    models, chips = library.models(), library.chips()
    sb = st.sidebar
    sb.header("Scenario")
    model_slugs = sb.multiselect("Models", list(models), default=list(PAPER_MODELS), key="models", bind=URL,
                                 format_func=lambda s: models[s].name)
    chip_slugs = sb.multiselect("Chips", list(chips), default=list(PAPER_CHIPS), key="chips", bind=URL,
                                format_func=lambda s: chips[s].slug.upper())
    context = sb.number_input("Context (tokens)", min_value=1, max_value=MAX_CONTEXT, value=8192, step=1024,
                              key="ctx", bind=URL, help="Tokens already in the KV cache when a token is decoded.")
    batch = sb.number_input("Decode batch (requests per step)", min_value=1, max_value=65536, value=256, step=32,
                            key="batch", bind=URL, help="Tokens sharing one read of the weights per step.")
    kv = sb.selectbox("KV-cache precision", ["model", *KV_DTYPES[1:]], index=0, key="kv", bind=URL,
                      format_func=lambda d: "model default (paper §4.1)" if d == "model" else d.upper())
    weights = sb.selectbox("Weight precision", list(WEIGHT_DTYPES), index=0, key="weights", bind=URL,
                           format_func=str.upper)
    sb.subheader("Context sweep")
    left, right = sb.columns(2)
    sweep_min = left.number_input("From (tokens)", min_value=1, max_value=MAX_CONTEXT, value=8192, step=1024,
                                  key="sweep_from", bind=URL)
    sweep_max = right.number_input("To (tokens)", min_value=1, max_value=MAX_CONTEXT, value=32768, step=1024,
                                   key="sweep_to", bind=URL)
    axis = sb.radio("Context axis", list(SWEEP_AXES), index=0, horizontal=True, key="axis", bind=URL)
    sb.subheader("Chip specs")
    sb.caption("Each starts at the library value; a changed chip shows as NAME* on every chart.")
    if chip_slugs:
        with sb:
            chip_editor(chip_slugs, weights)
    scenario = with_url_chips(Scenario(
        models=tuple(model_slugs), chips=tuple(chip_slugs), context=context, sweep_min=sweep_min,
        sweep_max=sweep_max, sweep_axis=axis, batch=batch, kv_dtype=kv, weight_dtype=weights,
        afd=st.session_state.get(AFD_KEY, AFDInputs())))
    st.session_state[SLOTS_KEY] = (sb.container(), sb.container())  # 'Modified' caption; export (after a subheader)
    st.session_state[SLOTS_KEY][1].subheader("Export")
    st.session_state[BASE_KEY] = scenario
    return scenario


def base() -> Scenario:
    """This run's Scenario before the chip sliders (chips as the URL sets them): for inputs a
    page draws outside ``show``.

    On a fresh server, a deep link (/roofline) makes Streamlit run the ``pages/`` file directly,
    in its legacy file-based mode, without app.py: switch that mode off (as app.py's
    st.navigation would) and rerun through app.py."""
    scenario = st.session_state.get(BASE_KEY)
    if scenario is None:
        PagesManager.uses_pages_directory = False
        st.rerun()
    return scenario


def show(draw) -> None:
    """A page's body: ``draw(scenario)``, which app.py runs after the page script (``draw_page``)."""
    base()
    st.session_state[DRAW_KEY] = draw


def draw_page() -> None:
    """Run the page's body as one fragment (``PAGE``), with the sidebar's 'Modified' caption:
    moving a chip slider reruns only this (the page's charts and tables, the caption), as does
    any widget the body makes; the sidebar's other inputs rerun the whole app. Then the
    sidebar's export menu, for the page's final Scenario (even after a page error). Called by
    app.py, not from the page script, so that widgets keep their identity across pages
    (Streamlit keys widgets by page)."""
    draw = st.session_state.pop(DRAW_KEY, None)
    for key in (SCENARIO_KEY, export.PAGE_CONTENT_KEY):  # set by this run's page, or not at all
        st.session_state.pop(key, None)
    modified_slot, export_slot = st.session_state[SLOTS_KEY]
    if draw is not None:
        _live(draw, st.session_state[BASE_KEY], modified_slot)
    with export_slot:
        export.sidebar_downloads(st.session_state.get(SCENARIO_KEY, st.session_state[BASE_KEY]))


@st.fragment(key=PAGE)
def _live(draw, scenario: Scenario, modified_slot) -> None:
    with errors_as_messages():
        scenario = with_url_chips(scenario)  # a chip slider may have moved since the full run
        with modified_slot:
            modified_caption(scenario)
        use(scenario)
        draw(scenario)


def use(scenario: Scenario) -> Scenario:
    """A page's final Scenario (the AFD page adds its inputs): what the sidebar's export
    buttons write, and the AFD inputs the other pages keep."""
    st.session_state[SCENARIO_KEY] = scenario
    st.session_state[AFD_KEY] = scenario.afd
    return scenario


def forget() -> None:
    """End of a full run: the next page must not read this run's Scenario."""
    for key in (SCENARIO_KEY, BASE_KEY, DRAW_KEY):
        st.session_state.pop(key, None)
