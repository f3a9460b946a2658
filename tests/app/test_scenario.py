"""Scenario: one validated, versioned value behind the sidebar, the URL and exports."""
from __future__ import annotations

import json

import pytest

from costmodel import InputError
from dashboard.state.codesign_inputs import CodesignInputs
from dashboard.state.scenario import SCHEMA_VERSION, Scenario


def test_defaults_are_the_papers():
    s = Scenario()
    assert s.models == ("step-3", "deepseek-v3", "qwen3-235b-a22b")
    assert s.chips == ("h800", "h20", "a800", "910b")
    assert (s.context, s.sweep_min, s.sweep_max, s.kv_dtype, s.weight_dtype) == (8192, 8192, 32768, None, "fp8")


def test_round_trip_through_json():
    s = Scenario(models=("kimi-k2",), chips=("h800", "b200"), chip_overrides={"h800": {"mem_bw_bytes_per_s": 4e12}},
                 context=65536, sweep_min=1024, sweep_max=1 << 20, sweep_axis="log", batch=64, kv_dtype="fp4",
                 weight_dtype="bf16")
    data = json.loads(json.dumps(s.to_dict()))
    assert data["schema_version"] == SCHEMA_VERSION
    again = Scenario.from_dict(data)
    assert again == s and hash(again) == hash(s)
    h800 = again.chip_specs()[0]
    assert h800.mem_bw_bytes_per_s == 4e12 and h800.is_modified and h800.modified == {"mem_bw_bytes_per_s"}
    assert not again.chip_specs()[1].is_modified


def test_overrides_only_for_selected_chips():
    s = Scenario(chips=("h20",), chip_overrides={"h800": {"price_usd_per_hour": 9.0}})
    assert s.chip_overrides == ()


@pytest.mark.parametrize("kwargs, field", [
    ({"models": ()}, "models"),
    ({"models": ("gpt-9",)}, "model"),
    ({"chips": ("h801x",)}, "chip"),
    ({"context": 0}, "context"),
    ({"context": 1 << 25}, "context"),
    ({"context": float("nan")}, "context"),
    ({"sweep_min": 32768, "sweep_max": 8192}, "sweep range"),
    ({"sweep_axis": "cubic"}, "sweep_axis"),
    ({"batch": -1}, "batch"),
    ({"batch": 2.5}, "batch"),
    ({"kv_dtype": "fp3"}, "kv_dtype"),
    ({"weight_dtype": "int3"}, "weight_dtype"),
    ({"chip_overrides": {"h800": {"mem_bw_bytes_per_s": 0}}}, "chip_overrides: h800.mem_bw_bytes_per_s"),
    ({"chip_overrides": {"h800": {"price_usd_per_hour": -1}}}, "chip_overrides: h800.price_usd_per_hour"),
    ({"chip_overrides": {"h800": {"name": "x"}}}, "chip_overrides: h800.name"),
])
def test_invalid_values_name_the_field(kwargs, field):
    with pytest.raises(InputError) as err:
        Scenario(**kwargs)
    assert err.value.field == field


def test_from_dict_rejects_wrong_version_and_unknown_fields():
    data = Scenario().to_dict()
    with pytest.raises(InputError, match="schema_version"):
        Scenario.from_dict({**data, "schema_version": 99})
    with pytest.raises(InputError) as err:
        Scenario.from_dict({**data, "colour": "red"})
    assert err.value.field == "colour"


def test_sweep_contexts_span_the_range_on_the_axis():
    lin = Scenario().sweep_contexts(5)
    assert list(lin) == [8192, 14336, 20480, 26624, 32768]
    log = Scenario(sweep_min=1024, sweep_max=1 << 20, sweep_axis="log").sweep_contexts(4)
    assert log[0] == pytest.approx(1024) and log[-1] == pytest.approx(1 << 20) and log[1] == pytest.approx(10321.27, rel=1e-4)


# --- AFD inputs (Scenario.afd) -------------------------------------------------------------------
from dashboard.state.scenario import AFDInputs  # noqa: E402


