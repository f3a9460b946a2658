"""costmodel.design_space: the attention design space of a model body against every chip, one
vectorized call; a design equal to a model's own reproduces cost_grid exactly (bit for bit)."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from costmodel import InputError, cost_grid, decode_token, library
from costmodel.design_space import (
    OWN_KV, base_design, design_grid, design_model, equivalent, family_of, own_family)

MODELS = library.models()
CHIPS = tuple(library.chips().values())
PAPER_CHIPS = tuple(library.chip(s) for s in ("h800", "h20", "a800", "910b"))
STEP3, DSV3, QWEN3 = (MODELS[s] for s in ("step-3", "deepseek-v3", "qwen3-235b-a22b"))


def same(a, b) -> bool:
    """Bit-identical arrays (not approximately equal)."""
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and bool(np.all(a == b))


@pytest.mark.parametrize("slug", list(MODELS))
@pytest.mark.parametrize("context", [8192, 32768, 131072])
def test_own_design_reproduces_cost_grid_exactly(slug, context):
    model = MODELS[slug]
    grid = design_grid(model, CHIPS, context)
    ref = cost_grid([model], CHIPS, context)
    assert grid.shape == () and grid.family == own_family(model)
    assert same(grid.attention_usd_per_mtok, ref.attention_usd_per_mtok[0, :, 0])
    assert same(grid.ffn_usd_per_mtok, ref.ffn_usd_per_mtok[0, :, 0])
    assert same(grid.attention_memory_bound, ref.attention_memory_bound[0, :, 0])
    token = ref.tokens[0]
    assert same(grid.kv_read_bytes, token.kv_bytes[0]) and same(grid.attention_flops, token.attention_flops[0])
    assert same(grid.linear_flops, token.linear_flops) and grid.ffn_flops == token.ffn_flops
    assert same(grid.kv_stored_bytes, token.kv_stored_bytes[0])


@pytest.mark.parametrize("model, family, axes, own", [
    (STEP3, "mfa", {"q_per_kv": [1, 16, 64, 128], "n_kv": [1, 2, 4]}, (2, 0)),
    (QWEN3, "gqa", {"n_kv": [1, 4, 8], "q_per_kv": [4, 16, 32], "head_dim": [64, 128]}, (1, 1, 1)),
    (DSV3, "mla", {"kv_lora_rank": [256, 512, 1024], "n_heads": [32, 128]}, (1, 1)),
])
def test_heatmap_cell_at_a_library_design_equals_the_cost_model(model, family, axes, own):
    """The cell at the model's own design (KV in its own 8 bits, one token per step) is
    cost_grid's number for that model, exactly, on every chip."""
    grid = design_grid(model, CHIPS, 8192, family, {**axes, "kv_bits": [16, 8, 4], "tokens_per_step": [1, 2]})
    assert grid.shape == (*(len(v) for v in axes.values()), 3, 2)
    ref = cost_grid([model], CHIPS, 8192)
    cell = (*own, 1, 0)
    assert same(grid.attention_usd_per_mtok[cell], ref.attention_usd_per_mtok[0, :, 0])
    assert same(grid.total_usd_per_mtok[cell], ref.total_usd_per_mtok[0, :, 0])


# The paper's §5.1 intensities (FLOPs per KV byte, 8-bit KV) and §5.2's what-ifs: 4-bit KV
# doubles each, two tokens per step double it again.
GOLDEN = {"step-3": 128, "deepseek-v3": 512, "qwen3-235b-a22b": 32}


@pytest.mark.parametrize("slug", list(GOLDEN))
def test_golden_intensities_and_what_ifs(slug):
    grid = design_grid(MODELS[slug], PAPER_CHIPS, 8192, axes={"kv_bits": [8, 4], "tokens_per_step": [1, 2, 4]},
                       mtp_accept=1.0)
    value = GOLDEN[slug]
    assert grid.intensity.tolist() == [[value, 2 * value, 4 * value], [2 * value, 4 * value, 8 * value]]
    assert design_grid(MODELS[slug], PAPER_CHIPS, 32768).intensity == value  # independent of context


