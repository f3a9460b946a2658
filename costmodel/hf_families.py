"""The family readers of ``costmodel.hf_config``: one per model family, each turning a config's
own keys into attention and FFN layer groups (``Built``), recording what it read and assumed;
``FAMILIES`` and ``BY_NAME`` find the reader of an architecture or model type."""
from __future__ import annotations

from dataclasses import dataclass

from .attention import GQA, MFA, MLA
from .errors import InputError
from .ffn import DenseFFN, MoEFFN
from .hf_json import MAX_VOCAB, MISSING, Config, whole

# ---------------------------------------------------------------------------------------------
# Shared pieces of the family readers


@dataclass
class Built:
    hidden: int
    vocab: int
    tie: bool
    attention: list  # per-layer keys
    attention_of: dict  # key -> attention spec
    ffn: list  # per-layer keys
    ffn_of: dict  # key -> FFN spec


STANDARD = ("hidden_size", "num_hidden_layers", "num_attention_heads", "vocab_size")


def _basics(cfg: Config):
    hidden = cfg.int("hidden_size")
    layers = cfg.int("num_hidden_layers")
    vocab = cfg.int("vocab_size", high=MAX_VOCAB)
    return hidden, layers, vocab


def _heads(cfg: Config, hidden: int, kv_default, head_dim_default):
    """(n_q, n_kv, head_dim). ``kv_default``: an int, "heads" (MHA when absent) or MISSING;
    ``head_dim_default``: an int or "derive" (hidden_size / num_attention_heads)."""
    n_q = cfg.int("num_attention_heads")
    if kv_default == "heads":
        n_kv = cfg.int("num_key_value_heads", n_q, f"{cfg.cls} uses num_attention_heads (multi-head attention) when it is not set")
    else:
        n_kv = cfg.int("num_key_value_heads", kv_default)
    if n_kv > n_q or n_q % n_kv:
        raise InputError(cfg.field("num_key_value_heads"),
                         f"{n_kv} key/value heads must divide the {n_q} query heads (num_attention_heads) evenly")
    if cfg.present("head_dim") or head_dim_default != "derive":
        head_dim = cfg.int("head_dim", head_dim_default)
    else:
        if hidden % n_q:
            raise InputError(cfg.field("head_dim"), f"missing, and hidden_size ({hidden}) is not a multiple of "
                             f"num_attention_heads ({n_q}), so it cannot be derived")
        head_dim = cfg.int("head_dim", hidden // n_q,
                           f"{cfg.cls} derives it as hidden_size / num_attention_heads = {hidden} / {n_q}")
    return n_q, n_kv, head_dim


def _tie(cfg: Config, default: bool, why=None) -> bool:
    return cfg.bool("tie_word_embeddings", default, why)


def _top_k(cfg: Config, name: str, experts: int, default):
    top_k = cfg.int(name, default)
    if top_k > experts:
        raise InputError(cfg.field(name), f"{top_k} experts per token exceeds the {experts} experts there are")
    return top_k


def _gqa(hidden, n_q, n_kv, head_dim, window=None, kind="sliding"):
    return GQA(hidden=hidden, n_q=n_q, n_kv=n_kv, head_dim=head_dim, window=window,
               window_kind=kind if window is not None else "sliding")


def _uniform_attention(layers, spec):
    return ["a"] * layers, {"a": spec}


def _windowed_attention(windows, hidden, n_q, n_kv, head_dim, kind="sliding"):
    """Per-layer windows (None = full context) -> per-layer keys and their GQA specs."""
    specs = {w: _gqa(hidden, n_q, n_kv, head_dim, w, kind) for w in set(windows)}
    return list(windows), specs


def _qwen_windows(cfg: Config, layers: int):
    """Qwen2/Qwen3(-MoE): layer_types if given; else sliding only when use_sliding_window, on
    layers from max_window_layers on (transformers' Qwen2Config / Qwen3Config)."""
    if cfg.present("layer_types"):
        types = cfg.layer_types(layers, ("full_attention", "sliding_attention"))
        window = cfg.opt_int("sliding_window", 4096) if "sliding_attention" in types else None
        return [window if t == "sliding_attention" else None for t in types]
    if not cfg.bool("use_sliding_window", False):
        return [None] * layers
    window = cfg.opt_int("sliding_window", 4096)
    first = cfg.int("max_window_layers", 28, low=0)
    return [window if i >= first else None for i in range(layers)]


