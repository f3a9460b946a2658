"""The shared sidebar: every input of the Scenario, each bound to the URL (query parameter =
widget key), plus per-chip spec sliders with a reset button. Units shown in the labels;
values converted to SI once, here. The chip editor (sliders, reset), the page body and the
'Modified' caption run as one fragment (``show``, ``draw_page``; the editor drawn into its
sidebar slot): a chip slider reruns only that fragment, any other sidebar input the whole app.
The AFD, co-design and Deployments pages set their inputs in the Scenario (``use``); the
sidebar keeps the last ones for the other pages. The
export menu is drawn after the page in a full run, for the page's final Scenario; opening it
is a full run, so its files always carry the chips as the sliders set them."""
from __future__ import annotations

import math
from dataclasses import replace

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from costmodel.chips import FIELD_BY_NAME, PEAK_FIELDS, Chip
from costmodel.errors import InputError
from costmodel.fields import Quantity, number_text
from costmodel.kernels import kernel_set
from costmodel.paper import PAPER_CHIPS, PAPER_MODELS

from dashboard.state import codesign_inputs, link_records, parameters
from dashboard.state.parameters import SLIDER_FIELDS, slider_key, slider_specs
from dashboard.widgets import deploy_inputs, downloads, link_checks
from dashboard.content import labels
from dashboard.user_library import store
from dashboard.state.codesign_inputs import CodesignInputs
from dashboard.widgets.errors import errors_as_messages
from dashboard.widgets.draw import escape
from dashboard.state.scenario import (BATCH, CONTEXT, KV_DTYPES, SWEEP_AXES, WEIGHT_DTYPES, AFDInputs, DeployInputs, Scenario, catalog,
                       is_close)

URL = "query-params"
SCENARIO_KEY = "_scenario"  # the page's final Scenario, for the sidebar's export buttons
BASE_KEY = "_base_scenario"  # this full run's Scenario before the chip sliders
SLOTS_KEY = "_sidebar_slots"  # sidebar containers: chip editor, 'Modified' caption, export menu, context note
DRAW_KEY = "_page_body"  # the page's body (``show``), run by ``draw_page``
PAGE = "page"  # key of the page's fragment: what a chip slider reruns
AFD_KEY = "_afd_inputs"  # the AFD page's last inputs, for the Scenario on every page
CODESIGN_KEY = "_codesign_inputs"  # the co-design page's last inputs, likewise
DEPLOY_KEY = "_deploy_inputs"  # the Deployments page's last inputs, likewise


def _default(chip: Chip, spec: Quantity) -> float | None:
    return spec.shown(getattr(chip, spec.name))


def _maximum(default: float, spec: Quantity) -> float:
    top = max(4.0 * default, default + 10 * spec.step)
    return float(math.ceil(top / spec.step) * spec.step)


def url_overrides(chip: Chip, params: dict) -> dict:
    """{field: SI value} of ``chip``'s specs set in the URL query ``params`` (UI units there,
    e.g. TB/s); InputError naming the parameter for a value no slider can reach."""
    out = {}
    for spec in slider_specs(chip):
        key = slider_key(chip, spec)
        raw = params.get(key)
        default = _default(chip, spec)
        if raw is None:
            continue
        try:
            value = float(raw)
        except ValueError:
            raise InputError(f"URL parameter {key}", f"expected a number, got {raw!r}") from None
        if not spec.step <= value <= _maximum(default, spec):
            raise InputError(f"URL parameter {key}",
                             f"{spec.title} must be between {spec.step:g} and {_maximum(default, spec):g}, got {raw}")
        if not is_close(value, default):
            out[spec.name] = value * spec.scale
    return out


CHIP_PARAMS = "_chip_params"  # {URL parameter: value} of every changed chip spec in this session


def _set_param(key: str, value: str | None) -> None:
    """Set (or, with None, drop) a chip slider's URL parameter, and remember it for the session:
    Streamlit drops URL parameters no widget of the next page is bound to when the page changes,
    so a chip not being edited would lose its changes on a page switch."""
    remembered = st.session_state.setdefault(CHIP_PARAMS, {})
    if value is None:
        remembered.pop(key, None)
        st.query_params.pop(key, None)
    else:
        remembered[key] = value
        if st.query_params.get(key) != value:
            st.query_params[key] = value


