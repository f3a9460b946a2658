"""The Step-3 paper's decode cost model (§4.2): USD per 1M tokens per chip, single chip and AFD.

Unit costs: U_flop = price / 3600 / peak FLOP/s, U_byte = price / 3600 / HBM bytes/s, computing
in FP8 where the chip has it, else BF16 (for the default FP8 weights). Per token:
attention = max(core FLOPs x U_flop, KV bytes x U_byte) + linear FLOPs x U_flop;
FFN = FFN FLOPs x U_flop. AFD = cheapest attention chip + cheapest FFN chip.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from .chips import Chip
from .decode import TokenCost, check_context, decode_token
from .model import ModelSpec

TOKENS_PER_UNIT = 1e6  # costs are per 1M decoded tokens
SECONDS_PER_HOUR = 3600.0


@dataclass(frozen=True)
class UnitCost:
    """USD per FLOP and per byte of HBM traffic at full utilization."""

    usd_per_flop: float
    usd_per_byte: float
    compute_dtype: str


def unit_costs(chip: Chip, weight_dtype: str = "fp8") -> UnitCost:
    dtype = chip.compute_dtype(weight_dtype)
    usd_per_s = chip.price_usd_per_hour / SECONDS_PER_HOUR
    return UnitCost(usd_per_s / chip.peak_flops(dtype), usd_per_s / chip.mem_bw_bytes_per_s, dtype)


def attention_usd(attention_flops, kv_bytes, linear_flops, usd_per_flop, usd_per_byte):
    """Attention cost per token (broadcasts): max(core compute, KV reads) + linear compute."""
    return np.maximum(attention_flops * usd_per_flop, kv_bytes * usd_per_byte) + linear_flops * usd_per_flop


@dataclass(frozen=True)
class CostGrid:
    """Costs for every (model, chip, context): arrays shaped (models, chips, contexts) in USD
    per 1M tokens; per-token quantities shaped (models, contexts) or (models,)."""

    models: tuple[ModelSpec, ...]
    chips: tuple[Chip, ...]
    context: np.ndarray
    tokens: tuple[TokenCost, ...]
    units: tuple[UnitCost, ...]
    attention_usd_per_mtok: np.ndarray
    ffn_usd_per_mtok: np.ndarray
    attention_memory_bound: np.ndarray

    @property
    def total_usd_per_mtok(self) -> np.ndarray:
        return self.attention_usd_per_mtok + self.ffn_usd_per_mtok

    def afd(self) -> "AFDCost":
        """Cheapest attention chip plus cheapest FFN chip, per model and context."""
        attn_idx = np.argmin(self.attention_usd_per_mtok, axis=1)  # (models, contexts)
        ffn_idx = np.argmin(self.ffn_usd_per_mtok, axis=1)  # (models, contexts)
        attn = np.take_along_axis(self.attention_usd_per_mtok, attn_idx[:, None, :], axis=1)[:, 0, :]
        ffn = np.take_along_axis(self.ffn_usd_per_mtok, ffn_idx[:, None, :], axis=1)[:, 0, :]
        return AFDCost(attn, ffn, attn_idx, ffn_idx)


@dataclass(frozen=True)
class AFDCost:
    """AFD per (model, context): USD per 1M tokens and the index of the chip chosen per side."""

    attention_usd_per_mtok: np.ndarray
    ffn_usd_per_mtok: np.ndarray
    attention_chip: np.ndarray
    ffn_chip: np.ndarray

    @property
    def total_usd_per_mtok(self) -> np.ndarray:
        return self.attention_usd_per_mtok + self.ffn_usd_per_mtok


def cost_grid(models: Sequence[ModelSpec], chips: Sequence[Chip], context, kv_dtype: str | None = None,
              weight_dtype: str = "fp8", tokens: Sequence | None = None) -> CostGrid:
    """Evaluate every model on every chip at every context in one vectorized pass. ``tokens``:
    the models' ``decode_token`` over ``context`` with these precisions, when the caller keeps
    them (they do not depend on the chips, which is what a slider moves)."""
    ctx = np.atleast_1d(check_context(context)).ravel()
    if tokens is None:
        tokens = tuple(decode_token(m, ctx, kv_dtype, weight_dtype) for m in models)
    tokens = tuple(tokens)
    units = tuple(unit_costs(c, weight_dtype) for c in chips)
    kv = np.stack([t.kv_bytes for t in tokens])[:, None, :]
    core = np.stack([t.attention_flops for t in tokens])[:, None, :]
    linear = np.array([t.linear_flops for t in tokens])[:, None, None]
    ffn = np.array([t.ffn_flops for t in tokens])[:, None, None]
    uf = np.array([u.usd_per_flop for u in units])[None, :, None]
    ub = np.array([u.usd_per_byte for u in units])[None, :, None]
    attention = attention_usd(core, kv, linear, uf, ub) * TOKENS_PER_UNIT
    ffn_cost = np.broadcast_to(ffn * uf * TOKENS_PER_UNIT, attention.shape)
    return CostGrid(
        models=tuple(models), chips=tuple(chips), context=ctx, tokens=tokens, units=units,
        attention_usd_per_mtok=attention, ffn_usd_per_mtok=ffn_cost,
        attention_memory_bound=kv * ub >= core * uf,
    )
