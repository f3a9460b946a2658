"""Decode as deployed (costmodel.deploy): hand-computed figures with their sources, the KV
formats, and the properties every deployment keeps (overlap, balance, MTP, expert parallelism)."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from costmodel import library
from costmodel.afd import AFDSetup, evaluate as evaluate_afd
from costmodel.deploy import DecodeSetup, best_batch, evaluate, max_batch_in_memory, range_plans
from costmodel.errors import InputError
from costmodel.kvformat import kv_format, token_bytes
from costmodel.latency import layer_latency

DSV3, STEP3, QWEN = library.model("deepseek-v3"), library.model("step-3"), library.model("qwen3-235b-a22b")
H800, H20, MI300X = library.chip("h800"), library.chip("h20"), library.chip("mi300x")
MLA = DSV3.attention_groups[0].attention


def test_flashmla_fp8_cache_is_656_bytes_per_token():
    """FlashMLA's FP8 KV format (github deepseek-ai/FlashMLA README and its FP8 sparse deep-dive):
    512 FP8 latent values + 4 FP32 scales + 64 BF16 RoPE values = 656 bytes per token per layer."""
    assert token_bytes(MLA, "fp8") == 512 * 1 + 4 * 4 + 64 * 2 == 656
    assert kv_format(MLA, "fp8").name == "fp8-flashmla"
    assert token_bytes(MLA, "fp8", "paper") == 576  # the Step-3 report's §4.1 convention, kept for its tables
    assert token_bytes(MLA, "bf16") == 576 * 2
    gqa = QWEN.attention_groups[0].attention  # 4 KV heads of 128: per-tensor FP8 scales add nothing
    assert token_bytes(gqa, "fp8") == 2 * 4 * 128


def test_deployed_fp8_mla_reads_656_bytes_per_context_token():
    """The latency model reads the deployed format: DeepSeek-V3 at 4,096 tokens, one request:
    61 layers x 656 B x 4,096 = 163.9 MB per step (the paper's convention would say 143.9 MB)."""
    lat = layer_latency(DSV3, H800, 4096, 1, 1, "dp", kv_dtype="fp8")
    assert float(lat.kv_read_bytes) * DSV3.layers == pytest.approx(61 * 656 * 4096, rel=1e-12)


def test_dispatch_and_combine_near_deepep():
    """DeepEP README (github deepseek-ai/DeepEP, low-latency kernels, H800 with CX7 400 Gb/s):
    EP128, 128 tokens per GPU, 7,168 hidden, top-8, FP8 dispatch and BF16 combine: 192 us +
    369 us per layer. The model's all-to-all of one MoE layer (balanced, no redundant experts)
    is within 10%."""
    setup = DecodeSetup(DSV3, H800, "ep", gpus=128, context=4096, balance=1.0, overlap=0.0)
    plan = evaluate(setup, 128).at(0)
    comm = next(p for p in plan.parts if p.kind == "comm")
    moe_layers = sum(g.layers for g in DSV3.moe_groups)
    assert float(comm.seconds) / moe_layers == pytest.approx(192e-6 + 369e-6, rel=0.10)


def test_weights_per_gpu_by_hand():
    """DeepSeek-V3 on EP144 with 32 redundant experts holds 2 routed experts per MoE layer per
    GPU (the DeepSeek blog: '2 routed experts and 1 shared expert'): its weights are the
    attention, dense layers, shared experts and router of every layer, 2 x 58 experts
    (3 x 7,168 x 2,048 each) in FP8, and embedding and LM head in BF16."""
    setup = DecodeSetup(DSV3, H800, "ep", gpus=144, redundant_experts=32, context=4096)
    plan = evaluate(setup, [1.0, 2.0])
    per_request = float(plan.memory_bytes[1] - plan.memory_bytes[0])
    weights = float(plan.memory_bytes[0]) - per_request
    params = DSV3.params()
    expert = 3 * 7168 * 2048
    moe = DSV3.moe_groups[0]
    dense = sum(g.layers * g.ffn.total_params() for g in DSV3.ffn_groups if g not in DSV3.moe_groups)
    by_hand = (params.attention + dense + moe.layers * (moe.ffn.shared_params() + 2 * expert) + params.router) \
        + 2 * (params.embedding + params.lm_head)
    assert weights == pytest.approx(by_hand, rel=1e-9)
    assert per_request == pytest.approx(61 * 576 * 2 * 4096, rel=1e-9)  # BF16 latent, 61 layers


def test_lm_head_and_tpot_definitions():
    plan = evaluate(DecodeSetup(DSV3, H800, "ep", gpus=64, context=4096, mtp_tokens=2, mtp_accept=1.8), 64).at(0)
    assert float(plan.tpot_s) == pytest.approx(float(plan.step_s) / 1.8)
    assert float(plan.tokens_per_gpu_s) == pytest.approx(64 * 1.8 / float(plan.step_s))
    assert any(p.name == "LM head" and float(p.seconds) > 0 for p in plan.parts)


# -- properties -------------------------------------------------------------------------------------
MOE_MODELS = [DSV3, QWEN, STEP3]
settings_ = settings(max_examples=30, deadline=None)


@settings_
@given(model=st.sampled_from(MOE_MODELS), gpus=st.sampled_from([8, 16, 32, 64, 144]),
       batch=st.integers(1, 512), context=st.sampled_from([1024.0, 4096.0, 32768.0]))
def test_overlap_zero_is_never_faster_than_overlap_one(model, gpus, batch, context):
    steps = [float(evaluate(DecodeSetup(model, H800, "ep", gpus=gpus, context=context, overlap=o), batch).step_s[0])
             for o in (0.0, 0.3, 1.0)]
    assert steps[0] >= steps[1] >= steps[2]


@settings_
@given(model=st.sampled_from(MOE_MODELS), batch=st.integers(1, 256))
def test_more_expert_parallel_gpus_never_hold_more_weights(model, batch):
    held = []
    for gpus in (8, 16, 32, 64, 128, 256):
        plan = evaluate(DecodeSetup(model, H800, "ep", gpus=gpus, context=4096), [1.0, 2.0])
        held.append(float(2 * plan.memory_bytes[0] - plan.memory_bytes[1]))  # weights: memory less one request
    assert all(a >= b for a, b in zip(held, held[1:]))


@settings_
@given(model=st.sampled_from(MOE_MODELS), deployment=st.sampled_from(["ep", "tp"]), batch=st.integers(1, 128))
def test_one_token_per_step_is_no_mtp(model, deployment, batch):
    """k = a = 1 is the deployment without MTP: no draft layer, the same step."""
    base = DecodeSetup(model, H800, deployment, gpus=4, context=8192)
    plain = evaluate(base, batch)
    same = evaluate(DecodeSetup(model, H800, deployment, gpus=4, context=8192, mtp_tokens=1, mtp_accept=1.0), batch)
    assert float(same.step_s[0]) == float(plain.step_s[0])
    drafting = evaluate(DecodeSetup(model, H800, deployment, gpus=4, context=8192, mtp_tokens=2, mtp_accept=1.0), batch)
    assert float(drafting.tokens_per_gpu_s[0]) < float(plain.tokens_per_gpu_s[0])  # drafts all rejected: a loss


def test_mtp_in_afd_one_token_equals_the_plain_pipeline():
    plain = evaluate_afd(AFDSetup(STEP3, H800, H800, 4096), 2, 2, 2048).at(())
    same = evaluate_afd(AFDSetup(STEP3, H800, H800, 4096, mtp_tokens=1, mtp_accept=1.0), 2, 2, 2048).at(())
    assert float(same.tokens_per_gpu_s) == float(plain.tokens_per_gpu_s)
    mtp = evaluate_afd(AFDSetup(STEP3, H800, H800, 4096, mtp_tokens=2, mtp_accept=1.8), 2, 2, 2048).at(())
    assert float(mtp.tpot_s) < float(plain.tpot_s)  # 1.8 tokens per step of less than twice the work


@pytest.mark.parametrize("k,a", [(1, 1.5), (2, 2.5), (3, 3.01)])
def test_accepted_tokens_cannot_exceed_decoded(k, a):
    with pytest.raises(InputError, match="mtp_accept"):
        DecodeSetup(DSV3, H800, "ep", gpus=8, mtp_tokens=k, mtp_accept=a)
    with pytest.raises(InputError, match="mtp_accept"):
        AFDSetup(STEP3, H800, H800, 4096, mtp_tokens=k, mtp_accept=a)


@settings_
@given(batch=st.integers(1, 256), low=st.floats(0.3, 0.99))
def test_better_balance_is_never_slower(batch, low):
    worse = evaluate(DecodeSetup(DSV3, H800, "ep", gpus=64, context=4096, balance=low), batch)
    better = evaluate(DecodeSetup(DSV3, H800, "ep", gpus=64, context=4096, balance=1.0), batch)
    assert float(better.step_s[0]) <= float(worse.step_s[0])


def test_best_batch_meets_its_target_and_the_next_does_not():
    setup = DecodeSetup(DSV3, H800, "ep", gpus=144, redundant_experts=32, context=4989)
    plan = best_batch(setup, 0.050)
    assert float(plan.tpot_s) <= 0.050 and bool(plan.fits_memory)
    nxt = evaluate(setup, float(plan.batch) + 1).at(0)
    assert float(nxt.tpot_s) > 0.050 or not bool(nxt.fits_memory) or float(plan.batch) >= max_batch_in_memory(setup) - 1


def test_kernel_flags_apply_only_with_efficiency_timing():
    """An efficiency factor is applied (timing 'efficiency') or refused with a message, never ignored."""
    from costmodel.afd import Efficiency

    with pytest.raises(InputError, match="hbm_efficiency"):
        DecodeSetup(DSV3, H800, "ep", gpus=8, efficiency=Efficiency(hbm=1.0))
    with pytest.raises(InputError, match="hbm_efficiency"):
        AFDSetup(STEP3, H800, H800, 4096, efficiency=Efficiency(hbm=1.0))
    slow = evaluate(DecodeSetup(DSV3, H800, "ep", gpus=8, timing="efficiency", efficiency=Efficiency(hbm=0.3)), 64)
    fast = evaluate(DecodeSetup(DSV3, H800, "ep", gpus=8, timing="efficiency", efficiency=Efficiency(hbm=1.0)), 64)
    assert float(slow.step_s[0]) > float(fast.step_s[0])


def test_assumed_kernels_give_a_range_measured_do_not():
    low_high = range_plans(DecodeSetup(DSV3, MI300X, "ep", gpus=8, context=4096), 64)
    mid = evaluate(DecodeSetup(DSV3, MI300X, "ep", gpus=8, context=4096), 64)
    low, high = low_high
    assert float(low.tokens_per_gpu_s[0]) < float(mid.tokens_per_gpu_s[0]) < float(high.tokens_per_gpu_s[0])
    assert range_plans(DecodeSetup(DSV3, H800, "ep", gpus=8, context=4096), 64) is None


def test_a_chip_without_scale_up_says_its_nic_carries_the_traffic():
    chip = library.chip("enflame-i20")
    plan = evaluate(DecodeSetup(STEP3, chip, "tp", gpus=4, context=2048), 1)
    assert any("no scale-up figure" in note for note in plan.notes)


@pytest.mark.parametrize("deployment,gpus,field", [("tp", 128, "gpus"), ("afd", 12, "gpus"), ("ep", 0, "gpus")])
def test_bad_deployments_name_the_field(deployment, gpus, field):
    with pytest.raises(InputError) as err:
        DecodeSetup(STEP3, H800, deployment, gpus=gpus)
    assert err.value.field == field


def test_batch_arrays_are_one_vectorized_call():
    batches = np.array([1.0, 8.0, 64.0, 512.0])
    plan = evaluate(DecodeSetup(DSV3, H800, "ep", gpus=32, context=4096), batches)
    one_by_one = [float(evaluate(DecodeSetup(DSV3, H800, "ep", gpus=32, context=4096), b).step_s[0]) for b in batches]
    assert np.allclose(plan.step_s, one_by_one, rtol=1e-12)
    assert np.all(np.diff(plan.tokens_per_gpu_s) > 0)
