"""The reduced (piecewise-linear in context) form of a model and the scalar entry point
``point_cost``: the reduction gives decode_token's numbers, point_cost gives cost_grid's cell,
bad input raises InputError naming the field."""
import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from costmodel import (GQA, MLA, AttentionGroup, DenseFFN, FFNGroup, InputError, LinearAttention, ModelSpec,
                       PointCost, cost_grid, decode_token, library, point_cost)
from costmodel.cost import TOKENS_PER_UNIT, unit_costs
from costmodel.decode import MAX_CONTEXT, check_context
from costmodel.reduced import kv_dtype_of
from costmodel.precision import bytes_per_element
from costmodel.reduced import Piecewise, reduce_model

HIDDEN = 2880


def _gpt_oss_like() -> ModelSpec:
    """Alternating 128-token sliding-window and full-attention GQA layers (gpt-oss style)."""
    def gqa(window=None):
        return GQA(hidden=HIDDEN, n_q=64, n_kv=8, head_dim=64, window=window)
    return ModelSpec(slug="gpt-oss-like", name="gpt-oss-like", hidden=HIDDEN, vocab=201088,
                     attention_groups=(AttentionGroup(12, gqa(128)), AttentionGroup(12, gqa())),
                     ffn_groups=(FFNGroup(24, DenseFFN(hidden=HIDDEN, intermediate=2880)),), source="test")


def _mixed() -> ModelSpec:
    """Every kind of term at once: two windows (one sliding, one chunked, one of them on an MLA
    group), full layers, a linear-attention state with its own format, and groups sharing a
    window (their slopes add)."""
    groups = (
        AttentionGroup(3, GQA(hidden=HIDDEN, n_q=32, n_kv=4, head_dim=96, window=4096), "bf16"),
        AttentionGroup(5, LinearAttention(hidden=HIDDEN, n_heads=16, key_dim=96, value_dim=96,
                                          flops_per_state_element=7.3), "fp32"),
        AttentionGroup(2, MLA(hidden=HIDDEN, n_heads=16, kv_lora_rank=256, qk_nope_dim=64, qk_rope_dim=32,
                              v_head_dim=64, window=128, window_kind="chunked")),
        AttentionGroup(4, GQA(hidden=HIDDEN, n_q=32, n_kv=8, head_dim=96), "fp8"),
        AttentionGroup(1, GQA(hidden=HIDDEN, n_q=32, n_kv=2, head_dim=96, window=4096), "fp8"),
    )
    return ModelSpec(slug="mixed", name="mixed", hidden=HIDDEN, vocab=1000, attention_groups=groups,
                     ffn_groups=(FFNGroup(15, DenseFFN(hidden=HIDDEN, intermediate=4096)),), source="test")


def _linear_only() -> ModelSpec:
    return ModelSpec(slug="linear-only", name="linear-only", hidden=HIDDEN, vocab=1000,
                     attention_groups=(AttentionGroup(8, LinearAttention(hidden=HIDDEN, n_heads=8, key_dim=64,
                                                                         value_dim=64), "fp32"),),
                     ffn_groups=(FFNGroup(8, DenseFFN(hidden=HIDDEN, intermediate=1024)),), source="test")


MODELS = list(library.models().values()) + [_gpt_oss_like(), _mixed(), _linear_only()]
CHIPS = list(library.chips().values())
KV_DTYPES = [None, "fp8", "bf16", "fp4"]
WEIGHT_DTYPES = ["fp8", "bf16", "fp4", "int4"]
WINDOWS = sorted({g.attention.window for m in MODELS for g in m.attention_groups if g.attention.window})
CONTEXTS = sorted({1.0, 2.0, 1000.5, 8192.25, float(1 << 20), float(MAX_CONTEXT - 1), float(MAX_CONTEXT)}
                  | {float(w + d) for w in WINDOWS for d in (-1, 0, 1)})
FLOAT_FIELDS = ("kv_bytes", "attention_flops", "linear_flops", "ffn_flops", "kv_stored_bytes",
                "linear_weight_bytes", "ffn_weight_bytes", "query_flops", "kv_projection_flops", "output_flops")


