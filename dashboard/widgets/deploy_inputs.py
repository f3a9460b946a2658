"""The Deployments page's inputs, each bound to the URL (query parameter = widget key = ``dep_``
+ the input's key): every declared DecodeSetup and Efficiency value (from its declaration:
label, unit, range, step) and the chosen point (a TPOT target, or requests per GPU). Together
they build the Scenario's ``DeployInputs``; the models and chips are the sidebar's."""
from __future__ import annotations

import streamlit as st

from costmodel.deploy import DEPLOYMENTS
from costmodel.fields import Choice, number_text
from costmodel.kernels import deployment_defaults

from dashboard.widgets import declared_inputs
from dashboard.widgets.draw import escape
from dashboard.state import parameters
from dashboard.state.scenario import DEPLOY_POINT, DEPLOY_SPECS, DeployInputs, Scenario

PREFIX = parameters.DEPLOY_PREFIX
# Where each input sits on the page: rows of four columns; the efficiency factors folded.
ROWS = (("deployment", "gpus", "node_gpus", "context"),
        ("tpot_ms", "batch_per_gpu", "mtp_tokens", "mtp_accept"),
        ("overlap", "balance", "redundant_experts", "net_gbps"),
        ("kv_dtype", "attention_dtype", "timing", "memory_fraction"))
FOLDED = ("hbm_efficiency", "lowbit_kv_efficiency", "flops_efficiency", "network_efficiency")
SPECS = {**DEPLOY_SPECS, **DEPLOY_POINT}
LOAD_KEY = "_deploy_load"  # inputs of a loaded scenario, put into the widgets when the page next draws
HELP = {"deployment": "The deployment whose chosen points the step timeline shows (the other charts and the table "
                      "show all three). " + DEPLOY_SPECS["deployment"].description + "."}


def defaults_text() -> dict:
    """{'overlap' | 'balance': the defaults in a few words} (for the empty inputs)."""
    d = deployment_defaults()
    return {"overlap": "default: " + ", ".join(f"{name} {number_text(round(d[name]['overlap'], 3))}" for name in DEPLOYMENTS),
            "balance": f"default: {number_text(round(d['ep']['balance'], 3))} (ep only)"}


def sources_text() -> str:
    """Where each deployment's default overlap and balance come from (shown under the inputs)."""
    d = deployment_defaults()
    return " · ".join(f"**{name}**: overlap {number_text(round(d[name]['overlap'], 3))}"
                      + (f", balance {number_text(round(d[name]['balance'], 3))}" if name == "ep" else "")
                      + f" ({escape(d[name]['source'])})" for name in DEPLOYMENTS)


def placeholder(key: str, scenario: Scenario) -> str | None:
    """What an empty input means."""
    return {"context": f"sidebar: {scenario.context:,}", "net_gbps": "each chip's own",
            "batch_per_gpu": "most meeting the TPOT", **defaults_text()}.get(key)


def widget_state(inputs: DeployInputs) -> dict:
    """{widget key: value} that shows ``inputs`` in this page's widgets."""
    return {PREFIX + key: declared_inputs.NONE_OPTION if isinstance(SPECS[key], Choice) and getattr(inputs, key) is None
            else getattr(inputs, key) for key in SPECS}


def _apply_loaded() -> None:
    inputs = st.session_state.pop(LOAD_KEY, None)
    if inputs is not None:
        st.session_state.update(widget_state(inputs))


def inputs(scenario: Scenario) -> DeployInputs:
    """Draw the inputs (``scenario``: the sidebar's, for the context placeholder) and return the
    DeployInputs they describe (InputError naming the field)."""
    _apply_loaded()
    defaults, values = DeployInputs(), {}

    def draw(box, key: str) -> None:
        spec, default = SPECS[key], getattr(defaults, key)
        unused = declared_inputs.unused_factor(PREFIX + key, spec, default, values.get("timing", defaults.timing))
        help_ = f"{spec.label} {declared_inputs.UNUSED_FACTOR}." if unused else HELP.get(key)
        values[key] = declared_inputs.widget(box, PREFIX + key, spec, default, placeholder(key, scenario),
                                           disabled=unused, help_=help_)

    for row in ROWS:
        for column, key in zip(st.columns(4), row):
            draw(column, key)
    st.caption("Default overlap and expert balance (empty inputs): " + sources_text())
    with st.expander("Efficiency factors (fractions of peak reached)"):
        for column, key in zip(st.columns(len(FOLDED)), FOLDED):
            draw(column, key)
        st.caption(declared_inputs.unused_note("timing"))
    return DeployInputs(**values)
