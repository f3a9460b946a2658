"""The shared sidebar: every input of the Scenario, each bound to the URL (query parameter =
widget key), plus per-chip spec sliders with a reset button. Units shown in the labels;
values converted to SI once, here."""
from __future__ import annotations

import math
from dataclasses import dataclass

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from costmodel import library
from costmodel.chips import PEAK_FIELDS, Chip
from costmodel.scenario import (KV_DTYPES, MAX_CONTEXT, PAPER_CHIPS, PAPER_MODELS, SWEEP_AXES,
                                WEIGHT_DTYPES, Scenario, is_close)

from . import labels

URL = "query-params"
SCENARIO_KEY = "_scenario"


@dataclass(frozen=True)
class SpecSlider:
    """One chip-spec slider: the Chip field it sets, label with unit, SI scale, lower bound."""

    field: str
    suffix: str
    label: str
    scale: float
    minimum: float
    step: float


def spec_sliders(chip: Chip, weight_dtype: str) -> list[SpecSlider]:
    dtype = chip.compute_dtype(weight_dtype)
    return [
        SpecSlider(PEAK_FIELDS[dtype], f"{dtype}_tflops", f"Peak {dtype.upper()} (dense TFLOP/s)", 1e12, 1.0, 0.1),
        SpecSlider("mem_bw_bytes_per_s", "hbm_tbps", "HBM bandwidth (TB/s)", 1e12, 0.05, 0.01),
        SpecSlider("mem_bytes", "hbm_gb", "HBM capacity (GB)", 1e9, 1.0, 1.0),
        SpecSlider("net_bytes_per_s", "net_gbps", "Scale-out network per GPU (GB/s)", 1e9, 0.5, 0.5),
        SpecSlider("price_usd_per_hour", "usd_h", "Price (USD/hour)", 1.0, 0.01, 0.01),
    ]


def slider_key(chip: Chip, spec: SpecSlider) -> str:
    return f"{chip.slug}_{spec.suffix}"


def _default(chip: Chip, spec: SpecSlider) -> float:
    return round(getattr(chip, spec.field) / spec.scale, 6)


def _maximum(default: float, spec: SpecSlider) -> float:
    top = max(4.0 * default, default + 10 * spec.step)
    return float(math.ceil(top / spec.step) * spec.step)


def _reset(chip: Chip, weight_dtype: str) -> None:
    for spec in spec_sliders(chip, weight_dtype):
        st.session_state[slider_key(chip, spec)] = _default(chip, spec)


def _pending(key: str):
    """A widget's value before it is drawn this run (session state, else the URL)."""
    if key in st.session_state:
        return st.session_state[key]
    raw = st.query_params.get(key)
    try:
        return float(raw) if raw is not None else None
    except ValueError:
        return None


def chip_controls(chip: Chip, weight_dtype: str) -> dict:
    """Sliders for one chip in an expander; returns {field: SI value} for fields changed."""
    specs = spec_sliders(chip, weight_dtype)
    pending = [_pending(slider_key(chip, s)) for s in specs]
    changed = any(p is not None and not is_close(p, _default(chip, s)) for p, s in zip(pending, specs))
    title = f"{chip.slug.upper()}{labels.MODIFIED_MARK} (modified)" if changed else chip.slug.upper()
    changes = {}
    with st.expander(f"{title} · {chip.name}", expanded=False, key=f"{chip.slug}_specs"):
        for spec in specs:
            default = _default(chip, spec)
            value = st.slider(spec.label, min_value=spec.minimum, max_value=_maximum(default, spec),
                              value=default, step=spec.step, key=slider_key(chip, spec), bind=URL,
                              help=f"Library value {default:g}; source: {chip.source}")
            if not is_close(value, default):
                changes[spec.field] = value * spec.scale
        if chip.assumed:
            st.caption("Estimated in the library: " + ", ".join(sorted(chip.assumed)))
        st.button("Reset to library values", key=f"{chip.slug}_reset", on_click=_reset,
                  args=(chip, weight_dtype), disabled=not changes, width="stretch")
    return changes


def render() -> Scenario:
    """Draw the sidebar and return the Scenario it describes (InputError if invalid)."""
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
    overrides = {}
    with sb:
        for slug in chip_slugs:
            changes = chip_controls(chips[slug], weights)
            if changes:
                overrides[slug] = changes
    scenario = Scenario(models=tuple(model_slugs), chips=tuple(chip_slugs), chip_overrides=overrides,
                        context=context, sweep_min=sweep_min, sweep_max=sweep_max, sweep_axis=axis,
                        batch=batch, kv_dtype=kv, weight_dtype=weights)
    st.session_state[SCENARIO_KEY] = scenario
    return scenario


def forget() -> None:
    """End of a run: the next page must not read this run's Scenario."""
    st.session_state.pop(SCENARIO_KEY, None)


def current() -> Scenario:
    """The Scenario the sidebar (drawn by app.py) built in this run.

    On a fresh server, a deep link (/roofline) makes Streamlit run the ``pages/`` file directly,
    in its legacy file-based mode, without app.py: switch that mode off (as app.py's
    st.navigation would) and rerun through app.py."""
    scenario = st.session_state.get(SCENARIO_KEY)
    if scenario is None:
        PagesManager.uses_pages_directory = False
        st.rerun()
    return scenario
