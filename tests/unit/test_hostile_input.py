"""Hostile input at every edge: the command lines, the data files, scenario files. Any input
gives a result or exit 2 with one message naming the field: never a traceback, never NaN or
Infinity in the output (strict JSON)."""
from __future__ import annotations

import contextlib
import io
import json
import math
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from costmodel.__main__ import main as costmodel_main
from costmodel.errors import InputError
from dashboard import report
from dashboard.scenario import Scenario

ROOT = Path(__file__).resolve().parents[2]


def run_inproc(argv) -> tuple[int, str, str]:
    """The command line in this process: (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = costmodel_main(argv)
        except SystemExit as exit_:
            code = exit_.code
    return code, out.getvalue(), err.getvalue()


def assert_clean(code, out, err, fmt="json"):
    """Exit 0/1 with strict output, or 2 with one line naming what is wrong."""
    assert "Traceback" not in err and "Traceback" not in out
    assert code in (0, 1, 2), (code, err)
    if code == 2:
        assert len(err.strip().splitlines()) == 1 and err.startswith("error: "), err
    elif code == 0 and fmt == "json":
        json.loads(out, parse_constant=lambda c: pytest.fail(f"{c} in JSON output"))
    for bad in ("NaN", "Infinity", "nan", "inf"):
        assert f" {bad}" not in out and f"{bad}," not in out, out[:500]


# --- the examples the issue names ------------------------------------------------------------------
@pytest.mark.parametrize("args, field", [
    (["cost", "--model", "step-3", "--chip", "h800", "--context", "1e308"], "context"),
    (["cost", "--model", "step-3", "--chip", "h800", "--context", "0.5"], "context"),
    (["cost", "--model", "step-3", "--chip", "h800", "--context", "1000.5"], "context"),
    (["cost", "--model", "step-3", "--chip", "h800", "--context", "8k", "--kv-bits", "nan"], "kv-bits"),
    *[(["afd", "--model", "step-3", "--attention-chip", "h800", "--context", "4k", f"--{opt}", value], opt)
      for opt in ("stages", "micro-batches", "attention-instances", "micro-batch", "gpus-per-instance")
      for value in ("nan", "inf", "-inf", "1e400")],
    (["afd", "--model", "step-3", "--attention-chip", "h800", "--context", "4k", "--stages", "3.7"], "stages"),
    (["afd", "--model", "step-3", "--attention-chip", "h800", "--context", "4k", "--micro-batches", "2.5"],
     "micro-batches"),
    (["afd", "--model", "step-3", "--attention-chip", "h800", "--context", "4k", "--micro-batch", "1e12"],
     "micro-batch"),
    (["afd", "--model", "step-3", "--attention-chip", "h800", "--context", "4k", "--chip-pairs", "--top", "x"], "--top"),
    (["afd", "--model", "step-3", "--attention-chip", "h800", "--context", "4k", "--tpot-ms", "1e-300"], "tpot-ms"),
    (["cost", "--model", "step-3", "--chip", "h800", "--context", "8k", "--weight-dtype", "fp3"], "weight"),
])
def test_named_examples_exit_2_with_one_message(args, field):
    code, out, err = run_inproc(args)
    assert code == 2 and field in err, (code, err)
    assert_clean(code, out, err)


def test_json_is_strict_for_every_library_model_and_chip():
    code, out, err = run_inproc(["cost", "--model", "minimax-m1", "llama-4-maverick", "--chip", "h800", "910c", "l4",
                                 "--context", "1", "16m", "--format", "json"])
    assert code == 0, err
    assert_clean(code, out, err)
    assert all(math.isfinite(r["total_usd_per_mtok"]) for r in json.loads(out))


# --- fuzz: the command lines -------------------------------------------------------------------------
TOKENS = st.sampled_from(["8k", "0", "-1", "nan", "inf", "1e309", "3.7", "2", "4096", "", "x", "1" * 40, "h800",
                          "step-3", "fp8", "json", "--format", "--context", "1e-300", "16m", "17m", "0x10"])


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(TOKENS, max_size=4))
def test_fuzz_cost_arguments(extra):
    code, out, err = run_inproc(["cost", "--model", "step-3", "--chip", "h800", "--context", *extra[:1], *extra[1:],
                                 "--format", "json"])
    assert_clean(code, out, err)


AFD_OPTIONS = ["--stages", "--micro-batches", "--micro-batch", "--attention-instances", "--ffn-instances",
               "--tpot-ms", "--attention-gpus", "--hbm-efficiency", "--kv-bits", "--net-gbs", "--attention-dtype",
               "--ffn-parallel", "--memory-fraction"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(AFD_OPTIONS), TOKENS), max_size=3))
def test_fuzz_afd_arguments(options):
    argv = ["afd", "--model", "step-3", "--attention-chip", "h800", "--context", "4k", "--format", "json"]
    for option, value in options:
        argv += [option, value]
    code, out, err = run_inproc(argv)
    assert_clean(code, out, err)


# --- data files ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("edit, field", [
    (("[table7.measured_network]", "[table7.measured]"), "table7.measured_network"),
    (('"2.56e8"', '"x"'), "table2.rows.step-3.kv_bytes"),
    (("context = 8192", 'context = "8k"'), "table2.context"),
    (('chips = ["h800", "h20", "a800", "910b"]', 'chips = ["h800", "h999"]'), "table6.chips"),
    (('"step-3" = ["2.56e8"', '"step-3" = [2.56e8'), "table2.rows.step-3"),
    (("hidden = 7168", "hidden = 99999999999999999999999"), "table7.hidden"),
])
def test_malformed_paper_tables_one_message_exit_2(tmp_path, edit, field):
    for name in ("chips.toml", "models.toml", "paper_tables.toml"):
        shutil.copy(ROOT / "data" / name, tmp_path / name)
    path = tmp_path / "paper_tables.toml"
    text = path.read_text()
    assert edit[0] in text
    path.write_text(text.replace(edit[0], edit[1], 1))
    code, out, err = run_inproc(["--data", str(tmp_path), "paper"])
    assert code == 2 and field in err, err
    assert_clean(code, out, err, fmt="table")


@pytest.mark.parametrize("name, content, field", [
    ("chips.toml", b"\xff\xfe", "UTF-8"),
    ("models.toml", b"x = " + b"[" * 100_000, "models.toml"),
    ("chips.toml", (ROOT / "data" / "chips.toml").read_bytes().replace(b"price_usd_per_hour = 2.00",
                                                                        b"price_usd_per_hour = 1e300", 1), "price"),
    ("chips.toml", (ROOT / "data" / "chips.toml").read_bytes().replace(b"mem_bw_bytes_per_s = 3.35e12",
                                                                        b"mem_bw_bytes_per_s = 1e-300", 1), "mem_bw"),
    ("models.toml", (ROOT / "data" / "models.toml").read_bytes().replace(b"hidden = 7168", b"hidden = 1" + b"0" * 30,
                                                                          1), "hidden"),
])
def test_malformed_data_files_every_subcommand(tmp_path, name, content, field):
    for file in ("chips.toml", "models.toml", "paper_tables.toml"):
        shutil.copy(ROOT / "data" / file, tmp_path / file)
    (tmp_path / name).write_bytes(content)
    listing = ["chips"] if name == "chips.toml" else ["models"]  # the listing that reads the broken file
    for argv in (["paper"], listing, ["cost", "--model", "step-3", "--chip", "h800", "--context", "8k"],
                 ["afd", "--model", "step-3", "--attention-chip", "h800", "--context", "8k"]):
        code, out, err = run_inproc(["--data", str(tmp_path), *argv])
        assert code == 2 and name in err and field in err, (argv, err)
        assert_clean(code, out, err, fmt="table")


def test_data_dir_that_is_a_file_or_missing(tmp_path):
    for where in (tmp_path / "nope", ROOT / "README.md"):
        code, out, err = run_inproc(["--data", str(where), "chips"])
        assert code == 2 and "chips.toml" in err
        assert_clean(code, out, err)


def test_report_honours_data(tmp_path):
    for file in ("chips.toml", "models.toml", "paper_tables.toml"):
        shutil.copy(ROOT / "data" / file, tmp_path / file)
    chips = tmp_path / "chips.toml"
    chips.write_text(chips.read_text().replace("price_usd_per_hour = 2.00", "price_usd_per_hour = 3.00", 1))
    result = subprocess.run([sys.executable, "-m", "dashboard", "--data", str(tmp_path), "report", "--scenario",
                             str(ROOT / "examples" / "scenario.json"), "--out", str(tmp_path / "o"), "--pages",
                             "overview", "--formats", "csv"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "chip h800: the file's price_usd_per_hour differ" in result.stderr, "the file's H800 (2.00) is used"


# --- fuzz: scenario files -------------------------------------------------------------------------------
JSONISH = st.recursive(st.none() | st.booleans() | st.integers(-10**30, 10**30) | st.floats() | st.text(max_size=8),
                       lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
                       max_leaves=12)
FIELDS = ["models", "chips", "chip_overrides", "context", "sweep_min", "sweep_max", "sweep_axis", "batch", "kv_dtype",
          "weight_dtype", "afd", "codesign", "deploy", "custom_chips", "custom_models", "schema_version"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(FIELDS), JSONISH, max_size=4))
def test_fuzz_scenario_dicts(changes):
    data = {**Scenario().to_dict(), **changes}
    try:
        scenario = Scenario.from_dict(data)
    except InputError:
        return
    json.dumps(scenario.to_dict(), allow_nan=False)
    assert Scenario.from_dict(scenario.to_dict()) == scenario


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200) | st.sampled_from(["[" * 50_000, '{"scenario": NaN}', '{"scenario": {"context": 1e999}}']))
def test_fuzz_scenario_text(text):
    try:
        report.parse_scenario(text)
    except InputError:
        pass


def test_scenario_file_that_is_a_folder_or_binary(tmp_path):
    with pytest.raises(InputError, match="is a folder"):
        report.read_scenario(tmp_path)
    (tmp_path / "s.json").write_bytes(b"\xff\xfe{}")
    with pytest.raises(InputError, match="UTF-8"):
        report.read_scenario(tmp_path / "s.json")
