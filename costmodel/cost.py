"""The Step-3 paper's decode cost model (§4.2): USD per 1M tokens per chip, single chip and AFD.

Unit costs: U_flop = price / 3600 / peak FLOP/s, U_byte = price / 3600 / HBM bytes/s, computing
in FP8 where the chip has it, else BF16 (for the default FP8 weights). Per token:
attention = max(core FLOPs x U_flop, KV bytes x U_byte) + linear FLOPs x U_flop;
FFN = FFN FLOPs x U_flop. AFD = cheapest attention chip + cheapest FFN chip.

``cost_grid`` evaluates many (model, chip, context) points in one vectorized pass;
``point_cost`` one point in Python floats, from the model's reduced form (``reduced``) and the
chip's unit costs, both kept per (model, chip, precisions): the same operations, the same numbers.
"""
from __future__ import annotations

import numbers
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple, Sequence

import numpy as np

from .chips import Chip
from .decode import MAX_CONTEXT, TokenCost, check_context, token_cost
from .errors import InputError
from .model import ModelSpec
from .precision import check_dtype
from .reduced import reduce_model

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
        tokens = tuple(token_cost(reduce_model(m, kv_dtype, weight_dtype), ctx) for m in models)
    tokens = tuple(tokens)
    units = tuple(_units(c, weight_dtype) for c in chips)
    kv = np.stack([t.kv_bytes for t in tokens])[:, None, :]
    core = np.stack([t.attention_flops for t in tokens])[:, None, :]
    linear = np.array([t.linear_flops for t in tokens])[:, None, None]
    ffn = np.array([t.ffn_flops for t in tokens])[:, None, None]
    uf = np.array([u.usd_per_flop for u in units])[None, :, None]
    ub = np.array([u.usd_per_byte for u in units])[None, :, None]
    # attention_usd(core, kv, linear, uf, ub) x TOKENS_PER_UNIT, the same operations in the same
    # order, each product computed once and reused for the memory-bound flag, in place
    compute, memory = core * uf, kv * ub
    memory_bound = memory >= compute
    attention = np.maximum(compute, memory, out=compute)
    attention += linear * uf
    attention *= TOKENS_PER_UNIT
    ffn_cost = np.broadcast_to(ffn * uf * TOKENS_PER_UNIT, attention.shape)
    return CostGrid(
        models=tuple(models), chips=tuple(chips), context=ctx, tokens=tokens, units=units,
        attention_usd_per_mtok=attention, ffn_usd_per_mtok=ffn_cost,
        attention_memory_bound=memory_bound,
    )


# -- one point --------------------------------------------------------------------------------

class PointCost(NamedTuple):
    """One (model, chip, context): what ``cost_grid`` gives for that cell, as Python floats.
    Per token: ``kv_bytes`` read, ``kv_stored_bytes`` held, ``attention_flops`` (core),
    ``linear_flops``, ``ffn_flops``, ``attention_intensity`` (core FLOPs per KV byte); USD per
    1M tokens: ``attention_usd_per_mtok``, ``ffn_usd_per_mtok``, ``total_usd_per_mtok``;
    ``attention_memory_bound``: KV reads cost at least the core compute; ``compute_dtype``:
    the format the chip computes in."""

    context: float
    kv_bytes: float
    kv_stored_bytes: float
    attention_flops: float
    linear_flops: float
    ffn_flops: float
    attention_intensity: float
    attention_usd_per_mtok: float
    ffn_usd_per_mtok: float
    total_usd_per_mtok: float
    attention_memory_bound: bool
    compute_dtype: str


_unit_costs_cached = lru_cache(maxsize=256)(unit_costs)


def _units(chip: Chip, weight_dtype: str) -> UnitCost:
    """unit_costs, kept per (chip, weight precision)."""
    try:
        return _unit_costs_cached(chip, weight_dtype)
    except TypeError:  # an unhashable argument: unit_costs says what is wrong
        return unit_costs(chip, weight_dtype)


def _point_terms(model: ModelSpec, chip: Chip, kv_dtype, weight_dtype) -> tuple:
    """Everything ``point_cost`` needs that does not depend on context, as plain floats."""
    if not isinstance(chip, Chip):
        raise InputError("chip", f"expected a chip record, got {type(chip).__name__}")
    reduced = reduce_model(model, kv_dtype, weight_dtype)
    unit = unit_costs(chip, reduced.weight_dtype)
    uf, ub = unit.usd_per_flop, unit.usd_per_byte
    return (reduced.kv_bytes.at_float, reduced.attention_flops.at_float, reduced.kv_stored_bytes.at_float,
            reduced.linear_flops, reduced.ffn_flops, uf, ub, reduced.linear_flops * uf,
            reduced.ffn_flops * uf * TOKENS_PER_UNIT, unit.compute_dtype)


_point_terms_cached = lru_cache(maxsize=256)(_point_terms)


def _one_context(context) -> float:
    """``context`` as one float number of tokens from 1 to MAX_CONTEXT, else InputError."""
    if isinstance(context, np.ndarray) and context.ndim == 0:
        context = context[()]
    if isinstance(context, (bool, np.bool_)) or not isinstance(context, numbers.Real):
        raise InputError("context", f"must be one number of tokens (cost_grid takes many), got {context!r}")
    try:
        value = float(context)
    except OverflowError:  # an integer beyond any float
        raise InputError("context", f"must be between 1 and {MAX_CONTEXT:,} tokens, got {context!r}") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise InputError("context", f"must be finite, got {context!r}")
    if not 1.0 <= value <= MAX_CONTEXT:
        raise InputError("context", f"must be between 1 and {MAX_CONTEXT:,} tokens, got {context!r}")
    return value


def point_cost(model: ModelSpec, chip: Chip, context, kv_dtype: str | None = None,
               weight_dtype: str = "fp8") -> PointCost:
    """``cost_grid([model], [chip], context)``'s one cell, fast: the model's reduced form and the
    chip's unit costs are kept per (model, chip, precisions), and the point is evaluated in
    Python floats (the same operations as the grid, so the same numbers). ``context``: one
    number of tokens from 1 to MAX_CONTEXT; precisions as for ``cost_grid``."""
    if (type(context) is float or type(context) is int) and 1 <= context <= MAX_CONTEXT:
        x = float(context)
    else:
        x = _one_context(context)
    try:
        terms = _point_terms_cached(model, chip, kv_dtype, weight_dtype)
    except TypeError:  # an unhashable argument: check it (InputError) or use it uncached
        if kv_dtype is not None:
            check_dtype(kv_dtype, "kv precision")
        check_dtype(weight_dtype, "weight precision")
        terms = _point_terms(model, chip, kv_dtype, weight_dtype)
    kv_at, core_at, stored_at, linear, ffn, uf, ub, linear_usd, ffn_usd, dtype = terms
    kv, core, stored = kv_at(x), core_at(x), stored_at(x)
    compute, memory = core * uf, kv * ub
    attention = ((memory if memory > compute else compute) + linear_usd) * TOKENS_PER_UNIT
    return PointCost(x, kv, stored, core, linear, ffn, core / kv, attention, ffn_usd, attention + ffn_usd,
                     memory >= compute, dtype)
