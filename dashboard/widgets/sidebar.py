"""The shared sidebar: every input of the Scenario, each bound to the URL (query parameter =
widget key), units in the labels, values converted to SI once, here; and the chip to edit. The
chip sliders themselves are drawn by each page's fragment (``frame.live``) below them, so a chip
slider reruns only the page; any other sidebar input reruns the whole app. The Download menu (at
the top) and the note under the context are filled after the page (``after_page``), for the
page's final Scenario; opening the menu is a full run, so its files always carry the chips as
the sliders set them."""
from __future__ import annotations

from dataclasses import fields, replace
from typing import NamedTuple

import streamlit as st

from costmodel.chips import FIELD_BY_NAME, Chip
from costmodel.errors import InputError
from costmodel.fields import Choice, Quantity, number_text
from costmodel.paper import PAPER_CHIPS, PAPER_MODELS

from dashboard.state import baseline as baseline_state, codesign_inputs, link_records, parameters
from dashboard.state.parameters import SLIDER_FIELDS, slider_key, slider_specs
from dashboard.widgets import baseline, chip_sliders, deploy_inputs, downloads, link_checks
from dashboard.content import labels
from dashboard.user_library import store
from dashboard.state.codesign_inputs import CodesignInputs
from dashboard.widgets.draw import escape
from dashboard.state.page_inputs import Records
from dashboard.state.scenario import PAGE_INPUTS, SIDEBAR, AFDInputs, DeployInputs, Scenario, ServeInputs, catalog

URL = "query-params"
KEPT = {name: f"_{name}_inputs" for name in (*PAGE_INPUTS, "api_prices")}  # each page's last inputs (and the edited
AFD_KEY, CODESIGN_KEY, DEPLOY_KEY, SERVE_KEY = (KEPT[n] for n in PAGE_INPUTS)  # API prices), for every page's Scenario


NONE_KV = "model"  # the KV choice None (each model's own formats) in its selector
SHOW = {"kv_dtype": lambda d: "model default (paper §4.1)" if d == NONE_KV else d.upper(),
        "weight_dtype": str.upper}  # how a choice is shown (and written in the URL); others as they are
DEFAULTS = {f.name: f.default for f in fields(Scenario)}


def widget_state(scenario: Scenario) -> dict:
    """{widget key: value} of the sidebar's inputs that shows ``scenario`` (chip slider values
    go to the URL, see ``load``)."""
    state = {spec.key: list(getattr(scenario, name)) if isinstance(spec, Records)
             else NONE_KV if getattr(scenario, name) is None else getattr(scenario, name)
             for name, spec in SIDEBAR.items()}
    return {**state, "edit": scenario.chips[0]}


def _widget(box, name: str, known: dict):
    """The widget of the Scenario's field ``name`` in ``box``, from its declaration, its URL value
    checked first (``link_checks``); returns its value as the Scenario takes it. ``known``: the
    records a Records input offers, by slug."""
    spec, default = SIDEBAR[name], DEFAULTS[name]
    help_ = spec.description + "." if getattr(spec, "description", "") and not isinstance(spec, Choice) else None
    if isinstance(spec, Records):
        show = labels.model_options(known) if spec.kind == "model" else labels.chip_option
        link_checks.choices(spec.key, map(show, known), show=show)
        return tuple(box.multiselect(spec.label, list(known), default=list(default), key=spec.key, bind=URL,
                                     format_func=show))
    if isinstance(spec, Quantity):
        usable = link_checks.number(spec.key, spec.minimum, spec.maximum, spec.integer, spec.label)
        return box.number_input(spec.title, min_value=int(spec.minimum), max_value=int(spec.maximum), value=default,
                                step=int(spec.step), key=spec.key, bind=URL if usable else None, help=help_)
    options, show = [NONE_KV if option is None else option for option in spec.options], SHOW.get(name, str)
    link_checks.choice(spec.key, map(show, options), show=show)
    if len(options) <= 2:
        value = box.radio(spec.label, options, index=0, horizontal=True, key=spec.key, bind=URL, format_func=show)
    else:
        value = box.selectbox(spec.label, options, index=options.index(NONE_KV if default is None else default),
                              key=spec.key, bind=URL, format_func=show)
    return None if value == NONE_KV else value