def _note_mtp(cfg: Config, name: str):
    if cfg.present(name):
        depth = cfg.int(name, low=0)
        if depth:
            cfg.log.assume(f"{cfg.key(name)} = {depth}: not counted",
                           "multi-token-prediction layers serve speculative decoding, not the model's decode "
                           "step (the library does not count them either)")


# ---------------------------------------------------------------------------------------------
# Family readers: each returns a Built


def _read_dense(cfg: Config, family: str, kv_default, head_dim_default, tie_default, windows_of=None):
    cfg.require(STANDARD + ("intermediate_size",), family)
    hidden, layers, vocab = _basics(cfg)
    n_q, n_kv, head_dim = _heads(cfg, hidden, kv_default, head_dim_default)
    windows = windows_of(cfg, layers) if windows_of else [None] * layers
    attention, attention_of = _windowed_attention(windows, hidden, n_q, n_kv, head_dim)
    ffn = DenseFFN(hidden=hidden, intermediate=cfg.int("intermediate_size"))
    return Built(hidden, vocab, _tie(cfg, tie_default), attention, attention_of, ["d"] * layers, {"d": ffn})


def _mistral_windows(cfg, layers):
    window = cfg.opt_int("sliding_window", 4096)
    return [window] * layers


def _mixtral_windows(cfg, layers):
    window = cfg.opt_int("sliding_window", None)
    return [window] * layers


def _read_llama(cfg):
    return _read_dense(cfg, "Llama", "heads", "derive", False)


def _read_mistral(cfg):
    return _read_dense(cfg, "Mistral", 8, "derive", False, _mistral_windows)


def _read_qwen2(cfg):
    return _read_dense(cfg, "Qwen2", 32, "derive", False, _qwen_windows)


def _read_qwen3(cfg):
    return _read_dense(cfg, "Qwen3", 32, 128, False, _qwen_windows)


def read_generic(cfg):
    cfg.require(("hidden_size", "num_attention_heads", "num_key_value_heads", "intermediate_size",
                 "num_hidden_layers", "vocab_size"), "a dense GQA import (unknown architecture)")
    return _read_dense(cfg, "a dense GQA import", MISSING, "derive", True)


def _read_qwen3_moe(cfg):
    family = "Qwen3 MoE"
    cfg.require(STANDARD, family)
    hidden, layers, vocab = _basics(cfg)
    n_q, n_kv, head_dim = _heads(cfg, hidden, 4, "derive")
    attention, attention_of = _windowed_attention(_qwen_windows(cfg, layers), hidden, n_q, n_kv, head_dim)
    experts = cfg.int("num_experts", 128, low=0)
    ffn, ffn_of = ["d"] * layers, {}
    if experts:
        top_k = _top_k(cfg, "num_experts_per_tok", experts, 8)
        expert_width = cfg.int("moe_intermediate_size", 768)
        step = cfg.int("decoder_sparse_step", 1)
        dense_only = set(cfg.index_list("mlp_only_layers", layers, default=[],
                                        why="transformers' Qwen3MoeConfig default: no dense-only layers"))
        ffn = ["d" if (i in dense_only or (i + 1) % step) else "m" for i in range(layers)]
        ffn_of["m"] = MoEFFN(hidden=hidden, n_routed=experts, top_k=top_k, expert_intermediate=expert_width)
    if "d" in ffn:
        ffn_of["d"] = DenseFFN(hidden=hidden, intermediate=cfg.int("intermediate_size", 6144))
    return Built(hidden, vocab, _tie(cfg, False), attention, attention_of, ffn, ffn_of)


def _read_mixtral(cfg):
    family = "Mixtral"
    cfg.require(STANDARD + ("intermediate_size",), family)
    hidden, layers, vocab = _basics(cfg)
    n_q, n_kv, head_dim = _heads(cfg, hidden, 8, "derive")
    attention, attention_of = _windowed_attention(_mixtral_windows(cfg, layers), hidden, n_q, n_kv, head_dim)
    experts = cfg.int("num_local_experts", 8)
    moe = MoEFFN(hidden=hidden, n_routed=experts, top_k=_top_k(cfg, "num_experts_per_tok", experts, 2),
                 expert_intermediate=cfg.int("intermediate_size"))
    return Built(hidden, vocab, _tie(cfg, False), attention, attention_of, ["m"] * layers, {"m": moe})


