"""Hugging Face config.json importer (costmodel.hf_config): the library's models come out as the
library has them, other families match their vendors' totals and layouts, unknown architectures
import as dense GQA or are refused by name, and hostile input only ever raises InputError."""
import copy
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from costmodel import InputError, library
from costmodel.attention import GQA, MFA, MLA
from costmodel.decode import decode_token
from costmodel.ffn import DenseFFN, MoEFFN
from costmodel.hf_json import MAX_DEPTH
from costmodel.hf_config import (MAX_CONFIG_BYTES, ImportedModel, load_config, parse_config,
                                 read_config)

CONFIGS = Path(__file__).resolve().parents[1] / "data" / "hf-configs"
CONTEXTS = [4096, 32768, 131072]
ALL_SLUGS = sorted(p.name for p in CONFIGS.iterdir() if (p / "config.json").is_file())

# Library models whose config is in tests/data/hf-configs (ERNIE: ERNIEKit's pre-training config;
# Step-3: built from vLLM's Step3TextConfig defaults; see tests/data/hf-configs/README.md).
LIBRARY_SLUGS = ["deepseek-v3", "kimi-k2", "qwen3-235b-a22b", "qwen3-32b", "llama-4-maverick",
                 "ernie-4.5-300b-a47b", "step-3"]

# Vendors' published total parameters for the families the library does not carry.
VENDOR_TOTALS = {
    # OpenAI, "gpt-oss-120b & gpt-oss-20b Model Card" (arXiv 2508.10925), model architecture
    # section: gpt-oss-120b has 116.8B total parameters (5.1B active).
    "gpt-oss-120b": 116.8e9,
    # Zhipu AI / Z.ai, "GLM-4.5: Agentic, Reasoning, and Coding (ARC) Foundation Models"
    # (arXiv 2508.06471), abstract and Table 1: 355B total parameters, 32B activated.
    "glm-4.5": 355e9,
    # Mistral AI, "Mixtral of experts" announcement (Dec 2023): "Mixtral has 46.7B total
    # parameters but only uses 12.9B parameters per token".
    "mixtral-8x7b": 46.7e9,
    # meta-llama/Llama-3.1-70B on the Hugging Face Hub: 70.6B parameters (the model page's
    # safetensors count; Meta's model card rounds to "70B").
    "llama-3.1-70b": 70.6e9,
}


def _path(slug):
    return CONFIGS / slug / "config.json"


def _data(slug):
    return json.loads(_path(slug).read_text())


def _standard(**changes):
    data = {"architectures": ["FooForCausalLM"], "model_type": "foo", "hidden_size": 512,
            "num_attention_heads": 8, "num_key_value_heads": 2, "head_dim": 64, "intermediate_size": 1536,
            "num_hidden_layers": 4, "vocab_size": 1000}
    data.update(changes)
    return data


def _groups(model):
    return ([(g.layers, g.attention) for g in model.attention_groups], [(g.layers, g.ffn) for g in model.ffn_groups])


def _assumed_text(imported):
    return " | ".join(f"{what}: {why}" for what, why in imported.assumed)


# --------------------------------------------------------------------------------------------
# The library's models


def test_importer_stays_in_the_core():
    """costmodel.hf_config never pulls in the UI package."""
    code = "import sys, costmodel.hf_config; print(any(m.split('.')[0] == 'dashboard' for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[2])
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("slug", LIBRARY_SLUGS)
def test_library_models_per_token_costs_within_1_percent(slug):
    imported = load_config(_path(slug)).model
    got = decode_token(imported, CONTEXTS, kv_dtype="fp8")
    want = decode_token(library.model(slug), CONTEXTS, kv_dtype="fp8")
    np.testing.assert_allclose(got.kv_bytes, want.kv_bytes, rtol=0.01)
    np.testing.assert_allclose(got.attention_flops, want.attention_flops, rtol=0.01)
    assert got.linear_flops == pytest.approx(want.linear_flops, rel=0.01)
    assert got.ffn_flops == pytest.approx(want.ffn_flops, rel=0.01)


@pytest.mark.parametrize("slug", LIBRARY_SLUGS)
def test_library_models_total_params_within_2_percent_of_published(slug):
    imported = load_config(_path(slug)).model
    assert imported.params().total == pytest.approx(library.model(slug).published_total_params, rel=0.02)