def test_mtp_reads_the_cache_once_per_step():
    """Every draft accepted (a = T): the cache is read once per T decoded tokens, the FLOPs per
    decoded token stay; the MTP layer adds (T - 1) / (T L) of the body per token."""
    grid = design_grid(STEP3, PAPER_CHIPS, 8192, axes={"tokens_per_step": [1, 2, 3, 4]}, mtp_accept=4.0)
    kv, core = grid.kv_read_bytes, grid.attention_flops
    assert np.allclose(kv * [1, 2, 3, 4], kv[0], rtol=1e-15) and np.allclose(core, core[0], rtol=1e-15)
    assert np.all(grid.kv_stored_bytes == grid.kv_stored_bytes[0]) and np.allclose(grid.linear_flops, grid.linear_flops[0])
    h800 = 0  # memory-bound: the KV term falls with the tokens per step, the projections stay
    assert grid.attention_memory_bound[:, h800].all()
    units = [library.chip("h800").price_usd_per_hour / 3600 / x for x in (1.98e15, 3.35e12)]
    expected = (kv * units[1] + grid.linear_flops * units[0]) * 1e6
    assert np.allclose(grid.attention_usd_per_mtok[:, h800], expected, rtol=1e-12)
    assert np.all(np.diff(grid.attention_usd_per_mtok[:, h800]) < 0)
    assert np.allclose(grid.ffn_usd_per_mtok, grid.ffn_usd_per_mtok[0], rtol=1e-15)
    body = grid.attention_usd_per_mtok[0] + grid.ffn_usd_per_mtok[0]  # one token, no MTP
    t = np.array([1, 2, 3, 4])[:, None]
    assert np.allclose(grid.mtp_usd_per_mtok, (t - 1) / (t * STEP3.layers) * body, rtol=1e-12)
    rejected = design_grid(STEP3, PAPER_CHIPS, 8192, axes={"tokens_per_step": [1, 2, 3, 4]}, mtp_accept=1.0)
    h20 = 1  # compute-bound on H20: a draft is one token through one layer, not T / a tokens
    assert np.allclose(rejected.mtp_usd_per_mtok[:, h20], (t[:, 0] - 1) / STEP3.layers * body[h20], rtol=1e-12)


def test_mtp_acceptance_is_published_and_drafts_cost():
    """Default acceptance by tokens per step: TensorRT-LLM's DeepSeek-R1 table (1.92, 2.58, 2.82
    tokens per step for 1, 2, 3 MTP layers). Rejected drafts cost: with a = 1 (all rejected)
    two tokens per step cost more than one."""
    grid = design_grid(DSV3, PAPER_CHIPS, 8192, axes={"tokens_per_step": [1, 2, 3, 4]})
    kv = grid.kv_read_bytes
    assert np.allclose(kv[0] / kv, [1.0, 1.92, 2.58, 2.82], rtol=1e-12)
    rejected = design_grid(DSV3, PAPER_CHIPS, 8192, axes={"tokens_per_step": [1, 2]}, mtp_accept=1.0)
    assert np.all(rejected.total_usd_per_mtok[1] > rejected.total_usd_per_mtok[0])
    with pytest.raises(InputError, match="mtp_accept"):
        design_grid(DSV3, PAPER_CHIPS, 8192, mtp_accept=0.5)


def test_gqa_intensity_depends_only_on_grouping_precision_and_tokens():
    """GQA/MFA: 4 n_q d / (2 n_kv d b) x T = 2 (q per KV) T / b, whatever the head count or dim."""
    grid = design_grid(QWEN3, PAPER_CHIPS, 8192, "gqa", {"q_per_kv": [1, 2, 8, 64], "n_kv": [1, 3, 8],
                                                          "head_dim": [64, 256], "kv_bits": [16, 8, 4],
                                                          "tokens_per_step": [1, 3]}, mtp_accept=2.0)
    q = np.array([1, 2, 8, 64])[:, None, None, None, None]
    b = np.array([2.0, 1.0, 0.5])[None, None, None, :, None]
    t = np.array([1, 3])[None, None, None, None, :]
    assert np.allclose(grid.intensity, np.broadcast_to(2 * q * t / b, grid.shape), rtol=1e-14)