def _restore_params(chips: dict) -> None:
    """Every changed chip spec of the session back in the URL (a page switch may have dropped
    them); a valid one that a link brought is remembered."""
    remembered = st.session_state.setdefault(CHIP_PARAMS, {})
    known = {slider_key(chip, spec) for chip in chips.values() for spec in slider_specs(chip)}
    for key in [k for k in remembered if k not in known]:  # a chip deleted since
        del remembered[key]
    for key, value in remembered.items():
        if st.query_params.get(key) != value:
            st.query_params[key] = value
    for key in known:
        if key in st.query_params and key not in remembered:
            remembered[key] = st.query_params[key]


def _reset(chip: Chip) -> None:
    """Back to library values: drop the chip's URL parameters and slider states."""
    for spec in SLIDER_FIELDS:
        key = slider_key(chip, spec)
        _set_param(key, None)
        st.session_state.pop(key, None)


def _write_url(chip: Chip, spec: Quantity, value: float) -> None:
    """Keep a slider's value in the URL (no parameter at the library value)."""
    _set_param(slider_key(chip, spec), None if is_close(value, _default(chip, spec)) else f"{value:g}")


def chip_editor(chips: dict, chip_slugs: tuple[str, ...], weight_dtype: str) -> None:
    """Sliders for the chip chosen to edit (the others keep their values in the URL), each
    starting from its URL value, and a reset button. Drawn in the page's fragment, so a moved
    slider reruns only that; it writes its URL parameter, from which the page reads every
    chip's specs (``url_overrides``).
    (Seeded through session state: passing the URL value as ``value=`` on every run makes the
    browser snap a dragged slider back. ``value=`` is the constant library value, which the
    seeded state overrides; without it Streamlit copies the whole session state per slider.)
    ``chips``: every known chip by slug (library and custom)."""
    link_checks.choice("edit", [chips[s].name for s in chip_slugs], show=lambda s: chips[s].name)
    edit = st.selectbox("Edit chip", chip_slugs, key="edit", bind=URL, format_func=lambda s: chips[s].name)
    chip = chips[edit]
    overrides = url_overrides(chip, st.query_params.to_dict())
    computes_in = chip.compute_dtype(weight_dtype).upper()
    for spec in slider_specs(chip):
        key, default = slider_key(chip, spec), _default(chip, spec)
        if key not in st.session_state:  # first draw (or after a reset): start from the URL value
            st.session_state[key] = overrides.get(spec.name, default * spec.scale) / spec.scale
        value = st.slider(spec.title, min_value=spec.step, max_value=_maximum(default, spec), value=default,
                          step=spec.step, key=key,
                          help=f"{spec.description}. Library value {default:g}; source: {escape(chip.source)}"
                          + (f". {chip.slug.upper()} computes {weight_dtype.upper()} weights in {computes_in}"
                             if spec.name in PEAK_FIELDS.values() else ""))
        _write_url(chip, spec, value)
    if chip.assumed:
        st.caption("Estimated in the library: " + ", ".join(labels.field_label(f) for f in sorted(chip.assumed)))
    st.caption("Attention kernel efficiencies: " + escape(kernel_set(chip).label))
    st.button(f"Reset {chip.slug.upper()} to library values", key=f"{chip.slug}_reset", on_click=_reset,
              args=(chip,), width="stretch")


def with_url_chips(scenario: Scenario) -> Scenario:
    """``scenario`` with every selected chip's specs as the URL sets them now."""
    chips, params = scenario.known_chips(), st.query_params.to_dict()
    return replace(scenario, chip_overrides={slug: url_overrides(chips[slug], params) for slug in scenario.chips})


def widget_state(scenario: Scenario) -> dict:
    """{widget key: value} of the sidebar's inputs that shows ``scenario`` (chip slider values
    go to the URL, see ``load``)."""
    return {"models": list(scenario.models), "chips": list(scenario.chips), CONTEXT.key: scenario.context,
            BATCH.key: scenario.batch, "kv": scenario.kv_dtype or "model", "weights": scenario.weight_dtype,
            "sweep_from": scenario.sweep_min, "sweep_to": scenario.sweep_max, "axis": scenario.sweep_axis,
            "edit": scenario.chips[0]}


