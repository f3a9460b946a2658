"""What a request costs (costmodel.prefill, costmodel.serving, costmodel.pricing): hand-computed
figures, the consistency between prefill, decode and the whole request, and the properties a
cost keeps (more cache hits never cost more, a longer prompt never less, targets met)."""
from dataclasses import replace

import pytest
from hypothesis import given, settings, strategies as st

from costmodel import library
from costmodel.deploy import DecodeSetup, best_batch
from costmodel.errors import InputError
from costmodel.prefill import PrefillSetup, evaluate as evaluate_prefill, pair_flops, pairs_per_new_token
from costmodel.pricing import HOURS_PER_YEAR, Pricing
from costmodel.serving import ServeSetup, Workload, by_length, crossover, evaluate

DSV3, QWEN, STEP3 = library.model("deepseek-v3"), library.model("qwen3-235b-a22b"), library.model("step-3")
H800 = library.chip("h800")
MLA = DSV3.attention_groups[0].attention
DECODE = DecodeSetup(DSV3, H800, "ep", gpus=144, redundant_experts=32)
PREFILL = DecodeSetup(DSV3, H800, "ep", gpus=32, redundant_experts=32)


def test_causal_pairs_by_hand():
    """Token i of a prompt attends to i + 1 tokens: 4 new tokens after 0 cached attend to 1..4
    (mean 2.5); after 6 cached to 7..10 (mean 8.5); a window of 8 caps them (7, 8, 8, 8)."""
    gqa = QWEN.attention_groups[0].attention
    assert pairs_per_new_token(gqa, 0, 4) == 2.5
    assert pairs_per_new_token(gqa, 6, 4) == 8.5
    windowed = replace(gqa, window=8)
    assert pairs_per_new_token(windowed, 6, 4) == pytest.approx((7 + 8 + 8 + 8) / 4)


def test_mla_prefill_expands_the_latent():
    """DeepSeek-V3's prefill attention per (query, key) pair: 128 heads x (128 + 64 + 128) x 2
    FLOPs (QK^T over nope + rope, PV over v), not the absorbed decode form's 128 x 1,088 x 2."""
    assert pair_flops(MLA) == 2 * 128 * (128 + 64 + 128)


@pytest.mark.parametrize("hits", [(0.0, 0.3, 0.6, 0.9)])
def test_more_cache_hits_never_cost_more(hits):
    costs = [evaluate(ServeSetup(DECODE, PREFILL, Workload(4000, 300, cache_hit=h, ttft_s=10.0))).usd_per_request
             for h in hits]
    assert all(a >= b for a, b in zip(costs, costs[1:]))


settings_ = settings(max_examples=12, deadline=None)


@settings_
@given(short=st.integers(100, 3000), extra=st.integers(1, 3000), out=st.integers(1, 400))
def test_a_longer_prompt_never_costs_less(short, extra, out):
    base = ServeSetup(DECODE, PREFILL, Workload(short, out, ttft_s=30.0))
    longer = replace(base, workload=Workload(short + extra, out, ttft_s=30.0))
    assert evaluate(longer).usd_per_request >= evaluate(base).usd_per_request * (1 - 1e-9)


@settings_
@given(l_in=st.integers(200, 8000), out=st.integers(2, 800), ttft=st.sampled_from([1.0, 3.0, 10.0]),
       tpot=st.sampled_from([0.03, 0.05, 0.1]))
def test_a_disaggregated_plan_meets_the_targets_it_was_sized_for(l_in, out, ttft, tpot):
    try:
        plan = evaluate(ServeSetup(DECODE, PREFILL, Workload(l_in, out, ttft_s=ttft, tpot_s=tpot)))
    except InputError:
        return  # no plan meets them: refused, never violated
    assert plan.ttft_s <= ttft * (1 + 1e-9) and plan.tpot_s <= tpot * (1 + 1e-9)


def test_one_output_token_is_the_prefill_alone():
    plan = evaluate(ServeSetup(DECODE, PREFILL, Workload(2000, 1)))
    assert plan.decode_usd == 0.0 and plan.prefill_share == 1.0
    (row,) = plan.rows
    alone = evaluate_prefill(PrefillSetup(PREFILL, input_tokens=2000, tokens_per_gpu=2000)).at(0)
    assert row.prefill_tokens_per_gpu_s >= float(alone.tokens_per_gpu_s)  # at least a prompt per forward's rate
    assert plan.usd_per_request == pytest.approx(2000 / row.prefill_tokens_per_gpu_s * H800.price_usd_per_hour / 3600)


def test_no_input_is_the_decode_deployment_unchanged():
    """Input 0: the request is decode alone, at the decode deployment's own figures (the
    `decode` command's tokens/GPU/s and USD per 1M tokens at its best batch)."""
    plan = evaluate(ServeSetup(DECODE, PREFILL, Workload(0, 500)))
    alone = best_batch(replace(DECODE, context=250.0), 0.050)
    assert plan.prefill_usd == 0.0
    assert plan.decode_tokens_per_gpu_s == pytest.approx(float(alone.tokens_per_gpu_s), rel=1e-12)
    assert plan.usd_per_mtok_output == pytest.approx(float(alone.usd_per_mtok), rel=1e-12)


