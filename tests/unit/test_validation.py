"""The latency model against the paper's measurements (Tables 8 and 9), public kernel benchmarks
and public deployments, held out one at a time; no fitted efficiency above what public kernels
reach; the stored kernel efficiencies equal a refit; the attention and validate commands."""
import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import inprocess
from costmodel import calibration, library, validation
from costmodel.afd import AFDSetup, evaluate
from costmodel.afd_search import search
from costmodel.kernels import families
from costmodel.latency import layer_latency

ROOT = Path(__file__).resolve().parents[2]
STEP3, H800 = library.model("step-3"), library.chip("h800")


@pytest.fixture
def result(shipped_fit):
    """The fit of the shipped data (conftest.py: made once per test process)."""
    return shipped_fit


def _row(result, row_id):
    return next(r for r in result.rows if r.measurement.id == row_id)


# Table 9 (Step-3 paper §7.4): attention-layer latency in us, 4 GPUs, total batch 256.
TABLE9 = [
    ("t9-8k-mfa-h800", "Table 9, 8k, MFA-Step3, H800: 281 us", 281),
    ("t9-8k-mfa-h20", "Table 9, 8k, MFA-Step3, H20: 438 us", 438),
    ("t9-8k-mfa-a800", "Table 9, 8k, MFA-Step3, A800: 531 us", 531),
    ("t9-8k-mla-h800", "Table 9, 8k, MLA-DSv3, H800: 372 us", 372),
    ("t9-8k-mla-h20", "Table 9, 8k, MLA-DSv3, H20: 1252 us", 1252),
    ("t9-8k-gqa-h800", "Table 9, 8k, GQA-Qwen3, H800: 382 us", 382),
    ("t9-8k-gqa-h20", "Table 9, 8k, GQA-Qwen3, H20: 812 us", 812),
    ("t9-8k-gqa-a800", "Table 9, 8k, GQA-Qwen3, A800: 791 us", 791),
    ("t9-32k-mfa-h800", "Table 9, 32k, MFA-Step3, H800: 791 us", 791),
    ("t9-32k-mfa-h20", "Table 9, 32k, MFA-Step3, H20: 1452 us", 1452),
    ("t9-32k-mfa-a800", "Table 9, 32k, MFA-Step3, A800: 1484 us", 1484),
    ("t9-32k-mla-h800", "Table 9, 32k, MLA-DSv3, H800: 1125 us", 1125),
    ("t9-32k-mla-h20", "Table 9, 32k, MLA-DSv3, H20: 4817 us", 4817),
    ("t9-32k-gqa-h800", "Table 9, 32k, GQA-Qwen3, H800: 1391 us", 1391),
    ("t9-32k-gqa-h20", "Table 9, 32k, GQA-Qwen3, H20: 3042 us", 3042),
    ("t9-32k-gqa-a800", "Table 9, 32k, GQA-Qwen3, A800: 3010 us", 3010),
]


@pytest.mark.parametrize("row_id,cell,measured", TABLE9, ids=[c for _, c, _ in TABLE9])
def test_table9_cell_held_out_within_15_percent(result, row_id, cell, measured):
    """Each cell predicted by a fit to the other rows (leave one out) is within 15%; with every
    row in the fit, within 10%."""
    row = _row(result, row_id)
    assert row.measurement.value == measured and row.measurement.table == "Table 9"
    assert abs(row.error_held_out) <= 0.15, f"{cell}: held out {row.held_out:.0f} us"
    assert abs(row.error_in_sample) <= 0.10, f"{cell}: in sample {row.in_sample:.0f} us"


def test_table9_rows_are_the_papers_cells():
    """measurements.toml carries every non-empty Table 9 cell of paper_tables.toml, as printed."""
    tables = library.read_toml("paper_tables.toml")["table9"]
    printed = {(key.split("@")[0], int(key.split("@")[1]), chip): float(v)
               for key, values in tables["rows"].items() for chip, v in zip(tables["columns"], values) if v != "N/A"}
    rows = {(m.setup["model"], m.setup["context"], m.setup["chip"]): m.value
            for m in validation.load_measurements() if m.table == "Table 9"}
    assert rows == printed and len(rows) == 16


