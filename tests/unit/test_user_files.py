"""A user's own chip and model files on the command line (--chip-file, --model-file), and the
loaders under hostile input: one message naming the file and field, exit 2, never a traceback;
property: any input loads into a valid record or raises the one typed error."""
from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import inprocess
from hypothesis import HealthCheck, given, settings, strategies as st

from costmodel import library
from costmodel.chips import CHIP_FIELDS
from costmodel.decode import decode_token
from costmodel.errors import InputError

ROOT = Path(__file__).resolve().parents[2]
CONFIGS = ROOT / "tests" / "data" / "hf-configs"
CHIP = """[[chip]]
slug = "h20-cheap"
name = "H20 at a discount"
vendor = "NVIDIA"
bf16_flops = 1.48e14
fp8_flops = 2.96e14
mem_bw_bytes_per_s = 4.0e12
mem_bytes = 96e9
net_bytes_per_s = 5.0e10
price_usd_per_hour = 0.40
assumed = ["price_usd_per_hour"]
source = "H20 figures as the library's; price a quote I was given"
"""


def run(*args):
    return subprocess.run([sys.executable, "-m", "costmodel", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)


def test_chip_file_costs_like_the_library_chip_at_its_own_price(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text(CHIP)
    result = run("cost", "--model", "step-3", "--chip", "h20", "h20-cheap", "--context", "8k", "--chip-file",
                 str(path), "--format", "json")
    assert result.returncode == 0, result.stderr
    library_h20, cheap = json.loads(result.stdout)
    # same chip at half the price: every cost halves (Step-3 paper Table 6, H20 at 8K: 0.040 + 0.040)
    assert cheap["chip"] == "h20-cheap" and cheap["total_usd_per_mtok"] == pytest.approx(library_h20["total_usd_per_mtok"] / 2)
    listed = json.loads(run("chips", "--chip-file", str(path), "--format", "json").stdout)
    assert [c["chip"] for c in listed][-1] == "h20-cheap" and listed[-1]["assumed"] == "price_usd_per_hour"


def test_unseen_dense_config_costs_from_the_command_line(tmp_path):
    """Llama 3.1 70B (no library entry): 80 layers x 8 KV heads x 128 x 2 (K and V) x 1 byte (FP8)
    = 163,840 bytes of KV per context token; FFN 2 x 80 x 3 x 8192 x 28672 FLOPs per token."""
    folder = tmp_path / "Llama-3.1-70B"
    folder.mkdir()
    shutil.copy(CONFIGS / "llama-3.1-70b" / "config.json", folder / "config.json")
    result = run("cost", "--model", "llama-3.1-70b", "--chip", "h800", "--context", "8192",
                 "--model-file", str(folder / "config.json"), "--format", "json")
    assert result.returncode == 0, result.stderr
    (row,) = json.loads(result.stdout)
    assert row["kv_bytes"] == 80 * 8 * 128 * 2 * 8192
    assert row["ffn_flops"] == 2 * 80 * 3 * 8192 * 28672
    assert row["attention_flops"] == 4 * 80 * 64 * 128 * 8192
    assert 0 < row["total_usd_per_mtok"] < 1


def test_a_config_named_with_an_underscore_takes_that_slug(tmp_path):
    """A file name is a slug by the library's one rule ('_' allowed), for a config too."""
    shutil.copy(CONFIGS / "llama-3.1-70b" / "config.json", tmp_path / "my_model.json")
    (model,) = library.load_model_file(tmp_path / "my_model.json")
    assert model.slug == "my_model"


def test_model_file_in_models_toml_shape(tmp_path):
    path = tmp_path / "models.toml"
    path.write_text((ROOT / "data" / "models.toml").read_text().replace('slug = "step-3"', 'slug = "step-3-copy"'))
    result = run("afd", "--model", "step-3-copy", "--attention-chip", "h800", "--context", "4k", "--attention-instances",
                 "2", "--ffn-instances", "2", "--micro-batch", "2048", "--model-file", str(path), "--format", "json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)[0]["layout"] == "2A2F"


@pytest.mark.parametrize("content, field", [
    (b"\xff\xfe[[chip]]", "is not UTF-8"),
    (b"[[chip]\n", "not valid TOML"),
    (CHIP.replace('price_usd_per_hour = 0.40', 'price_usd_per_hour = nan').encode(), "price_usd_per_hour"),
    (CHIP.replace('price_usd_per_hour = 0.40', 'price_usd_per_hour = -1').encode(), "price_usd_per_hour"),
    (CHIP.replace('price_usd_per_hour = 0.40', 'price_usd_per_hour = 1e300').encode(), "price_usd_per_hour"),
    (CHIP.replace('mem_bw_bytes_per_s = 4.0e12', 'mem_bw_bytes_per_s = 1e-300').encode(), "mem_bw_bytes_per_s"),
    (CHIP.replace('mem_bytes = 96e9', 'mem_bytes = "96 GB"').encode(), "mem_bytes"),
    (CHIP.replace('assumed = ["price_usd_per_hour"]', 'assumed = "price"').encode(), "assumed"),
    (CHIP.replace('slug = "h20-cheap"', 'slug = "../../etc/passwd"').encode(), "chip slug"),
    (CHIP.replace('slug = "h20-cheap"', 'slug = "h20"').encode(), "chip h20"),
    (CHIP.replace('vendor = "NVIDIA"\n', '').encode(), "vendor"),
    (b"x = " + b"[" * 100_000 + b"]" * 100_000, "chip file"),
    (b"a = 1\n", "no [[chip]]"),
    (b"# " + b"x" * 1_000_001, "larger than"),
])
def test_hostile_chip_file_one_message_exit_2(tmp_path, content, field):
    path = tmp_path / "chips.toml"
    path.write_bytes(content)
    result = inprocess.costmodel("chips", "--chip-file", str(path))  # the tests around start the command
    assert result.returncode == 2, result.stdout
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith("error: ") and field in result.stderr, result.stderr


def test_chip_file_that_is_a_folder_or_missing(tmp_path):
    for path in (tmp_path, tmp_path / "nope.toml"):
        result = run("chips", "--chip-file", str(path))
        assert result.returncode == 2 and "Traceback" not in result.stderr
        assert str(path) in result.stderr


def test_tie_embeddings_must_be_true_or_false(tmp_path):
    text = (ROOT / "data" / "models.toml").read_text().replace('slug = "step-3"', 'slug = "mine"\ntie_embeddings = "no"')
    path = tmp_path / "m.toml"
    path.write_text(text)
    result = run("models", "--model-file", str(path))
    assert result.returncode == 2 and "tie_embeddings" in result.stderr and "true or false" in result.stderr


def test_model_name_with_markup_is_kept_as_text(tmp_path):
    text = (ROOT / "data" / "models.toml").read_text().replace(
        'slug = "step-3"\nname = "Step-3"', 'slug = "mine"\nname = "<b>x</b> [CLICK](https://evil.example)"')
    path = tmp_path / "m.toml"
    path.write_text(text)
    (mine,) = [m for m in library.load_model_file(path) if m.slug == "mine"]
    assert mine.name == "<b>x</b> [CLICK](https://evil.example)", "names are data; the UI escapes them"


# --- property: any input is a valid record or one InputError ------------------------------------
NUMBERS = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**30, 10**30), st.booleans(),
                    st.text(max_size=5), st.none(), st.lists(st.integers(), max_size=2))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from([s.name for s in CHIP_FIELDS] + ["slug", "assumed", "notes", "name"]),
                       NUMBERS, max_size=6))
