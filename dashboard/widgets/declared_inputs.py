"""Widgets drawn from the core's declarations, for the pages whose inputs are declared core
values (AFD sizing, Deployments): a Choice as a radio (three options or fewer) or a selectbox,
a Quantity as a number input with its unit, range and step, each bound to the URL (query
parameter = widget key) and checked there first (``url``). Efficiency factors that the chosen
timing does not use are drawn disabled, held at their defaults, and a link that sets one is
told so (never silently ignored)."""
from __future__ import annotations

import streamlit as st

from costmodel.afd import KERNEL_TIMED
from costmodel.fields import Choice

from dashboard.content import labels
from dashboard.widgets import link_checks

URL = "query-params"
NONE_OPTION = "default"  # a Choice's None (e.g. KV precision: as the attention precision) in a widget and the URL
EFFICIENCY_TIMING = "efficiency"  # the timing under which the HBM, FLOP/s and low-bit KV factors apply
UNUSED_FACTOR = ("applies only with timing 'efficiency': under 'kernels' each chip's fitted kernel efficiencies time "
                 "every kernel, the GEMMs included")


def show_option(option) -> str:
    return option if option == NONE_OPTION else str(option).upper()


def widget(box, key: str, spec, default, placeholder: str | None = None, disabled: bool = False,
           help_: str | None = None):
    """The widget of the declared input ``spec`` in ``box`` (a container or column), under
    widget key and URL parameter ``key``, starting at ``default`` (display units; None: empty,
    showing ``placeholder``). Returns its value (None for an empty number or the NONE_OPTION)."""
    help_ = help_ or (spec.description + "." if spec.description else None)
    if isinstance(spec, Choice):
        options = [NONE_OPTION if o is None else o for o in spec.options]
        link_checks.choice(key, map(show_option, options), show=show_option)
        index = options.index(NONE_OPTION if default is None else default)
        if len(options) <= 3:
            value = box.radio(spec.label, options, index=index, horizontal=True, key=key, bind=URL,
                              format_func=show_option, help=help_, disabled=disabled)
        else:
            value = box.selectbox(spec.label, options, index=index, key=key, bind=URL, format_func=show_option,
                                  help=help_, disabled=disabled)
        return None if value == NONE_OPTION else value
    number = int if spec.integer else float
    low = spec.minimum if spec.minimum is not None else spec.step
    usable = link_checks.number(key, low, spec.maximum, spec.integer, spec.label)
    return box.number_input(spec.title, min_value=number(low), max_value=number(spec.maximum),
                            value=None if default is None else number(default), step=number(spec.step), key=key,
                            bind=URL if usable and not disabled else None, placeholder=placeholder, help=help_, disabled=disabled,
                            format=None if spec.integer else labels.NUMBER_FORMAT)


def unused_factor(key: str, spec, default, timing: str) -> bool:
    """Whether the efficiency factor ``spec`` (widget key ``key``) goes unused under ``timing``;
    if so, call before its widget: a link's other value is reported and dropped, the widget
    held at ``default`` (a value it held before the timing changed is replaced quietly: the
    widget then writes the link)."""
    if timing == EFFICIENCY_TIMING or spec.name not in KERNEL_TIMED:
        return False
    given = st.query_params.get(key)
    if given is not None and key not in st.session_state:  # a link's value (a widget's own follows its state)
        try:
            changed = float(given) != default
        except ValueError:
            changed = True
        if changed:
            link_checks.refuse(key, f"{spec.label} {UNUSED_FACTOR}")
    if st.session_state.get(key, default) != default:
        st.session_state[key] = default
    return True


def unused_note(timing_label: str) -> str:
    """The one line under disabled factors: why they are."""
    return (f"HBM, FLOP/s and low-bit KV factors apply only with {timing_label} 'efficiency' (one roofline); under "
            "'kernels' each chip's fitted kernel efficiencies time every kernel, the GEMMs included. The network "
            "factor always applies.")