@pytest.mark.parametrize("row_id,context,x,micro_batch,dtype,measured", [
    ("t8-step3-fp8-2a2f-4k", 4096, 2, 2048, "fp8", 4039),
    ("t8-step3-fp8-4a2f-8k", 8192, 4, 2048, "fp8", 2643),
])
def test_table8_step3_rows_within_10_percent_held_out(result, row_id, context, x, micro_batch, dtype, measured):
    """Table 8, Step-3 on H800 with AFD (xA2F, 8 GPUs per instance, 3 micro-batches, the paper's
    afd layout): each FP8 row predicted by a fit without it, within 10%. (The BF16 3A2F row held
    out is +37.6%: without it the two FP8 rows cannot tell the FP8-cache efficiency from the AFD
    overhead; README, an identifiability limit.)"""
    row = _row(result, row_id)
    assert row.measurement.value == measured and row.measurement.fit
    assert abs(row.error_held_out) <= 0.10, f"held out {row.held_out:.0f}"


@pytest.mark.parametrize("row_id,context,x,micro_batch,dtype", [
    ("t8-step3-fp8-2a2f-4k", 4096, 2, 2048, "fp8"), ("t8-step3-bf16-3a2f-4k", 4096, 3, 2016, "bf16"),
    ("t8-step3-fp8-4a2f-8k", 8192, 4, 2048, "fp8")])
def test_table8_rows_are_the_afd_pages_plans(result, row_id, context, x, micro_batch, dtype):
    """The validation's in-sample Table 8 figure is what afd.evaluate gives for the row's plan
    with the stored kernel sets (one model, not two)."""
    setup = AFDSetup(STEP3, H800, H800, context, attention_dtype=dtype)
    plan = evaluate(setup, x, 2, micro_batch).at(())
    assert setup.layout == "afd" and plan.feasible
    assert _row(result, row_id).in_sample == pytest.approx(float(plan.tokens_per_gpu_s), rel=1e-9)


@pytest.mark.parametrize("context,expected", [(4096, {2}), (8192, {4}), (32768, {14, 15, 16, 17, 18})])
def test_search_picks_the_papers_attention_instances(context, expected):
    """§7.3: with 2F and micro-batch 2048, 2A at 4K, 4A at 8K, ~16A at 32K."""
    best = search(AFDSetup(STEP3, H800, H800, context), None, 2, 2048)
    assert int(best.attention_instances) in expected


SEED = {("h800", "deepseek-v3"): 1.42, ("h800", "qwen3-235b-a22b"): 1.76, ("h20", "deepseek-v3"): 3.32,
        ("h20", "qwen3-235b-a22b"): 2.10, ("a800", "qwen3-235b-a22b"): 2.03}


@pytest.mark.parametrize("chip_slug,other", list(SEED))
def test_mfa_speedups_at_32k_with_default_layouts(chip_slug, other):
    """Table 9 at 32K, derived speedups of MFA (H800 1.42x / 1.76x over MLA / GQA, H20 3.32x /
    2.10x, A800 2.03x over GQA) with each design's default layout (MFA and MLA dp, GQA tp):
    within 15%."""
    chip = library.chip(chip_slug)
    weights = "fp8" if chip.fp8_flops else "int8"

    def latency(slug):
        return float(layer_latency(library.model(slug), chip, 32768, 4, 256, kv_dtype="bf16", attention_dtype="bf16",
                                   weight_dtype=weights).latency_s)

    assert latency(other) / latency("step-3") == pytest.approx(SEED[(chip_slug, other)], rel=0.15)


