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

The safe reading of the file (limits, typed access, the log of keys read and values assumed) is
``costmodel.hf_json``; the family readers are ``costmodel.hf_families``. Pure standard library +
the core's model classes (no UI imports)."""
from __future__ import annotations

import dataclasses
import os
import re
from collections import Counter
from dataclasses import dataclass

from . import files
from .errors import InputError, check_slug
from .hf_families import BY_NAME, FAMILIES, read_generic
from .hf_json import (FILE, KV_DTYPE, MAX_CONFIG_BYTES, MAX_NAME_CHARS, MAX_SLUG_CHARS, Config, ImportLog, check_tree,
                      clean_text, describe, parse_json, slugify)
from .model import AttentionGroup, FFNGroup, ModelSpec

__all__ = ["MAX_CONFIG_BYTES", "ImportedModel", "parse_config", "read_config", "load_config"]


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
        raise InputError("config file", f"expected a file path, got {describe(path)}")
    where = f"config file {os.fspath(path)}"
    raw = files.read_bytes(path, where, MAX_CONFIG_BYTES)
    return read_config(raw, slug=slug, name=name)


def read_config(text, slug=None, name=None, source=None) -> ImportedModel:
    """Import a config.json given as JSON text (str) or bytes."""
    return parse_config(parse_json(text), slug=slug, name=name, source=source)


def parse_config(data, slug=None, name=None, source=None) -> ImportedModel:
    """Import an already parsed config.json (a dict)."""
    if not isinstance(data, dict):
        raise InputError(FILE, f"expected a JSON object at the top level, got {describe(data)}")
    check_tree(data)
    try:
        return _import(data, slug, name, source)
    except InputError:
        raise
    except (ArithmeticError, LookupError, TypeError, ValueError, AttributeError, RecursionError) as exc:
        # A safety net: every case we know of is refused above with its own message.
        raise InputError(FILE, f"unexpected content the importer cannot read ({exc.__class__.__name__})") from None

_STRUCTURE_KEYS = ("layer_types", "sliding_window", "attention_chunk_size", "no_rope_layers", "num_experts",
                   "num_local_experts", "n_routed_experts", "moe_num_experts", "moe_intermediate_size",
                   "kv_lora_rank", "q_lora_rank", "first_k_dense_replace", "linear_attn_config",
                   "full_attn_idxs", "attn_type_list", "mlp_only_layers")


def _identity(obj: dict, prefix: str, log: ImportLog):
    """(architecture, model_type) of a config object, type-checked and recorded."""
    arch = None
    value = obj.get("architectures")
    if value is not None:
        log.note_read(f"{prefix}architectures", value)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise InputError(f"{FILE}: {prefix}architectures", f"expected a list of class names, got {describe(value)}")
        arch = next((v for v in value if v.strip()), None)
    model_type = obj.get("model_type")
    if model_type is not None:
        log.note_read(f"{prefix}model_type", model_type)
        if not isinstance(model_type, str):
            raise InputError(f"{FILE}: {prefix}model_type", f"expected text, got {describe(model_type)}")
    return arch, model_type or None


def _family_of(arch, model_type):
    for key in (arch, model_type):
        if key in BY_NAME:
            return BY_NAME[key]
    return None


