"""Per-token decode accounting at context c (c may be a numpy array): bytes and FLOPs."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import InputError
from .model import ModelSpec
from .reduced import ReducedModel, reduce_model


MAX_CONTEXT = 1 << 24  # 16M tokens: the largest context any input accepts


def check_context(context, field: str = "context") -> np.ndarray:
    """``context`` as a float array of tokens; every value finite, at least 1 token and at
    most MAX_CONTEXT, else InputError."""
    try:
        values = np.asarray(context, dtype=float)
    except (TypeError, ValueError):
        raise InputError(field, f"must be a number of tokens, got {context!r}") from None
    if values.size == 0:
        raise InputError(field, "no context given")
    if not np.all(np.isfinite(values)):
        raise InputError(field, f"must be finite, got {context!r}")
    if np.any(values < 1) or np.any(values > MAX_CONTEXT):
        raise InputError(field, f"must be between 1 and {MAX_CONTEXT:,} tokens, got {context!r}")
    return values


@dataclass(frozen=True)
class TokenCost:
    """What one decoded token costs, summed over all layers. Context-dependent fields are
    arrays shaped like ``context``; the rest are floats.

    kv_bytes: KV cache bytes read (plus linear-attention state read and written);
    attention_flops: attention-core FLOPs; linear_flops: projections before/after the core;
    ffn_flops: activated FFN FLOPs (router, embedding, LM head excluded, as in the paper);
    linear_weight_bytes / ffn_weight_bytes: bytes of attention-projection weights and of the
    activated FFN weights one token reads (a batch shares them).

    The parts (added; the figures above keep their meaning): kv_stored_bytes: bytes the cache
    holds for the request (a linear-attention state once, a window at most the window);
    query_flops / kv_projection_flops / output_flops: linear_flops by projection part (they
    add up to it)."""

    context: np.ndarray
    kv_bytes: np.ndarray
    attention_flops: np.ndarray
    linear_flops: float
    ffn_flops: float
    linear_weight_bytes: float
    ffn_weight_bytes: float
    kv_stored_bytes: np.ndarray | None = None
    query_flops: float | None = None
    kv_projection_flops: float | None = None
    output_flops: float | None = None

    @property
    def attention_intensity(self) -> np.ndarray:
        """Attention-core FLOPs per byte of KV read."""
        return self.attention_flops / self.kv_bytes


def decode_token(model: ModelSpec, context, kv_dtype: str | None = None, weight_dtype: str = "fp8") -> TokenCost:
    """Per-token decode cost of ``model`` at ``context`` tokens.

    ``kv_dtype`` None keeps each layer group's own KV format (the paper's §4.1 choices);
    a format name stores every KV cache in it. ``weight_dtype`` sets the bytes per weight.
    The figures come from the model's reduced form (``reduced.reduce_model``: computed once
    per model and precisions, then evaluated at ``context``)."""
    ctx = check_context(context)  # first, as before: a bad context is reported before a bad precision
    return token_cost(reduce_model(model, kv_dtype, weight_dtype), ctx)


def token_cost(reduced: ReducedModel, ctx: np.ndarray) -> TokenCost:
    """``decode_token``'s record from a reduced model at checked contexts ``ctx``."""
    return TokenCost(
        context=ctx,
        kv_bytes=reduced.kv_bytes(ctx),
        attention_flops=reduced.attention_flops(ctx),
        linear_flops=reduced.linear_flops,
        ffn_flops=reduced.ffn_flops,
        linear_weight_bytes=reduced.linear_weight_bytes,
        ffn_weight_bytes=reduced.ffn_weight_bytes,
        kv_stored_bytes=reduced.kv_stored_bytes(ctx),
        query_flops=reduced.query_flops,
        kv_projection_flops=reduced.kv_projection_flops,
        output_flops=reduced.output_flops,
    )


_SUFFIX = {"k": 1024, "m": 1024 ** 2}


def parse_context(text, field: str = "context") -> float:
    """Tokens from '8192', '8k' (k = 1024) or '1m' (m = 1024^2): a whole number from 1 to
    MAX_CONTEXT, else InputError."""
    raw = str(text).strip().lower()
    scale = _SUFFIX.get(raw[-1:], 1) if raw else 1
    number = raw[:-1] if scale != 1 else raw
    try:
        value = float(number) * scale
    except ValueError:
        raise InputError(field, f"not a number of tokens: {text!r} (use e.g. 8192 or 8k)") from None
    value = float(check_context(value, field))
    if value != int(value):
        raise InputError(field, f"must be a whole number of tokens, got {text!r} ({value:g})")
    return value