def _read_deepseek(cfg):
    family = "DeepSeek-V3 (MLA + MoE)"
    cfg.require(STANDARD, family)
    hidden, layers, vocab = _basics(cfg)
    n_heads = cfg.int("num_attention_heads")
    q_lora = cfg.opt_int("q_lora_rank", 1536)
    if q_lora is None:
        cfg.log.assume(f"{cfg.key('q_lora_rank')} = null: no query compression",
                       "DeepSeek's modeling code projects the query straight from the hidden state when it is null")
    mla = MLA(hidden=hidden, n_heads=n_heads, q_lora_rank=q_lora or 0,
              kv_lora_rank=cfg.int("kv_lora_rank", 512), qk_nope_dim=cfg.int("qk_nope_head_dim", 128),
              qk_rope_dim=cfg.int("qk_rope_head_dim", 64), v_head_dim=cfg.int("v_head_dim", 128))
    experts = cfg.opt_int("n_routed_experts", 256)
    ffn, ffn_of = ["d"] * layers, {}
    if experts:
        top_k = _top_k(cfg, "num_experts_per_tok", experts, 8)
        shared = cfg.opt_int("n_shared_experts", 1, low=0) or 0
        width = cfg.int("moe_intermediate_size", 2048)
        first_dense = cfg.int("first_k_dense_replace", 3, low=0)
        freq = cfg.int("moe_layer_freq", 1, "DeepSeek's configuration_deepseek.py default (every layer past the dense ones)")
        ffn = ["m" if (i >= first_dense and i % freq == 0) else "d" for i in range(layers)]
        ffn_of["m"] = MoEFFN(hidden=hidden, n_routed=experts, top_k=top_k, expert_intermediate=width, n_shared=shared)
    if "d" in ffn:
        ffn_of["d"] = DenseFFN(hidden=hidden, intermediate=cfg.int("intermediate_size", 18432))
    _note_mtp(cfg, "num_nextn_predict_layers")
    attention, attention_of = _uniform_attention(layers, mla)
    return Built(hidden, vocab, _tie(cfg, False), attention, attention_of, ffn, ffn_of)


def _read_glm4_moe(cfg):
    family = "GLM-4.5 MoE"
    cfg.require(STANDARD, family)
    hidden, layers, vocab = _basics(cfg)
    n_q, n_kv, head_dim = _heads(cfg, hidden, 8, "derive")
    attention, attention_of = _uniform_attention(layers, _gqa(hidden, n_q, n_kv, head_dim))
    experts = cfg.int("n_routed_experts", 128)
    top_k = _top_k(cfg, "num_experts_per_tok", experts, 8)
    shared = cfg.int("n_shared_experts", 1, low=0)
    width = cfg.int("moe_intermediate_size", 1408)
    first_dense = cfg.int("first_k_dense_replace", 1, low=0)
    ffn = ["m" if i >= first_dense else "d" for i in range(layers)]
    ffn_of = {"m": MoEFFN(hidden=hidden, n_routed=experts, top_k=top_k, expert_intermediate=width, n_shared=shared)}
    if "d" in ffn:
        ffn_of["d"] = DenseFFN(hidden=hidden, intermediate=cfg.int("intermediate_size", 10944))
    _note_mtp(cfg, "num_nextn_predict_layers")
    return Built(hidden, vocab, _tie(cfg, False), attention, attention_of, ffn, ffn_of)


def _read_gpt_oss(cfg):
    family = "gpt-oss"
    cfg.require(STANDARD + ("intermediate_size",), family)
    hidden, layers, vocab = _basics(cfg)
    n_q, n_kv, head_dim = _heads(cfg, hidden, 8, 64)
    if cfg.present("layer_types"):
        types = cfg.layer_types(layers, ("sliding_attention", "full_attention"))
    else:
        types = ["sliding_attention" if (i + 1) % 2 else "full_attention" for i in range(layers)]
        cfg.assume("layer_types", "sliding/full alternating, sliding first",
                   "transformers' GptOssConfig default")
    window = cfg.opt_int("sliding_window", 128) if "sliding_attention" in types else None
    windows = [window if t == "sliding_attention" else None for t in types]
    attention, attention_of = _windowed_attention(windows, hidden, n_q, n_kv, head_dim)
    experts = cfg.int("num_local_experts", 128)
    # transformers names it num_experts_per_tok, OpenAI's own config experts_per_token.
    names = [n for n in ("num_experts_per_tok", "experts_per_token") if cfg.present(n)]
    if not names:
        top_k = _top_k(cfg, "num_experts_per_tok", experts, 4)
    else:
        values = [_top_k(cfg, n, experts, 4) for n in names]
        if len(set(values)) > 1:
            raise InputError(cfg.field("experts_per_token"),
                             f"{values[1]} disagrees with num_experts_per_tok ({values[0]})")
        top_k = values[0]
    moe = MoEFFN(hidden=hidden, n_routed=experts, top_k=top_k, expert_intermediate=cfg.int("intermediate_size"))
    return Built(hidden, vocab, _tie(cfg, False), attention, attention_of, ["m"] * layers, {"m": moe})