def reference_decode(model, context, kv_dtype=None, weight_dtype="fp8"):
    """decode_token as it was before the reduction: a loop over layer groups through the
    attention interface (effective_context and friends), in numpy."""
    ctx = check_context(context)
    weight_bytes = bytes_per_element(weight_dtype)
    kv, stored, core = np.zeros_like(ctx), np.zeros_like(ctx), np.zeros_like(ctx)
    linear_params = 0.0
    parts = {"query": 0.0, "kv": 0.0, "output": 0.0}
    for group in model.attention_groups:
        attn = group.attention
        b = bytes_per_element(kv_dtype_of(group, kv_dtype))
        eff = attn.effective_context(ctx)
        kv = kv + group.layers * (attn.kv_elements_per_token() * b * eff + 2.0 * attn.state_elements() * b)
        stored = stored + group.layers * attn.kv_stored_elements(ctx) * b
        core = core + group.layers * (attn.core_flops_per_context_token() * eff + attn.fixed_core_flops())
        linear_params += group.layers * attn.linear_params()
        for part, params in attn.projection_params().items():
            parts[part] += group.layers * params
    ffn_params = sum(g.layers * g.ffn.activated_params() for g in model.ffn_groups)
    return dict(kv_bytes=kv, attention_flops=core, linear_flops=2.0 * linear_params, ffn_flops=2.0 * ffn_params,
                kv_stored_bytes=stored, linear_weight_bytes=linear_params * weight_bytes,
                ffn_weight_bytes=ffn_params * weight_bytes, query_flops=2.0 * parts["query"],
                kv_projection_flops=2.0 * parts["kv"], output_flops=2.0 * parts["output"])


def close(a, b, rel=1e-12):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.shape == b.shape and bool(np.all(np.abs(a - b) <= rel * np.maximum(np.abs(a), np.abs(b))))


def test_contexts_cover_the_windows():
    assert {128, 4096, 8192} <= set(WINDOWS)
    assert {8191.0, 8192.0, 8193.0, 127.0, 129.0, 1.0, float(1 << 20), float(MAX_CONTEXT)} <= set(CONTEXTS)


# -- the reduction ----------------------------------------------------------------------------

@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.slug)
@pytest.mark.parametrize("kv_dtype", KV_DTYPES)
@pytest.mark.parametrize("weight_dtype", WEIGHT_DTYPES)
def test_reduction_is_decode_token(model, kv_dtype, weight_dtype):
    ctx = np.array(CONTEXTS)
    reduced = reduce_model(model, kv_dtype, weight_dtype)
    token = decode_token(model, ctx, kv_dtype, weight_dtype)
    reference = reference_decode(model, ctx, kv_dtype, weight_dtype)
    whole = ctx == np.round(ctx)
    for name in FLOAT_FIELDS:
        value, ref = getattr(token, name), reference[name]
        assert close(value, ref), name  # the reduction sums in another order: equal within 1e-12
        form = getattr(reduced, name)
        if isinstance(form, Piecewise):
            # at whole contexts every term is an exact integer (or half): the same bits
            assert np.array_equal(value[whole], ref[whole]), name
            assert np.array_equal(form(ctx), value), name  # decode_token is the reduction
            assert [form(float(c)) for c in ctx] == list(value), name  # floats and arrays: same bits
            assert all(type(form(float(c))) is float for c in ctx[:2])
        else:
            assert type(value) is float and value == ref == form, name


def test_reduction_terms():
    llama = reduce_model(library.model("llama-4-maverick"))
    assert [w for w, _ in llama.kv_bytes.windowed] == [8192.0] and llama.kv_bytes.constant == 0
    assert llama.kv_bytes.full > 0
    minimax = reduce_model(library.model("minimax-m1"))  # the lightning state: constants only
    assert minimax.kv_bytes.constant > 0 and minimax.attention_flops.constant > 0
    assert minimax.kv_bytes.windowed == () and minimax.kv_bytes.constant == 2 * minimax.kv_stored_bytes.constant
    mixed = reduce_model(_mixed())
    assert [w for w, _ in mixed.kv_bytes.windowed] == [128.0, 4096.0]  # two groups share 4096: one slope
    assert reduce_model(_linear_only()).kv_bytes.full == 0 and reduce_model(_linear_only()).kv_bytes.windowed == ()
    # a window's slope counts up to the window and stops there
    for form in (llama.kv_bytes, mixed.kv_bytes, mixed.attention_flops):
        for w, slope in form.windowed:
            growing = form.full + sum(s for w2, s in form.windowed if w2 > w)
            assert form(w + 1) - form(w) == growing and form(w) - form(w - 1) == growing + slope