def load(scenario: Scenario) -> None:
    """Show ``scenario`` everywhere (a widget callback: before the next run draws anything):
    the sidebar's inputs, every chip's slider values (in the URL), the AFD inputs. Its custom
    chips and models must be known (in the user library) for the selectors to offer them."""
    from dashboard.widgets import afd_inputs

    for chip in scenario.known_chips().values():  # sliders of every chip back to the library value
        for spec in SLIDER_FIELDS:
            _set_param(slider_key(chip, spec), None)
            st.session_state.pop(slider_key(chip, spec), None)
    known = scenario.known_chips()
    for slug, changes in scenario.chip_overrides:
        for name, value in changes:
            spec = FIELD_BY_NAME[name]
            _set_param(slider_key(known[slug], spec), f"{value / spec.scale:g}")
    st.session_state.update(widget_state(scenario))
    st.session_state[AFD_KEY] = scenario.afd
    st.session_state[afd_inputs.LOAD_KEY] = scenario.afd
    st.session_state[CODESIGN_KEY] = st.session_state[codesign_inputs.LOAD_KEY] = scenario.codesign
    st.session_state[DEPLOY_KEY] = st.session_state[deploy_inputs.LOAD_KEY] = scenario.deploy


def context_note(scenario: Scenario) -> None:
    """Under the sidebar's context: the AFD page's own context, when it has one (it sizes at
    that; every other page at the sidebar's)."""
    own = scenario.afd.context
    if own is not None and own != scenario.context:
        st.caption(f"AFD sizing uses its own context, {number_text(own)} tokens (set on its page); the other pages "
                   f"use {scenario.context:,}.")


def link_caption(text: str) -> None:
    """Said when the custom chips and models in use are too large for the link to carry."""
    if len(text) > link_records.MAX_CHARS:
        st.caption(f"Your own chips and models in use are too large for a shared link ({len(text):,} characters; at "
                   f"most {link_records.MAX_CHARS:,}): a colleague opening it is told what is missing. Share the "
                   "Scenario (JSON) download instead (Export, above).")


def modified_caption(scenario: Scenario) -> None:
    modified = [labels.modified_summary(c) for c in scenario.chip_specs() if c.is_modified]
    st.caption("Modified: " + "; ".join(modified) if modified else "No chip modified.")