def _read_layers(data: dict, log: ImportLog) -> tuple:
    """(the layers a reader built, the architecture's name, the family's name): the reader of
    the config's family (or of its ``text_config``'s, for a wrapper around a known text model),
    else the standard fields as dense GQA, saying so."""
    arch, model_type = _identity(data, "", log)
    text_config = data.get("text_config")
    nested = isinstance(text_config, dict)
    if "text_config" in data and text_config is not None and not nested:
        raise InputError(f"{FILE}: text_config", f"expected an object, got {describe(text_config)}")
    family_key = _family_of(arch, model_type)
    found_inside = False
    if family_key is None and nested:  # e.g. a multimodal wrapper around a known text model
        inner_arch, inner_type = _identity(text_config, "text_config.", log)
        family_key = _family_of(inner_arch, inner_type)
        found_inside = family_key is not None
        arch = arch or inner_arch or inner_type
    architecture = clean_text(arch or model_type or "", MAX_NAME_CHARS) or "unknown architecture"
    if family_key is not None:
        family = FAMILIES[family_key]
        use_nested = nested and (family.nested or found_inside)
        cfg = Config(text_config if use_nested else data, "text_config." if use_nested else "", log, family.cls,
                     outer=data if use_nested else None)
        family_name = "Kimi K2 (DeepSeek-V3 layout: MLA + MoE)" if (family_key, model_type) == \
            ("deepseek_v3", "kimi_k2") else family.name
        return family.reader(cfg), architecture, family_name
    use_nested = nested and data.get("hidden_size") is None
    cfg = Config(text_config if use_nested else data, "text_config." if use_nested else "", log,
                 "transformers' PretrainedConfig")
    log.assume(f"architecture {architecture!r} read as dense GQA",
               "unknown architecture: the standard fields describe every layer as grouped-query "
               "attention and a SwiGLU FFN; anything else in the file is not modelled")
    built = read_generic(cfg)
    ignored = [cfg.key(k) for k in _STRUCTURE_KEYS if cfg.present(k)]
    if ignored:
        log.assume(f"not read: {', '.join(ignored)}", "these keys describe layers a generic dense GQA import cannot "
                                                     "model (windows, experts, latent attention, ...)")
    return built, architecture, "generic dense GQA (unknown architecture)"


def _import(data: dict, slug, name, source) -> ImportedModel:
    log = ImportLog()
    built, architecture, family_name = _read_layers(data, log)
    log.assume(f"kv_dtype = {KV_DTYPE} on every attention layer",
               "the Step-3 paper's §4.1 convention: KV cache stored in FP8")
    names_from = _name_or_path(data, log)
    assumed = tuple(log.assumed.items())
    spec = ModelSpec(
        slug=_model_slug(slug, None, None, "imported-model"),  # checked now; named below, from its size
        name="Imported model",
        hidden=built.hidden,
        vocab=built.vocab,
        attention_groups=tuple(AttentionGroup(n, built.attention_of[k], KV_DTYPE) for k, n in Counter(built.attention).items()),
        ffn_groups=tuple(FFNGroup(n, built.ffn_of[k]) for k, n in Counter(built.ffn).items()),
        source=_model_source(source, architecture),
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


def _name_or_path(data: dict, log: ImportLog):
    value = data.get("_name_or_path")
    if value is None:
        return None
    log.note_read("_name_or_path", value)
    if not isinstance(value, str):
        raise InputError(f"{FILE}: _name_or_path", f"expected text, got {describe(value)}")
    return value


def _model_name(name, name_or_path, architecture) -> str:
    if name is not None:
        if not isinstance(name, str):
            raise InputError("name", f"expected text, got {describe(name)}")
        cleaned = clean_text(name, MAX_NAME_CHARS)
        if cleaned:
            return cleaned
    for candidate in (name_or_path, architecture):
        cleaned = clean_text(candidate or "", MAX_NAME_CHARS)
        if cleaned:
            return cleaned
    return "Imported model"


def _model_slug(slug, name, name_or_path, architecture) -> str:
    if slug is not None:
        if not isinstance(slug, str):
            raise InputError("slug", f"expected text, got {describe(slug)}")
        check_slug(slug[:MAX_SLUG_CHARS + 1], "slug")  # the library's rule; a long slug named by its start
        return slug
    last_segment = re.split(r"[\\/]", name_or_path.rstrip("/\\"))[-1] if name_or_path else ""
    for candidate in (name if isinstance(name, str) else "", last_segment, architecture):
        derived = slugify(clean_text(candidate or "", 4 * MAX_SLUG_CHARS))
        if derived:
            return derived
    return "imported-model"


def _model_source(source, architecture) -> str:
    if source is None:
        return f"Hugging Face config.json ({architecture})"
    if not isinstance(source, str):
        raise InputError("source", f"expected text, got {describe(source)}")
    cleaned = clean_text(source, 500)
    if not cleaned:
        raise InputError("source", "must not be empty")
    return cleaned