def test_afd_defaults_are_the_papers_deployment():
    a = Scenario().afd
    assert a == AFDInputs()
    assert (a.model, a.attention_chip, a.ffn_chip, a.tpot_ms, a.stages, a.micro_batches) == ("step-3", "h800", "h800", 50.0, 3, 3)
    assert a.context is None and a.attention_instances is None and not a.chip_pairs
    setup = Scenario(context=4096).afd_setup()
    assert setup.context == 4096 and setup.tpot_s == 0.05 and setup.attention_chip.slug == "h800"


def test_afd_round_trip_and_setup_follows_the_scenario():
    s = Scenario(chips=("h800", "h20"), chip_overrides={"h20": {"price_usd_per_hour": 1.5}},
                 afd=AFDInputs(model="DeepSeek-V3", attention_chip="H20", ffn_chip="h800", context=32768, tpot_ms=40,
                               stages=4, micro_batches=4, attention_gpus=4, ffn_gpus=16, attention_dtype="bf16",
                               kv_dtype="fp8", ffn_parallel="ep", attention_net_gbps=40, hbm_efficiency=0.7,
                               attention_timing="efficiency", mtp_tokens=2, mtp_accept=1.9, overlap=0.5, objective="usd_per_mtok", attention_instances=6, micro_batch=1024, chip_pairs=True))
    data = json.loads(json.dumps(s.to_dict()))
    assert data["afd"]["model"] == "deepseek-v3" and data["afd"]["ffn_instances"] is None
    again = Scenario.from_dict(data)
    assert again == s and hash(again) == hash(s)
    setup = again.afd_setup()
    assert setup.attention_chip.price_usd_per_hour == 1.5 and setup.attention_chip.is_modified, "sidebar override"
    assert setup.attention_net_bytes_per_s == 40e9 and setup.ffn_net_bytes_per_s is None
    assert setup.efficiency.hbm == 0.7 and setup.kv_dtype == "fp8" and setup.attention_timing == "efficiency"
    assert (setup.mtp_tokens, setup.mtp_accept, setup.overlap) == (2, 1.9, 0.5)
    assert Scenario.from_dict({**data, "afd": {"tpot_ms": 30}}).afd == AFDInputs(tpot_ms=30), "missing keys: defaults"


def test_version_2_file_one_network_figure_sets_both_pools():
    data = Scenario(context=16384).to_dict()
    del data["custom_chips"], data["custom_models"], data["codesign"], data["deploy"], data["serve"], data["api_prices"]
    del data["baseline"]
    data["schema_version"] = 2
    data["afd"] = {**{k: v for k, v in data["afd"].items() if not k.endswith("net_gbps")}, "net_gbps": 25}
    afd = Scenario.from_dict(data).afd
    assert afd.attention_net_gbps == afd.ffn_net_gbps == 25


def test_version_1_file_without_afd_still_loads():
    data = Scenario(context=16384).to_dict()
    del data["afd"], data["custom_chips"], data["custom_models"], data["codesign"], data["deploy"], data["serve"]
    del data["api_prices"], data["baseline"]
    data["schema_version"] = 1
    old = Scenario.from_dict(data)
    assert old == Scenario(context=16384) and old.afd == AFDInputs()
    with pytest.raises(InputError) as err:
        Scenario.from_dict({**data, "afd": {}})  # version 1 has no afd
    assert err.value.field == "afd"


@pytest.mark.parametrize("kwargs, field", [
    ({"model": "gpt-9"}, "afd.model"),
    ({"attention_chip": "h801x"}, "afd.attention_chip"),
    ({"ffn_chip": ""}, "afd.ffn_chip"),
])
def test_afd_unknown_slugs_name_the_field(kwargs, field):
    """Which models and chips exist is the scenario's to say (it knows the user's own)."""
    with pytest.raises(InputError) as err:
        Scenario(afd=AFDInputs(**kwargs))
    assert err.value.field == field


