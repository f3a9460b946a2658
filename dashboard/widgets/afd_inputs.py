"""The AFD sizing page's inputs, each bound to the URL (query parameter = widget key =
``afd_`` + the input's key): the deployment (model, chips, and every declared AFDSetup and
Efficiency value, drawn from its declaration: label, unit, range, step), the objective, the
chip-pair toggle, and the A:F ratio control, which starts at (and follows) the optimum until
the user moves it. Together they build the Scenario's ``AFDInputs``."""
from __future__ import annotations

from dataclasses import replace

import streamlit as st

from costmodel.errors import InputError
from costmodel.fields import Choice
from costmodel.results import objective_label

from dashboard.content import compute, labels
from dashboard.widgets import declared_inputs, link_checks
from dashboard.state import page_inputs, parameters
from dashboard.state.page_inputs import CHIP_PAIRS, OBJECTIVE, Records
from dashboard.state.scenario import AFD_RATIO, AFD_RECORDS, AFD_SPECS, AFDInputs, Scenario

URL = declared_inputs.URL
PREFIX = parameters.AFD_PREFIX
NONE_OPTION = declared_inputs.NONE_OPTION
# Where each input sits on the page: rows of four columns (a tuple shares its column); the
# timing, the efficiency factors and the usable memory are folded in an expander. What each widget is comes from its declaration.
ROWS = (("model", "attention_chip", "ffn_chip", "context"),
        ("tpot_ms", "stages", "micro_batches", ("attention_gpus", "ffn_gpus")),
        ("attention_dtype", "kv_dtype", "layout", "ffn_parallel"),
        (("attention_net_gbps", "ffn_net_gbps"), ("mtp_tokens", "mtp_accept"), "overlap"))
FOLDED = ("attention_timing", "hbm_efficiency", "lowbit_kv_efficiency", "flops_efficiency", "network_efficiency",
          "memory_fraction")
RATIO_KEYS = parameters.AFD_RATIO_KEYS
_OPTIMUM = "_afd_optimum"
SLIDER_WIDTH, INPUT_WIDTH = 200, 150  # px: the instance sliders, the micro-batch input (the optimum fits beside)
SPECS = page_inputs.specs(AFDInputs)  # input key -> its declaration


def _widget(box, key: str, scenario: Scenario, timing: str | None = None):
    """The widget of input ``key`` in ``box``, from its declaration; returns its value.
    ``timing``: the attention timing chosen, for the efficiency factors it may leave unused."""
    default = getattr(AFDInputs(), key)
    spec = SPECS[key]
    if isinstance(spec, Records):
        known = scenario.known_models() if spec.kind == "model" else scenario.known_chips()
        options = list(known)
        show = labels.model_options(known) if spec.kind == "model" else labels.chip_option
        link_checks.choice(PREFIX + key, map(show, options), show=show)
        return box.selectbox(spec.label, options, index=options.index(default), key=PREFIX + key, bind=URL,
                             help=spec.description + ".", format_func=show)
    spec = AFD_SPECS[key]
    unused = timing is not None and declared_inputs.unused_factor(PREFIX + key, spec, default, timing)
    placeholder = f"sidebar: {scenario.context:,}" if key == "context" else "each chip's own" if default is None else None
    if unused:
        help_ = f"{spec.label} {declared_inputs.UNUSED_FACTOR}."
    elif key == "context":
        help_ = (f"{spec.description}. This page's own; empty: the sidebar's ({scenario.context:,} tokens), which the "
                 "other pages use.")
    else:
        help_ = None
    return declared_inputs.widget(box, PREFIX + key, spec, default, placeholder, disabled=unused, help_=help_)


LOAD_KEY = "_afd_load"  # AFD inputs of a loaded scenario, put into the widgets when the page next draws


def widget_state(inputs: AFDInputs) -> dict:
    """{widget key: value} that shows ``inputs`` in this page's widgets (the ratio keys only
    where the inputs fix them: otherwise the control follows the optimum)."""
    state = {PREFIX + key: getattr(inputs, key) for key in AFD_RECORDS}
    for key, spec in AFD_SPECS.items():
        value = getattr(inputs, key)
        state[PREFIX + key] = NONE_OPTION if isinstance(spec, Choice) and value is None else value
    state.update({PREFIX + "objective": inputs.objective, PREFIX + "chip_pairs": inputs.chip_pairs})
    state.update({PREFIX + key: getattr(inputs, key) for key in AFD_RATIO if getattr(inputs, key) is not None})
    return state


def _apply_loaded() -> None:
    """Put a loaded scenario's AFD inputs into the widgets (before they are drawn)."""
    inputs = st.session_state.pop(LOAD_KEY, None)
    if inputs is None:
        return
    for key in RATIO_KEYS:
        st.session_state.pop(key, None)
        st.query_params.pop(key, None)
    st.session_state.pop(_OPTIMUM, None)
    st.session_state.update(widget_state(inputs))