@pytest.mark.parametrize("slug", LIBRARY_SLUGS)
def test_library_models_same_layer_groups_up_to_kv_format(slug):
    """Same layers, attention and FFN as the library (the library keeps the paper's per-group KV
    formats; the import stores every KV cache in FP8)."""
    imported = load_config(_path(slug)).model
    lib = library.model(slug)
    assert (imported.hidden, imported.vocab, imported.layers) == (lib.hidden, lib.vocab, lib.layers)
    assert sorted(map(repr, _groups(imported)[0])) == sorted(map(repr, _groups(lib)[0]))
    assert sorted(map(repr, _groups(imported)[1])) == sorted(map(repr, _groups(lib)[1]))
    assert {g.kv_dtype for g in imported.attention_groups} == {"fp8"}


# --------------------------------------------------------------------------------------------
# Other families: vendor totals and layouts


@pytest.mark.parametrize("slug", list(VENDOR_TOTALS))
def test_other_families_total_params_within_2_percent_of_vendor(slug):
    assert load_config(_path(slug)).model.params().total == pytest.approx(VENDOR_TOTALS[slug], rel=0.02)


def test_gpt_oss_layout():
    imported = load_config(_path("gpt-oss-120b"))
    assert imported.architecture == "GptOssForCausalLM"
    assert imported.family.startswith("gpt-oss")
    windows = {g.attention.window: g.layers for g in imported.model.attention_groups}
    assert windows == {128: 18, None: 18}
    sliding = next(g.attention for g in imported.model.attention_groups if g.attention.window)
    assert sliding.window_kind == "sliding"
    assert (sliding.n_q, sliding.n_kv, sliding.head_dim) == (64, 8, 64)
    [(layers, moe)] = _groups(imported.model)[1]
    assert layers == 36 and moe == MoEFFN(hidden=2880, n_routed=128, top_k=4, expert_intermediate=2880)
    read = dict(imported.read)
    assert read["experts_per_token"] == read["num_experts_per_tok"] == 4
    assert read["sliding_window"] == 128


def test_glm45_layout():
    imported = load_config(_path("glm-4.5"))
    assert imported.family.startswith("GLM-4.5")
    [(layers, attn)] = _groups(imported.model)[0]
    assert layers == 92 and attn == GQA(hidden=5120, n_q=96, n_kv=8, head_dim=128)
    ffn = dict((type(f).__name__, (n, f)) for n, f in _groups(imported.model)[1])
    assert ffn["DenseFFN"] == (3, DenseFFN(hidden=5120, intermediate=12288))
    assert ffn["MoEFFN"] == (89, MoEFFN(hidden=5120, n_routed=160, top_k=8, expert_intermediate=1536, n_shared=1))
    assert "num_nextn_predict_layers = 1: not counted" in dict(imported.assumed)


def test_mixtral_layout():
    imported = load_config(_path("mixtral-8x7b"))
    [(layers, attn)] = _groups(imported.model)[0]
    assert layers == 32 and attn == GQA(hidden=4096, n_q=32, n_kv=8, head_dim=128)
    assert _groups(imported.model)[1] == [(32, MoEFFN(hidden=4096, n_routed=8, top_k=2, expert_intermediate=14336))]
    assert dict(imported.read)["sliding_window"] is None
    assert "head_dim = 128" in dict(imported.assumed)  # derived 4096 / 32


def test_llama31_layout():
    imported = load_config(_path("llama-3.1-70b"))
    assert imported.family == "Llama (dense GQA)"
    assert _groups(imported.model) == ([(80, GQA(hidden=8192, n_q=64, n_kv=8, head_dim=128))],
                                       [(80, DenseFFN(hidden=8192, intermediate=28672))])
    assert "hidden_size / num_attention_heads" in dict(imported.assumed)["head_dim = 128"]


def test_llama4_layout_and_assumed_nope_interval():
    imported = load_config(_path("llama-4-maverick"))
    attention = {g.attention.window: (g.layers, g.attention.window_kind) for g in imported.model.attention_groups}
    assert attention == {None: (12, "sliding"), 8192: (36, "chunked")}
    ffn = dict((type(f).__name__, (n, f)) for n, f in _groups(imported.model)[1])
    assert ffn["DenseFFN"] == (24, DenseFFN(hidden=5120, intermediate=16384))
    assert ffn["MoEFFN"] == (24, MoEFFN(hidden=5120, n_routed=128, top_k=1, expert_intermediate=8192, n_shared=1))
    assert "text_config.no_rope_layer_interval = 4" in dict(imported.assumed)
    assert all(key.startswith("text_config.") for key, _ in imported.read if key not in ("architectures", "model_type"))


