"""The AFD sizing page's inputs, each bound to the URL (query parameter = widget key, prefixed
``afd_``): the deployment (model, chips, context, target, pipeline, precisions, network,
efficiencies) and the A:F ratio control, which starts at (and follows) the optimum until the
user moves it. Units shown in the labels; converted to SI here, once."""
from __future__ import annotations

import streamlit as st

from costmodel import afd, library
from costmodel.errors import InputError
from costmodel.scenario import MAX_CONTEXT, Scenario

from . import labels

URL = "query-params"
OBJECTIVES = {"tokens_per_gpu_s": "max tokens/GPU/s", "usd_per_mtok": "min USD per 1M tokens"}
KV_CHOICES = ("attention", "fp8", "bf16", "fp4")
RATIO_KEYS = ("afd_x", "afd_y", "afd_mb")
RATIO_LIMITS = {"afd_x": (1, afd.MAX_ATTENTION_INSTANCES), "afd_y": (1, afd.MAX_FFN_INSTANCES), "afd_mb": (1, 65536)}
RATIO_FALLBACK = {"afd_x": 2, "afd_y": 2, "afd_mb": 2048}  # the paper's 2A2F, when nothing is feasible
_OPTIMUM = "_afd_optimum"


def _chip(slug: str, scenario: Scenario):
    """The library chip, or its slider-modified spec when the sidebar selected (and changed) it."""
    selected = {c.slug: c for c in scenario.chip_specs()}
    return selected.get(slug) or library.chips()[slug]


def setup(scenario: Scenario) -> afd.AFDSetup:
    """Draw the deployment inputs and return the AFDSetup they describe (InputError if invalid)."""
    models, chips = library.models(), library.chips()
    chip_slugs = list(chips)
    c1, c2, c3, c4 = st.columns(4)
    model = c1.selectbox("Model", list(models), index=list(models).index("step-3"), key="afd_model", bind=URL,
                         format_func=lambda s: models[s].name)
    a_slug = c2.selectbox("Attention chip", chip_slugs, index=chip_slugs.index("h800"), key="afd_achip", bind=URL,
                          format_func=lambda s: s.upper(), help="Holds the KV cache; DP attention per GPU.")
    f_slug = c3.selectbox("FFN chip", chip_slugs, index=chip_slugs.index("h800"), key="afd_fchip", bind=URL,
                          format_func=lambda s: s.upper(), help="Holds the MoE experts (TP/EP).")
    context = c4.number_input("Average context (tokens)", min_value=1, max_value=MAX_CONTEXT, value=None, step=1024,
                              key="afd_ctx", bind=URL, placeholder=f"sidebar: {scenario.context:,}",
                              help="Empty: the sidebar's context.")
    c1, c2, c3, c4 = st.columns(4)
    tpot_ms = c1.number_input("TPOT target (ms)", min_value=1.0, max_value=10000.0, value=50.0, step=5.0,
                              key="afd_tpot_ms", bind=URL, help="Time per output token the deployment must meet.")
    stages = c2.radio("Pipeline stages", [3, 4], index=0, horizontal=True, key="afd_stages", bind=URL,
                      help="3: attention, network, FFN. 4: attention, A→F, FFN, F→A.")
    micro_batches = c3.number_input("Micro-batches in flight", min_value=1, max_value=16, value=3, step=1,
                                    key="afd_mbs", bind=URL)
    with c4:
        g1, g2 = st.columns(2)
        a_gpus = g1.number_input("GPUs per attention instance", min_value=1, max_value=64, value=8, step=1,
                                 key="afd_agpus", bind=URL)
        f_gpus = g2.number_input("GPUs per FFN instance", min_value=1, max_value=64, value=8, step=1,
                                 key="afd_fgpus", bind=URL)
    c1, c2, c3, c4 = st.columns(4)
    attention_dtype = c1.radio("Attention precision", ["fp8", "bf16"], index=0, horizontal=True, key="afd_dtype",
                               bind=URL, format_func=str.upper)
    kv = c2.selectbox("KV-cache precision", list(KV_CHOICES), index=0, key="afd_kv", bind=URL,
                      format_func=lambda d: "as attention" if d == "attention" else d.upper())
    parallel = c3.selectbox("FFN parallelism", list(afd.FFN_PARALLEL), index=0, key="afd_par", bind=URL,
                            format_func=str.upper, help="TP inside an instance, EP across instances (TP+EP), or one of them.")
    a_chip, f_chip = _chip(a_slug, scenario), _chip(f_slug, scenario)
    net_default = f"chips: {a_chip.net_bytes_per_s / 1e9:g} / {f_chip.net_bytes_per_s / 1e9:g}"
    net = c4.number_input("Network per GPU (GB/s)", min_value=0.1, max_value=10000.0, value=None, step=5.0,
                          key="afd_net", bind=URL, placeholder=net_default,
                          help="Scale-out bandwidth of each GPU on both sides. Empty: each chip's own "
                               "(attention / FFN).")
    with st.expander("Efficiency factors (fractions of peak reached)"):
        d = afd.Efficiency()
        e1, e2, e3, e4 = st.columns(4)
        hbm = e1.number_input("HBM bandwidth", 0.01, 1.0, d.hbm, 0.01, key="afd_eff_hbm", bind=URL)
        lowbit = e2.number_input("Low-bit KV reads (x HBM)", 0.01, 1.0, d.lowbit_kv, 0.01, key="afd_eff_kv", bind=URL)
        flops = e3.number_input("FLOP/s", 0.01, 1.0, d.flops, 0.01, key="afd_eff_flops", bind=URL)
        network = e4.number_input("Network", 0.01, 1.0, d.network, 0.01, key="afd_eff_net", bind=URL)
        st.caption("Defaults: one set for Hopper, calibrated on the paper's Table 8 deployments (README, "
                   "'AFD sizing').")
    net_bps = None if net is None else net * 1e9
    return afd.AFDSetup(
        model=models[model], attention_chip=a_chip, ffn_chip=f_chip,
        context=scenario.context if context is None else context, tpot_s=tpot_ms / 1e3, stages=int(stages),
        micro_batches=int(micro_batches), attention_gpus=int(a_gpus), ffn_gpus=int(f_gpus),
        attention_dtype=attention_dtype, kv_dtype=None if kv == "attention" else kv,
        weight_dtype=scenario.weight_dtype, ffn_parallel=parallel,
        attention_net_bytes_per_s=net_bps, ffn_net_bytes_per_s=net_bps,
        efficiency=afd.Efficiency(hbm=hbm, lowbit_kv=lowbit, flops=flops, network=network))