def test_sweet_spot_of_the_paper_chips():
    """MFA's 128 sits just under A800's (156) and 910B's (175) ridges, inside their sweet spot
    [ridge/2, ridge]; above H20's (74: compute-bound), far under H800's (591)."""
    grid = design_grid(STEP3, PAPER_CHIPS, 8192)
    assert np.round(grid.ridge).tolist() == [591, 74, 156, 175]
    assert grid.sweet_spot.tolist() == [False, False, True, True]
    assert grid.attention_memory_bound.tolist() == [True, False, True, True]
    # DeepSeek-V3's 512 sits in H800's [296, 591]; Qwen3's 32 just under H20's [37, 74], and in it with 4-bit KV
    assert design_grid(DSV3, PAPER_CHIPS, 8192).sweet_spot.tolist() == [True, False, False, False]
    assert design_grid(QWEN3, PAPER_CHIPS, 8192).sweet_spot.tolist() == [False, False, False, False]
    assert design_grid(QWEN3, PAPER_CHIPS, 8192, kv_bits=4).sweet_spot.tolist() == [False, True, False, False]


def test_vectorized_grid_equals_one_design_at_a_time():
    axes = {"q_per_kv": np.arange(1, 65), "n_kv": np.arange(1, 65)}
    grid = design_grid(STEP3, CHIPS, 16384, "gqa", axes, head_dim=128, kv_bits=4, tokens_per_step=2)
    assert grid.attention_usd_per_mtok.shape == (64, 64, len(CHIPS)) and grid.size == 4096
    for i, j in ((0, 0), (15, 3), (63, 63), (7, 40)):
        one = design_grid(STEP3, CHIPS, 16384, "gqa", q_per_kv=i + 1, n_kv=j + 1, head_dim=128, kv_bits=4,
                          tokens_per_step=2)
        assert same(grid.attention_usd_per_mtok[i, j], one.attention_usd_per_mtok)
        assert same(grid.context_per_gpu[i, j], one.context_per_gpu)
        assert grid.parameters((i, j))["n_q"] == (i + 1) * (j + 1)


designs = st.fixed_dictionaries({
    "q_per_kv": st.sampled_from([1, 2, 3, 8, 24, 64]), "n_kv": st.sampled_from([1, 2, 4, 6, 16]),
    "head_dim": st.sampled_from([64, 96, 128, 256]), "q_lora_rank": st.sampled_from([512, 2048]),
    "kv_bits": st.sampled_from([OWN_KV, 4, 8, 16])})
mla_designs = st.fixed_dictionaries({
    "n_heads": st.sampled_from([8, 32, 128]), "kv_lora_rank": st.sampled_from([128, 512, 1000]),
    "qk_rope_dim": st.sampled_from([32, 64]), "kv_bits": st.sampled_from([OWN_KV, 4, 16])})


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(["step-3", "llama-4-maverick", "minimax-m1", "qwen3-32b"]), st.sampled_from(["gqa", "mfa"]),
       designs, st.sampled_from([4096, 8192, 100_000]))
def test_any_cell_is_the_cost_of_the_model_it_saves(slug, family, design, context):
    """design_model builds the ModelSpec of a cell; cost_grid of it is the cell, exactly (windows,
    linear-attention layers and per-group KV formats included)."""
    model = MODELS[slug]
    params = {k: v for k, v in design.items() if family == "mfa" or k != "q_lora_rank"}
    grid = design_grid(model, CHIPS, context, family, {"q_per_kv": [params.pop("q_per_kv")]}, **params)
    saved = design_model(model, family, grid.parameters((0,)), "x-design", "X", "test")
    ref = cost_grid([saved], CHIPS, context)
    assert same(grid.attention_usd_per_mtok[0], ref.attention_usd_per_mtok[0, :, 0])
    assert same(grid.ffn_usd_per_mtok[0], ref.ffn_usd_per_mtok[0, :, 0])
    assert same(grid.kv_stored_bytes[0], ref.tokens[0].kv_stored_bytes[0])


