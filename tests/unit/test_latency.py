"""Attention latency in parts (costmodel.latency) and kernel sets (costmodel.kernels): layouts,
replication, communication, invariants (hypothesis), and that the per-token figures keep their
meaning."""
import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from costmodel import InputError, decode_token, library
from costmodel.kernels import KernelSet, chip_kernel_rows, kernel_set
from costmodel.latency import LAYOUTS, default_layout, layer_latency, link_bytes_per_s

MODELS = list(library.models().values())
CHIPS = list(library.chips().values())
STEP3, DSV3, QWEN3 = (library.model(s) for s in ("step-3", "deepseek-v3", "qwen3-235b-a22b"))
H800 = library.chip("h800")

contexts = st.floats(min_value=1, max_value=1 << 20, allow_nan=False)


def _gpus_for(model, layout, g):
    """``g`` capped where the layout cannot split further (tp: at most the query heads)."""
    least = min(grp.attention.query_heads for grp in model.attention_groups)
    return min(g, least) if layout == "tp" else g


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(MODELS), st.sampled_from(CHIPS), contexts, st.integers(1, 64), st.integers(1, 4096),
       st.sampled_from(LAYOUTS), st.sampled_from([None, "bf16", "fp8"]))
def test_parts_add_up_to_the_total(model, chip, context, g, batch, layout, kv):
    g = _gpus_for(model, layout, g)
    lat = layer_latency(model, chip, [context, 2 * context], g, batch, layout, kv_dtype=kv)
    total = lat.overhead_s + lat.core_s + lat.query_s + lat.kv_projection_s + lat.output_s + lat.comm_s
    assert np.allclose(lat.latency_s, total, rtol=1e-12, atol=0)
    assert np.allclose(lat.projections_s, lat.query_s + lat.kv_projection_s + lat.output_s, rtol=1e-12)
    for part in (lat.overhead_s, lat.core_s, lat.query_s, lat.kv_projection_s, lat.output_s, lat.comm_s):
        assert np.all(np.isfinite(part)) and np.all(part >= 0)
    assert lat.latency_s[1] >= lat.latency_s[0] * (1 - 1e-12), "more context never takes less time"


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(MODELS), contexts, st.integers(1, 64), st.integers(1, 4096), st.sampled_from(LAYOUTS))
def test_a_layout_never_reads_less_kv_than_the_requests_hold(model, context, g, batch, layout):
    """Summed over the instance's GPUs, one step reads at least the cache its requests hold
    (replicated K/V heads read more; a linear-attention state is read and written)."""
    g = _gpus_for(model, layout, g)
    lat = layer_latency(model, H800, context, g, batch, layout, kv_dtype="fp8")
    held = batch * float(decode_token(model, context, kv_dtype="fp8").kv_stored_bytes) / model.layers
    assert float(lat.kv_read_bytes) * g >= held * (1 - 1e-12)
    assert float(lat.kv_stored_bytes) * g >= held * (1 - 1e-12)


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(MODELS), st.sampled_from(CHIPS), contexts, st.integers(1, 4096), st.data())
def test_tp_time_never_grows_with_more_gpus_when_communication_is_free(model, chip, context, batch, data):
    least = min(grp.attention.query_heads for grp in model.attention_groups)
    g1 = data.draw(st.integers(1, least))
    g2 = data.draw(st.integers(g1, least))
    t1, t2 = (layer_latency(model, chip, context, g, batch, "tp").compute_s for g in (g1, g2))
    assert float(t2) <= float(t1) * (1 + 1e-12)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(MODELS), contexts, st.integers(1, 16), st.integers(1, 512), st.sampled_from(LAYOUTS))
def test_vectorized_over_context_equals_scalar_calls(model, context, g, batch, layout):
    g = _gpus_for(model, layout, g)
    ctx = [context, 3 * context, 1 + context / 2]
    lat = layer_latency(model, H800, ctx, g, batch, layout)
    for i, c in enumerate(ctx):
        one = layer_latency(model, H800, c, g, batch, layout)
        assert float(one.latency_s) == pytest.approx(float(lat.latency_s[i]), rel=1e-12)
        assert str(one.bound) == str(lat.bound[i])


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(MODELS), contexts, st.sampled_from([None, "bf16", "fp8", "fp4"]))
def test_per_token_parts_add_up_and_keep_the_figures(model, context, kv):
    """TokenCost's parts: projection FLOPs by part add up to linear_flops; the cache held is never
    more than one step reads (equal without linear-attention state)."""
    token = decode_token(model, context, kv_dtype=kv)
    assert token.query_flops + token.kv_projection_flops + token.output_flops == pytest.approx(token.linear_flops, rel=1e-12)
    assert float(token.kv_stored_bytes) <= float(token.kv_bytes) * (1 + 1e-12)
    if all(g.attention.kind != "linear" for g in model.attention_groups):
        assert float(token.kv_stored_bytes) == pytest.approx(float(token.kv_bytes), rel=1e-12)
    for g in model.attention_groups:
        assert sum(g.attention.projection_params().values()) == g.attention.linear_params()


