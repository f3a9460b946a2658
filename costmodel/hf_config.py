"""Hugging Face ``config.json`` -> ModelSpec, with what was read and what was assumed.

One reader per model family turns the config's own keys into attention and FFN layer groups:
Llama / Mistral / Qwen2 / Qwen3 dense GQA, Qwen3-MoE, Mixtral, DeepSeek-V3 and Kimi K2 (MLA +
MoE), Llama 4 (``text_config``; chunked RoPE layers, global NoPE layers, interleaved MoE),
gpt-oss (sliding/full layers, MoE), GLM-4.5 MoE, ERNIE 4.5 MoE (the Hugging Face config and
ERNIEKit's pre-training config), and Step-3 (vLLM's ``Step3TextConfig`` names, alone or nested in
``Step3VLConfig``). An unknown architecture with the standard fields imports as dense GQA.

Every key used is listed in ``ImportedModel.read`` as written (``text_config.hidden_size``);
every value not in the file (a transformers / vLLM / ERNIEKit default, a convention such as
FP8 KV storage) is listed in ``ImportedModel.assumed`` with the reason. A config that is not
valid JSON, too large, nested too deep, carries NaN/Infinity, the wrong type, a non-positive or
absurd size raises ``InputError`` whose field names the key (``config.json: num_key_value_heads``).

Pure standard library + the core's model classes (no UI imports)."""
from __future__ import annotations

import dataclasses
import json
import math
import numbers
import os
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

from . import files
from .attention import GQA, MFA, MLA
from .errors import InputError, check_slug
from .ffn import DenseFFN, MoEFFN
from .model import AttentionGroup, FFNGroup, ModelSpec

__all__ = ["MAX_CONFIG_BYTES", "ImportedModel", "parse_config", "read_config", "load_config"]

MAX_CONFIG_BYTES = 1_000_000
MAX_DEPTH = 32  # containers nested deeper than this are refused (real configs nest 3 deep)
MAX_SIZE = 1_000_000  # largest plausible layer count, width, head count, expert count, window
MAX_VOCAB = 10_000_000
MAX_NAME_CHARS = 100
MAX_SLUG_CHARS = 64
KV_DTYPE = "fp8"
FILE = "config.json"

_MISSING = object()
_UNSAFE_CATEGORIES = ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp")


@dataclass(frozen=True)
class ImportedModel:
    """A ModelSpec built from a config.json, with its provenance.

    ``read``: (config key as written, value) for every key used; ``assumed``: (what, why) for
    every value that is not in the file."""

    model: ModelSpec
    architecture: str
    family: str
    read: tuple[tuple[str, object], ...]
    assumed: tuple[tuple[str, str], ...]


# ---------------------------------------------------------------------------------------------
# Public entry points


def load_config(path, slug=None, name=None) -> ImportedModel:
    """Import the config.json at ``path`` (at most MAX_CONFIG_BYTES)."""
    if not isinstance(path, (str, os.PathLike)):
        raise InputError("config file", f"expected a file path, got {_describe(path)}")
    where = f"config file {os.fspath(path)}"
    raw = files.read_bytes(path, where, MAX_CONFIG_BYTES)
    return read_config(raw, slug=slug, name=name)


def read_config(text, slug=None, name=None, source=None) -> ImportedModel:
    """Import a config.json given as JSON text (str) or bytes."""
    return parse_config(_parse_json(text), slug=slug, name=name, source=source)


def parse_config(data, slug=None, name=None, source=None) -> ImportedModel:
    """Import an already parsed config.json (a dict)."""
    if not isinstance(data, dict):
        raise InputError(FILE, f"expected a JSON object at the top level, got {_describe(data)}")
    _check_tree(data)
    try:
        return _import(data, slug, name, source)
    except InputError:
        raise
    except (ArithmeticError, LookupError, TypeError, ValueError, AttributeError, RecursionError) as exc:
        # A safety net: every case we know of is refused above with its own message.
        raise InputError(FILE, f"unexpected content the importer cannot read ({exc.__class__.__name__})") from None


