"""The command line as a user runs it: output fields, exit status, error messages."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import inprocess

ROOT = Path(__file__).resolve().parents[2]


def run(*args, env=None):
    return subprocess.run([sys.executable, "-m", "costmodel", *args], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=60)


def test_paper_exits_zero_with_no_mismatch():
    result = run("paper")
    assert result.returncode == 0, result.stdout
    assert "303 of 303 paper cells match" in result.stdout


def test_paper_exits_one_on_mismatch(tmp_path):
    for name in ("chips.toml", "models.toml", "paper_tables.toml"):
        shutil.copy(ROOT / "data" / name, tmp_path / name)
    tables = (tmp_path / "paper_tables.toml").read_text()
    (tmp_path / "paper_tables.toml").write_text(tables.replace('"step-3" = ["2.56e8"', '"step-3" = ["2.57e8"', 1))
    result = run("--data", str(tmp_path), "paper")
    assert result.returncode == 1
    assert "table2" in result.stdout and "2.57e8" in result.stdout and "1 mismatch" in result.stdout


def test_cost_json_public_fields():
    result = run("cost", "--model", "step-3", "deepseek-v3", "--chip", "h800", "h20", "--context", "8k", "32768",
                 "--format", "json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert len(rows) == 2 * 2 * 2
    required = {"model", "chip", "context", "kv_bytes", "attention_flops", "linear_flops", "ffn_flops",
                "attention_intensity", "attention_usd_per_mtok", "ffn_usd_per_mtok", "total_usd_per_mtok",
                "attention_bound"}
    assert all(required <= set(r) for r in rows)
    row = next(r for r in rows if (r["model"], r["chip"], r["context"]) == ("step-3", "h20", 8192))
    # Step-3 paper Table 6: attention on H20 at 8K 0.040, FFN on H20 0.040
    assert round(row["attention_usd_per_mtok"], 3) == 0.040 and round(row["ffn_usd_per_mtok"], 3) == 0.040
    assert row["attention_bound"] == "compute"
    assert {r["attention_bound"] for r in rows if r["chip"] == "h800"} == {"memory"}


def test_cost_kv_bits_and_csv():
    result = run("cost", "--model", "step-3", "--chip", "h800", "--context", "8k", "--kv-bits", "4", "--format", "csv")
    assert result.returncode == 0
    header, row = result.stdout.strip().splitlines()
    values = dict(zip(header.split(","), row.split(",")))
    assert float(values["attention_intensity"]) == 256.0


def test_models_and_chips_list():
    models = json.loads(run("models", "--format", "json").stdout)
    chips = json.loads(run("chips", "--format", "json").stdout)
    assert {m["model"] for m in models} >= {"step-3", "deepseek-v3", "qwen3-235b-a22b"}
    assert {c["chip"] for c in chips} >= {"h800", "h20", "a800", "910b", "b200", "mi300x", "gaudi3"}
    assert "step-3" in run("models").stdout


@pytest.mark.parametrize("args,field,hint", [
    (("--model", "step3", "--chip", "h800", "--context", "8k"), "model", "step-3"),
    (("--model", "step-3", "--chip", "h801", "--context", "8k"), "chip", "h800"),
    (("--model", "step-3", "--chip", "h800", "--context", "0"), "context", "between 1 and"),
    (("--model", "step-3", "--chip", "h800", "--context", "nan"), "context", "finite"),
    (("--model", "step-3", "--chip", "h800", "--context", "eight"), "context", "8192"),
    (("--model", "step-3", "--chip", "h800", "--context", "8k", "--kv-bits", "7"), "kv-bits", "4, 8, 16, 32"),
    (("--model", "step-3", "--chip", "h800", "--context", "8k", "--weight-dtype", "fp9"), "weight-dtype", "fp8"),
])
def test_bad_input_one_message_exit_2(args, field, hint):
    result = inprocess.costmodel("cost", *args)  # test_cost_json_public_fields starts the command
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith(f"error: {field}:") and hint in result.stderr


def test_malformed_data_file_exit_2(tmp_path):
    for name in ("chips.toml", "models.toml", "paper_tables.toml"):
        shutil.copy(ROOT / "data" / name, tmp_path / name)
    (tmp_path / "chips.toml").write_text("[[chip]\nslug = ")
    result = run("--data", str(tmp_path), "chips")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "chips.toml" in result.stderr and "not valid TOML" in result.stderr


def test_import_is_light():
    code = "import sys, costmodel; print(sorted(m for m in ('streamlit', 'plotly', 'pandas') if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "[]"


# -- decode (deployments) -------------------------------------------------------------------------------
DECODE_FIELDS = ("model", "chip", "deployment", "gpus", "batch_per_gpu", "context", "tokens_per_gpu_s", "tpot_ms",
                 "step_ms", "compute_ms", "comm_ms", "memory_gb_per_gpu", "bound")


def test_decode_json_fields_and_a_row_per_model_chip_context():
    out = run("decode", "--model", "deepseek-v3", "qwen3-235b-a22b", "--chip", "h800", "h20", "--context", "4k", "32k",
              "--deployment", "ep", "--gpus", "64", "--batch", "64", "--format", "json")
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)
    assert len(rows) == 2 * 2 * 2
    for row in rows:
        assert all(field in row for field in DECODE_FIELDS)
        assert row["tokens_per_gpu_s"] == pytest.approx(64 * 1000 / row["tpot_ms"], rel=1e-9)  # no MTP: a = 1
        assert row["step_ms"] <= row["compute_ms"] + row["comm_ms"] + 1e-9


def test_decode_deepseek_blog_setup_meets_its_tpot():
    """DeepSeek's decode blog: EP144 on H800, 32 redundant experts, KV 4,989, 20-22 tokens/s per
    user: the largest batch meeting 47.6 ms per token gives ~1,850 tokens/GPU/s (within 20%)."""
    out = run("decode", "--model", "deepseek-v3", "--chip", "h800", "--deployment", "ep", "--gpus", "144",
              "--redundant-experts", "32", "--context", "4989", "--tpot-ms", "47.6", "--format", "json")
    assert out.returncode == 0, out.stderr
    (row,) = json.loads(out.stdout)
    assert row["tpot_ms"] <= 47.6 and row["tokens_per_gpu_s"] == pytest.approx(1850, rel=0.20)


@pytest.mark.parametrize("args,field", [
    (("--batch", "0"), "batch"),
    (("--deployment", "pp"), "deployment"),
    (("--gpus", "12", "--deployment", "afd"), "gpus"),
    (("--mtp-tokens", "2", "--mtp-accept", "3"), "mtp_accept"),
    (("--overlap", "1.5"), "overlap"),
    (("--hbm-efficiency", "1"), "hbm_efficiency"),
    ((), "batch"),
])
def test_decode_bad_input_exit_2(args, field):
    base = ["decode", "--model", "deepseek-v3", "--chip", "h800", "--context", "4k", "--gpus", "16"]
    if "--batch" not in args and args:
        base += ["--batch", "32"]
    out = inprocess.costmodel(*base, *args)  # test_decode_json_fields_... starts the command
    assert out.returncode == 2, out.stdout
    assert out.stderr.startswith(f"error: {field}") and out.stderr.count("\n") == 1 and "Traceback" not in out.stderr


def test_decode_efficiency_flags_apply_with_efficiency_timing():
    args = ["decode", "--model", "deepseek-v3", "--chip", "h800", "--context", "4k", "--gpus", "16", "--batch", "64",
            "--timing", "efficiency", "--format", "json"]
    slow, fast = (json.loads(run(*args, "--hbm-efficiency", value).stdout)[0] for value in ("0.3", "1"))
    assert slow["tpot_ms"] > fast["tpot_ms"]


def test_afd_efficiency_flag_is_refused_under_kernel_timing():
    out = run("afd", "--model", "step-3", "--attention-chip", "h800", "--context", "8k", "--hbm-efficiency", "1")
    assert out.returncode == 2 and "hbm_efficiency" in out.stderr and "'efficiency'" in out.stderr


# -- prefill and serve (the whole request) ---------------------------------------------------------------
SERVE_FIELDS = ("model", "prefill_chip", "decode_chip", "mode", "input_tokens", "output_tokens", "prefill_gpus",
                "decode_gpus", "prefill_tokens_per_gpu_s", "decode_tokens_per_gpu_s", "ttft_ms", "tpot_ms",
                "usd_per_request", "usd_per_mtok_input", "usd_per_mtok_input_cached", "usd_per_mtok_output",
                "prefill_share")


def test_serve_json_fields_both_modes():
    for mode, gpus in (("disaggregated", "144"), ("colocated", "32")):
        out = run("serve", "--model", "deepseek-v3", "--prefill-chip", "h800", "--gpus", gpus, "--prefill-gpus", "32",
                  "--redundant-experts", "32", "--input-tokens", "2000", "--output-tokens", "500", "--cache-hit", "0.5",
                  "--mode", mode, "--format", "json")
        assert out.returncode == 0, out.stderr
        (row,) = json.loads(out.stdout)
        assert all(field in row for field in SERVE_FIELDS) and row["mode"] == mode
        assert row["ttft_ms"] <= 2000 and row["tpot_ms"] <= 50 and 0 < row["prefill_share"] < 1
        assert row["usd_per_mtok_input_cached"] < row["usd_per_mtok_input"]
        assert "rental" in row["pricing"]


def test_prefill_json_fields():
    out = run("prefill", "--model", "deepseek-v3", "--chip", "h800", "--gpus", "32", "--input-tokens", "4096",
              "--tokens-per-gpu", "16384", "--format", "json")
    assert out.returncode == 0, out.stderr
    (row,) = json.loads(out.stdout)
    for field in ("tokens_per_gpu_s", "ttft_ms", "compute_ms", "comm_ms", "bound"):
        assert field in row
    assert row["tokens_per_gpu_s"] == pytest.approx(16384 / row["step_ms"] * 1000, rel=1e-9)


@pytest.mark.parametrize("args,field", [
    (("--ttft-ms", "1"), "ttft_ms"),
    (("--mix", "100:50"), "mix"),
    (("--pricing", "ownership", "--prefill-chip", "mtt-s4000", "--ttft-ms", "60000"), "chip mtt-s4000: purchase_usd"),
    (("--prefill-deployment", "afd"), "prefill deployment"),
])
def test_serve_bad_input_exit_2(args, field):
    # in this process: test_serve_json_fields_both_modes starts the command
    out = inprocess.costmodel("serve", "--model", "qwen3-32b", "--prefill-chip", "h800", "--gpus", "8", "--deployment",
                              "tp", "--input-tokens", "2000", "--output-tokens", "200", *args)
    assert out.returncode == 2, out.stdout
    assert out.stderr.startswith(f"error: {field}") and out.stderr.count("\n") == 1 and "Traceback" not in out.stderr