def test_price_per_token_by_hand():
    """USD per request = GPU-seconds per pool x price: new tokens / prefill tokens/GPU/s and
    (output - 1) / decode tokens/GPU/s, at $2 per H800-hour."""
    plan = evaluate(ServeSetup(DECODE, PREFILL, Workload(2000, 500)))
    (row,) = plan.rows
    by_hand = (2000 / row.prefill_tokens_per_gpu_s + 499 / row.decode_tokens_per_gpu_s) * 2.0 / 3600
    assert plan.usd_per_request == pytest.approx(by_hand, rel=1e-12)
    assert plan.usd_per_mtok_output == pytest.approx(2.0 / 3600 / row.decode_tokens_per_gpu_s * 1e6, rel=1e-12)
    assert plan.prefill_gpus % 32 == 0 and plan.decode_gpus % 144 == 0


def test_ownership_price_by_hand():
    """A $30,000 device over 5 years, 700 W at PUE 1.25 and $0.08/kWh, $2,800/year hosting."""
    chip = replace(H800, purchase_usd=30000.0, tdp_w=700.0)
    by_hand = 30000 / (5 * HOURS_PER_YEAR) + 0.7 * 1.25 * 0.08 + 2800 / HOURS_PER_YEAR
    assert Pricing("ownership").usd_per_hour(chip) == pytest.approx(by_hand, rel=1e-12)
    assert "owned" in Pricing("ownership").label(chip) and "rental" in Pricing().label(chip)
    with pytest.raises(InputError, match="purchase_usd"):
        Pricing("ownership").usd_per_hour(replace(H800, purchase_usd=None))


def test_colocated_meets_both_targets_and_costs_more_than_disaggregated_here():
    workload = Workload(2000, 500)
    colo = evaluate(ServeSetup(replace(DECODE, gpus=32), PREFILL, workload, mode="colocated"))
    disagg = evaluate(ServeSetup(DECODE, PREFILL, workload))
    assert colo.ttft_s <= 2.0 and colo.tpot_s <= 0.050
    assert colo.prefill_gpus == colo.decode_gpus  # one pool
    assert 0 < colo.prefill_share < 1 and disagg.usd_per_request < colo.usd_per_request


def test_a_mix_is_the_weighted_requests():
    a, b = Workload(1000, 200), Workload(8000, 800, ttft_s=10.0)
    mix = Workload(mix=((1000, 200, 3.0), (8000, 800, 1.0)), ttft_s=10.0)
    one = [evaluate(ServeSetup(DECODE, PREFILL, w)).usd_per_request for w in (replace(a, ttft_s=10.0), b)]
    both = evaluate(ServeSetup(DECODE, PREFILL, mix))
    assert both.usd_per_request == pytest.approx(0.75 * one[0] + 0.25 * one[1], rel=0.02)  # decode batch differs


@pytest.mark.parametrize("kwargs,field", [({"cache_hit": 1.5}, "cache_hit"), ({"ttft_s": -1}, "ttft_ms"),
                                          ({"mix": ((1000, 100, 0),)}, "mix row 1: weight"),
                                          ({"output_tokens": 0}, "output_tokens")])
def test_bad_workloads_name_the_field(kwargs, field):
    with pytest.raises(InputError) as err:
        Workload(**kwargs)
    assert err.value.field == field


def test_an_impossible_target_is_refused_with_the_figure():
    with pytest.raises(InputError, match="ttft_ms"):
        evaluate(ServeSetup(DECODE, PREFILL, Workload(100000, 100, ttft_s=0.05)))


def test_prefill_memory_is_checked():
    small = DecodeSetup(DSV3, library.chip("l20"), "ep", gpus=16)
    with pytest.raises(InputError, match="prefill memory"):
        evaluate(ServeSetup(DECODE, small, Workload(2000, 100)))


def test_the_crossover_is_where_prefill_and_decode_cost_the_same():
    s = ServeSetup(DECODE, PREFILL, Workload(2000, 500))
    for axis in ("input_tokens", "output_tokens"):
        points = by_length(s, axis, (256, 512, 1024, 2048, 4096))
        at = crossover(points)
        assert at is not None and 256 < at < 4096
        # between its neighbouring lengths, each side's prefill share is on its own side of one half
        below = [p for p in points if p.tokens <= at][-1]
        above = [p for p in points if p.tokens > at][0]
        assert (below.plan.prefill_share - 0.5) * (above.plan.prefill_share - 0.5) <= 0
        exact = evaluate(replace(s, workload=replace(s.workload, **{axis: round(at)}))).prefill_share
        assert exact == pytest.approx(0.5, abs=0.05)  # a log-linear guess between points two apart


def test_lengths_that_no_plan_meets_say_why_and_do_not_cross():
    s = ServeSetup(DECODE, PREFILL, Workload(2000, 500))
    points = by_length(s, "input_tokens", (1000, 200_000))
    assert points[0].plan is not None and points[1].plan is None and "ttft_ms" in points[1].reason
    assert crossover(points[:1]) is None
    with pytest.raises(InputError, match="axis"):
        by_length(s, "context", (1000,))