def test_llama4_no_rope_layers_list_and_moe_layers_list():
    data = _data("llama-4-maverick")
    text = data["text_config"]
    text["no_rope_layers"] = [int((i + 1) % 4 != 0) for i in range(48)]  # 1 = RoPE (chunked) layer
    text["moe_layers"] = list(range(1, 48, 2))
    imported = parse_config(data)
    assert _groups(imported.model) == _groups(load_config(_path("llama-4-maverick")).model)
    assert "text_config.no_rope_layer_interval = 4" not in dict(imported.assumed)
    text["no_rope_layers"] = [1] * 47 + [0]  # one global layer
    assert {g.attention.window: g.layers for g in parse_config(data).model.attention_groups} == {8192: 47, None: 1}
    text["no_rope_layers"] = []  # transformers: empty means "use the interval"
    assert {g.attention.window: g.layers for g in parse_config(data).model.attention_groups} == {8192: 36, None: 12}
    text["no_rope_layers"] = [1, 0]
    with pytest.raises(InputError) as err:
        parse_config(data)
    assert err.value.field == "config.json: text_config.no_rope_layers"


def test_llama4_layer_types_take_precedence():
    """Newer transformers write layer_types (chunked_attention / full_attention) per layer."""
    data = _data("llama-4-maverick")
    data["text_config"]["layer_types"] = ["chunked_attention"] * 40 + ["full_attention"] * 8
    data["text_config"]["no_rope_layer_interval"] = 2  # not read when layer_types is there
    imported = parse_config(data)
    assert {g.attention.window: g.layers for g in imported.model.attention_groups} == {8192: 40, None: 8}
    assert "text_config.no_rope_layer_interval" not in dict(imported.read)


def test_llama4_flat_text_config_and_no_chunking():
    text = _data("llama-4-maverick")["text_config"]
    text["architectures"] = ["Llama4ForCausalLM"]
    flat = parse_config(text)
    assert flat.model.layers == 48 and flat.family.startswith("Llama 4")
    text["attention_chunk_size"] = None
    assert {g.attention.window for g in parse_config(text).model.attention_groups} == {None}


def test_deepseek_and_kimi():
    deepseek = load_config(_path("deepseek-v3"))
    assert deepseek.family == "DeepSeek-V3 (MLA + MoE)"
    # no _name_or_path: from the architecture and the size (two sizes of one architecture differ)
    assert (deepseek.model.slug, deepseek.model.name) == ("deepseekv3forcausallm-671b-61-layers",
                                                          "DeepseekV3ForCausalLM (671B, 61 layers)")
    [(layers, mla)] = _groups(deepseek.model)[0]
    assert layers == 61
    assert mla == MLA(hidden=7168, n_heads=128, q_lora_rank=1536, kv_lora_rank=512, qk_nope_dim=128,
                      qk_rope_dim=64, v_head_dim=128)
    assert "num_nextn_predict_layers = 1: not counted" in dict(deepseek.assumed)
    kimi = load_config(_path("kimi-k2"))
    assert kimi.family.startswith("Kimi K2")
    assert dict(kimi.read)["first_k_dense_replace"] == 1
    assert not any("not counted" in what for what, _ in kimi.assumed)  # num_nextn_predict_layers 0


def test_deepseek_without_query_compression_or_experts():
    data = _data("deepseek-v3")
    data["q_lora_rank"] = None
    mla = parse_config(data).model.attention_groups[0].attention
    assert mla.q_lora_rank == 0
    data["n_routed_experts"] = None
    assert [type(g.ffn) for g in parse_config(data).model.ffn_groups] == [DenseFFN]


def test_ernie_pretraining_config_drops_tail_layers():
    imported = load_config(_path("ernie-4.5-300b-a47b"))
    assert imported.family == "ERNIE 4.5 MoE (ERNIEKit pre-training config)"
    assert imported.model.layers == 54
    assert dict(imported.read)["remove_tail_layer"] == 2
    assert "54 layers = num_hidden_layers - remove_tail_layer" in dict(imported.assumed)
    assert "tie_word_embeddings = false" in dict(imported.assumed)