@pytest.mark.parametrize("kwargs, field", [
    ({"model": 3}, "afd.model"),
    ({"context": 0}, "afd.context"),
    ({"tpot_ms": -5}, "afd.tpot_ms"),
    ({"tpot_ms": 1e6}, "afd.tpot_ms"),
    ({"stages": 5}, "afd.stages"),
    ({"micro_batches": 0}, "afd.micro_batches"),
    ({"micro_batches": 2.5}, "afd.micro_batches"),
    ({"attention_gpus": 65}, "afd.attention_gpus"),
    ({"attention_dtype": "fp4"}, "afd.attention_dtype"),
    ({"kv_dtype": "int3"}, "afd.kv_dtype"),
    ({"ffn_parallel": "pp"}, "afd.ffn_parallel"),
    ({"attention_net_gbps": 0}, "afd.attention_net_gbps"),
    ({"ffn_net_gbps": float("inf")}, "afd.ffn_net_gbps"),
    ({"hbm_efficiency": 1.5}, "afd.hbm_efficiency"),
    ({"network_efficiency": 0}, "afd.network_efficiency"),
    ({"hbm_efficiency": 0.7}, "afd.hbm_efficiency"),  # under 'kernels' timing the kernel sets time the kernels
    ({"mtp_tokens": 2, "mtp_accept": 2.5}, "afd.mtp_accept"),
    ({"overlap": 1.5}, "afd.overlap"),
    ({"objective": "fastest"}, "afd.objective"),
    ({"attention_instances": 65}, "afd.attention_instances"),
    ({"ffn_instances": 0}, "afd.ffn_instances"),
    ({"micro_batch": -16}, "afd.micro_batch"),
    ({"chip_pairs": "yes"}, "afd.chip_pairs"),
])
def test_afd_invalid_values_name_the_field(kwargs, field):
    with pytest.raises(InputError) as err:
        AFDInputs(**kwargs)
    assert err.value.field == field
    with pytest.raises(InputError) as err:  # the same through a scenario file
        Scenario.from_dict({**Scenario().to_dict(), "afd": {**AFDInputs().to_dict(), **kwargs}})
    assert err.value.field == field


def test_afd_unknown_field_is_named():
    with pytest.raises(InputError) as err:
        Scenario.from_dict({**Scenario().to_dict(), "afd": {"colour": "red"}})
    assert err.value.field == "afd.colour"
    with pytest.raises(InputError) as err:
        Scenario.from_dict({**Scenario().to_dict(), "afd": [1]})
    assert err.value.field == "afd"


def test_codesign_inputs_round_trip_and_older_files_take_the_defaults():
    inputs = CodesignInputs(base="deepseek-v3", family="gqa", dim=128, kv_bits=4, tokens_per_step=2, chip="h20",
                            price_usd_per_hour=3.5)
    s = Scenario(codesign=inputs)
    data = json.loads(json.dumps(s.to_dict()))
    assert data["codesign"]["kv_bits"] == 4 and data["codesign"]["chip"] == "h20"
    assert Scenario.from_dict(data).codesign == inputs
    assert Scenario.from_dict({**data, "codesign": {"kv_bits": 16}}).codesign == CodesignInputs(kv_bits=16)
    del data["codesign"], data["deploy"], data["serve"], data["api_prices"], data["baseline"]
    assert Scenario.from_dict({**data, "schema_version": 3}).codesign == CodesignInputs(), "version 3: defaults"
    with pytest.raises(InputError) as err:
        Scenario.from_dict({**data, "schema_version": 3, "codesign": {}})  # version 3 has no codesign
    assert err.value.field == "codesign"
    assert Scenario(codesign=CodesignInputs(base="DeepSeek-V3", chip="H20")).codesign.chip == "h20", "slugs"


@pytest.mark.parametrize("codesign, field", [
    ({"base": "gpt-9"}, "codesign.base"),
    ({"chip": "h801x"}, "codesign.chip"),
    ({"colour": "red"}, "codesign.colour"),
    ({"kv_bits": 5}, "co-design KV precision (bits)"),
    ({"tokens_per_step": 9}, "co-design Tokens per decode step (MTP)"),
    ({"family": "mqa"}, "co-design Attention family of the plane"),
    ({"price_usd_per_hour": -1}, "co-design Price for the iso-cost view"),
    ({"base": 3}, "co-design base"),
    ([1], "codesign"),
])
def test_codesign_invalid_values_name_the_field(codesign, field):
    with pytest.raises(InputError) as err:
        Scenario.from_dict({**Scenario().to_dict(), "codesign": codesign})
    assert err.value.field == field