def _read_llama4(cfg):
    family = "Llama 4"
    cfg.require(STANDARD, family)
    hidden, layers, vocab = _basics(cfg)
    n_q, n_kv, head_dim = _heads(cfg, hidden, 8, 128)
    # RoPE layers attend within chunks; NoPE layers attend the whole context. Newer transformers
    # write layer_types; before, no_rope_layers held 1 for a layer that uses RoPE (an empty
    # list means "use the interval").
    if cfg.present("layer_types"):
        rope = [t == "chunked_attention" for t in cfg.layer_types(layers, ("chunked_attention", "full_attention"))]
    elif cfg.present("no_rope_layers") and cfg.data["no_rope_layers"] != []:
        rope = cfg.flag_list("no_rope_layers", layers)
    else:
        if "no_rope_layers" in cfg.data:
            cfg.get("no_rope_layers")
        interval = cfg.int("no_rope_layer_interval", 4, "transformers' Llama4TextConfig default: every 4th layer "
                           "is a global NoPE layer")
        rope = [(i + 1) % interval != 0 for i in range(layers)]
    chunk = cfg.opt_int("attention_chunk_size", 8192) if any(rope) else None
    windows = [chunk if uses_rope else None for uses_rope in rope]
    attention, attention_of = _windowed_attention(windows, hidden, n_q, n_kv, head_dim, kind="chunked")
    if cfg.present("moe_layers"):
        moe_layers = set(cfg.index_list("moe_layers", layers))
    else:
        step = cfg.int("interleave_moe_layer_step", 1)
        moe_layers = set(range(step - 1, layers, step))
    ffn = ["m" if i in moe_layers else "d" for i in range(layers)]
    ffn_of = {}
    if moe_layers:
        experts = cfg.int("num_local_experts", 16)
        top_k = _top_k(cfg, "num_experts_per_tok", experts, 1)
        width = cfg.int("intermediate_size", 8192)
        ffn_of["m"] = MoEFFN(hidden=hidden, n_routed=experts, top_k=top_k, expert_intermediate=width,
                             n_shared=1, shared_intermediate=width)
        cfg.log.assume("one shared expert of intermediate_size on each MoE layer",
                       "transformers' Llama4TextMoe always adds a shared expert of that width")
    if "d" in ffn:
        ffn_of["d"] = DenseFFN(hidden=hidden, intermediate=cfg.int("intermediate_size_mlp", 16384))
    # Llama4ForConditionalGeneration ties by its own (outer) config, the text model by text_config.
    if cfg.outer is not None and cfg.outer.get("tie_word_embeddings") is not None:
        tie = Config(cfg.outer, "", cfg.log, "transformers' Llama4Config").bool("tie_word_embeddings", False)
    else:
        tie = _tie(cfg, False, "transformers' Llama4Config and Llama4TextConfig default")
    return Built(hidden, vocab, tie, attention, attention_of, ffn, ffn_of)


def _read_ernie(cfg, family, kv_default, tie_default, defaults, tail=False):
    cfg.require(STANDARD, family)
    hidden, layers, vocab = _basics(cfg)
    file_layers = layers
    if tail:
        layers = _ernie_tail(cfg, layers)
    n_q, n_kv, head_dim = _heads(cfg, hidden, kv_default, "derive")
    attention, attention_of = _uniform_attention(layers, _gqa(hidden, n_q, n_kv, head_dim))
    for name in ("moe_num_experts", "moe_layer_start_index", "moe_intermediate_size", "moe_layer_end_index"):
        if isinstance(cfg.data.get(name), list):
            cfg.get(name)
            raise InputError(cfg.field(name), "per-modality lists (multimodal ERNIE) are not supported; "
                             "give the text model's single value")
    experts = cfg.int("moe_num_experts", defaults["moe_num_experts"], low=0)
    ffn, ffn_of = ["d"] * layers, {}
    if experts:
        top_k = _top_k(cfg, "moe_k", experts, defaults["moe_k"])
        start = cfg.int("moe_layer_start_index", defaults["moe_layer_start_index"], low=0)
        end = cfg.int("moe_layer_end_index", -1, f"{cfg.cls} default: -1, the last layer", low=-1)
        last = file_layers - 1 if end == -1 else end  # -1: the config's last layer
        interval = cfg.int("moe_layer_interval", defaults["moe_layer_interval"])
        ffn = ["m" if ((i + 1) % interval == 0 and start <= i <= last) else "d" for i in range(layers)]
        if "m" in ffn:
            width = cfg.int("moe_intermediate_size", defaults["moe_intermediate_size"])
            shared = cfg.int("moe_num_shared_experts", defaults["moe_num_shared_experts"], low=0)
            ffn_of["m"] = MoEFFN(hidden=hidden, n_routed=experts, top_k=top_k, expert_intermediate=width, n_shared=shared)
    if "d" in ffn:
        ffn_of["d"] = DenseFFN(hidden=hidden, intermediate=cfg.int("intermediate_size", defaults["intermediate_size"]))
    return Built(hidden, vocab, _tie(cfg, tie_default), attention, attention_of, ffn, ffn_of)