def test_ernie_hf_config_names_and_defaults():
    """The released HF class (Ernie4_5_MoeForCausalLM) reads the same keys, transformers' defaults."""
    data = _data("ernie-4.5-300b-a47b")
    data.update(architectures=["Ernie4_5_MoeForCausalLM"], model_type="ernie4_5_moe", tie_word_embeddings=False)
    del data["remove_tail_layer"]
    imported = parse_config(data)
    assert imported.family.startswith("ERNIE 4.5 MoE")
    ffn = {type(f).__name__: n for n, f in _groups(imported.model)[1]}
    assert ffn == {"DenseFFN": 3, "MoEFFN": 53}
    del data["tie_word_embeddings"], data["moe_num_shared_experts"]
    imported = parse_config(data)
    assumed = dict(imported.assumed)
    assert "tie_word_embeddings = true" in assumed and "Ernie4_5_MoeConfig" in assumed["tie_word_embeddings = true"]
    assert imported.model.tie_embeddings is True
    assert "moe_num_shared_experts = 2" in assumed
    data["moe_num_experts"] = [64, 64]
    with pytest.raises(InputError) as err:
        parse_config(data)
    assert err.value.field == "config.json: moe_num_experts"


def test_step3_forms_agree():
    """Text config with moe_layers_enum as a string (vLLM's model code) or a list (the config
    class's tuple), and nested in Step3VLConfig's text_config, import alike."""
    text = _data("step-3")
    base = parse_config(text)
    assert base.family == "Step-3 (MFA + MoE)"
    [(layers, mfa)] = _groups(base.model)[0]
    assert layers == 61
    assert mfa == MFA(hidden=7168, n_q=64, n_kv=1, head_dim=256, q_lora_rank=2048)
    as_list = dict(text, moe_layers_enum=list(range(4, 60)))
    nested = {"architectures": ["Step3VLForConditionalGeneration"], "model_type": "step3_vl",
              "_name_or_path": "stepfun-ai/step3", "text_config": text, "vision_config": {"hidden_size": 1792}}
    missing = {k: v for k, v in text.items() if k != "moe_layers_enum"}
    for other in (parse_config(as_list), parse_config(nested), parse_config(missing)):
        assert _groups(other.model) == _groups(base.model)
    imported = parse_config(nested)
    assert imported.model.slug == "step3" and imported.model.name == "stepfun-ai/step3"
    assert dict(imported.read)["text_config.share_q_dim"] == 2048
    assert any(what.startswith("moe_layers_enum") for what, _ in parse_config(missing).assumed)
    with pytest.raises(InputError) as err:
        parse_config(dict(text, moe_layers_enum="4,5,x"))
    assert err.value.field == "config.json: moe_layers_enum"
    with pytest.raises(InputError):
        parse_config(dict(text, moe_layers_enum=[4, 61]))


def test_moe_layer_placement_keys():
    data = _data("qwen3-235b-a22b")
    data.update(decoder_sparse_step=2, mlp_only_layers=[1])  # MoE on odd layers except layer 1
    ffn = {type(f).__name__: n for n, f in _groups(parse_config(data).model)[1]}
    assert ffn == {"DenseFFN": 48, "MoEFFN": 46}
    assert dict(parse_config(data).read)["intermediate_size"] == 12288  # read only when dense layers exist
    assert "intermediate_size" not in dict(load_config(_path("qwen3-235b-a22b")).read)
    data["num_experts"] = 0
    assert {type(f).__name__ for n, f in _groups(parse_config(data).model)[1]} == {"DenseFFN"}
    deepseek = _data("deepseek-v3")
    deepseek["moe_layer_freq"] = 2
    ffn = {type(f).__name__: n for n, f in _groups(parse_config(deepseek).model)[1]}
    assert ffn == {"DenseFFN": 32, "MoEFFN": 29}  # layers 4, 6, ..., 60 MoE


def test_qwen_sliding_window_layers():
    data = _data("qwen3-32b")
    data.update(use_sliding_window=True, sliding_window=4096, max_window_layers=60)
    windows = {g.attention.window: g.layers for g in parse_config(data).model.attention_groups}
    assert windows == {None: 60, 4096: 4}
    data["layer_types"] = ["full_attention", "sliding_attention"] * 32
    assert {g.attention.window: g.layers for g in parse_config(data).model.attention_groups} == {None: 32, 4096: 32}