# --- Deployment inputs (Scenario.deploy) ------------------------------------------------------------
from dashboard.state.scenario import DeployInputs  # noqa: E402


def test_deploy_round_trip_and_setup_follows_the_scenario():
    inputs = DeployInputs(deployment="tp", gpus=16, context=4096, mtp_tokens=2, mtp_accept=1.8, overlap=0.25,
                          balance=0.8, redundant_experts=32, node_gpus=72, kv_dtype="fp8", attention_dtype="fp8",
                          net_gbps=25, timing="efficiency", hbm_efficiency=0.5, tpot_ms=30, batch_per_gpu=64)
    s = Scenario(chips=("h800", "h20"), chip_overrides={"h20": {"price_usd_per_hour": 1.5}}, weight_dtype="bf16",
                 deploy=inputs)
    data = json.loads(json.dumps(s.to_dict()))
    assert data["deploy"]["gpus"] == 16 and data["deploy"]["net_gbps"] == 25 and data["deploy"]["overlap"] == 0.25
    again = Scenario.from_dict(data)
    assert again == s and again.deploy == inputs
    setup = again.deploy_setup(again.model_specs()[1], again.chip_specs()[1], "ep")
    assert setup.chip.price_usd_per_hour == 1.5 and setup.weight_dtype == "bf16", "sidebar override and precision"
    assert (setup.deployment, setup.gpus, setup.context, setup.node_gpus, setup.net_bytes_per_s) == ("ep", 16, 4096, 72, 25e9)
    assert (setup.mtp_tokens, setup.mtp_accept, setup.overlap_value, setup.balance_value) == (2, 1.8, 0.25, 0.8)
    assert setup.efficiency.hbm == 0.5 and setup.timing == "efficiency"
    assert Scenario(context=2048).deploy_setup(s.model_specs()[0], s.chip_specs()[0], "ep").context == 2048, \
        "context None: the sidebar's"


def test_deploy_defaults_and_older_files():
    d = Scenario().deploy
    assert d == DeployInputs() and (d.context, d.overlap, d.balance, d.net_gbps, d.batch_per_gpu) == (None,) * 5
    assert (d.deployment, d.tpot_ms, d.timing, d.mtp_tokens, d.mtp_accept) == ("ep", 50.0, "kernels", 1, 1.0)
    data = Scenario(context=16384).to_dict()
    del data["deploy"], data["serve"], data["api_prices"], data["baseline"]
    old = Scenario.from_dict({**data, "schema_version": 4})
    assert old == Scenario(context=16384) and old.deploy == DeployInputs(), "version 4: the defaults"
    with pytest.raises(InputError) as err:
        Scenario.from_dict({**data, "schema_version": 4, "deploy": {}})  # version 4 has no deploy
    assert err.value.field == "deploy"
    assert Scenario.from_dict({**data, "deploy": {"gpus": 64}}).deploy == DeployInputs(gpus=64), "missing keys: defaults"


@pytest.mark.parametrize("kwargs, field", [
    ({"deployment": "pp"}, "deploy.deployment"),
    ({"gpus": 0}, "deploy.gpus"),
    ({"gpus": 2.5}, "deploy.gpus"),
    ({"context": -1}, "deploy.context"),
    ({"mtp_tokens": 9}, "deploy.mtp_tokens"),
    ({"mtp_tokens": 2, "mtp_accept": 3}, "deploy.mtp_accept"),
    ({"overlap": 1.2}, "deploy.overlap"),
    ({"balance": 0}, "deploy.balance"),
    ({"kv_dtype": "int3"}, "deploy.kv_dtype"),
    ({"net_gbps": float("nan")}, "deploy.net_gbps"),
    ({"timing": "roofline"}, "deploy.timing"),
    ({"flops_efficiency": 0.5}, "deploy.flops_efficiency"),  # only with timing 'efficiency'
    ({"tpot_ms": 0}, "deploy.tpot_ms"),
    ({"batch_per_gpu": 1.5}, "deploy.batch_per_gpu"),
    ({"colour": "red"}, "deploy.colour"),
])
def test_deploy_invalid_values_name_the_field(kwargs, field):
    with pytest.raises(InputError) as err:
        Scenario.from_dict({**Scenario().to_dict(), "deploy": {**DeployInputs().to_dict(), **kwargs}})
    assert err.value.field == field


