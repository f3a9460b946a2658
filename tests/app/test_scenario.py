"""Scenario: one validated, versioned value behind the sidebar, the URL and exports."""
from __future__ import annotations

import json

import pytest

from costmodel import InputError
from costmodel.scenario import SCHEMA_VERSION, Scenario


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
    ({"context": 2 << 20}, "context"),
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