def test_any_chip_entry_is_valid_or_one_input_error(changes):
    entry = library.chip_entry(library.chip("h800"))
    entry.update({k: v for k, v in changes.items() if v is not None})
    try:
        chip = library.parse_chip(entry, "chips.toml")
    except InputError:
        return
    for spec in CHIP_FIELDS:
        value = getattr(chip, spec.name)
        assert value is None or (math.isfinite(value) and value > 0)
    assert math.isfinite(chip.ridge_point("fp8")) and chip.ridge_point("fp8") > 0


MODEL_KEYS = ["hidden", "vocab", "tie_embeddings", "layers", "n_q", "n_kv", "head_dim", "q_lora_rank", "n_routed",
              "top_k", "expert_intermediate", "intermediate", "window", "kind"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["step-3", "deepseek-v3", "llama-4-maverick", "minimax-m1"]),
       st.dictionaries(st.sampled_from(MODEL_KEYS), NUMBERS, max_size=4), st.integers(0, 2))
def test_any_model_entry_is_valid_or_one_input_error(slug, changes, where):
    entry = library.model_entry(library.model(slug))
    target = entry if where == 0 else entry["attention"][0] if where == 1 else entry["ffn"][-1]
    target.update({k: v for k, v in changes.items() if v is not None})
    try:
        model = library.parse_model(entry, "models.toml")
    except InputError:
        return
    token = decode_token(model, [1, 8192, 1 << 20])
    for value in (*token.kv_bytes, *token.attention_flops, token.linear_flops, token.ffn_flops):
        assert math.isfinite(value) and value >= 0


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_any_bytes_as_a_chip_file(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("f") / "c.toml"
    path.write_bytes(data)
    try:
        library.load_chip_file(path)
    except InputError:
        pass


def test_entries_read_back_to_the_same_records():
    for chip in library.chips().values():
        assert library.parse_chip(library.chip_entry(chip), "x") == chip
    for model in library.models().values():
        assert library.parse_model(library.model_entry(model), "x") == model
    assert os.environ.get("COSTMODEL_DATA") is None