def test_mistral_default_window_is_assumed():
    data = _standard(architectures=["MistralForCausalLM"])
    imported = parse_config(data)
    assert {g.attention.window for g in imported.model.attention_groups} == {4096}
    assert "sliding_window = 4096" in dict(imported.assumed)
    data["sliding_window"] = None
    assert {g.attention.window for g in parse_config(data).model.attention_groups} == {None}


@pytest.mark.parametrize("slug", ALL_SLUGS)
def test_every_key_read_is_in_the_file_as_written(slug):
    data = _data(slug)
    imported = parse_config(data)
    for key, value in imported.read:
        node = data
        for part in key.split("."):
            node = node[part]
        assert node == value
    assert imported.read and imported.assumed
    assert any(what.startswith("kv_dtype = fp8") for what, _ in imported.assumed)
    assert isinstance(imported, ImportedModel) and imported.model.source.startswith("Hugging Face config.json (")


# --------------------------------------------------------------------------------------------
# Unknown architectures


def test_unknown_architecture_with_standard_fields_imports_as_dense_gqa():
    imported = parse_config(_standard(num_local_experts=8))
    assert imported.family == "generic dense GQA (unknown architecture)"
    assert imported.architecture == "FooForCausalLM"
    assert _groups(imported.model) == ([(4, GQA(hidden=512, n_q=8, n_kv=2, head_dim=64))],
                                       [(4, DenseFFN(hidden=512, intermediate=1536))])
    text = _assumed_text(imported)
    assert "unknown architecture" in text and "dense GQA" in text
    assert "not read: num_local_experts" in text
    assert "tie_word_embeddings = true" in dict(imported.assumed)  # PretrainedConfig's default


def test_unknown_architecture_head_dim_derived_and_text_config_used():
    data = _standard()
    del data["head_dim"]
    assert dict(parse_config(data).assumed)["head_dim = 64"].startswith("not in the file")
    nested = {"architectures": ["FooForConditionalGeneration"], "text_config": _standard()}
    assert parse_config(nested).model.layers == 4


def test_known_text_model_inside_unknown_wrapper():
    inner = dict(_data("llama-3.1-70b"))
    wrapped = {"architectures": ["SomeVisionWrapper"], "text_config": inner, "tie_word_embeddings": True}
    imported = parse_config(wrapped)
    assert imported.family == "Llama (dense GQA)" and imported.architecture == "SomeVisionWrapper"
    assert imported.model.layers == 80 and dict(imported.read)["text_config.hidden_size"] == 8192


def test_llama4_tie_from_the_outer_config():
    data = _data("llama-4-maverick")
    data["tie_word_embeddings"] = True
    imported = parse_config(data)
    assert imported.model.tie_embeddings is True and dict(imported.read)["tie_word_embeddings"] is True


def test_unknown_architecture_missing_fields_all_named():
    data = _standard()
    for key in ("hidden_size", "num_key_value_heads", "vocab_size"):
        del data[key]
    with pytest.raises(InputError) as err:
        parse_config(data)
    for key in ("hidden_size", "num_key_value_heads", "vocab_size"):
        assert key in err.value.message and key in err.value.field
    assert "num_attention_heads" not in err.value.message
    with pytest.raises(InputError) as err:
        parse_config({"architectures": ["Nothing"]})
    for key in ("hidden_size", "num_attention_heads", "num_key_value_heads", "intermediate_size",
                "num_hidden_layers", "vocab_size"):
        assert key in err.value.message


def test_head_dim_not_derivable_is_refused():
    data = _standard(hidden_size=500)
    del data["head_dim"]
    with pytest.raises(InputError) as err:
        parse_config(data)
    assert err.value.field == "config.json: head_dim"


# --------------------------------------------------------------------------------------------
# Slug, name, source


def test_slug_name_source():
    data = dict(_data("qwen3-32b"), _name_or_path="Qwen/Qwen3-32B")
    imported = parse_config(data)
    assert (imported.model.slug, imported.model.name) == ("qwen3-32b", "Qwen/Qwen3-32B")
    assert imported.model.source == "Hugging Face config.json (Qwen3ForCausalLM)"
    imported = parse_config(data, slug="my.model-1", name="My  model", source="my notes")
    assert (imported.model.slug, imported.model.name, imported.model.source) == ("my.model-1", "My  model", "my notes")
    assert parse_config(_data("qwen3-32b"), name="Llama 3.1 70B (ours)!").model.slug == "llama-3.1-70b-ours"
    assert parse_config(dict(_standard(), architectures=[], model_type="weird_type")).model.slug == \
        "weird-type-12.6m-4-layers"


