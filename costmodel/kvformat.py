"""KV-cache storage formats, declared once: what one cached context token costs in bytes per
layer as deployed kernels store it.

A format stores the cached values in ``dtype`` with one scale of ``scale_bytes`` per
``group`` values (``group`` 0: one scale per tensor, nothing per token) and may keep MLA's
RoPE key part in a wider format (``rope_dtype``). Two conventions:

- ``paper``: every cached element at its format's width, no scales (the Step-3 report's §4.1
  convention: its cost cells, ``cost``, ``paper``);
- ``deployed``: the format a serving kernel stores (``deployed_format``): FlashMLA's FP8 MLA
  cache is 656 bytes per token per layer for DeepSeek-V3 (512 FP8 latent values, 4 FP32
  scales, 64 BF16 RoPE values), not 576; 4-bit caches carry NVFP4's block scales.

Latency, AFD and deployment figures use ``deployed``; the paper's cost tables keep ``paper``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from .precision import bytes_per_element

CONVENTIONS = ("deployed", "paper")


@dataclass(frozen=True)
class KVFormat:
    """One cache format. ``name``: its slug; ``dtype``: the values' storage format; ``group``:
    values per scale (0: a per-tensor scale, no bytes per token); ``scale_bytes``: bytes of one
    scale; ``rope_dtype``: MLA's RoPE key part kept in this format (None: as ``dtype``);
    ``source``: where the layout is published (or 'assumed: ...')."""

    name: str
    dtype: str
    group: int = 0
    scale_bytes: float = 0.0
    rope_dtype: str | None = None
    source: str = ""

    def token_bytes(self, attention) -> float:
        """Bytes one cached context token takes in one layer of ``attention`` (K and V, or MLA's
        latent and RoPE key); 0 for linear attention (no per-token cache)."""
        elements = attention.kv_elements_per_token()
        rope = getattr(attention, "qk_rope_dim", 0) if self.rope_dtype else 0
        values = elements - rope
        scales = math.ceil(values / self.group) * self.scale_bytes if self.group and values else 0.0
        return values * bytes_per_element(self.dtype) + scales + \
            (rope * bytes_per_element(self.rope_dtype) if rope else 0.0)


FLASHMLA_FP8 = KVFormat(
    "fp8-flashmla", "fp8", group=128, scale_bytes=4.0, rope_dtype="bf16",
    source="FlashMLA FP8 KV cache (github deepseek-ai/FlashMLA README, sparse decoding kernels): per token "
           "512 FP8 latent values, 4 FP32 scales (one per 128 values) and the 64 RoPE values in BF16: 656 bytes")
NVFP4 = KVFormat(
    "nvfp4", "fp4", group=16, scale_bytes=1.0,
    source="assumed: NVFP4 blocks (16 FP4 values share one FP8 E4M3 scale; NVIDIA Blackwell NVFP4 format), "
           "the 4-bit KV layout of TensorRT-LLM")


def plain(dtype: str) -> KVFormat:
    """Every element at ``dtype``'s width, no scales (the paper's convention; per-tensor
    scales of FP8 caches in FlashAttention-3 and vLLM add no bytes per token)."""
    return KVFormat(dtype, dtype, source="per-tensor scale: no bytes per token")


def kv_format(attention, dtype: str, convention: str = "deployed") -> KVFormat:
    """The format a cache of ``dtype`` takes for ``attention`` under ``convention``."""
    if convention == "paper":
        return plain(dtype)
    if dtype == "fp8" and attention.kind == "mla":
        return FLASHMLA_FP8
    if dtype == "fp4":
        return NVFP4
    return plain(dtype)


def token_bytes(attention, dtype: str, convention: str = "deployed") -> float:
    """Bytes per cached context token per layer of ``attention`` stored as ``dtype``."""
    return kv_format(attention, dtype, convention).token_bytes(attention)
