"""Chips, precisions, batch-aware steps and the roofline."""
import numpy as np
import pytest

from costmodel import InputError, library
from costmodel.batch import attention_step, expected_experts_touched, ffn_step, roofline_time_s
from costmodel.decode import decode_token, parse_context
from costmodel.precision import dtype_for_bits


def test_compute_dtype_ladder():
    h800, a800, b200 = (library.chip(s) for s in ("h800", "a800", "b200"))
    assert h800.compute_dtype("fp8") == "fp8" and a800.compute_dtype("fp8") == "bf16"
    assert h800.compute_dtype("fp4") == "fp8" and b200.compute_dtype("fp4") == "fp4"
    assert a800.compute_dtype("int4") == "int8"


def test_with_changes_marks_modified_and_validates():
    h800 = library.chip("h800")
    faster = h800.with_changes(mem_bw_bytes_per_s=6.7e12)
    assert faster.modified == {"mem_bw_bytes_per_s"} and not h800.is_modified
    assert faster.ridge_point() == pytest.approx(h800.ridge_point() / 2)
    with pytest.raises(InputError, match="mem_bw_bytes_per_s"):
        h800.with_changes(mem_bw_bytes_per_s=0)
    with pytest.raises(InputError, match="price_usd_per_hour"):
        h800.with_changes(price_usd_per_hour=-1)
    with pytest.raises(InputError, match="not an editable field"):
        h800.with_changes(slug="x")


@pytest.mark.parametrize("text,tokens", [("8192", 8192), ("8k", 8192), ("32K", 32768), ("1.5k", 1536), ("1m", 1048576)])
def test_parse_context(text, tokens):
    assert parse_context(text) == tokens


@pytest.mark.parametrize("text", ["0", "-1", "nan", "inf", "abc", "", "k"])
def test_parse_context_rejects(text):
    with pytest.raises(InputError) as err:
        parse_context(text)
    assert err.value.field == "context"


def test_kv_bits():
    assert [dtype_for_bits(b) for b in (4, 8, 16, 32)] == ["fp4", "fp8", "bf16", "fp32"]
    with pytest.raises(InputError, match="kv-bits"):
        dtype_for_bits(7)


def test_four_bit_kv_doubles_intensity():
    """§5.2: 4-bit KV storage doubles attention arithmetic intensity (Step-3: 128 -> 256)."""
    step3 = library.model("step-3")
    assert float(decode_token(step3, 8192, kv_dtype="fp4").attention_intensity) == pytest.approx(256)


def test_expected_experts_touched_limits():
    assert expected_experts_touched(256, 8, 1) == pytest.approx(8)
    assert expected_experts_touched(256, 8, 10_000) == pytest.approx(256)
    values = expected_experts_touched(256, 8, np.arange(1, 200))
    assert np.all(np.diff(values) > 0)


def test_ffn_step_becomes_compute_bound_with_batch():
    """A dense FFN with 8-bit weights turns compute-bound once 2 B exceeds the ridge (H800 591)."""
    qwen32, h800 = library.model("qwen3-32b"), library.chip("h800")
    small, large = ffn_step(qwen32, h800, 64), ffn_step(qwen32, h800, 1024)
    assert ffn_step(qwen32, h800, 290).memory_bound and not ffn_step(qwen32, h800, 300).memory_bound  # 591 / 2
    assert small.memory_bound and not large.memory_bound
    assert large.intensity == pytest.approx(2 * 1024)
    # MoE: the weights read grow with the experts touched, so intensity lags a dense model's
    dsv3 = ffn_step(library.model("deepseek-v3"), h800, 1024)
    assert dsv3.intensity < 2 * 1024


def test_attention_step_kv_scales_with_batch_weights_do_not():
    step3, h20 = library.model("step-3"), library.chip("h20")
    core1, lin1 = attention_step(step3, h20, 1, 8192)
    core8, lin8 = attention_step(step3, h20, 8, 8192)
    assert core8.nbytes == pytest.approx(8 * core1.nbytes)
    assert lin8.nbytes == lin1.nbytes and lin8.flops == pytest.approx(8 * lin1.flops)


def test_roofline_time():
    t, mem = roofline_time_s([1e12, 1e15], [1e12, 1e9], 1e15, 1e12)
    assert list(t) == [1.0, 1.0] and list(mem) == [True, False]


def test_bad_batch():
    with pytest.raises(InputError, match="batch"):
        ffn_step(library.model("step-3"), library.chip("h800"), 0)


def test_cost_grid_with_the_callers_tokens_is_the_same_grid():
    """Pages keep the models' tokens across chip-slider moves and pass them in."""
    from costmodel import cost_grid

    models = [library.model(s) for s in ("step-3", "deepseek-v3")]
    chips = [library.chip(s) for s in ("h800", "h20")]
    ctx = np.array([4096.0, 8192.0, 65536.0])
    fresh = cost_grid(models, chips, ctx, "fp8", "bf16")
    kept = cost_grid(models, chips, ctx, "fp8", "bf16", tokens=[decode_token(m, ctx, "fp8", "bf16") for m in models])
    assert np.array_equal(fresh.attention_usd_per_mtok, kept.attention_usd_per_mtok)
    assert np.array_equal(fresh.ffn_usd_per_mtok, kept.ffn_usd_per_mtok)