@settings(max_examples=30, deadline=None)
@given(st.sampled_from(["deepseek-v3", "step-3"]), mla_designs)
def test_any_mla_cell_is_the_cost_of_the_model_it_saves(slug, design):
    grid = design_grid(MODELS[slug], PAPER_CHIPS, 8192, "mla", {"n_heads": [design.pop("n_heads")]}, **design)
    saved = design_model(MODELS[slug], "mla", grid.parameters((0,)), "x-mla", "X", "test")
    assert same(grid.attention_usd_per_mtok[0], cost_grid([saved], PAPER_CHIPS, 8192).attention_usd_per_mtok[0, :, 0])


def test_hybrids_keep_windows_linear_layers_and_own_formats():
    llama = MODELS["llama-4-maverick"]
    saved = design_model(llama, "gqa", {"q_per_kv": 8, "n_kv": 4, "head_dim": 128}, "llama-gqa", "L", "test")
    assert [g.attention.window for g in saved.attention_groups] == [None, 8192]
    assert [g.kv_dtype for g in saved.attention_groups] == ["bf16", "fp8"]  # kv_bits 0: each group's own
    minimax = MODELS["minimax-m1"]
    saved = design_model(minimax, "mla", {"kv_bits": 4}, "mm-mla", "M", "test")
    assert family_of(saved.attention_groups[0].attention) == "mla" and saved.attention_groups[0].kv_dtype == "fp4"
    assert saved.attention_groups[1] == minimax.attention_groups[1]  # lightning layers untouched
    assert saved.published_total_params is None and saved.ffn_groups == minimax.ffn_groups


def test_context_one_gpu_holds():
    """(HBM - attention projections, embedding and LM head at the weight precision) / KV bytes
    per context token."""
    h800 = library.chip("h800")
    grid = design_grid(STEP3, (h800,), 8192)
    params = STEP3.params()
    free = h800.mem_bytes - (params.attention + params.embedding + params.lm_head) * 1.0
    assert grid.kv_bytes_per_context_token == 61 * 2 * 256 * 1.0
    assert grid.context_per_gpu[0] == pytest.approx(free / (61 * 512), rel=1e-12)
    four = design_grid(STEP3, (h800,), 8192, kv_bits=4)
    assert four.context_per_gpu[0] == pytest.approx(2 * grid.context_per_gpu[0], rel=1e-12)
    huge = design_grid(STEP3, (h800,), 8192, "gqa", q_per_kv=256, n_kv=64, head_dim=256)
    assert huge.context_per_gpu[0] == 0.0  # the projections alone exceed 80 GB: nothing left for KV


def test_base_design_and_equivalents():
    assert base_design(STEP3) == {"q_per_kv": 64, "n_kv": 1, "head_dim": 256, "q_lora_rank": 2048, "kv_bits": 0,
                                  "tokens_per_step": 1}
    assert base_design(QWEN3) == {"q_per_kv": 16, "n_kv": 4, "head_dim": 128, "kv_bits": 0, "tokens_per_step": 1}
    assert base_design(DSV3)["kv_lora_rank"] == 512 and base_design(QWEN3, "mfa")["q_lora_rank"] == 2048
    step3 = STEP3.attention_groups[0].attention
    assert equivalent(step3, "mfa", head_dim=256) == {"q_per_kv": 64, "n_kv": 1, "head_dim": 256}
    assert equivalent(step3, "mla") == {"kv_lora_rank": 448, "n_heads": 32, "qk_rope_dim": 64}
    assert equivalent(DSV3.attention_groups[0].attention, "gqa", head_dim=128) == {
        "q_per_kv": 256, "n_kv": 2.25, "head_dim": 128}
    # the equivalent design has the same KV bytes and intensity
    same_kv = design_grid(STEP3, PAPER_CHIPS, 8192, "mla", kv_lora_rank=448, n_heads=32)
    own = design_grid(STEP3, PAPER_CHIPS, 8192)
    assert same_kv.kv_read_bytes == own.kv_read_bytes and same_kv.intensity == own.intensity == 128