def test_paper_still_303_of_303():
    """The per-token figures and the cost model keep their meaning: every printed cell of the
    paper's Tables 2-7 and Figures 1-2 still matches."""
    from costmodel.paper import reproduce

    cells = reproduce()
    assert len(cells) == 303 and all(c.match for c in cells)


def test_linear_state_is_read_and_written_but_stored_once():
    model = library.model("minimax-m1")
    linear = next(g.attention for g in model.attention_groups if g.attention.kind == "linear")
    assert linear.kv_read_elements(4096) == 2 * linear.state_elements()
    assert linear.kv_stored_elements(4096) == linear.state_elements()


def test_a_window_reads_and_stores_at_most_the_window():
    llama = library.model("llama-4-maverick")
    chunked = next(g.attention for g in llama.attention_groups if g.attention.window)
    w = chunked.window
    assert float(chunked.kv_read_elements(10 * w)) == float(chunked.kv_stored_elements(10 * w)) == chunked.kv_elements_per_token() * w


def test_projection_parts_of_step3():
    """Step-3 MFA per layer: query = q_down 7168x2048 + q_up 2048x16384; kv = k, v 7168x256 each;
    output = 16384x7168 (reference §1: 169,345,024 in all)."""
    parts = STEP3.attention_groups[0].attention.projection_params()
    assert parts == {"query": 14_680_064 + 33_554_432, "kv": 2 * 1_835_008, "output": 117_440_512}


def test_dp_has_no_communication_and_splits_requests():
    lat = layer_latency(STEP3, H800, 8192, 4, 256, "dp")
    assert float(lat.comm_s) == 0 and float(lat.requests_per_gpu) == 64 and float(lat.replication) == 1
    assert lat.replication_note == ""


def test_tp_replicates_kv_heads_fewer_than_gpus():
    """Qwen3-235B has 4 KV heads: on 8 GPUs each is held twice; MLA's one latent is held by
    every GPU; Step-3's one K/V head likewise."""
    for model, g, copies in ((QWEN3, 4, 1), (QWEN3, 8, 2), (DSV3, 4, 4), (STEP3, 8, 8)):
        lat = layer_latency(model, H800, 8192, g, 256, "tp", kv_dtype="bf16")
        assert float(lat.replication) == copies
        assert (lat.replication_note != "") == (copies > 1)
        held = 256 * float(decode_token(model, 8192, kv_dtype="bf16").kv_stored_bytes) / model.layers
        assert float(lat.kv_stored_bytes) * g == pytest.approx(held * copies, rel=1e-12)


def test_tp_all_reduce_and_afd_exchange_over_the_scale_up_link():
    """tp: ring all-reduce of the BF16 outputs, 2 (g-1)/g x batch x hidden x 2 bytes each way.
    afd: the output projection's FP8 input all-to-all, (g-1)/g x requests per GPU x 16384, plus
    the reduce-scatter of its BF16 partial sums, (g-1)/g x batch x hidden x 2. The scale-up
    figure (both directions summed) is halved per direction and scaled by the link efficiency."""
    ks = kernel_set(H800)
    tp = layer_latency(QWEN3, H800, 8192, 4, 256, "tp")
    assert float(tp.comm_bytes) == 2 * 3 / 4 * 256 * 4096 * 2
    afd = layer_latency(STEP3, H800, 4096, 8, 1024, "afd", kv_dtype="fp8", attention_dtype="fp8")
    assert float(afd.comm_bytes) == 7 / 8 * (128 * 16384 * 1 + 1024 * 7168 * 2)
    assert float(afd.comm_s) == pytest.approx(float(afd.comm_bytes) / (H800.scaleup_bytes_per_s / 2 * ks.link))
    assert link_bytes_per_s(H800) == (2e11, "")


def test_chip_without_scale_up_uses_its_nic_and_says_so():
    br104 = library.chip("br104")
    assert br104.scaleup_bytes_per_s is None
    lat = layer_latency(QWEN3, br104, 8192, 4, 64, "tp")
    assert float(lat.comm_s) > 0 and any("no scale-up" in n for n in lat.notes)


def test_afd_layout_splits_the_output_projection():
    """afd: query and K/V projections whole on every GPU for its own requests, the output
    projection 1/g of the weights over the instance's whole batch."""
    dp = layer_latency(STEP3, H800, 4096, 8, 1024, "dp")
    afd = layer_latency(STEP3, H800, 4096, 8, 1024, "afd")
    assert float(afd.query_s) == float(dp.query_s) and float(afd.kv_projection_s) == float(dp.kv_projection_s)
    assert float(afd.core_s) == float(dp.core_s)
    assert float(afd.output_s) < float(dp.output_s)