def load(scenario: Scenario) -> None:
    """Show ``scenario`` everywhere (a widget callback: before the next run draws anything):
    the sidebar's inputs, every chip's slider values (in the URL), the AFD inputs. Its custom
    chips and models must be known (in the user library) for the selectors to offer them."""
    from dashboard.widgets import afd_inputs, serve_inputs

    for chip in scenario.known_chips().values():  # sliders of every chip back to the library value
        for spec in SLIDER_FIELDS:
            chip_sliders.set_param(slider_key(chip, spec), None)
            st.session_state.pop(slider_key(chip, spec), None)
    known = scenario.known_chips()
    for slug, changes in scenario.chip_overrides:
        for name, value in changes:
            spec = FIELD_BY_NAME[name]
            chip_sliders.set_param(slider_key(known[slug], spec), f"{value / spec.scale:g}")
    st.session_state.update(widget_state(scenario))
    keep(scenario)
    for name, load_key in (("afd", afd_inputs.LOAD_KEY), ("codesign", codesign_inputs.LOAD_KEY),
                           ("deploy", deploy_inputs.LOAD_KEY), ("serve", serve_inputs.LOAD_KEY)):
        st.session_state[load_key] = getattr(scenario, name)
    if scenario.baseline is None:
        st.query_params.pop(baseline_state.KEY, None)
    else:
        st.query_params[baseline_state.KEY] = baseline_state.encode(scenario.baseline, scenario)


def keep(scenario: Scenario) -> None:
    """Keep ``scenario``'s page inputs and API prices for the other pages' Scenario (``KEPT``)."""
    for name, key in KEPT.items():
        st.session_state[key] = getattr(scenario, name)


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


class Sidebar(NamedTuple):
    """What ``inputs`` drew: the Scenario the inputs describe (chips as the URL sets them), the
    chip to edit, and the places filled after the page (``after_page``)."""

    scenario: Scenario
    edit: Chip
    downloads: object  # container at the top: the Download menu
    context_note: object  # container under the context: which context the AFD page uses


def inputs() -> Sidebar:
    """Draw the sidebar's scenario inputs and the 'Edit chip' choice (InputError if invalid)."""
    user = store.load()
    own_chips, own_models = _with_link_records(user)
    chips, models = catalog(own_chips, own_models)
    link_checks.unknown(parameters.known_parameters(chips))
    for chip in chips.values():
        for spec in slider_specs(chip):
            link_checks.number(slider_key(chip, spec), spec.step,
                               chip_sliders.maximum(chip_sliders.library_value(chip, spec), spec), what=spec.title)
    chip_sliders.restore_params(chips)
    _select_saved(chips, models)
    sb = st.sidebar
    export_slot = sb.container()  # the export menu at the top: its popover opens with the sidebar's height below it
    sb.header("Scenario")
    known = {"model": models, "chip": chips}
    values = {name: _widget(sb, name, known.get(getattr(SIDEBAR[name], "kind", None)))
              for name in ("models", "chips", "context")}
    context_slot = sb.container()  # which context the AFD page uses, said under this one (``context_note``)
    values.update({name: _widget(sb, name, None) for name in ("batch", "kv_dtype", "weight_dtype")})
    sb.subheader("Context sweep")
    left, right = sb.columns(2)
    values.update(sweep_min=_widget(left, "sweep_min", None), sweep_max=_widget(right, "sweep_max", None),
                  sweep_axis=_widget(sb, "sweep_axis", None))
    baseline_slot = sb.container()
    sb.subheader("Chip specs")
    sb.caption("Each starts at the library value; a changed chip shows as NAME* on every chart.")
    chip_slugs = values["chips"]
    link_checks.choice("edit", [chips[s].name for s in chip_slugs], show=lambda s: chips[s].name)
    edit = sb.selectbox("Edit chip", chip_slugs, key="edit", bind=URL, format_func=lambda s: chips[s].name)
    scenario = chip_sliders.with_url_chips(Scenario(
        **values, afd=_kept(AFD_KEY, AFDInputs(), {"model": models, "attention_chip": chips, "ffn_chip": chips}),
        codesign=_kept(CODESIGN_KEY, CodesignInputs(), {"base": models, "chip": chips}),
        deploy=st.session_state.get(DEPLOY_KEY, DeployInputs()), serve=st.session_state.get(SERVE_KEY, ServeInputs()),
        api_prices=st.session_state.get(KEPT["api_prices"], ()), custom_chips=own_chips, custom_models=own_models))
    scenario = baseline.read(scenario, user)
    baseline.controls(baseline_slot, scenario, user.scenarios)
    export_slot.subheader("Export")
    return Sidebar(scenario, chips[edit], export_slot, context_slot)


def after_page(sidebar: Sidebar, scenario: Scenario, content) -> None:
    """After the page (a full run): the Download menu for the page's final ``scenario`` and its
    ``content`` (None: a page without), and the AFD page's own context under the sidebar's."""
    with sidebar.downloads:
        downloads.sidebar_downloads(scenario, content)
    with sidebar.context_note:
        context_note(scenario)


def _select_saved(chips: dict, models: dict) -> None:
    """Add a record just saved in the library (``editors.SELECT``) to its sidebar selection."""
    from dashboard.widgets.editors import SELECT

    key, slug = st.session_state.pop(SELECT, (None, None))
    defaults = {"chips": (chips, PAPER_CHIPS), "models": (models, PAPER_MODELS)}
    if key in defaults and slug in defaults[key][0]:
        selected = list(st.session_state.get(key) or defaults[key][1])
        if slug not in selected:
            st.session_state[key] = [*selected, slug]


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
