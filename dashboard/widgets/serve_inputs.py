"""The Serving cost page's inputs, each bound to the URL (query parameter = widget key = ``srv_``
+ the input's key): the workload (lengths, cache hits, request rate, a mix), its TTFT and TPOT
targets, the pools (serving mode, each pool's deployment and GPUs) and the pricing, each from its
declaration in the core. Together they build the Scenario's ``ServeInputs``; the models and
chips are the sidebar's."""
from __future__ import annotations

import streamlit as st

from dashboard.state import parameters
from dashboard.state.page_inputs import Text
from dashboard.state.scenario import SERVE_SPECS, ServeInputs
from dashboard.widgets import declared_inputs

PREFIX = parameters.SERVE_PREFIX
# Where each input sits on the page: rows of four columns, the mix under the workload, the
# ownership figures folded
ROWS = (("input_tokens", "output_tokens", "cache_hit", "requests_per_s"),
        ("ttft_ms", "tpot_ms", "mode", "chunk_tokens"),
        ("deployment", "gpus", "prefill_deployment", "prefill_gpus"))
MIX_ROW = ("mix",)
FOLDED = (("kv_dtype", "pricing"), ("years", "pue", "usd_kwh", "hosting_usd_year"))
LOAD_KEY = "_serve_load"  # inputs of a loaded scenario, put into the widgets when the page next draws
PLACEHOLDER = {"requests_per_s": "one decode deployment's load", "prefill_gpus": "as the decode's"}


def widget_state(inputs: ServeInputs) -> dict:
    """{widget key: value} that shows ``inputs`` in this page's widgets."""
    return {PREFIX + key: getattr(inputs, key) for key in SERVE_SPECS}


def _apply_loaded() -> None:
    inputs = st.session_state.pop(LOAD_KEY, None)
    if inputs is not None:
        st.session_state.update(widget_state(inputs))


def _draw(box, key: str, defaults: ServeInputs):
    spec, default = SERVE_SPECS[key], getattr(defaults, key)
    if isinstance(spec, Text):
        return box.text_input(spec.label, value=default, key=PREFIX + key, bind=declared_inputs.URL,
                              placeholder=spec.placeholder, help=spec.description + ".")
    return declared_inputs.widget(box, PREFIX + key, spec, default, PLACEHOLDER.get(key))


def inputs() -> ServeInputs:
    """Draw the inputs and return the ServeInputs they describe (InputError naming the field)."""
    _apply_loaded()
    defaults, values = ServeInputs(), {}
    for row in (ROWS[0], MIX_ROW, *ROWS[1:]):
        for column, key in zip(st.columns(len(row)), row):
            values[key] = _draw(column, key, defaults)
    with st.expander("KV precision and pricing (rental per hour, or owned: purchase over years, power, hosting)"):
        for row in FOLDED:
            for column, key in zip(st.columns(4), row):
                values[key] = _draw(column, key, defaults)
    return ServeInputs(**values)