def test_stored_factors_equal_a_refit(result):
    """data/kernels.toml holds exactly what fitting data/measurements.toml gives (the fit is
    deterministic): data and code cannot drift apart."""
    stored = library.read_toml("kernels.toml")
    refit = validation.fit()
    assert set(stored["parameters"]) == set(refit.values)
    for name, value in calibration.shown(refit.values).items():
        assert stored["parameters"][name] == pytest.approx(value, rel=1e-9, abs=1e-12), name
    sets = calibration.family_sets(refit.values)
    for slug, ks in families().items():
        want = sets[slug]
        for kernel in ("flash", "mla", "linear", "gemm"):
            a, b = getattr(ks, kernel), getattr(want, kernel)
            assert (a.kernel, a.tile_m, a.fitted) == (b.kernel, b.tile_m, b.fitted)
            for field in ("hbm", "flops"):
                assert getattr(a, field) == pytest.approx(getattr(b, field), rel=1e-9), (slug, kernel, field)
            assert a.kv_hbm(1.0) == pytest.approx(b.kv_hbm(1.0), rel=1e-9)
        assert (ks.link, ks.overhead_s, ks.afd_overhead_s, ks.gemm_overhead_s) == pytest.approx(
            (want.link, want.overhead_s, want.afd_overhead_s, want.gemm_overhead_s), rel=1e-9)
    assert validation.fit().values == refit.values, "two fits give the same numbers"
    deployment = stored["deployment"]["ep"]
    assert deployment["overlap"] == pytest.approx(result.overlaps["ep"], rel=1e-9)
    assert stored["deployment"]["ep-prefill"]["overlap"] == pytest.approx(result.overlaps["ep-prefill"], rel=1e-9)
    assert deployment["balance"] == pytest.approx(result.balance, rel=1e-12)


def test_stored_file_says_where_the_numbers_come_from():
    stored = library.read_toml("kernels.toml")
    fit = stored["fit"]
    for key in ("date", "commit", "code", "method", "rows"):
        assert fit[key]
    assert all(row_id in fit["rows"] for row_id in (r for r, _, _ in TABLE9))
    by_slug = {f["slug"]: f for f in stored["family"]}
    assert by_slug["default"]["default"] is True and "assumed" in by_slug["default"]["note"]
    assert by_slug["hopper"]["measured"] == ["h800"] and by_slug["h20"]["measured"] == ["h20"]
    assert by_slug["ampere"]["measured"] == ["a800"]
    assert all(entry["source"] for entry in stored["ceiling"] + stored["clock"])
    assert all(stored["deployment"][name]["source"] for name in ("ep", "ep-prefill", "tp", "tp-prefill", "afd"))


def test_few_physical_parameters():
    """No knob per row: 13 kernel parameters for over 40 fitted rows, each an efficiency of a
    kernel family or a fixed time; one overlap for the deployments."""
    stored = library.read_toml("kernels.toml")["parameters"]
    assert len(stored) == 13
    fitted = [m for m in validation.load_measurements() if m.fit]
    assert len(fitted) >= 3 * len(stored)
    for name, value in stored.items():
        assert (0 < value <= 1) if calibration.PARAMETERS[name][1] == "eff" else value >= 0


def test_no_fitted_efficiency_above_what_public_kernels_reach(result):
    """Every efficiency sits at or under its ceiling (FlashMLA's 3,000 GB/s and 660 TFLOPS on
    H800, FlashAttention-3's 85%, DeepGEMM's 1,550 TFLOPS, the H20's published 129 TFLOPS):
    a fit that wants more is missing a cost term."""
    shown = calibration.shown(result.fit.values)
    for name, (_, kind, cap) in calibration.PARAMETERS.items():
        if kind == "eff" and name in shown:
            assert cap in result.ceilings, name
            assert shown[name] <= result.ceilings[cap].value * (1 + 1e-9), name
    assert result.ceilings["gemm.flops"].value * 1979e12 * 0.8746 == pytest.approx(1550e12, rel=0.01)


@pytest.mark.parametrize("row_id,measured", [("flashmla-h800-memory", 3000), ("flashmla-h800-compute", 660)])
def test_flashmla_published_figures_within_15_percent(result, row_id, measured):
    """FlashMLA README (github deepseek-ai/FlashMLA): up to 3,000 GB/s memory-bound and 660
    TFLOPS compute-bound on H800 SXM5: the fit reproduces both within 15% (a calibration, not a
    prediction: held out, no other row measures MLA's memory-bound regime, and the compute-bound
    one follows Table 9's H800 MLA cells; the README reports both held-out figures)."""
    row = _row(result, row_id)
    assert row.measurement.value == measured
    assert abs(row.error_in_sample) <= 0.15