def _ernie_tail(cfg, layers):
    name = "remove_tail_layer"
    if name not in cfg.data:
        cfg.assume(name, False)
        return layers
    value = cfg.get(name)
    if value is None or value is False:
        removed = 0
    elif value is True:
        removed = 1
    else:
        removed = whole(value, cfg.field(name), low=0)
    if removed >= layers:
        raise InputError(cfg.field(name), f"removes {removed} of the {layers} layers (num_hidden_layers)")
    if removed:
        cfg.log.assume(f"{layers - removed} layers = num_hidden_layers - remove_tail_layer",
                       "ERNIEKit drops the last remove_tail_layer layers from the built model")
    return layers - removed


_ERNIE_HF = {"moe_num_experts": 64, "moe_k": 6, "moe_layer_start_index": 1, "moe_layer_interval": 1,
             "moe_intermediate_size": 1536, "moe_num_shared_experts": 2, "intermediate_size": 12288}
# ERNIEKit's ErnieMoEConfig (examples/pre-training/models/ernie/configuration.py): MoE off unless
# moe_num_experts is set; moe_intermediate_size has no usable default there (0).
_ERNIE_KIT = {"moe_num_experts": 0, "moe_k": 2, "moe_layer_start_index": 0, "moe_layer_interval": 2,
              "moe_intermediate_size": MISSING, "moe_num_shared_experts": 0, "intermediate_size": MISSING}


def _read_ernie_moe(cfg):
    return _read_ernie(cfg, "ERNIE 4.5 MoE", 4, True, _ERNIE_HF)


def _read_erniekit(cfg):
    built = _read_ernie(cfg, "ERNIE 4.5 MoE (ERNIEKit pre-training config)", "heads", False, _ERNIE_KIT, tail=True)
    _note_mtp(cfg, "multi_token_pred_depth")
    return built


# vLLM's Step3TextConfig default: MoE on layers 4..59 (vllm/transformers_utils/configs/step3_vl.py).
_STEP3_MOE_LAYERS = tuple(range(4, 60))


def _read_step3(cfg):
    family = "Step-3 (MFA + MoE)"
    cfg.require(STANDARD, family)
    hidden, layers, vocab = _basics(cfg)
    n_q = cfg.int("num_attention_heads")
    n_kv = cfg.int("num_attention_groups", 1)
    if n_kv > n_q or n_q % n_kv:
        raise InputError(cfg.field("num_attention_groups"),
                         f"{n_kv} key/value heads must divide the {n_q} query heads evenly")
    head_dim = cfg.int("head_dim", 256)
    q_rank = cfg.opt_int("share_q_dim", 2048, low=0)
    if not q_rank:
        q_rank = head_dim
        cfg.log.assume(f"{cfg.key('share_q_dim')} = {head_dim} (head_dim)",
                       "null or 0 in the file; vLLM's Step3TextAttention then uses head_dim as the query rank")
    mfa = MFA(hidden=hidden, n_q=n_q, n_kv=n_kv, head_dim=head_dim, q_lora_rank=q_rank)
    attention, attention_of = _uniform_attention(layers, mfa)
    moe_layers = set(cfg.index_list("moe_layers_enum", layers, default=_STEP3_MOE_LAYERS,
                                    why="vLLM's Step3TextConfig default (layers 4-59 MoE)"))
    ffn = ["m" if i in moe_layers else "d" for i in range(layers)]
    ffn_of = {}
    if moe_layers:
        experts = cfg.int("moe_num_experts", 48)
        top_k = _top_k(cfg, "moe_top_k", experts, 3)
        ffn_of["m"] = MoEFFN(hidden=hidden, n_routed=experts, top_k=top_k,
                             expert_intermediate=cfg.int("moe_intermediate_size", 5120),
                             n_shared=1, shared_intermediate=cfg.int("share_expert_dim", 5120))
        cfg.log.assume("one shared expert of share_expert_dim on each MoE layer",
                       "vLLM's Step3TextDecoderLayer adds share_expert beside the routed experts")
    if "d" in ffn:
        ffn_of["d"] = DenseFFN(hidden=hidden, intermediate=cfg.int("intermediate_size", 18432))
    cfg.log.assume("tie_word_embeddings = false (not read)",
                   "vLLM's Step3TextForCausalLM always builds its own lm_head")
    return Built(hidden, vocab, False, attention, attention_of, ffn, ffn_of)