def test_two_sizes_of_one_architecture_are_named_apart():
    """Issue 22: a config.json without _name_or_path was named after its architecture alone
    ('qwen3forcausallm'): two sizes of one family collided. Now the size and depth are in it."""
    big = parse_config(_data("qwen3-32b")).model
    small = parse_config(dict(_data("qwen3-32b"), num_hidden_layers=28, hidden_size=2048, intermediate_size=6144)).model
    assert big.slug == "qwen3forcausallm-32.8b-64-layers" and big.name == "Qwen3ForCausalLM (32.8B, 64 layers)"
    assert small.slug != big.slug and small.slug.startswith("qwen3forcausallm-") and "28-layers" in small.slug


@pytest.mark.parametrize("slug", ["Bad Slug", "-lead", ".lead", "a" * 65, "UPPER", "semi;colon", "", 7])
def test_bad_slug_refused(slug):
    with pytest.raises(InputError) as err:
        parse_config(_standard(), slug=slug)
    assert err.value.field == "slug"


def test_names_are_plain_text():
    imported = parse_config(_standard(), name="Evil\x1b[31m\u202eName\n" + "x" * 300)
    assert "\x1b" not in imported.model.name and "\u202e" not in imported.model.name and "\n" not in imported.model.name
    assert imported.model.name.startswith("Evil[31mName") and len(imported.model.name) <= 100
    assert parse_config(_standard(_name_or_path="\x00\x01")).model.name == "FooForCausalLM (12.6M, 4 layers)"
    with pytest.raises(InputError):
        parse_config(_standard(), name=5)
    with pytest.raises(InputError) as err:
        parse_config(_standard(_name_or_path=["x"]))
    assert err.value.field == "config.json: _name_or_path"


def test_load_config_file_errors(tmp_path):
    with pytest.raises(InputError):
        load_config(tmp_path / "absent.json")
    with pytest.raises(InputError):
        load_config(tmp_path)
    with pytest.raises(InputError):
        load_config(3)
    big = tmp_path / "big.json"
    big.write_bytes(b" " * (MAX_CONFIG_BYTES + 1))
    with pytest.raises(InputError) as err:
        load_config(big)
    assert "larger than" in err.value.message


# --------------------------------------------------------------------------------------------
# Hostile input: one test per case


def _refused(data_or_text, field=None, contains=None):
    call = read_config if isinstance(data_or_text, (str, bytes)) else parse_config
    with pytest.raises(InputError) as err:
        call(data_or_text)
    if field is not None:
        assert err.value.field == field
    if contains is not None:
        assert contains in err.value.message
    assert "unexpected" not in err.value.message
    return err.value


@pytest.mark.parametrize("text", ["{", "{'a': 1}", "", "   ", "{\"a\": 1,}", "[1, 2", "\x00"])
def test_invalid_json(text):
    _refused(text, field="config.json", contains="not valid JSON")


def test_byte_order_mark_and_bytes_accepted():
    text = _path("qwen3-32b").read_text()
    assert read_config("\ufeff" + text).model.layers == 64
    assert read_config(("\ufeff" + text).encode("utf-8")).model.layers == 64
    assert read_config(bytearray(text.encode("utf-8"))).model.layers == 64


def test_invalid_utf8_and_huge_integer_literal():
    _refused(b"\xff\xfe\xfa{", field="config.json")
    _refused('{"hidden_size": ' + "9" * 5000 + "}", field="config.json")


def test_larger_than_limit():
    padding = " " * MAX_CONFIG_BYTES
    _refused(json.dumps(_standard()) + padding, field="config.json", contains="larger than")
    _refused((json.dumps(_standard()) + padding).encode(), field="config.json", contains="larger than")


@pytest.mark.parametrize("text", ["[" * 100_000, '{"a":' * 100_000, "[" * 100_000 + "]" * 100_000])
def test_nested_100k_levels(text):
    _refused(text, field="config.json", contains="nested")


def test_nested_beyond_sane_depth():
    deep = 1
    for _ in range(MAX_DEPTH + 5):
        deep = {"x": deep}
    err = _refused(json.dumps(_standard(extra=deep)), contains="nested")
    assert err.field.startswith("config.json: extra.x")
    cyclic = _standard()
    cyclic["self"] = cyclic
    _refused(cyclic, contains="nested")