def objective() -> str:
    return st.radio("Objective of the search", list(OBJECTIVES), index=0, horizontal=True, key="afd_obj",
                    bind=URL, format_func=OBJECTIVES.get)


def optimum_values(plan) -> dict:
    if plan is None:
        return dict(RATIO_FALLBACK)
    return {"afd_x": int(plan.attention_instances), "afd_y": int(plan.ffn_instances), "afd_mb": int(plan.micro_batch)}


def _url_value(key: str, params: dict):
    raw = params.get(key)
    if raw is None:
        return None
    lo, hi = RATIO_LIMITS[key]
    try:
        value = int(raw)
    except ValueError:
        raise InputError(f"URL parameter {key}", f"expected a whole number, got {raw!r}") from None
    if not lo <= value <= hi:
        raise InputError(f"URL parameter {key}", f"must be between {lo} and {hi}, got {value}")
    return value


def reset_ratio() -> None:
    """Back to the optimum: drop the ratio's URL parameters and widget states."""
    for key in RATIO_KEYS:
        st.query_params.pop(key, None)
        st.session_state.pop(key, None)


def ratio(optimum, columns) -> tuple[int, int, int]:
    """The A:F ratio control (attention instances, FFN instances, micro-batch) in three
    ``columns``. Each starts at the optimum (or the URL's value) and follows the optimum while
    the user has not moved it; a moved value is written to the URL (seeded through session
    state, as the sidebar's chip sliders, so the optimum can move the widget)."""
    best = optimum_values(optimum)
    previous = st.session_state.get(_OPTIMUM)
    params = st.query_params.to_dict()
    for key in RATIO_KEYS:
        if key not in st.session_state:  # first draw, or after a reset
            url = _url_value(key, params)
            st.session_state[key] = best[key] if url is None else url
        elif previous is not None and st.session_state[key] == previous[key]:
            st.session_state[key] = best[key]  # still at the old optimum: follow the new one
    st.session_state[_OPTIMUM] = best
    lo, hi = RATIO_LIMITS["afd_x"]
    x = columns[0].number_input("Attention instances (x)", lo, hi, step=1, key="afd_x")
    lo, hi = RATIO_LIMITS["afd_y"]
    y = columns[1].number_input("FFN instances (y)", lo, hi, step=1, key="afd_y")
    lo, hi = RATIO_LIMITS["afd_mb"]
    mb = columns[2].number_input("Micro-batch (requests)", lo, hi, step=16, key="afd_mb",
                                 help="Requests per micro-batch; the total batch is this x the micro-batches.")
    values = {"afd_x": int(x), "afd_y": int(y), "afd_mb": int(mb)}
    for key, value in values.items():
        if value == best[key]:
            if key in params:
                st.query_params.pop(key, None)
        elif params.get(key) != str(value):
            st.query_params[key] = str(value)
    return values["afd_x"], values["afd_y"], values["afd_mb"]


def layout_name(plan) -> str:
    return f"{int(plan.attention_instances)}A{int(plan.ffn_instances)}F"


def chips_label(setup: afd.AFDSetup) -> str:
    a, f = labels.chip_label(setup.attention_chip), labels.chip_label(setup.ffn_chip)
    return a if a == f else f"{a} (attention) + {f} (FFN)"
