"""The attention page's latency views: Table 9 measured beside the fitted model, MFA's speedups
(the launch article's figures), latency over context following the chip sliders, and the
validation (parity plot, every row with its errors, the fitted factors)."""
from __future__ import annotations

import pytest
from app_harness import TABS, open_app, open_tab

KEY, LABELS = TABS["attention"]
MEASURED, VALIDATION = LABELS[3], LABELS[4]


def figure(at, index: int = 0) -> dict:
    import json

    return json.loads(at.get("plotly_chart")[index].proto.spec)


def frames(at) -> list:
    return [d.value for d in at.dataframe]


def test_table9_measured_beside_the_model_and_the_seed_speedups():
    at = open_tab(open_app("attention"), KEY, MEASURED)
    assert not at.exception and not at.error, [e.value for e in at.error]
    bars = figure(at, 0)
    measured = {(x, t["name"].split()[0]): y for t in bars["data"] if t["name"].endswith("measured")
                for x, y in zip(t["x"], t["y"]) if y is not None}
    # Step-3 paper Table 9 (µs per attention layer), every printed cell
    assert measured == {("8K · H800", "MFA"): 281, ("8K · H20", "MFA"): 438, ("8K · A800", "MFA"): 531,
                        ("8K · H800", "MLA"): 372, ("8K · H20", "MLA"): 1252, ("8K · H800", "GQA"): 382,
                        ("8K · H20", "GQA"): 812, ("8K · A800", "GQA"): 791, ("32K · H800", "MFA"): 791,
                        ("32K · H20", "MFA"): 1452, ("32K · A800", "MFA"): 1484, ("32K · H800", "MLA"): 1125,
                        ("32K · H20", "MLA"): 4817, ("32K · H800", "GQA"): 1391, ("32K · H20", "GQA"): 3042,
                        ("32K · A800", "GQA"): 3010}
    speedups = frames(at)[0]
    at32 = speedups[speedups["context"] == "32K"].set_index(["chip", "MFA faster than"])
    # the launch article's figures (Table 9 at 32K): H800 1.42x / 1.76x, H20 3.32x / 2.10x, A800 2.03x
    for (chip, other), seed in {("H800", "MLA"): 1.42, ("H800", "GQA"): 1.76, ("H20", "MLA"): 3.32,
                                ("H20", "GQA"): 2.10, ("A800", "GQA"): 2.03}.items():
        row = at32.loc[(chip, other)]
        assert row["measured (x)"] == pytest.approx(seed, abs=0.005)
        assert row["modeled (x)"] == pytest.approx(seed, rel=0.15), (chip, other)
    assert "1.4x faster than MLA and 1.8x faster than GQA on H800" in at.markdown[1].value


def test_latency_vs_context_follows_the_chip_sliders():
    at = open_tab(open_app("attention"), KEY, MEASURED)
    base = figure(at, 1)
    # the H20 has its own measured kernel set (Table 9's H20 cells, FlashMLA issue #30); the 910B none
    assert [a["text"] for a in base["layout"]["annotations"]][:2] == ["<b>H800 · hopper kernels</b>",
                                                                      "<b>H20 · h20 kernels</b>"]
    assert "<b>910B · default kernels (assumed)</b>" in [a["text"] for a in base["layout"]["annotations"]]
    at.slider(key="h800_hbm_tbps").set_value(6.7).run()  # twice the bandwidth: memory-bound layers speed up
    faster = figure(at, 1)
    before = {t["name"]: t["y"][-1] for t in base["data"] if t.get("xaxis", "x") == "x"}
    after = {t["name"]: t["y"][-1] for t in faster["data"] if t.get("xaxis", "x") == "x"
             and t.get("legendgroup") != "baseline"}  # the moved chip's original is drawn as its ghost
    assert before.keys() == after.keys() and all(after[k] < before[k] for k in before)
    assert "H800*" in faster["layout"]["annotations"][0]["text"]


def measured_rows() -> list[dict]:
    """data/measurements.toml's rows, read here (not through the code under test)."""
    import tomllib
    from pathlib import Path

    return tomllib.loads((Path(__file__).resolve().parents[2] / "data" / "measurements.toml").read_text())["row"]


def test_validation_view_shows_every_row_and_the_fitted_factors():
    at = open_tab(open_app("attention"), KEY, VALIDATION)
    assert not at.exception and not at.error
    chart = figure(at, 0)
    assert chart["layout"]["yaxis"]["type"] == "log" and "ratio" in chart["layout"]["yaxis"]["title"]["text"]
    data = measured_rows()
    points = [t for t in chart["data"] if t["name"].endswith(": held out")]
    assert sum(len(t["y"]) for t in points) == len(data), "one point per measured row"
    kinds = {t["name"].split(":")[0] for t in points}
    assert kinds == {"Table 9 latency", "Table 8 Step-3 AFD", "kernel benchmarks", "public deployments",
                     "public prefill deployments"}
    prefill = next(t for t in points if t["name"].startswith("public prefill deployments"))
    assert len(prefill["y"]) == sum(r.get("phase") == "prefill" for r in data) > 0, "prefill rows beside decode"
    # every point is the model over the measured value of its row, in that row's own unit
    by_cell = {r["cell"]: r["value"] for r in data}
    rows, factors = frames(at)
    for t in points:
        for (cell, _, measured, unit, model, error, *_), ratio in zip(t["customdata"], t["y"]):
            assert measured == by_cell[cell] and ratio == pytest.approx(model / measured)
            assert error == pytest.approx(ratio - 1)
    bands = {t["name"] for t in chart["data"] if t.get("fill") == "toself"}
    assert bands == {"±10% target", "±15% target", "±20% target"}
    assert len(rows) == len(data) and set(rows["unit"]) == {"us", "tokens/GPU/s", "TFLOPS", "GB/s"}
    table9 = rows[rows["table"] == "Table 9"]
    assert len(table9) == sum(r["table"] == "Table 9" for r in data) == 16
    assert (table9["error_held_out"].abs() <= 0.15).all(), "every Table 9 cell within 15% held out"
    # rows on assumed kernels (GB200, no measurements) carry the model's range, drawn as error bars
    gb200 = rows[rows["cell"].str.contains("GB200")]
    assert len(gb200) == sum("gb200" == r.get("chip") for r in data) > 0
    assert (gb200["model_low"] < gb200["model_high"]).all()
    deployments = next(t for t in points if t["name"].startswith("public deployments"))
    assert "error_y" in deployments and max(deployments["error_y"]["array"]) > 0
    assert {"hopper.flash.hbm", "gemm.flops", "overhead"} <= set(factors["parameter"])
    assert factors.set_index("parameter").loc["overhead", "unit"] == "µs"
    fitted = factors[factors["unit"] == "fraction of peak"]
    assert (fitted["value"] <= fitted["ceiling"] + 1e-9).all(), "no fitted efficiency above its public ceiling"
    defaults = factors.set_index("parameter")
    assert {"ep.overlap", "ep.balance", "tp.overlap", "afd.overlap"} <= set(defaults.index)
    assert "TensorRT-LLM" in defaults.loc["ep.balance", "source"] and "Step-3" in defaults.loc["afd.overlap", "source"]
