"""Property tests (hypothesis) for invariants of the cost model."""
import dataclasses

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from costmodel import GQA, MFA, MLA, AttentionGroup, cost_grid, decode_token, library

MODELS = list(library.models().values())
CHIPS = list(library.chips().values())

contexts = st.floats(min_value=1, max_value=4 * 1024 * 1024, allow_nan=False)
model_index = st.integers(0, len(MODELS) - 1)
chip_index = st.integers(0, len(CHIPS) - 1)
kv_dtypes = st.sampled_from([None, "bf16", "fp8", "fp4"])
weight_dtypes = st.sampled_from(["bf16", "fp8", "int8", "fp4", "int4"])


@settings(max_examples=200, deadline=None)
@given(model_index, chip_index, contexts, contexts, kv_dtypes, weight_dtypes)
def test_costs_non_negative_and_non_decreasing_in_context(m, c, c1, c2, kv, w):
    lo, hi = sorted((c1, c2))
    grid = cost_grid([MODELS[m]], [CHIPS[c]], [lo, hi], kv, w)
    for array in (grid.attention_usd_per_mtok, grid.ffn_usd_per_mtok, grid.total_usd_per_mtok):
        assert np.all(array >= 0)
        assert array[0, 0, 1] >= array[0, 0, 0]
    token = grid.tokens[0]
    assert token.kv_bytes[1] >= token.kv_bytes[0] and token.attention_flops[1] >= token.attention_flops[0]


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 256), st.integers(1, 256), contexts)
def test_mla_kv_independent_of_head_count(h1, h2, context):
    def mla(heads):
        return MLA(hidden=7168, n_heads=heads, q_lora_rank=1536, kv_lora_rank=512, qk_nope_dim=128,
                   qk_rope_dim=64, v_head_dim=128)

    base = library.model("deepseek-v3")
    kv = [decode_token(dataclasses.replace(base, attention_groups=(AttentionGroup(61, mla(h)),)), context).kv_bytes
          for h in (h1, h2)]
    assert kv[0] == kv[1]


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(["gqa", "mfa"]), st.integers(1, 16), st.integers(1, 16), contexts)
def test_gqa_and_mfa_kv_proportional_to_kv_heads(kind, a, b, context):
    def attention(n_kv):
        if kind == "gqa":
            return GQA(hidden=7168, n_q=64 * n_kv, n_kv=n_kv, head_dim=128)
        return MFA(hidden=7168, n_q=64, n_kv=n_kv, head_dim=256, q_lora_rank=2048)

    base = library.model("step-3")
    kv = [float(decode_token(dataclasses.replace(base, attention_groups=(AttentionGroup(61, attention(n)),)), context).kv_bytes)
          for n in (a, b)]
    assert np.isclose(kv[0] * b, kv[1] * a, rtol=1e-12)


KV_CACHE_MODELS = [m for m in MODELS if all(g.attention.kind != "linear" for g in m.attention_groups)]


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(KV_CACHE_MODELS), contexts)
def test_fp8_kv_is_half_of_bf16(model, context):
    fp8 = decode_token(model, context, kv_dtype="fp8").kv_bytes
    bf16 = decode_token(model, context, kv_dtype="bf16").kv_bytes
    assert np.isclose(float(fp8) * 2, float(bf16), rtol=1e-12)


def test_linear_attention_state_keeps_its_format_and_ignores_context():
    """MiniMax-M1's FP32 lightning state: the same bytes at any context and any KV format."""
    model = library.model("minimax-m1")
    linear = [g for g in model.attention_groups if g.attention.kind == "linear"]
    state = sum(g.layers * 2 * g.attention.state_elements() * 4 for g in linear)
    for kv in ("fp8", "bf16"):
        a = decode_token(model, [1000, 100000], kv_dtype=kv).kv_bytes
        softmax = decode_token(model, [1000, 100000], kv_dtype=kv).kv_bytes - state
        assert np.allclose(softmax[1] / softmax[0], 100.0) and a[0] > state


@settings(max_examples=50, deadline=None)
@given(model_index, chip_index, contexts)
def test_vectorized_grid_equals_scalar_evaluation(m, c, context):
    grid = cost_grid(MODELS, CHIPS, [context, 2 * context])
    single = cost_grid([MODELS[m]], [CHIPS[c]], 2 * context)
    assert grid.total_usd_per_mtok[m, c, 1] == single.total_usd_per_mtok[0, 0, 0]


def _brute_force_search(setup, objective):
    """The AFD optimum straight from the definition: evaluate every (x, y, micro-batch) of the
    search grid, keep the feasible plans, best capacity at the SLA (ties: fewer GPUs)."""
    from costmodel import afd

    plan = afd.evaluate(setup, np.arange(1, 65.0)[:, None, None], np.arange(1, 17.0)[None, :, None],
                        afd.MICRO_BATCH_GRID[None, None, :])
    shape = plan.shape
    feasible = np.broadcast_to(plan.feasible, shape)
    if not feasible.any():
        return None
    value = plan.sla_tokens_per_gpu_s if objective == "tokens_per_gpu_s" else -plan.sla_usd_per_mtok
    score = np.where(feasible, np.broadcast_to(value, shape), -np.inf)
    top = score >= score.max() - 1e-9 * abs(score.max())
    gpus = np.where(top, np.broadcast_to(plan.gpus, shape), np.inf)
    candidates = np.argwhere(gpus == gpus.min())
    return {tuple(float(v) for v in (c[0] + 1, c[1] + 1, afd.MICRO_BATCH_GRID[c[2]])) for c in candidates}


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(["step-3", "deepseek-v3", "qwen3-235b-a22b", "qwen3-32b", "minimax-m1", "kimi-k2"]),
       chip_index, chip_index, st.sampled_from([3, 4]), st.sampled_from(["tp+ep", "ep", "tp"]),
       st.sampled_from([2048, 4096, 8192, 32768, 131072]), st.sampled_from([20.0, 50.0, 100.0]),
       st.sampled_from(["tokens_per_gpu_s", "usd_per_mtok"]))
def test_afd_search_is_the_brute_force_optimum(model, a, f, stages, parallel, context, tpot_ms, objective):
    """search() counts feasible micro-batches per side (attention, FFN, network); it must pick
    what scoring every plan of the grid picks."""
    from costmodel import afd, afd_search

    setup = afd.AFDSetup(library.model(model), CHIPS[a], CHIPS[f], context, tpot_s=tpot_ms / 1e3, stages=stages,
                         ffn_parallel=parallel)
    best = afd_search.search(setup, objective=objective)
    expected = _brute_force_search(setup, objective)
    if expected is None:
        assert best is None
    else:
        assert (float(best.attention_instances), float(best.ffn_instances), float(best.micro_batch)) in expected
        assert bool(best.feasible)
