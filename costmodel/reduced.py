"""A model's per-token figures reduced to piecewise-linear forms in context, once per model and
precision.

Every context-dependent quantity of ``decode_token`` is a sum over layer groups of
``layers x (slope x attended tokens + constant)``, where the attended tokens are the context
(full attention), ``min(context, window)`` (sliding window or chunk) or none (linear attention:
a fixed state). Summed over groups, a quantity is

    q(c) = constant + full x c + sum over windows w of slope_w x min(c, w)

``reduce_model`` computes those coefficients (and the context-free figures) once per
(model, kv precision, weight precision) and keeps the last 256; ``decode_token`` and
``cost.point_cost`` evaluate them. Evaluating a form at an array and at a Python float runs
the same operations in the same order, so the vectorized and the scalar routes agree bitwise.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .attention import LinearAttention
from .errors import InputError
from .model import ModelSpec
from .precision import bytes_per_element, check_dtype


def kv_dtype_of(group, kv_dtype: str | None) -> str:
    """Storage format of a layer group's cache: ``kv_dtype`` overrides KV caches; a linear
    attention state keeps its own format (the paper: FP32 lightning state)."""
    if kv_dtype is None or isinstance(group.attention, LinearAttention):
        return group.kv_dtype
    return kv_dtype


@dataclass(frozen=True)
class Piecewise:
    """``constant + full x c + sum(slope x min(c, window) for window, slope in windowed)``;
    ``windowed`` by ascending window, one entry per distinct window, no zero slopes."""

    constant: float
    full: float
    windowed: tuple[tuple[float, float], ...] = ()

    def __call__(self, context):
        """The form at ``context`` (a float, or an array: a result shaped like it)."""
        if isinstance(context, (float, int)):
            return self.at_float(float(context))
        ctx = np.asarray(context, dtype=float)
        # Same operations, same order as at_float; a term that is an identity (adding 0,
        # multiplying by a zero slope) is skipped, which changes no bit (all terms are >= 0).
        q = None
        if self.full:
            q = self.full * ctx if not self.constant else self.constant + self.full * ctx
        for window, slope in self.windowed:
            term = slope * np.minimum(ctx, window)
            q = (term if not self.constant else self.constant + term) if q is None else q + term
        if q is None:  # no context-dependent term (linear attention only)
            q = np.zeros_like(ctx) + self.constant
        return q

    def at_float(self, x: float) -> float:
        q = self.constant + self.full * x
        for window, slope in self.windowed:
            q += slope * (x if x < window else window)
        return q


def _piecewise(constant: float, slopes: dict) -> Piecewise:
    full = slopes.pop(None, 0.0)
    return Piecewise(float(constant), float(full),
                     tuple((float(w), float(s)) for w, s in sorted(slopes.items()) if s))


@dataclass(frozen=True)
class ReducedModel:
    """A model's decode figures per token at one (kv, weight) precision, as functions of
    context (``kv_bytes``, ``attention_flops``, ``kv_stored_bytes``) and as numbers (the rest);
    each means what the ``TokenCost`` field of the same name means."""

    kv_dtype: str | None
    weight_dtype: str
    kv_bytes: Piecewise
    attention_flops: Piecewise
    kv_stored_bytes: Piecewise
    linear_flops: float
    ffn_flops: float
    linear_weight_bytes: float
    ffn_weight_bytes: float
    query_flops: float
    kv_projection_flops: float
    output_flops: float


def _reduce(model: ModelSpec, kv_dtype: str | None, weight_dtype: str) -> ReducedModel:
    if not isinstance(model, ModelSpec):
        raise InputError("model", f"expected a model record, got {type(model).__name__}")
    weight_bytes = bytes_per_element(weight_dtype, "weight precision")
    kv_const = core_const = stored_const = 0.0
    kv_slopes: dict = {}
    core_slopes: dict = {}
    stored_slopes: dict = {}
    linear_params = 0.0
    parts = {"query": 0.0, "kv": 0.0, "output": 0.0}
    for group in model.attention_groups:
        attn, layers = group.attention, group.layers
        b = bytes_per_element(kv_dtype_of(group, kv_dtype))
        # per layer: KV read = kv_elements x b x attended + 2 x state x b; stored = (kv_elements
        # x attended + state) x b; core = core FLOPs per token x attended + fixed FLOPs
        kv_const += layers * (2.0 * attn.state_elements() * b)
        stored_const += layers * attn.state_elements() * b
        core_const += layers * attn.fixed_core_flops()
        if not isinstance(attn, LinearAttention):  # linear attention attends no tokens
            key = None if attn.window is None else int(attn.window)
            kv_slopes[key] = kv_slopes.get(key, 0.0) + layers * attn.kv_elements_per_token() * b
            stored_slopes[key] = stored_slopes.get(key, 0.0) + layers * attn.kv_elements_per_token() * b
            core_slopes[key] = core_slopes.get(key, 0.0) + layers * attn.core_flops_per_context_token()
        linear_params += layers * attn.linear_params()
        for part, params in attn.projection_params().items():
            parts[part] += layers * params
    ffn_params = sum(g.layers * g.ffn.activated_params() for g in model.ffn_groups)
    return ReducedModel(
        kv_dtype=kv_dtype, weight_dtype=weight_dtype,
        kv_bytes=_piecewise(kv_const, kv_slopes),
        attention_flops=_piecewise(core_const, core_slopes),
        kv_stored_bytes=_piecewise(stored_const, stored_slopes),
        linear_flops=float(2.0 * linear_params),
        ffn_flops=float(2.0 * ffn_params),
        linear_weight_bytes=float(linear_params * weight_bytes),
        ffn_weight_bytes=float(ffn_params * weight_bytes),
        query_flops=float(2.0 * parts["query"]),
        kv_projection_flops=float(2.0 * parts["kv"]),
        output_flops=float(2.0 * parts["output"]),
    )


_reduce_cached = lru_cache(maxsize=256)(_reduce)


def reduce_model(model: ModelSpec, kv_dtype: str | None = None, weight_dtype: str = "fp8") -> ReducedModel:
    """``model``'s figures per decoded token as piecewise-linear forms in context (kept for
    the last 256 (model, precision) pairs). ``kv_dtype`` None keeps each layer group's own KV
    format; unknown formats raise InputError."""
    if kv_dtype is not None:
        kv_dtype = check_dtype(kv_dtype, "kv precision")
    weight_dtype = check_dtype(weight_dtype, "weight precision")
    try:
        return _reduce_cached(model, kv_dtype, weight_dtype)
    except TypeError:  # an unhashable record (e.g. layer groups in a list): reduce it uncached
        return _reduce(model, kv_dtype, weight_dtype)