@pytest.mark.parametrize("text", ["[1, 2]", "3", "\"config\"", "null", "true"])
def test_not_a_json_object(text):
    _refused(text, field="config.json", contains="JSON object")


def test_not_text_or_dict():
    with pytest.raises(InputError):
        read_config(12)
    with pytest.raises(InputError):
        parse_config(["hidden_size", 1])


@pytest.mark.parametrize("value, contains", [
    (True, "whole number"), (False, "whole number"), ("4096", "whole number"), (4096.5, "whole number"),
    ([4096], "whole number"), ({"v": 4096}, "whole number"),
])
def test_wrong_types_name_the_key(value, contains):
    _refused(_standard(hidden_size=value), field="config.json: hidden_size", contains=contains)
    _refused(_standard(num_key_value_heads=value), field="config.json: num_key_value_heads")


def test_whole_floats_are_whole_numbers():
    assert parse_config(_standard(hidden_size=512.0)).model.hidden == 512


def test_wrong_type_in_family_keys():
    _refused(dict(_data("qwen3-32b"), tie_word_embeddings="no"), field="config.json: tie_word_embeddings")
    _refused(dict(_data("gpt-oss-120b"), layer_types="sliding"), field="config.json: layer_types")
    _refused(dict(_data("gpt-oss-120b"), layer_types=["sliding_attention"] * 35), field="config.json: layer_types")
    _refused(dict(_data("gpt-oss-120b"), layer_types=["sliding_attention"] * 35 + [3]),
             field="config.json: layer_types[35]")
    _refused(dict(_data("llama-4-maverick"), text_config=[1]), field="config.json: text_config")
    _refused(dict(_data("qwen3-32b"), architectures="Qwen3ForCausalLM"), field="config.json: architectures")
    _refused(dict(_data("qwen3-32b"), model_type=3), field="config.json: model_type")
    _refused(dict(_data("qwen3-235b-a22b"), mlp_only_layers={"a": 1}), field="config.json: mlp_only_layers")


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e400"])
def test_nan_and_infinity_refused_anywhere(literal):
    _refused('{"hidden_size": %s}' % literal, field="config.json: hidden_size")
    text = json.dumps(_standard())[:-1] + ', "initializer_range": %s}' % literal
    _refused(text, field="config.json: initializer_range", contains="NaN and Infinity")
    text = json.dumps(_standard(rope_scaling={"factor": 1.0}))
    _refused(text.replace("1.0", literal), field="config.json: rope_scaling.factor")
    _refused(_standard(hidden_size=float("nan")), field="config.json: hidden_size")


@pytest.mark.parametrize("key", ["hidden_size", "num_attention_heads", "num_key_value_heads", "head_dim",
                                 "intermediate_size", "num_hidden_layers", "vocab_size"])
@pytest.mark.parametrize("value", [0, -1, -4096])
def test_zero_and_negative_sizes(key, value):
    _refused(_standard(**{key: value}), field=f"config.json: {key}", contains="positive")


@pytest.mark.parametrize("key, value", [("num_hidden_layers", 10 ** 7), ("hidden_size", 10 ** 9),
                                        ("intermediate_size", 2 ** 62), ("vocab_size", 10 ** 12),
                                        ("head_dim", 10 ** 40)])
def test_absurd_sizes(key, value):
    _refused(_standard(**{key: value}), field=f"config.json: {key}", contains="implausibly large")


def test_inconsistent_heads_and_experts():
    _refused(_standard(num_key_value_heads=3), field="config.json: num_key_value_heads", contains="divide")
    _refused(_standard(num_key_value_heads=16), field="config.json: num_key_value_heads")
    _refused(dict(_data("mixtral-8x7b"), num_experts_per_tok=9), field="config.json: num_experts_per_tok")
    _refused(dict(_data("gpt-oss-120b"), experts_per_token=2), field="config.json: experts_per_token")
    step3 = dict(_data("step-3"), num_attention_groups=3)
    _refused(step3, field="config.json: num_attention_groups")


def test_known_family_missing_fields_all_named():
    data = _data("deepseek-v3")
    del data["hidden_size"], data["vocab_size"]
    err = _refused(data)
    assert "hidden_size" in err.message and "vocab_size" in err.message and "DeepSeek" in err.message
    text = _data("llama-4-maverick")
    del text["text_config"]["num_hidden_layers"]
    err = _refused(text)
    assert "text_config.num_hidden_layers" in err.field