def test_tile_padding_of_few_query_heads_per_kv_head():
    """Qwen3 on 4 GPUs: 16 query heads per KV head fill a quarter of a 64-row tile: the tensor work
    is 4x the useful work, which makes it compute-bound on H20 (Table 9's 812 / 3042 us)."""
    h20 = library.chip("h20")
    lat = layer_latency(QWEN3, h20, 32768, 4, 256, "tp")
    useful = 256 * 4 * 16 * 128 * 32768
    assert float(lat.core_flops) == useful and str(lat.bound) == "compute"
    ks = kernel_set(h20)
    assert float(lat.core_s) == pytest.approx(4 * useful / (h20.bf16_flops * ks.flash.flops))


def test_default_layouts_as_table9():
    assert [default_layout(m) for m in (STEP3, DSV3, QWEN3)] == ["dp", "dp", "tp"]


def test_bad_inputs_name_the_field():
    with pytest.raises(InputError) as err:
        layer_latency(STEP3, H800, 8192, 4, 256, "pp")
    assert err.value.field == "layout"
    with pytest.raises(InputError) as err:
        layer_latency(STEP3, H800, 8192, 0, 256, "dp")
    assert err.value.field == "gpus"
    with pytest.raises(InputError) as err:  # a GPU is not divisible
        layer_latency(STEP3, H800, 8192, 2.5, 256, "dp")
    assert err.value.field == "gpus" and "whole" in err.value.message
    with pytest.raises(InputError) as err:
        layer_latency(STEP3, H800, 8192, 4, float("nan"), "dp")
    assert err.value.field == "batch"
    with pytest.raises(InputError) as err:
        layer_latency(QWEN3, H800, 8192, 128, 256, "tp")
    assert err.value.field == "gpus" and "64 query heads" in err.value.message
    with pytest.raises(InputError) as err:
        layer_latency(STEP3, H800, 0, 4, 256, "dp")
    assert err.value.field == "context"


def test_kernel_sets_per_chip_say_whether_assumed():
    rows = {r["chip"]: r for r in chip_kernel_rows(CHIPS)}
    assert set(rows) == {c.slug for c in CHIPS}
    for slug in ("h800", "h20", "a800"):
        assert rows[slug]["assumed"] is False
    assert rows["h100-sxm"]["kernel_set"] == "hopper" and rows["h100-sxm"]["assumed"] is True
    assert rows["a100-sxm-80gb"]["kernel_set"] == "ampere" and rows["a100-sxm-80gb"]["assumed"] is True
    for slug in ("mi300x", "910b", "b200", "l20"):
        assert rows[slug]["kernel_set"] == "default" and rows[slug]["assumed"] is True
    assert kernel_set(H800).flash.kernel == "FlashAttention-3" and kernel_set(library.chip("a800")).flash.kernel == "FlashAttention-2"
    assert kernel_set(H800).mla.kernel == "FlashMLA" and "fitted" in kernel_set(H800).source
    custom = dataclasses.replace(H800, slug="my-gpu", name="Mine")
    assert kernel_set(custom).family == "default" and kernel_set(custom).assumed


def test_efficiency_kernel_set_is_a_uniform_roofline():
    from costmodel.afd import Efficiency

    ks = KernelSet.from_efficiency(Efficiency(hbm=0.5, lowbit_kv=0.8, flops=0.6, network=0.7))
    assert (ks.flash.hbm, ks.flash.kv_hbm(1.0), ks.flash.flops, ks.flash.tile_m) == (0.5, 0.4, 0.6, 1)
    assert (ks.gemm.hbm, ks.gemm.flops, ks.link, ks.overhead_s, ks.afd_overhead_s) == (0.5, 0.6, 0.7, 0.0, 0.0)
    lat = layer_latency(STEP3, H800, 8192, 1, 64, "dp", kv_dtype="bf16", attention_dtype="bf16", kernels=ks)
    kv = 64 * 8192 * 512 * 2
    assert float(lat.core_s) == pytest.approx(kv / (H800.mem_bw_bytes_per_s * 0.5))


def test_a_data_folder_without_kernels_uses_the_librarys(tmp_path):
    assert kernel_set(H800, tmp_path) == kernel_set(H800)


def test_afd_tp_layout_checks_the_instance_size():
    from costmodel.afd import AFDSetup

    with pytest.raises(InputError) as err:
        AFDSetup(library.model("pangu-pro-moe"), H800, H800, 8192, layout="tp", attention_gpus=64)
    assert err.value.field == "attention_gpus"
    with pytest.raises(InputError) as err:
        AFDSetup(STEP3, H800, H800, 8192, layout="pp")
    assert err.value.field == "layout"
