"""The AFD sizing page's inputs, each bound to the URL (query parameter = widget key, prefixed
``afd_``): the deployment (model, chips, context, target, pipeline, precisions, network,
efficiencies, objective, the chip-pair search toggle) and the A:F ratio control, which starts
at (and follows) the optimum until the user moves it. Together they build the Scenario's
``AFDInputs`` (units as in the labels: ms, GB/s per GPU, tokens, requests)."""
from __future__ import annotations

from dataclasses import replace

import streamlit as st

from costmodel import afd, library
from costmodel.errors import InputError
from costmodel.scenario import AFD_LIMITS, MAX_CONTEXT, MAX_NET_GBPS, MAX_TPOT_MS, AFDInputs, Scenario

from . import compute, labels

URL = "query-params"
OBJECTIVES = {"tokens_per_gpu_s": "max tokens/GPU/s", "usd_per_mtok": "min USD per 1M tokens"}
KV_CHOICES = ("attention", "fp8", "bf16", "fp4")
RATIO_KEYS = ("afd_x", "afd_y", "afd_mb")
RATIO_FIELDS = dict(zip(RATIO_KEYS, ("attention_instances", "ffn_instances", "micro_batch")))
RATIO_LIMITS = {key: AFD_LIMITS[name] for key, name in RATIO_FIELDS.items()}
_OPTIMUM = "_afd_optimum"
SLIDER_WIDTH, INPUT_WIDTH = 200, 150  # px: the instance sliders, the micro-batch input (the optimum fits beside)


def deployment(scenario: Scenario) -> AFDInputs:
    """Draw the deployment inputs, the objective and the chip-pair toggle (``scenario``: the
    sidebar's, for the context placeholder); return the AFDInputs they describe with the A:F
    choice left at the optimum (InputError naming the field)."""
    models, chips = library.models(), library.chips()
    chip_slugs = list(chips)
    d = AFDInputs()
    lim = AFD_LIMITS
    c1, c2, c3, c4 = st.columns(4)
    model = c1.selectbox("Model", list(models), index=list(models).index(d.model), key="afd_model", bind=URL,
                         format_func=lambda s: models[s].name)
    a_slug = c2.selectbox("Attention chip", chip_slugs, index=chip_slugs.index(d.attention_chip), key="afd_achip",
                          bind=URL, format_func=lambda s: s.upper(), help="Holds the KV cache; DP attention per GPU.")
    f_slug = c3.selectbox("FFN chip", chip_slugs, index=chip_slugs.index(d.ffn_chip), key="afd_fchip", bind=URL,
                          format_func=lambda s: s.upper(), help="Holds the MoE experts (TP/EP).")
    context = c4.number_input("Average context (tokens)", min_value=1, max_value=MAX_CONTEXT, value=None, step=1024,
                              key="afd_ctx", bind=URL, placeholder=f"sidebar: {scenario.context:,}",
                              help="Empty: the sidebar's context.")
    c1, c2, c3, c4 = st.columns(4)
    tpot_ms = c1.number_input("TPOT target (ms)", min_value=1.0, max_value=MAX_TPOT_MS, value=d.tpot_ms, step=5.0,
                              key="afd_tpot_ms", bind=URL, help="Time per output token the deployment must meet.")
    stages = c2.radio("Pipeline stages", list(afd.STAGES), index=0, horizontal=True, key="afd_stages", bind=URL,
                      help="3: attention, network, FFN. 4: attention, A→F, FFN, F→A.")
    micro_batches = c3.number_input("Micro-batches in flight", *lim["micro_batches"], value=d.micro_batches, step=1,
                                    key="afd_mbs", bind=URL)
    with c4:
        g1, g2 = st.columns(2)
        a_gpus = g1.number_input("GPUs per attention instance", *lim["attention_gpus"], value=d.attention_gpus,
                                 step=1, key="afd_agpus", bind=URL)
        f_gpus = g2.number_input("GPUs per FFN instance", *lim["ffn_gpus"], value=d.ffn_gpus, step=1,
                                 key="afd_fgpus", bind=URL)
    c1, c2, c3, c4 = st.columns(4)
    attention_dtype = c1.radio("Attention precision", ["fp8", "bf16"], index=0, horizontal=True, key="afd_dtype",
                               bind=URL, format_func=str.upper)
    kv = c2.selectbox("KV-cache precision", list(KV_CHOICES), index=0, key="afd_kv", bind=URL,
                      format_func=lambda d: "as attention" if d == "attention" else d.upper())
    parallel = c3.selectbox("FFN parallelism", list(afd.FFN_PARALLEL), index=0, key="afd_par", bind=URL,
                            format_func=str.upper, help="TP inside an instance, EP across instances (TP+EP), or one of them.")
    net = c4.number_input("Network per GPU (GB/s)", min_value=0.1, max_value=MAX_NET_GBPS, value=None, step=5.0,
                          key="afd_net", bind=URL, placeholder="each chip's own",
                          help="Scale-out bandwidth of each GPU on both sides. Empty: each chip's own, as its "
                               "slider sets it (shown under the metrics).")
    with st.expander("Efficiency factors (fractions of peak reached)"):
        e1, e2, e3, e4 = st.columns(4)
        hbm = e1.number_input("HBM bandwidth", 0.01, 1.0, d.hbm_efficiency, 0.01, key="afd_eff_hbm", bind=URL)
        lowbit = e2.number_input("Low-bit KV reads (x HBM)", 0.01, 1.0, d.lowbit_kv_efficiency, 0.01,
                                 key="afd_eff_kv", bind=URL)
        flops = e3.number_input("FLOP/s", 0.01, 1.0, d.flops_efficiency, 0.01, key="afd_eff_flops", bind=URL)
        network = e4.number_input("Network", 0.01, 1.0, d.network_efficiency, 0.01, key="afd_eff_net", bind=URL)
        st.caption("Defaults: one set for Hopper, calibrated on the paper's Table 8 deployments (README, "
                   "'AFD sizing').")
    c1, c2 = st.columns([2, 2], vertical_alignment="bottom")
    objective = c1.radio("Objective of the search", list(OBJECTIVES), index=0, horizontal=True, key="afd_obj",
                         bind=URL, format_func=OBJECTIVES.get)
    pairs = c2.toggle("Search every chip pair of the library", value=False, key="afd_pairs", bind=URL,
                      help="Mixed pools: the best plan for each (attention chip, FFN chip) pair of the library "
                           "(~0.1 s); the table is in the 'Mixed chip pools' tab.")
    return AFDInputs(
        model=model, attention_chip=a_slug, ffn_chip=f_slug, context=context, tpot_ms=tpot_ms, stages=int(stages),
        micro_batches=int(micro_batches), attention_gpus=int(a_gpus), ffn_gpus=int(f_gpus),
        attention_dtype=attention_dtype, kv_dtype=None if kv == "attention" else kv, ffn_parallel=parallel,
        net_gbps=net, hbm_efficiency=hbm, lowbit_kv_efficiency=lowbit, flops_efficiency=flops,
        network_efficiency=network, objective=objective, chip_pairs=bool(pairs))