# ---------------------------------------------------------------------------------------------
# Families


@dataclass(frozen=True)
class Family:
    name: str
    reader: object
    cls: str  # whose defaults apply
    nested: bool = False  # keys live in text_config when it is there


FAMILIES = {
    "llama": Family("Llama (dense GQA)", _read_llama, "transformers' LlamaConfig"),
    "mistral": Family("Mistral (dense GQA)", _read_mistral, "transformers' MistralConfig"),
    "qwen2": Family("Qwen2 (dense GQA)", _read_qwen2, "transformers' Qwen2Config"),
    "qwen3": Family("Qwen3 (dense GQA)", _read_qwen3, "transformers' Qwen3Config"),
    "qwen3_moe": Family("Qwen3 MoE", _read_qwen3_moe, "transformers' Qwen3MoeConfig"),
    "mixtral": Family("Mixtral (GQA + MoE)", _read_mixtral, "transformers' MixtralConfig"),
    "deepseek_v3": Family("DeepSeek-V3 (MLA + MoE)", _read_deepseek, "transformers' DeepseekV3Config"),
    "llama4": Family("Llama 4 (chunked RoPE + global NoPE attention, interleaved MoE)", _read_llama4,
                      "transformers' Llama4TextConfig", nested=True),
    "gpt_oss": Family("gpt-oss (alternating sliding/full GQA + MoE)", _read_gpt_oss, "transformers' GptOssConfig"),
    "glm4_moe": Family("GLM-4.5 MoE (GQA + MoE)", _read_glm4_moe, "transformers' Glm4MoeConfig"),
    "ernie4_5_moe": Family("ERNIE 4.5 MoE (GQA + MoE)", _read_ernie_moe, "transformers' Ernie4_5_MoeConfig"),
    "erniekit": Family("ERNIE 4.5 MoE (ERNIEKit pre-training config)", _read_erniekit,
                        "ERNIEKit's ErnieMoEConfig"),
    "step3": Family("Step-3 (MFA + MoE)", _read_step3, "vLLM's Step3TextConfig", nested=True),
}

BY_NAME = {
    "LlamaForCausalLM": "llama", "llama": "llama",
    "MistralForCausalLM": "mistral", "mistral": "mistral",
    "Qwen2ForCausalLM": "qwen2", "qwen2": "qwen2",
    "Qwen3ForCausalLM": "qwen3", "qwen3": "qwen3",
    "Qwen3MoeForCausalLM": "qwen3_moe", "qwen3_moe": "qwen3_moe",
    "MixtralForCausalLM": "mixtral", "mixtral": "mixtral",
    "DeepseekV3ForCausalLM": "deepseek_v3", "deepseek_v3": "deepseek_v3", "kimi_k2": "deepseek_v3",
    "Llama4ForConditionalGeneration": "llama4", "Llama4ForCausalLM": "llama4", "llama4": "llama4",
    "llama4_text": "llama4",
    "GptOssForCausalLM": "gpt_oss", "gpt_oss": "gpt_oss",
    "Glm4MoeForCausalLM": "glm4_moe", "glm4_moe": "glm4_moe",
    "Ernie4_5_MoeForCausalLM": "ernie4_5_moe", "ernie4_5_moe": "ernie4_5_moe",
    "ErnieForCausalLM": "erniekit", "ernie": "erniekit",
    "Step3TextForCausalLM": "step3", "step3_text": "step3",
    "Step3VLForConditionalGeneration": "step3", "step3_vl": "step3",
}

# Keys that shape a model beyond dense GQA: a generic import says it did not read them.
