"""The chip-spec sliders: every editable field of the chip chosen in the sidebar's 'Edit chip',
each starting from its URL value, and a reset. Drawn in the page's fragment (``frame.live``), so a
moved slider reruns only the page, with no callback; each writes its URL parameter (none at the
library value), from which every chip's specs are read (``url_overrides``). A chip's changed
specs stay in the URL across pages: Streamlit drops parameters no widget of the next page binds,
so the session remembers them (``restore_params``)."""
from __future__ import annotations

import math
from dataclasses import replace

import streamlit as st

from costmodel.chips import PEAK_FIELDS, Chip
from costmodel.errors import InputError
from costmodel.fields import Quantity
from costmodel.kernels import kernel_set

from dashboard.content import labels
from dashboard.state.parameters import SLIDER_FIELDS, slider_key, slider_specs
from dashboard.state.scenario import Scenario, is_close
from dashboard.widgets.draw import escape



def library_value(chip: Chip, spec: Quantity) -> float | None:
    """The chip's own value of a slider's field, in the slider's unit."""
    return spec.shown(getattr(chip, spec.name))


def maximum(default: float, spec: Quantity) -> float:
    top = max(4.0 * default, default + 10 * spec.step)
    return float(math.ceil(top / spec.step) * spec.step)


def url_overrides(chip: Chip, params: dict) -> dict:
    """{field: SI value} of ``chip``'s specs set in the URL query ``params`` (UI units there,
    e.g. TB/s); InputError naming the parameter for a value no slider can reach."""
    out = {}
    for spec in slider_specs(chip):
        key = slider_key(chip, spec)
        raw = params.get(key)
        default = library_value(chip, spec)
        if raw is None:
            continue
        try:
            value = float(raw)
        except ValueError:
            raise InputError(f"URL parameter {key}", f"expected a number, got {raw!r}") from None
        if not spec.step <= value <= maximum(default, spec):
            raise InputError(f"URL parameter {key}",
                             f"{spec.title} must be between {spec.step:g} and {maximum(default, spec):g}, got {raw}")
        if not is_close(value, default):
            out[spec.name] = value * spec.scale
    return out


CHIP_PARAMS = "_chip_params"  # {URL parameter: value} of every changed chip spec in this session


def set_param(key: str, value: str | None) -> None:
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


def restore_params(chips: dict) -> None:
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
        set_param(key, None)
        st.session_state.pop(key, None)


def _write_url(chip: Chip, spec: Quantity, value: float) -> None:
    """Keep a slider's value in the URL (no parameter at the library value)."""
    set_param(slider_key(chip, spec), None if is_close(value, library_value(chip, spec)) else f"{value:g}")


def draw(chip: Chip, weight_dtype: str, seed: bool) -> None:
    """Sliders for ``chip`` (the one chosen to edit; the others keep their values in the URL),
    each starting from its URL value, and a reset button. Drawn in the page's fragment, so a
    moved slider reruns only that; it writes its URL parameter, from which the page reads every
    chip's specs (``url_overrides``). ``seed``: start every slider from the URL (a page's first
    run: the sliders are that page's widgets).
    (Seeded through session state: passing the URL value as ``value=`` on every run makes the
    browser snap a dragged slider back. ``value=`` is the constant library value, which the
    seeded state overrides; without it Streamlit copies the whole session state per slider.)"""
    overrides = url_overrides(chip, st.query_params.to_dict())
    computes_in = chip.compute_dtype(weight_dtype).upper()
    for spec in slider_specs(chip):
        key, default = slider_key(chip, spec), library_value(chip, spec)
        if seed or key not in st.session_state:  # first draw, a new page or after a reset: the URL value
            st.session_state[key] = overrides.get(spec.name, default * spec.scale) / spec.scale
        value = st.slider(spec.title, min_value=spec.step, max_value=maximum(default, spec), value=default,
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