def test_serve_defaults_and_older_files():
    """Version 6 adds the Serving cost page's inputs and the user's API prices: a version 5 file
    reads with the page's defaults and the shipped prices, and cannot carry either."""
    from costmodel.api_prices import ApiPrice
    from dashboard.state.page_inputs import ServeInputs

    mine = ApiPrice("step-3", "Mine", 0.1, None, 0.3, "2026-12", "a quote")
    s = Scenario(serve=ServeInputs(input_tokens=8000, mode="colocated", mix="1000:200:0.5, 9000:100:0.5"),
                 api_prices=(mine,))
    data = json.loads(json.dumps(s.to_dict()))
    assert data["schema_version"] == 7 and Scenario.from_dict(data) == s
    del data["serve"], data["api_prices"], data["baseline"]
    old = Scenario.from_dict({**data, "schema_version": 5})
    assert old.serve == ServeInputs() and old.api_prices == () and len(old.api_price_table()) >= 10
    for extra in ("serve", "api_prices"):
        with pytest.raises(InputError, match=extra):
            Scenario.from_dict({**data, "schema_version": 5, extra: {}})
    with pytest.raises(InputError, match="serve.mix"):
        Scenario.from_dict({**data, "serve": {"mix": "1000:200"}})
    with pytest.raises(InputError, match="price 1: output"):
        Scenario.from_dict({**data, "api_prices": [{"model": "step-3", "provider": "x", "input": 1, "output": -2,
                                                    "date": "d", "source": "s"}]})


def test_a_pinned_baseline_round_trips_through_the_file_and_a_short_link():
    from dashboard.state import baseline as state

    pinned = Scenario(chips=("h800", "h20"), chip_overrides={"h20": {"price_usd_per_hour": 2.0}}, context=32768)
    current = Scenario(chips=("h800", "h20"), context=65536, baseline=pinned)
    assert Scenario.from_dict(json.loads(json.dumps(current.to_dict()))) == current
    assert current.to_dict()["baseline"]["context"] == 32768
    text = state.encode(pinned, current)
    assert text.startswith(state.CODED) and len(text) < 200, "short: only what differs from the defaults"
    assert state.decode(text, current) == pinned
    assert Scenario(baseline=current).baseline.baseline is None, "a baseline has no baseline of its own"


def test_a_modified_chips_original_is_the_implicit_baseline_until_one_is_pinned():
    from dashboard.state.baseline import effective

    assert effective(Scenario()) is None
    moved = Scenario(chip_overrides={"h800": {"mem_bw_bytes_per_s": 4e12}})
    assert effective(moved) == Scenario()
    assert effective(Scenario(context=4096, baseline=moved)) == moved


@pytest.mark.parametrize("data, field", [({"baseline": {**Scenario().to_dict(), "context": -1}}, "baseline.context"),
                                         ({"baseline": 3}, "baseline")])
def test_a_bad_baseline_names_its_field(data, field):
    with pytest.raises(InputError) as err:
        Scenario.from_dict({**Scenario().to_dict(), **data})
    assert err.value.field == field


def test_version_6_reads_and_version_5_files_have_no_baseline():
    data = Scenario().to_dict()
    del data["baseline"]
    assert Scenario.from_dict({**data, "schema_version": 6}) == Scenario()
    del data["serve"], data["api_prices"]  # version 6's
    assert Scenario.from_dict({**data, "schema_version": 5}) == Scenario()
    with pytest.raises(InputError) as err:
        Scenario.from_dict({**data, "schema_version": 5, "baseline": None})
    assert err.value.field == "baseline"