@pytest.mark.parametrize("call, field", [
    (lambda: design_grid(STEP3, PAPER_CHIPS, 8192, "mqa"), "family"),
    (lambda: design_grid(STEP3, PAPER_CHIPS, 8192, "gqa", {"kv_lora_rank": [1]}), "design kv_lora_rank"),
    (lambda: design_grid(STEP3, PAPER_CHIPS, 8192, "gqa", {"kv_bits": [8, 6]}), "design kv_bits"),
    (lambda: design_grid(STEP3, PAPER_CHIPS, 8192, "gqa", {"n_kv": [1.5]}), "design n_kv"),
    (lambda: design_grid(STEP3, PAPER_CHIPS, 8192, "gqa", {"n_kv": []}), "design n_kv"),
    (lambda: design_grid(STEP3, PAPER_CHIPS, 8192, "gqa", {"n_kv": [0]}), "design n_kv"),
    (lambda: design_grid(STEP3, PAPER_CHIPS, 8192, "gqa", {"n_kv": [float("nan")]}), "design n_kv"),
    (lambda: design_grid(STEP3, PAPER_CHIPS, 8192, "gqa", tokens_per_step=17), "design tokens_per_step"),
    (lambda: design_grid(STEP3, PAPER_CHIPS, 8192, "mla", {"q_lora_rank": [0, 1536]}), "design q_lora_rank"),
    (lambda: design_grid(STEP3, PAPER_CHIPS, [8192, 16384]), "context"),
    (lambda: design_grid(STEP3, PAPER_CHIPS, 0), "context"),
    (lambda: design_grid(STEP3, (), 8192), "chips"),
    (lambda: design_grid(STEP3, PAPER_CHIPS, 8192, weight_dtype="fp7"), "weight precision"),
    (lambda: design_grid(STEP3, PAPER_CHIPS, 8192, "gqa", q_per_kv=16_000_000, n_kv=16_000_000, head_dim=16_000_000),
     "design"),
    (lambda: design_model(STEP3, "gqa", {}, "Not A Slug", "x", "y"), "model slug"),
])
def test_invalid_input_names_the_field(call, field):
    with pytest.raises(InputError) as err:
        call()
    assert err.value.field == field


def test_a_model_without_softmax_attention_is_refused():
    from costmodel.attention import LinearAttention
    from costmodel.model import AttentionGroup
    import dataclasses

    minimax = MODELS["minimax-m1"]
    linear = dataclasses.replace(minimax, attention_groups=(
        AttentionGroup(80, LinearAttention(hidden=6144, n_heads=64, key_dim=128, value_dim=128), "fp32"),))
    with pytest.raises(InputError, match="no softmax-attention"):
        design_grid(linear, PAPER_CHIPS, 8192)


def test_output_is_finite():
    grid = design_grid(STEP3, CHIPS, 1_000_000, "gqa", {"q_per_kv": [1, 256], "n_kv": [1, 64], "kv_bits": [4, 16],
                                                        "tokens_per_step": [1, 4]})
    for array in (grid.attention_usd_per_mtok, grid.ffn_usd_per_mtok, grid.context_per_gpu, grid.intensity,
                  grid.kv_bytes_per_context_token):
        assert np.all(np.isfinite(array)) and np.all(array >= 0)
    assert math.isfinite(decode_token(STEP3, 1_000_000).kv_bytes[()])