def test_reduction_is_cached_per_model_and_precision():
    model = library.model("deepseek-v3")
    assert reduce_model(model) is reduce_model(model, None, "FP8")
    assert reduce_model(model, "fp8") is not reduce_model(model)  # another kv precision, another entry
    from costmodel.reduced import _reduce_cached
    assert _reduce_cached.cache_info().maxsize == 256


def test_decode_token_shapes_as_before():
    model = library.model("llama-4-maverick")
    for context in (8192, 8192.0, np.float64(100.0), [1.0, 2.0], np.array([[1.0, 5e5], [9000.0, 3.0]])):
        token, ref = decode_token(model, context), reference_decode(model, context)
        for name in ("kv_bytes", "attention_flops", "kv_stored_bytes"):
            value = getattr(token, name)
            assert type(value) is type(ref[name]) and np.shape(value) == np.shape(ref[name]), (context, name)
    only = decode_token(_linear_only(), [1.0, 2.0, 3.0])
    assert only.kv_bytes.shape == (3,) and len(set(only.kv_bytes)) == 1


# -- point_cost against the grid --------------------------------------------------------------

GRID_FIELDS = ("attention_usd_per_mtok", "ffn_usd_per_mtok", "total_usd_per_mtok", "attention_memory_bound")


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.slug)
@pytest.mark.parametrize("kv_dtype", KV_DTYPES)
@pytest.mark.parametrize("weight_dtype", WEIGHT_DTYPES)
def test_point_cost_is_the_grid_cell(model, kv_dtype, weight_dtype):
    grid = cost_grid([model], CHIPS, CONTEXTS, kv_dtype, weight_dtype)
    token = grid.tokens[0]
    for j, chip in enumerate(CHIPS):
        for k, context in enumerate(CONTEXTS):
            point = point_cost(model, chip, context, kv_dtype, weight_dtype)
            assert isinstance(point, PointCost) and point.context == context
            expected = dict(kv_bytes=token.kv_bytes[k], kv_stored_bytes=token.kv_stored_bytes[k],
                            attention_flops=token.attention_flops[k], linear_flops=token.linear_flops,
                            ffn_flops=token.ffn_flops, attention_intensity=token.attention_intensity[k],
                            **{f: getattr(grid, f)[0, j, k] for f in GRID_FIELDS})
            for name, value in expected.items():
                assert close(getattr(point, name), value), (chip.slug, context, name)
                # the same operations in the same order: in fact the same bits
                assert getattr(point, name) == value, (chip.slug, context, name)
            assert point.attention_memory_bound is bool(grid.attention_memory_bound[0, j, k])
            assert point.compute_dtype == grid.units[j].compute_dtype


def test_point_cost_formula_by_hand():
    model, chip = library.model("qwen3-32b"), library.chip("h20")
    point, unit = point_cost(model, chip, 32768), unit_costs(chip)
    token = reference_decode(model, 32768.0)
    kv, core = float(token["kv_bytes"]), float(token["attention_flops"])
    attention = (max(core * unit.usd_per_flop, kv * unit.usd_per_byte) + token["linear_flops"] * unit.usd_per_flop)
    assert math.isclose(point.attention_usd_per_mtok, attention * TOKENS_PER_UNIT, rel_tol=1e-12)
    assert math.isclose(point.ffn_usd_per_mtok, token["ffn_flops"] * unit.usd_per_flop * TOKENS_PER_UNIT, rel_tol=1e-12)
    assert point.total_usd_per_mtok == point.attention_usd_per_mtok + point.ffn_usd_per_mtok
    assert point.attention_intensity == point.attention_flops / point.kv_bytes
    assert all(type(getattr(point, f)) is float for f in PointCost._fields
               if f not in ("attention_memory_bound", "compute_dtype"))