# --------------------------------------------------------------------------------------------
# Property tests: anything JSON-ish either imports to finite, positive costs or is refused


def _check(call, *args, **kwargs):
    try:
        imported = call(*args, **kwargs)
    except InputError as err:
        assert isinstance(err.field, str) and err.field and isinstance(err.message, str) and err.message
        assert "unexpected" not in err.message, err.message
        return None
    assert isinstance(imported, ImportedModel)
    cost = decode_token(imported.model, CONTEXTS)
    for values in (cost.kv_bytes, cost.attention_flops, [cost.linear_flops], [cost.ffn_flops]):
        values = np.asarray(values, dtype=float)
        assert np.all(np.isfinite(values)) and np.all(values > 0)
    total = imported.model.params().total
    assert math.isfinite(total) and total > 0
    assert imported.model.slug and len(imported.model.slug) <= 64 and len(imported.model.name) <= 100
    return imported


_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-3, max_value=300), st.sampled_from([1, 2, 64, 128, 4096, 8192]),
    st.integers(), st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=12),
)
_JSON = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
                     max_leaves=12)
_KEYS = ["hidden_size", "num_attention_heads", "num_key_value_heads", "head_dim", "intermediate_size",
         "num_hidden_layers", "vocab_size", "architectures", "model_type", "text_config", "tie_word_embeddings",
         "sliding_window", "layer_types", "num_local_experts", "num_experts", "num_experts_per_tok",
         "n_routed_experts", "n_shared_experts", "moe_intermediate_size", "first_k_dense_replace", "q_lora_rank",
         "kv_lora_rank", "moe_num_experts", "moe_k", "moe_layers_enum", "no_rope_layers", "attention_chunk_size",
         "interleave_moe_layer_step", "remove_tail_layer", "share_q_dim", "_name_or_path", "moe_layers",
         "use_sliding_window", "max_window_layers", "decoder_sparse_step", "mlp_only_layers", "moe_layer_interval"]
_ARCHS = ["FooForCausalLM", "LlamaForCausalLM", "MistralForCausalLM", "Qwen2ForCausalLM", "Qwen3ForCausalLM",
          "Qwen3MoeForCausalLM", "MixtralForCausalLM", "DeepseekV3ForCausalLM", "Llama4ForCausalLM",
          "GptOssForCausalLM", "Glm4MoeForCausalLM", "Ernie4_5_MoeForCausalLM", "ErnieForCausalLM",
          "Step3TextForCausalLM"]
_PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_PROPERTY
@given(arch=st.sampled_from(_ARCHS), changes=st.dictionaries(st.sampled_from(_KEYS), _JSON, max_size=5),
       drop=st.lists(st.sampled_from(_KEYS), max_size=3))
def test_property_standard_keys_mutated(arch, changes, drop):
    data = _standard(architectures=[arch], num_hidden_layers=8, num_experts_per_tok=1)
    data.update(changes)
    for key in drop:
        data.pop(key, None)
    _check(parse_config, data)


@_PROPERTY
@given(slug=st.sampled_from(ALL_SLUGS), data=st.data())
def test_property_real_configs_mutated(slug, data):
    config = copy.deepcopy(_data(slug))
    target = config["text_config"] if "text_config" in config and data.draw(st.booleans()) else config
    keys = sorted(target)
    changes = data.draw(st.dictionaries(st.sampled_from(keys + _KEYS), _JSON, max_size=4))
    target.update(changes)
    imported = _check(parse_config, config)
    text = json.dumps(config, allow_nan=True)  # the JSON text path too (NaN literals included)
    again = _check(read_config, text)
    assert (imported is None) == (again is None)


@_PROPERTY
@given(st.dictionaries(st.text(max_size=10) | st.sampled_from(_KEYS), _JSON, max_size=12))
def test_property_random_objects(data):
    _check(parse_config, data)


@_PROPERTY
@given(st.text(max_size=200) | st.binary(max_size=200))
def test_property_random_text_and_bytes(payload):
    _check(read_config, payload)


@_PROPERTY
@given(st.sampled_from(ALL_SLUGS), st.integers(min_value=0, max_value=4000), st.binary(min_size=1, max_size=8))
def test_property_corrupted_real_files(slug, position, junk):
    raw = _path(slug).read_bytes()
    position = min(position, len(raw))
    _check(read_config, raw[:position] + junk + raw[position:])