def render() -> Scenario:
    """Draw the sidebar's scenario inputs and return the Scenario they describe, chips as the
    URL sets them (InputError if invalid). The chip editor, the 'Modified' caption and the
    export menu are drawn later, after the page (``draw_page``), into slots kept here."""
    user = store.load()
    own_chips, own_models = _with_link_records(user)
    chips, models = catalog(own_chips, own_models)
    model_label, chip_label = labels.model_options(models), labels.chip_option
    kv_label = lambda d: "model default (paper §4.1)" if d == "model" else d.upper()  # noqa: E731
    link_checks.unknown(parameters.known_parameters(chips))
    link_checks.choices("models", map(model_label, models), show=model_label)
    link_checks.choices("chips", map(chip_label, chips), show=chip_label)
    for key in (CONTEXT.key, "sweep_from", "sweep_to"):
        link_checks.number(key, 1, CONTEXT.maximum, True, CONTEXT.label)
    link_checks.number(BATCH.key, 1, BATCH.maximum, True, BATCH.label)
    link_checks.choice("kv", map(kv_label, ["model", *KV_DTYPES[1:]]), show=kv_label)
    link_checks.choice("weights", map(str.upper, WEIGHT_DTYPES), show=str.upper)
    link_checks.choice("axis", SWEEP_AXES)
    for chip in chips.values():
        for spec in slider_specs(chip):
            link_checks.number(slider_key(chip, spec), spec.step, _maximum(_default(chip, spec), spec), what=spec.title)
    _restore_params(chips)
    _select_saved(chips, models)
    sb = st.sidebar
    export_slot = sb.container()  # the export menu at the top: its popover opens with the sidebar's height below it
    sb.header("Scenario")
    model_slugs = sb.multiselect("Models", list(models), default=list(PAPER_MODELS), key="models", bind=URL,
                                 format_func=model_label)
    chip_slugs = sb.multiselect("Chips", list(chips), default=list(PAPER_CHIPS), key="chips", bind=URL,
                                format_func=chip_label)
    context = sb.number_input(CONTEXT.title, min_value=1, max_value=CONTEXT.maximum, value=8192, step=CONTEXT.step,
                              key=CONTEXT.key, bind=URL, help=CONTEXT.description + ".")
    context_slot = sb.container()  # which context the AFD page uses, said under this one (``context_note``)
    batch = sb.number_input(BATCH.title, min_value=1, max_value=BATCH.maximum, value=256, step=BATCH.step,
                            key=BATCH.key, bind=URL, help=BATCH.description + ".")
    kv = sb.selectbox("KV-cache precision", ["model", *KV_DTYPES[1:]], index=0, key="kv", bind=URL,
                      format_func=kv_label)
    weights = sb.selectbox("Weight precision", list(WEIGHT_DTYPES), index=0, key="weights", bind=URL,
                           format_func=str.upper)
    sb.subheader("Context sweep")
    left, right = sb.columns(2)
    sweep_min = left.number_input("From (tokens)", min_value=1, max_value=CONTEXT.maximum, value=8192,
                                  step=CONTEXT.step, key="sweep_from", bind=URL)
    sweep_max = right.number_input("To (tokens)", min_value=1, max_value=CONTEXT.maximum, value=32768,
                                   step=CONTEXT.step, key="sweep_to", bind=URL)
    axis = sb.radio("Context axis", list(SWEEP_AXES), index=0, horizontal=True, key="axis", bind=URL)
    sb.subheader("Chip specs")
    sb.caption("Each starts at the library value; a changed chip shows as NAME* on every chart.")
    scenario = with_url_chips(Scenario(
        models=tuple(model_slugs), chips=tuple(chip_slugs), context=context, sweep_min=sweep_min,
        sweep_max=sweep_max, sweep_axis=axis, batch=batch, kv_dtype=kv, weight_dtype=weights,
        afd=_kept(AFD_KEY, AFDInputs(), {"model": models, "attention_chip": chips, "ffn_chip": chips}),
        codesign=_kept(CODESIGN_KEY, CodesignInputs(), {"base": models, "chip": chips}),
        deploy=st.session_state.get(DEPLOY_KEY, DeployInputs()), custom_chips=own_chips, custom_models=own_models))
    st.session_state[SLOTS_KEY] = (sb.container(), sb.container(), export_slot, context_slot)
    st.session_state[SLOTS_KEY][2].subheader("Export")
    st.session_state[BASE_KEY] = scenario
    return scenario


def _select_saved(chips: dict, models: dict) -> None:
    """Add a record just saved in the library (``editors.SELECT``) to its sidebar selection."""
    from dashboard.widgets.editors import SELECT

    key, slug = st.session_state.pop(SELECT, (None, None))
    defaults = {"chips": (chips, PAPER_CHIPS), "models": (models, PAPER_MODELS)}
    if key in defaults and slug in defaults[key][0]:
        selected = list(st.session_state.get(key) or defaults[key][1])
        if slug not in selected:
            st.session_state[key] = [*selected, slug]


def base() -> Scenario:
    """This run's Scenario before the chip sliders (chips as the URL sets them): for inputs a
    page draws outside ``show``.

    Served as `make run` serves it (``python -m dashboard serve``) this is always set. Under a
    plain ``streamlit run app.py``, a deep link (/roofline) opened first on a fresh server makes
    Streamlit run the ``pages/`` file directly, in its legacy file-based mode, without app.py:
    then switch that mode off (as app.py's st.navigation would) and rerun through app.py (the
    link still shows Streamlit's 'Page not found' dialog first: use ``dashboard serve``)."""
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
    """Run the page as one fragment (``PAGE``): the chip editor in its sidebar slot, the page's
    body, the sidebar's 'Modified' caption. Moving a chip slider reruns only this, as does any
    widget the body makes; the sidebar's other inputs rerun the whole app. Then the sidebar's
    export menu, for the page's final Scenario (even after a page error). Called by app.py, not
    from the page script, so that widgets keep their identity across pages (Streamlit keys
    widgets by page): the sliders keep their values, the fragment is the same on every page."""
    draw = st.session_state.pop(DRAW_KEY, None)
    for key in (SCENARIO_KEY, downloads.PAGE_CONTENT_KEY):  # set by this run's page, or not at all
        st.session_state.pop(key, None)
    editor_slot, modified_slot, export_slot, context_slot = st.session_state[SLOTS_KEY]
    _live(draw, st.session_state[BASE_KEY], editor_slot, modified_slot, context_slot)
    with export_slot:
        downloads.sidebar_downloads(st.session_state.get(SCENARIO_KEY, st.session_state[BASE_KEY]))