def test_point_cost_sees_edited_chips_and_equal_models():
    model, chip = library.model("step-3"), library.chip("h800")
    cheaper = chip.with_changes(price_usd_per_hour=chip.price_usd_per_hour / 2)
    full, half = point_cost(model, chip, 65536), point_cost(model, cheaper, 65536)
    assert math.isclose(half.total_usd_per_mtok, full.total_usd_per_mtok / 2, rel_tol=1e-12)
    # an equal model built anew shares the kept reduction and gives the same numbers
    again = ModelSpec(**{f: getattr(model, f) for f in model.__dataclass_fields__})
    assert again is not model and point_cost(again, chip, 65536) == full


def test_point_cost_accepts_numbers_of_any_kind_and_unhashable_records():
    model, chip = library.model("kimi-k2"), library.chip("b200")
    base = point_cost(model, chip, 4096)
    for context in (4096.0, np.float64(4096), np.int64(4096), np.float32(4096), np.array(4096.0), Fraction(4096)):
        assert point_cost(model, chip, context) == base, context
    listed = ModelSpec(**{**{f: getattr(model, f) for f in model.__dataclass_fields__},
                          "attention_groups": list(model.attention_groups)})  # valid, but unhashable
    assert point_cost(listed, chip, 4096) == base
    assert point_cost(model, chip, 4096, "FP8", " bf16 ") == point_cost(model, chip, 4096, "fp8", "bf16")


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(MODELS), st.sampled_from(CHIPS),
       st.floats(min_value=1, max_value=MAX_CONTEXT, allow_nan=False) | st.integers(1, MAX_CONTEXT),
       st.sampled_from(KV_DTYPES), st.sampled_from(WEIGHT_DTYPES + ["int8"]))
def test_point_cost_property(model, chip, context, kv_dtype, weight_dtype):
    point = point_cost(model, chip, context, kv_dtype, weight_dtype)
    grid = cost_grid([model], [chip], context, kv_dtype, weight_dtype)
    reference = reference_decode(model, context, kv_dtype, weight_dtype)
    for name in ("kv_bytes", "attention_flops", "kv_stored_bytes", "linear_flops", "ffn_flops"):
        assert close(getattr(point, name), reference[name]), name
    for name in GRID_FIELDS:
        assert close(getattr(point, name), getattr(grid, name)[0, 0, 0]), name
    assert point.attention_memory_bound is bool(grid.attention_memory_bound[0, 0, 0])
    lower = point_cost(model, chip, max(1.0, context / 2), kv_dtype, weight_dtype)
    assert lower.total_usd_per_mtok <= point.total_usd_per_mtok and lower.kv_bytes <= point.kv_bytes


# -- bad input --------------------------------------------------------------------------------

@pytest.mark.parametrize("context", [0, 0.5, -1, float("nan"), float("inf"), -float("inf"), MAX_CONTEXT + 1,
                                     MAX_CONTEXT + 0.5, 10 ** 400, -10 ** 400, "8192", "8k", None, True, [8192],
                                     np.array([1.0, 2.0]), np.nan, np.float64("inf"), 1 + 1j, object()])
def test_point_cost_rejects_bad_context(context):
    with pytest.raises(InputError) as error:
        point_cost(library.model("deepseek-v3"), library.chip("h800"), context)
    assert error.value.field == "context"


@pytest.mark.parametrize("kv_dtype, weight_dtype, field", [
    ("fp7", "fp8", "kv precision"), (["fp8"], "fp8", "kv precision"), (8, "fp8", "kv precision"),
    (None, "fp9", "weight precision"), (None, None, "weight precision"), ("fp8", {"w": 1}, "weight precision"),
])
def test_point_cost_rejects_bad_precision(kv_dtype, weight_dtype, field):
    with pytest.raises(InputError) as error:
        point_cost(library.model("deepseek-v3"), library.chip("h800"), 8192, kv_dtype, weight_dtype)
    assert error.value.field == field


def test_point_cost_rejects_wrong_records():
    model, chip = library.model("deepseek-v3"), library.chip("h800")
    for args, field in (((chip, chip), "model"), (("deepseek-v3", chip), "model"), ((model, model), "chip"),
                        ((model, "h800"), "chip"), ((model, None), "chip")):
        with pytest.raises(InputError) as error:
            point_cost(*args, 8192)
        assert error.value.field == field