HOPPER_DEPLOYMENTS = [("t8-dsv3-blog", 1850), ("t8-dsv3-profile", 2324), ("sglang-h100-ep72-2k", 2785.25),
                      ("kimi-k2-h200-ep96", 3000)]


@pytest.mark.parametrize("row_id,value", HOPPER_DEPLOYMENTS, ids=[r for r, _ in HOPPER_DEPLOYMENTS])
def test_public_deployments_within_20_percent_held_out(result, row_id, value):
    """DeepSeek's decode blog (1,850 tokens/GPU/s, EP144, KV 4,989) and profile (2,324, EP128,
    batch 128), SGLang's 96-H100 blog (22,282 per node, EP72, batch 256, KV 2,000), the Kimi K2
    blog (288k on 96 H200): each predicted with the overlap fitted to the others, within 20%."""
    row = _row(result, row_id)
    assert row.measurement.value == value and row.measurement.fit and row.measurement.source
    assert abs(row.error_held_out) <= 0.20, f"held out {row.held_out:.0f}"


def test_blackwell_deployments_are_checks_with_a_range(result):
    """The GB200 rows run on assumed kernel efficiencies: checks, not fitted, each with the
    model's range over the assumed efficiencies' low and high end."""
    rows = [r for r in result.rows if r.measurement.setup.get("chip") == "gb200"]
    assert len(rows) == 3
    for row in rows:
        assert not row.measurement.fit and row.measurement.assumed
        assert row.low < row.in_sample < row.high
        assert row.low <= 1.25 * row.measurement.value  # the measured figure near the range's low end


def test_every_row_cites_its_table_and_cell():
    for m in validation.load_measurements():
        assert m.table and m.cell and m.source


# -- command line ----------------------------------------------------------------------------------------
def run(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "costmodel", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)})


def _strict(text):
    def refuse(name):
        raise ValueError(f"non-standard JSON constant {name}")

    return json.loads(text, parse_constant=refuse)


def test_cli_attention_json_fields():
    out = run("attention", "--model", "step-3", "qwen3-235b-a22b", "--chip", "h800", "a800", "--context", "8k", "32768",
              "--format", "json")
    assert out.returncode == 0, out.stderr
    rows = _strict(out.stdout)
    assert len(rows) == 2 * 2 * 2
    for field in ("model", "chip", "context", "layout", "gpus", "batch", "latency_us", "core_us", "projections_us",
                  "query_us", "kv_projection_us", "output_us", "comm_us", "overhead_us", "bound", "replication",
                  "kernel_set", "kernels_assumed", "kernel"):
        assert field in rows[0], field
    first = rows[0]
    assert (first["model"], first["chip"], first["context"], first["layout"], first["gpus"], first["batch"]) == \
        ("step-3", "h800", 8192, "dp", 4, 256)
    assert first["latency_us"] == pytest.approx(281, rel=0.10)  # Table 9, 8k, MFA-Step3, H800
    assert first["kernel_set"] == "hopper" and first["kernels_assumed"] is False
    qwen = next(r for r in rows if r["model"] == "qwen3-235b-a22b")
    assert qwen["layout"] == "tp" and qwen["comm_us"] > 0
    for r in rows:
        parts = r["core_us"] + r["projections_us"] + r["comm_us"] + r["overhead_us"]
        assert r["latency_us"] == pytest.approx(parts, rel=1e-9)


def test_cli_attention_layout_and_replication():
    out = run("attention", "--model", "qwen3-235b-a22b", "--chip", "h20", "--context", "8k", "--gpus", "8",
              "--layout", "tp", "--format", "json")
    (row,) = _strict(out.stdout)
    assert out.returncode == 0 and row["replication"] == 2 and "held by 2 GPUs" in row["replication_note"]
    out = run("attention", "--model", "step-3", "--chip", "mi300x", "--context", "8k", "--layout", "afd", "--gpus",
              "8", "--batch", "1024", "--format", "csv")
    assert out.returncode == 0 and "default" in out.stdout and "True" in out.stdout