def deployment(scenario: Scenario) -> AFDInputs:
    """Draw the deployment inputs, the objective and the chip-pair toggle (``scenario``: the
    sidebar's, for the known chips and models and the context placeholder); return the
    AFDInputs they describe with the A:F choice left at the optimum (InputError naming the
    field)."""
    _apply_loaded()
    values = {}
    for row in ROWS:
        for column, keys in zip(st.columns(4), row):
            keys = keys if isinstance(keys, tuple) else (keys,)
            boxes = column.columns(len(keys)) if len(keys) > 1 else (column,)
            for box, key in zip(boxes, keys):
                values[key] = _widget(box, key, scenario)
    with st.expander("Timing, efficiency factors (fractions of peak reached) and usable memory"):
        for box, key in zip(st.columns(len(FOLDED)), FOLDED):
            values[key] = _widget(box, key, scenario, values.get("attention_timing"))
        st.caption("Timing 'kernels' (the default) uses each chip's kernel efficiencies, fitted to the paper's Tables "
                   "8 and 9 and public kernel benchmarks (data/kernels.toml; assumed for chips without "
                   "measurements): attention on the attention chip, the FFN's GEMMs on the FFN chip. "
                   + declared_inputs.unused_note("timing"))
    c1, c2 = st.columns([2, 2], vertical_alignment="bottom")
    key = PREFIX + OBJECTIVE.key
    link_checks.choice(key, map(objective_label, OBJECTIVE.options), show=objective_label)
    values[OBJECTIVE.name] = c1.radio(OBJECTIVE.label, list(OBJECTIVE.options), index=0, horizontal=True, key=key,
                                      bind=URL, format_func=objective_label)
    key = PREFIX + CHIP_PAIRS.key
    link_checks.boolean(key)
    values[CHIP_PAIRS.name] = bool(c2.toggle(CHIP_PAIRS.label, value=False, key=key, bind=URL,
                                             help=CHIP_PAIRS.description + "."))
    return AFDInputs(**values)


def with_ratio(inputs: AFDInputs, optimum, ratio: tuple[int, int, int]) -> AFDInputs:
    """``inputs`` with the user's A:F choice: None where it equals the optimum (as in the URL)."""
    best = compute.afd_optimum_ratio(optimum)
    return replace(inputs, **{name: None if value == b else value
                              for name, value, b in zip(AFD_RATIO, ratio, best)})


def optimum_values(plan) -> dict:
    """{widget key: value} of the optimum's ratio (the fallback when nothing is feasible)."""
    return dict(zip(RATIO_KEYS, compute.afd_optimum_ratio(plan)))


def _url_value(key: str, params: dict):
    raw = params.get(key)
    if raw is None:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise InputError(f"URL parameter {key}", f"expected a whole number, got {raw!r}") from None
    return AFD_RATIO[key[len(PREFIX):]].check(value, f"URL parameter {key}", shown=True)


def reset_ratio() -> None:
    """Back to the optimum: drop the ratio's URL parameters and widget states."""
    for key in RATIO_KEYS:
        st.query_params.pop(key, None)
        st.session_state.pop(key, None)


def ratio(optimum, row) -> tuple[int, int, int]:
    """The A:F ratio control in ``row`` (a horizontal container): sliders for the attention and
    FFN instances, to drag through ratios, and the micro-batch to type. Each starts at the
    optimum (or the URL's value) and follows the optimum while the user has not moved it; a
    moved value is written to the URL (seeded through session state, as the sidebar's chip
    sliders, so the optimum can move the widget)."""
    best = optimum_values(optimum)
    previous = st.session_state.get(_OPTIMUM)
    for key, spec in zip(RATIO_KEYS, AFD_RATIO.values()):
        link_checks.number(key, spec.minimum, spec.maximum, True, spec.label)
    params = st.query_params.to_dict()
    for key in RATIO_KEYS:
        if key not in st.session_state:  # first draw, or after a reset
            linked = _url_value(key, params)
            st.session_state[key] = best[key] if linked is None else linked
        elif previous is not None and st.session_state[key] == previous[key]:
            st.session_state[key] = best[key]  # still at the old optimum: follow the new one
    st.session_state[_OPTIMUM] = best
    x_key, y_key, mb_key = RATIO_KEYS
    x_spec, y_spec, mb_spec = AFD_RATIO.values()
    x = row.slider(x_spec.title, int(x_spec.minimum), int(x_spec.maximum), value=best[x_key], step=1, key=x_key,
                   width=SLIDER_WIDTH)
    y = row.slider(y_spec.title, int(y_spec.minimum), int(y_spec.maximum), value=best[y_key], step=1, key=y_key,
                   width=SLIDER_WIDTH)
    mb = row.number_input(mb_spec.title, int(mb_spec.minimum), int(mb_spec.maximum), step=int(mb_spec.step),
                          key=mb_key, width=INPUT_WIDTH, help=mb_spec.description + ".")
    values = dict(zip(RATIO_KEYS, (int(x), int(y), int(mb))))
    for key, value in values.items():
        if value == best[key]:
            if key in params:
                st.query_params.pop(key, None)
        elif params.get(key) != str(value):
            st.query_params[key] = str(value)
    return tuple(values.values())