@st.fragment(key=PAGE)
def _live(draw, scenario: Scenario, editor_slot, modified_slot, context_slot) -> None:
    """The chip editor (a slider move is this fragment's rerun, with no callback: measured in
    the browser, a callback calling ``st.rerun`` on the fragment costs ~27 ms more per move),
    the page's body (``draw``; None: a page that failed before its body), then the 'Modified'
    caption: the page's first chart goes to the browser before the caption."""
    with errors_as_messages():
        with editor_slot:
            chip_editor(scenario.known_chips(), scenario.chips, scenario.weight_dtype)
        scenario = with_url_chips(scenario)  # a chip slider may have moved since the full run
        use(scenario)
        try:
            if draw is not None:
                draw(scenario)
        finally:
            with modified_slot:
                modified_caption(scenario)
                link_caption(st.session_state.get(LINK_TEXT) or "")
            with context_slot:
                context_note(st.session_state.get(SCENARIO_KEY, scenario))  # with the page's own inputs


def use(scenario: Scenario) -> Scenario:
    """A page's final Scenario (the AFD, co-design and Deployments pages add their inputs): what the
    sidebar's export buttons write, and the page inputs the other pages keep."""
    st.session_state[SCENARIO_KEY] = scenario
    st.session_state[AFD_KEY] = scenario.afd
    st.session_state[CODESIGN_KEY] = scenario.codesign
    text = link_records.encode(*link_records.in_use(scenario))
    if text and len(text) <= link_records.MAX_CHARS:
        if st.query_params.get(link_records.KEY) != text:
            st.query_params[link_records.KEY] = text
    elif link_records.KEY in st.query_params:
        st.query_params.pop(link_records.KEY)
    st.session_state[LINK_TEXT] = text
    st.session_state[DEPLOY_KEY] = scenario.deploy
    return scenario


LINK_RECORDS = "_link_records"  # (chips, models) the session's links brought (not in the user library)
LINK_TEXT = "_link_text"  # the link parameter this session last wrote or read


def _with_link_records(user) -> tuple[tuple, tuple]:
    """The user's own chips and models, and those a link brought in this session (its
    ``link_records.KEY`` parameter, read when it differs from what this session wrote): each
    under a slug of its own; what the link brought is said above the page, a parameter that
    cannot be read is named in the link's warning. One the user has saved since is theirs."""
    session_chips, session_models = st.session_state.get(LINK_RECORDS, ((), ()))
    text = st.query_params.get(link_records.KEY)
    if text and text != st.session_state.get(LINK_TEXT):
        st.session_state[LINK_TEXT] = text
        try:
            chips, models, notes = link_records.received(text, user.chips + session_chips,
                                                         user.models + session_models)
        except InputError as err:
            link_checks.refuse(link_records.KEY, f"{err.field}: {err.message}")
        else:
            session_chips, session_models = session_chips + chips, session_models + models
            st.session_state[LINK_RECORDS] = (session_chips, session_models)
            for note in notes:
                st.info(escape(note[0].upper() + note[1:]), icon=":material/link:")
    mine = {r.slug for r in (*user.chips, *user.models)}
    return (user.chips + tuple(c for c in session_chips if c.slug not in mine),
            user.models + tuple(m for m in session_models if m.slug not in mine))


def _kept(key: str, default, known: dict):
    """A page's last inputs (session state ``key``; else ``default``), each model or chip that
    has left the user library since set back to its default, the other inputs kept. ``known``:
    {input field: the slugs it may take}; None is kept (an input left unset)."""
    inputs = st.session_state.get(key, default)
    gone = {name: getattr(default, name) for name, slugs in known.items()
            if getattr(inputs, name) is not None and getattr(inputs, name) not in slugs}
    return replace(inputs, **gone) if gone else inputs


def forget() -> None:
    """End of a full run: the next page must not read this run's Scenario."""
    for key in (SCENARIO_KEY, BASE_KEY, DRAW_KEY):
        st.session_state.pop(key, None)