@pytest.mark.parametrize("args,field", [
    (("--chip", "h80"), "chip"),
    (("--layout", "pp"), "layout"),
    (("--gpus", "0"), "gpus"),
    (("--batch", "nan"), "batch"),
    (("--context", "-5"), "context"),
    (("--kv-dtype", "fp7"), "kv-dtype"),
    (("--gpus", "128", "--layout", "tp", "--model", "qwen3-235b-a22b"), "gpus"),
])
def test_cli_attention_bad_input_exit_2(args, field):
    base = {"--model": "step-3", "--chip": "h800", "--context": "8k"}
    given = dict(zip(args[::2], args[1::2]))
    argv = ["attention"] + [x for k, v in {**base, **given}.items() for x in (k, v)]
    out = inprocess.costmodel(*argv)  # test_cli_attention_json_fields runs the command in its own process
    assert out.returncode == 2, out.stdout
    assert out.stderr.startswith(f"error: {field}") and out.stderr.count("\n") == 1 and "Traceback" not in out.stderr


def test_cli_validate_passes_and_lists_every_row(fit_once):
    """In this process on the fit made once (``fit_once``); the tests below run `validate` in its
    own process."""
    out = inprocess.costmodel("validate", "--format", "json")
    assert out.returncode == 0, out.stderr
    payload = _strict(out.stdout)
    assert payload["ok"] is True and payload["table9_max_held_out_error"] <= 0.15
    ids = {r["id"] for r in payload["rows"]}
    assert {r for r, _, _ in TABLE9} <= ids and {"t8-step3-fp8-2a2f-4k", "t8-dsv3-blog", "t8-dsv3-profile"} <= ids
    for r in payload["rows"]:
        for field in ("measured", "model_in_sample", "model_held_out", "error_in_sample", "error_held_out", "source"):
            assert field in r
    assert set(payload["parameters"]) == set(library.read_toml("kernels.toml")["parameters"]) | {"ep.overlap", "ep-prefill.overlap"}
    table = inprocess.costmodel("validate")
    assert table.returncode == 0 and "largest held-out error" in table.stdout and "4817" in table.stdout


def _data_copy(tmp_path):
    for name in ("chips.toml", "models.toml", "paper_tables.toml", "measurements.toml", "kernels.toml"):
        shutil.copy(ROOT / "data" / name, tmp_path / name)
    return tmp_path


def test_cli_validate_exit_1_when_a_held_out_cell_is_off(tmp_path):
    data = _data_copy(tmp_path)
    text = (data / "measurements.toml").read_text()
    text = text.replace('cell = "32k, MLA-DSv3, H20"\nquantity = "attention_layer_us"\nvalue = 4817',
                        'cell = "32k, MLA-DSv3, H20"\nquantity = "attention_layer_us"\nvalue = 9634', 1)
    (data / "measurements.toml").write_text(text)
    out = run("--data", str(data), "validate")
    assert out.returncode == 1 and "over." in out.stdout


def test_cli_validate_writes_the_stored_kernels(tmp_path):
    target = tmp_path / "kernels.toml"
    out = run("validate", "--format", "csv", "--write-kernels", str(target))
    assert out.returncode == 0, out.stderr
    written, stored = tomllib.loads(target.read_text()), library.read_toml("kernels.toml")
    assert written["parameters"] == pytest.approx(stored["parameters"], rel=1e-9)


def test_cli_validate_bad_data_exit_2(tmp_path):
    data = _data_copy(tmp_path)
    (data / "measurements.toml").write_text('[[row]]\nid = "x"\ntable = "Table 9"\ncell = "c"\nquantity = "speed"\nvalue = 1\n')
    out = run("--data", str(data), "validate")
    assert out.returncode == 2 and out.stderr.startswith("error: measurements.toml: row x: quantity")
    assert "Traceback" not in out.stderr