# ---------------------------------------------------------------------------------------------
# Parsing and whole-document checks


def _parse_json(text):
    if isinstance(text, (bytes, bytearray, memoryview)):
        raw = bytes(text)
        if len(raw) > MAX_CONFIG_BYTES:
            raise InputError(FILE, f"larger than {MAX_CONFIG_BYTES:,} bytes ({len(raw):,} given); a config.json is a few kB")
    elif isinstance(text, str):
        if len(text) > MAX_CONFIG_BYTES or len(text.encode("utf-8", "surrogatepass")) > MAX_CONFIG_BYTES:
            raise InputError(FILE, f"larger than {MAX_CONFIG_BYTES:,} bytes; a config.json is a few kB")
        raw = text[1:] if text.startswith("\ufeff") else text
    else:
        raise InputError(FILE, f"expected JSON text or bytes, got {_describe(text)}")
    try:
        return json.loads(raw)
    except RecursionError:
        raise InputError(FILE, f"nested too deeply (more than {MAX_DEPTH} levels)") from None
    except json.JSONDecodeError as exc:
        raise InputError(FILE, f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from None
    except UnicodeError:
        raise InputError(FILE, "not valid JSON: the bytes are not UTF-8 (or UTF-16/32) text") from None
    except ValueError as exc:  # e.g. an integer of thousands of digits
        raise InputError(FILE, f"not valid JSON: {str(exc)[:120]}") from None


def _check_tree(data):
    """Depth limit and no NaN/Infinity anywhere (Python's json accepts those literals)."""
    stack = [(data, None, 1)]
    while stack:
        node, path, depth = stack.pop()
        if isinstance(node, dict):
            if depth > MAX_DEPTH:
                raise InputError(f"{FILE}: {_path_text(path)}", f"nested more than {MAX_DEPTH} levels deep")
            stack.extend((value, (path, _key_text(key)), depth + 1) for key, value in node.items())
        elif isinstance(node, (list, tuple)):
            if depth > MAX_DEPTH:
                raise InputError(f"{FILE}: {_path_text(path)}", f"nested more than {MAX_DEPTH} levels deep")
            stack.extend((value, (path, index), depth + 1) for index, value in enumerate(node))
        elif isinstance(node, float) and not math.isfinite(node):
            raise InputError(f"{FILE}: {_path_text(path)}",
                             f"{node!r} is not a number JSON allows (NaN and Infinity are refused)")


def _key_text(key) -> str:
    return key if isinstance(key, str) else _short(key)


def _path_text(path) -> str:
    parts = []
    while path is not None:
        path, key = path
        parts.append(f"[{key}]" if isinstance(key, int) else key)
    text = ""
    for part in reversed(parts):
        text += part if part.startswith("[") or not text else f".{part}"
    return text or "(top level)"


def _short(value, limit=60) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10 ** 18:
        return f"{'-' if value < 0 else ''}an integer of about {int(value.bit_length() * 0.30103) + 1} digits"
    try:
        text = repr(value)
    except Exception:  # a hostile object's repr; never let it escape
        return type(value).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _describe(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"text {_short(value)}"
    if isinstance(value, (list, tuple)):
        return f"a list of {len(value)} item{'' if len(value) == 1 else 's'}"
    if isinstance(value, dict):
        return "an object"
    return _short(value)


def _whole(value, field: str, low: int = 1, high: int = MAX_SIZE) -> int:
    """``value`` as an int in [low, high]; a whole float (4096.0) is accepted."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InputError(field, f"expected a whole number, got {_describe(value)}")
    if isinstance(value, numbers.Integral):
        number = int(value)
    else:
        as_float = float(value)
        if not math.isfinite(as_float):
            raise InputError(field, f"must be a finite whole number, got {as_float!r}")
        if not as_float.is_integer():
            raise InputError(field, f"must be a whole number, got {as_float!r}")
        number = int(as_float)
    if number < low:
        wanted = "a positive whole number" if low == 1 else f"a whole number >= {low}"
        raise InputError(field, f"must be {wanted}, got {_short(number)}")
    if number > high:
        raise InputError(field, f"{_short(number)} is implausibly large (at most {high:,})")
    return number


def _clean_text(value, limit: int) -> str:
    """Plain text: control and format characters removed, whitespace trimmed, capped."""
    kept = "".join(ch for ch in value[: 8 * limit] if unicodedata.category(ch) not in _UNSAFE_CATEGORIES)
    return kept.strip()[:limit].strip()


def _slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9.]+", "-", ascii_text)
    slug = re.sub(r"([.-])[.-]+", r"\1", slug)
    return slug.lstrip(".-")[:MAX_SLUG_CHARS].rstrip(".-")


# ---------------------------------------------------------------------------------------------
# Typed, recorded access to one config object


class _Log:
    def __init__(self):
        self.read: dict[str, object] = {}
        self.assumed: dict[str, str] = {}

    def note_read(self, key, value):
        self.read.setdefault(key, value)

    def assume(self, what, why):
        self.assumed.setdefault(what, why)


class _Config:
    """One config object (the top level, or ``text_config``); ``cls`` names the class whose
    defaults apply (e.g. "transformers' LlamaConfig")."""

    def __init__(self, data: dict, prefix: str, log: _Log, cls: str, outer: dict | None = None):
        self.data, self.prefix, self.log, self.cls = data, prefix, log, cls
        self.outer = outer  # the top-level object when this is its text_config

    def key(self, name: str) -> str:
        return f"{self.prefix}{name}"

    def field(self, name: str) -> str:
        return f"{FILE}: {self.prefix}{name}"

    def present(self, name: str) -> bool:
        return self.data.get(name) is not None

    def require(self, names, family: str):
        missing = [self.key(n) for n in names if not self.present(n)]
        if missing:
            plural = "s" if len(missing) > 1 else ""
            raise InputError(f"{FILE}: {', '.join(missing)}",
                             f"missing required field{plural} for {family}: {', '.join(missing)}")

    def get(self, name):
        value = self.data.get(name)
        self.log.note_read(self.key(name), value)
        return value

    def assume(self, name, value, why: str | None = None):
        state = "null in the file" if name in self.data else "not in the file"
        self.log.assume(f"{self.key(name)} = {_show(value)}", f"{state}; {why or self.cls + ' default'}")

    def int(self, name, default=_MISSING, why=None, low=1, high=MAX_SIZE) -> int:
        if not self.present(name):
            if default is _MISSING:
                raise InputError(self.field(name), "missing (required)")
            self.assume(name, default, why)
            return default
        return _whole(self.get(name), self.field(name), low, high)

    def opt_int(self, name, default, why=None, low=1, high=MAX_SIZE):
        """An int, or None where the file says null (e.g. no sliding window)."""
        if name not in self.data:
            self.assume(name, default, why)
            return default
        value = self.get(name)
        return None if value is None else _whole(value, self.field(name), low, high)

    def bool(self, name, default: bool, why=None) -> bool:
        if not self.present(name):
            self.assume(name, default, why)
            return default
        value = self.get(name)
        if not isinstance(value, bool):
            raise InputError(self.field(name), f"expected true or false, got {_describe(value)}")
        return value

    def index_list(self, name, layers: int, default=_MISSING, why=None) -> list[int]:
        """Layer indices (each in 0..layers-1), as a list or a comma-separated string."""
        if not self.present(name):
            if default is _MISSING:
                raise InputError(self.field(name), "missing (required)")
            self.assume(name, _show(default), why)
            return [i for i in default if i < layers]
        value = self.get(name)
        field = self.field(name)
        if isinstance(value, str):
            parts = [p.strip() for p in value.split(",")]
            if any(not re.fullmatch(r"[0-9]{1,7}", p) for p in parts):
                raise InputError(field, f"expected comma-separated layer indices such as \"4,5,6\", got {_describe(value)}")
            items = [int(p) for p in parts]
        elif isinstance(value, list):
            items = [_whole(v, f"{field}[{i}]", low=0) for i, v in enumerate(value)]
        else:
            raise InputError(field, f"expected a list of layer indices, got {_describe(value)}")
        for i, index in enumerate(items):
            if index >= layers:
                raise InputError(field, f"layer index {index} is beyond the last layer ({layers - 1})")
        return items

    def flag_list(self, name, layers: int) -> list[bool]:
        """Per-layer 0/1 flags (Llama 4's no_rope_layers); an empty list means 'not given'."""
        value = self.get(name)
        field = self.field(name)
        if not isinstance(value, list):
            raise InputError(field, f"expected a list of 0/1 per layer, got {_describe(value)}")
        if len(value) != layers:
            raise InputError(field, f"has {len(value)} entries but num_hidden_layers is {layers}")
        flags = []
        for i, item in enumerate(value):
            if not (isinstance(item, numbers.Real) and item in (0, 1)):  # 0, 1, 0.0, 1.0, false, true
                raise InputError(f"{field}[{i}]", f"expected 0 or 1, got {_describe(item)}")
            flags.append(bool(item))
        return flags

    def layer_types(self, layers: int, allowed) -> list[str]:
        value = self.get("layer_types")
        field = self.field("layer_types")
        if not isinstance(value, list):
            raise InputError(field, f"expected a list with one attention type per layer, got {_describe(value)}")
        if len(value) != layers:
            raise InputError(field, f"has {len(value)} entries but num_hidden_layers is {layers}")
        for i, item in enumerate(value):
            if not isinstance(item, str) or item not in allowed:
                raise InputError(f"{field}[{i}]", f"expected one of {', '.join(allowed)}, got {_describe(item)}")
        return list(value)


def _show(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (list, tuple)):
        if len(value) > 6:
            return f"[{', '.join(str(v) for v in value[:3])}, ..., {value[-1]}] ({len(value)} entries)"
        return "[" + ", ".join(str(v) for v in value) + "]"
    return str(value)


# ---------------------------------------------------------------------------------------------
# Shared pieces of the family readers


@dataclass
class _Built:
    hidden: int
    vocab: int
    tie: bool
    attention: list  # per-layer keys
    attention_of: dict  # key -> attention spec
    ffn: list  # per-layer keys
    ffn_of: dict  # key -> FFN spec


STANDARD = ("hidden_size", "num_hidden_layers", "num_attention_heads", "vocab_size")


def _basics(cfg: _Config):
    hidden = cfg.int("hidden_size")
    layers = cfg.int("num_hidden_layers")
    vocab = cfg.int("vocab_size", high=MAX_VOCAB)
    return hidden, layers, vocab


def _heads(cfg: _Config, hidden: int, kv_default, head_dim_default):
    """(n_q, n_kv, head_dim). ``kv_default``: an int, "heads" (MHA when absent) or _MISSING;
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


def _tie(cfg: _Config, default: bool, why=None) -> bool:
    return cfg.bool("tie_word_embeddings", default, why)


def _top_k(cfg: _Config, name: str, experts: int, default):
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


def _qwen_windows(cfg: _Config, layers: int):
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


def _note_mtp(cfg: _Config, name: str):
    if cfg.present(name):
        depth = cfg.int(name, low=0)
        if depth:
            cfg.log.assume(f"{cfg.key(name)} = {depth}: not counted",
                           "multi-token-prediction layers serve speculative decoding, not the model's decode "
                           "step (the library does not count them either)")


# ---------------------------------------------------------------------------------------------
# Family readers: each returns a _Built


def _read_dense(cfg: _Config, family: str, kv_default, head_dim_default, tie_default, windows_of=None):
    cfg.require(STANDARD + ("intermediate_size",), family)
    hidden, layers, vocab = _basics(cfg)
    n_q, n_kv, head_dim = _heads(cfg, hidden, kv_default, head_dim_default)
    windows = windows_of(cfg, layers) if windows_of else [None] * layers
    attention, attention_of = _windowed_attention(windows, hidden, n_q, n_kv, head_dim)
    ffn = DenseFFN(hidden=hidden, intermediate=cfg.int("intermediate_size"))
    return _Built(hidden, vocab, _tie(cfg, tie_default), attention, attention_of, ["d"] * layers, {"d": ffn})


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


def _read_generic(cfg):
    cfg.require(("hidden_size", "num_attention_heads", "num_key_value_heads", "intermediate_size",
                 "num_hidden_layers", "vocab_size"), "a dense GQA import (unknown architecture)")
    return _read_dense(cfg, "a dense GQA import", _MISSING, "derive", True)


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
    return _Built(hidden, vocab, _tie(cfg, False), attention, attention_of, ffn, ffn_of)


def _read_mixtral(cfg):
    family = "Mixtral"
    cfg.require(STANDARD + ("intermediate_size",), family)
    hidden, layers, vocab = _basics(cfg)
    n_q, n_kv, head_dim = _heads(cfg, hidden, 8, "derive")
    attention, attention_of = _windowed_attention(_mixtral_windows(cfg, layers), hidden, n_q, n_kv, head_dim)
    experts = cfg.int("num_local_experts", 8)
    moe = MoEFFN(hidden=hidden, n_routed=experts, top_k=_top_k(cfg, "num_experts_per_tok", experts, 2),
                 expert_intermediate=cfg.int("intermediate_size"))
    return _Built(hidden, vocab, _tie(cfg, False), attention, attention_of, ["m"] * layers, {"m": moe})


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
    return _Built(hidden, vocab, _tie(cfg, False), attention, attention_of, ffn, ffn_of)


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
    return _Built(hidden, vocab, _tie(cfg, False), attention, attention_of, ffn, ffn_of)


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
    return _Built(hidden, vocab, _tie(cfg, False), attention, attention_of, ["m"] * layers, {"m": moe})


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
        tie = _Config(cfg.outer, "", cfg.log, "transformers' Llama4Config").bool("tie_word_embeddings", False)
    else:
        tie = _tie(cfg, False, "transformers' Llama4Config and Llama4TextConfig default")
    return _Built(hidden, vocab, tie, attention, attention_of, ffn, ffn_of)


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
    return _Built(hidden, vocab, _tie(cfg, tie_default), attention, attention_of, ffn, ffn_of)


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
        removed = _whole(value, cfg.field(name), low=0)
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
              "moe_intermediate_size": _MISSING, "moe_num_shared_experts": 0, "intermediate_size": _MISSING}


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
    return _Built(hidden, vocab, False, attention, attention_of, ffn, ffn_of)


# ---------------------------------------------------------------------------------------------
# Families


@dataclass(frozen=True)
class _Family:
    name: str
    reader: object
    cls: str  # whose defaults apply
    nested: bool = False  # keys live in text_config when it is there


_FAMILIES = {
    "llama": _Family("Llama (dense GQA)", _read_llama, "transformers' LlamaConfig"),
    "mistral": _Family("Mistral (dense GQA)", _read_mistral, "transformers' MistralConfig"),
    "qwen2": _Family("Qwen2 (dense GQA)", _read_qwen2, "transformers' Qwen2Config"),
    "qwen3": _Family("Qwen3 (dense GQA)", _read_qwen3, "transformers' Qwen3Config"),
    "qwen3_moe": _Family("Qwen3 MoE", _read_qwen3_moe, "transformers' Qwen3MoeConfig"),
    "mixtral": _Family("Mixtral (GQA + MoE)", _read_mixtral, "transformers' MixtralConfig"),
    "deepseek_v3": _Family("DeepSeek-V3 (MLA + MoE)", _read_deepseek, "transformers' DeepseekV3Config"),
    "llama4": _Family("Llama 4 (chunked RoPE + global NoPE attention, interleaved MoE)", _read_llama4,
                      "transformers' Llama4TextConfig", nested=True),
    "gpt_oss": _Family("gpt-oss (alternating sliding/full GQA + MoE)", _read_gpt_oss, "transformers' GptOssConfig"),
    "glm4_moe": _Family("GLM-4.5 MoE (GQA + MoE)", _read_glm4_moe, "transformers' Glm4MoeConfig"),
    "ernie4_5_moe": _Family("ERNIE 4.5 MoE (GQA + MoE)", _read_ernie_moe, "transformers' Ernie4_5_MoeConfig"),
    "erniekit": _Family("ERNIE 4.5 MoE (ERNIEKit pre-training config)", _read_erniekit,
                        "ERNIEKit's ErnieMoEConfig"),
    "step3": _Family("Step-3 (MFA + MoE)", _read_step3, "vLLM's Step3TextConfig", nested=True),
}

_BY_NAME = {
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
_STRUCTURE_KEYS = ("layer_types", "sliding_window", "attention_chunk_size", "no_rope_layers", "num_experts",
                   "num_local_experts", "n_routed_experts", "moe_num_experts", "moe_intermediate_size",
                   "kv_lora_rank", "q_lora_rank", "first_k_dense_replace", "linear_attn_config",
                   "full_attn_idxs", "attn_type_list", "mlp_only_layers")


def _identity(obj: dict, prefix: str, log: _Log):
    """(architecture, model_type) of a config object, type-checked and recorded."""
    arch = None
    value = obj.get("architectures")
    if value is not None:
        log.note_read(f"{prefix}architectures", value)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise InputError(f"{FILE}: {prefix}architectures", f"expected a list of class names, got {_describe(value)}")
        arch = next((v for v in value if v.strip()), None)
    model_type = obj.get("model_type")
    if model_type is not None:
        log.note_read(f"{prefix}model_type", model_type)
        if not isinstance(model_type, str):
            raise InputError(f"{FILE}: {prefix}model_type", f"expected text, got {_describe(model_type)}")
    return arch, model_type or None


def _family_of(arch, model_type):
    for key in (arch, model_type):
        if key in _BY_NAME:
            return _BY_NAME[key]
    return None


def _import(data: dict, slug, name, source) -> ImportedModel:
    log = _Log()
    arch, model_type = _identity(data, "", log)
    text_config = data.get("text_config")
    nested = isinstance(text_config, dict)
    if "text_config" in data and text_config is not None and not nested:
        raise InputError(f"{FILE}: text_config", f"expected an object, got {_describe(text_config)}")
    family_key = _family_of(arch, model_type)
    found_inside = False
    if family_key is None and nested:  # e.g. a multimodal wrapper around a known text model
        inner_arch, inner_type = _identity(text_config, "text_config.", log)
        family_key = _family_of(inner_arch, inner_type)
        found_inside = family_key is not None
        arch = arch or inner_arch or inner_type
    architecture = _clean_text(arch or model_type or "", MAX_NAME_CHARS) or "unknown architecture"

    if family_key is not None:
        family = _FAMILIES[family_key]
        use_nested = nested and (family.nested or found_inside)
        cfg = _Config(text_config if use_nested else data, "text_config." if use_nested else "", log, family.cls,
                      outer=data if use_nested else None)
        built = family.reader(cfg)
        family_name = family.name
        if family_key == "deepseek_v3" and model_type == "kimi_k2":
            family_name = "Kimi K2 (DeepSeek-V3 layout: MLA + MoE)"
    else:
        use_nested = nested and data.get("hidden_size") is None
        cfg = _Config(text_config if use_nested else data, "text_config." if use_nested else "", log,
                      "transformers' PretrainedConfig")
        family_name = "generic dense GQA (unknown architecture)"
        log.assume(f"architecture {architecture!r} read as dense GQA",
                   "unknown architecture: the standard fields describe every layer as grouped-query "
                   "attention and a SwiGLU FFN; anything else in the file is not modelled")
        built = _read_generic(cfg)
        ignored = [cfg.key(k) for k in _STRUCTURE_KEYS if cfg.present(k)]
        if ignored:
            log.assume(f"not read: {', '.join(ignored)}",
                       "these keys describe layers a generic dense GQA import cannot model "
                       "(windows, experts, latent attention, ...)")

    log.assume(f"kv_dtype = {KV_DTYPE} on every attention layer",
               "the Step-3 paper's §4.1 convention: KV cache stored in FP8")
    names_from = _name_or_path(data, log)
    model_source = _model_source(source, architecture)
    assumed = tuple(log.assumed.items())
    spec = ModelSpec(
        slug=_model_slug(slug, None, None, "imported-model"),  # checked now; named below, from its size
        name="Imported model",
        hidden=built.hidden,
        vocab=built.vocab,
        attention_groups=tuple(AttentionGroup(n, built.attention_of[k], KV_DTYPE) for k, n in Counter(built.attention).items()),
        ffn_groups=tuple(FFNGroup(n, built.ffn_of[k]) for k, n in Counter(built.ffn).items()),
        source=model_source,
        tie_embeddings=built.tie,
        inferred=tuple(what for what, _ in assumed),
        notes=f"Imported from a Hugging Face config.json as {family_name}; {len(assumed)} values assumed.",
    )
    # named by its content when the file names nothing: two sizes of one architecture differ
    total = spec.params().total
    size = f"{total / 1e9:.3g}B" if total >= 1e9 else f"{total / 1e6:.3g}M"
    sized = f"{architecture} ({size}, {spec.layers} layers)"
    spec = dataclasses.replace(spec, slug=_model_slug(slug, name, names_from, sized),
                               name=_model_name(name, names_from, sized))
    return ImportedModel(model=spec, architecture=architecture, family=family_name,
                         read=tuple(log.read.items()), assumed=assumed)


def _name_or_path(data: dict, log: _Log):
    value = data.get("_name_or_path")
    if value is None:
        return None
    log.note_read("_name_or_path", value)
    if not isinstance(value, str):
        raise InputError(f"{FILE}: _name_or_path", f"expected text, got {_describe(value)}")
    return value


def _model_name(name, name_or_path, architecture) -> str:
    if name is not None:
        if not isinstance(name, str):
            raise InputError("name", f"expected text, got {_describe(name)}")
        cleaned = _clean_text(name, MAX_NAME_CHARS)
        if cleaned:
            return cleaned
    for candidate in (name_or_path, architecture):
        cleaned = _clean_text(candidate or "", MAX_NAME_CHARS)
        if cleaned:
            return cleaned
    return "Imported model"


def _model_slug(slug, name, name_or_path, architecture) -> str:
    if slug is not None:
        if not isinstance(slug, str):
            raise InputError("slug", f"expected text, got {_describe(slug)}")
        check_slug(slug[:MAX_SLUG_CHARS + 1], "slug")  # the library's rule; a long slug named by its start
        return slug
    last_segment = re.split(r"[\\/]", name_or_path.rstrip("/\\"))[-1] if name_or_path else ""
    for candidate in (name if isinstance(name, str) else "", last_segment, architecture):
        derived = _slugify(_clean_text(candidate or "", 4 * MAX_SLUG_CHARS))
        if derived:
            return derived
    return "imported-model"


def _model_source(source, architecture) -> str:
    if source is None:
        return f"Hugging Face config.json ({architecture})"
    if not isinstance(source, str):
        raise InputError("source", f"expected text, got {_describe(source)}")
    cleaned = _clean_text(source, 500)
    if not cleaned:
        raise InputError("source", "must not be empty")
    return cleaned
