"""Iso-model attention swaps: Step-3's body (hidden 7168, 61 layers, same FFN) with its MFA
replaced by an MLA or a GQA of comparable size, and the paper's what-ifs (§5.2)."""
from __future__ import annotations

import dataclasses
import functools

from costmodel.attention import GQA, MLA
from costmodel.model import AttentionGroup, ModelSpec

HIDDEN = 7168
# DeepSeek-V3's MLA shape with Step-3's 64 query heads (Kimi K2's head count).
MLA_SWAP = MLA(hidden=HIDDEN, n_heads=64, q_lora_rank=2048, kv_lora_rank=512, qk_nope_dim=128, qk_rope_dim=64,
               v_head_dim=128)
# Qwen3-235B-A22B's GQA shape: 64 query heads, 4 KV heads of 128.
GQA_SWAP = GQA(hidden=HIDDEN, n_q=64, n_kv=4, head_dim=128)


@functools.lru_cache(maxsize=8)
def swapped(step3: ModelSpec) -> tuple[ModelSpec, ModelSpec, ModelSpec]:
    """(Step-3 with MFA as published, with MLA, with GQA): same layers, FFN and KV format."""
    layers = step3.layers
    kv_dtype = step3.attention_groups[0].kv_dtype
    mla = dataclasses.replace(step3, slug="step-3-mla", name="Step-3 body + MLA",
                              attention_groups=(AttentionGroup(layers, MLA_SWAP, kv_dtype),))
    gqa = dataclasses.replace(step3, slug="step-3-gqa", name="Step-3 body + GQA",
                              attention_groups=(AttentionGroup(layers, GQA_SWAP, kv_dtype),))
    mfa = dataclasses.replace(step3, name="Step-3 (MFA, as published)")
    return mfa, mla, gqa


def describe(model: ModelSpec) -> dict:
    """One table row: the attention config and its per-layer sizes (elements, params)."""
    attn = model.attention_groups[0].attention
    fields = {f.name: getattr(attn, f.name) for f in dataclasses.fields(attn) if f.name not in ("hidden", "window", "window_kind")}
    return {
        "model": model.name, "attention": attn.label,
        "config": ", ".join(f"{k}={v}" for k, v in fields.items()),
        "KV elements per token per layer": int(attn.kv_elements_per_token()),
        "core FLOPs per context token per layer": int(attn.core_flops_per_context_token()),
        "projection params per layer (M)": round(attn.linear_params() / 1e6, 1),
    }


# The paper's §5.2 what-ifs: "low-bit storage, high-bit compute" (4-bit KV) and multi-token
# prediction (several query tokens per KV read). Each multiplies attention intensity.
WHAT_IFS = (
    ("as configured", None, 1),
    ("4-bit KV", "fp4", 1),
    ("MTP, 2 tokens per step", None, 2),
    ("4-bit KV + MTP 2", "fp4", 2),
)