def with_ratio(inputs: AFDInputs, optimum, ratio: tuple[int, int, int]) -> AFDInputs:
    """``inputs`` with the user's A:F choice: None where it equals the optimum (as in the URL)."""
    best = compute.afd_optimum_ratio(optimum)
    return replace(inputs, **{name: None if value == b else value
                              for name, value, b in zip(RATIO_FIELDS.values(), ratio, best)})


def optimum_values(plan) -> dict:
    """{widget key: value} of the optimum's ratio (the fallback when nothing is feasible)."""
    return dict(zip(RATIO_KEYS, compute.afd_optimum_ratio(plan)))


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


def ratio(optimum, row) -> tuple[int, int, int]:
    """The A:F ratio control in ``row`` (a horizontal container): sliders for the attention and
    FFN instances, to drag through ratios, and the micro-batch to type. Each starts at the
    optimum (or the URL's value) and follows the optimum while the user has not moved it; a
    moved value is written to the URL (seeded through session state, as the sidebar's chip
    sliders, so the optimum can move the widget)."""
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
    x = row.slider("Attention instances (x)", lo, hi, value=best["afd_x"], step=1, key="afd_x", width=SLIDER_WIDTH)
    lo, hi = RATIO_LIMITS["afd_y"]
    y = row.slider("FFN instances (y)", lo, hi, value=best["afd_y"], step=1, key="afd_y", width=SLIDER_WIDTH)
    lo, hi = RATIO_LIMITS["afd_mb"]
    mb = row.number_input("Micro-batch (requests)", lo, hi, step=16, key="afd_mb", width=INPUT_WIDTH,
                          help="Requests per micro-batch; the total batch is this x the micro-batches.")
    values = {"afd_x": int(x), "afd_y": int(y), "afd_mb": int(mb)}
    for key, value in values.items():
        if value == best[key]:
            if key in params:
                st.query_params.pop(key, None)
        elif params.get(key) != str(value):
            st.query_params[key] = str(value)
    return values["afd_x"], values["afd_y"], values["afd_mb"]


def chips_label(setup: afd.AFDSetup) -> str:
    a, f = labels.chip_label(setup.attention_chip), labels.chip_label(setup.ffn_chip)
    return a if a == f else f"{a} (attention) + {f} (FFN)"


def network_label(setup: afd.AFDSetup) -> str:
    """Scale-out GB/s per GPU in use: '400 GB/s' or '400 / 200 GB/s (attention / FFN)'."""
    a = setup.attention_net_bytes_per_s or setup.attention_chip.net_bytes_per_s
    f = setup.ffn_net_bytes_per_s or setup.ffn_chip.net_bytes_per_s
    return f"{a / 1e9:g} GB/s per GPU" if a == f else f"{a / 1e9:g} / {f / 1e9:g} GB/s per GPU (attention / FFN)"
