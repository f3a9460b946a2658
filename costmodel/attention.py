"""Attention designs behind one small interface, all per layer and per decoded token.

Every variant answers:
- ``kv_elements_per_token()``: cached elements (K and V together) per context token;
- ``core_flops_per_context_token()``: attention-core FLOPs (QK^T and PV, 2 FLOPs per MAC) per
  attended context token;
- ``fixed_core_flops()``: core FLOPs that do not depend on context (linear attention);
- ``state_elements()``: elements of a fixed recurrent state read and written every step;
- ``linear_params()``: parameters of the projections before and after the core;
- ``effective_context(c)``: tokens attended at context c (sliding window / chunk caps it).

and, in parts (for latency and parallel layouts; ``linear_params()`` is their sum):
- ``projections()``: each projection matrix with its part (``query``, ``kv`` or ``output``), its
  parameters and how tensor parallelism splits it (by query heads, by KV heads, or not at all);
- ``projection_params()``: parameters per part;
- ``query_heads``, ``kv_heads``: heads that attend, and the K/V heads (MLA: one latent, linear
  attention: one state per head) they read; ``output_dim``: width of the attention output;
- ``kv_read_elements(c)`` / ``kv_stored_elements(c)``: cache elements one decode step reads
  (a linear-attention state is read and written: twice) and the cache holds (the state once;
  a window at most ``window`` tokens), per request and layer.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import MAX_SIZE, InputError, require_positive

PROJECTION_PARTS = ("query", "kv", "output")
WINDOW_KINDS = ("sliding", "chunked")  # both attend (and keep) at most ``window`` tokens at decode


@dataclass(frozen=True)
class Projection:
    """One projection matrix of a layer: ``part`` is ``query`` (from the hidden state to the
    query side, output gates included), ``kv`` (to keys and values, or MLA's latent and its
    up-projections) or ``output`` (back to the hidden state); ``params`` its parameters;
    ``split`` how tensor parallelism divides it: ``heads`` (by query heads), ``kv_heads`` (by
    K/V heads; copied where a layout has more GPUs than K/V heads) or ``replicated`` (low-rank
    down-projections and shared latents: every GPU holds all of it)."""

    name: str
    part: str
    params: int
    split: str


def _positive_ints(obj, names):
    for name in names:
        value = getattr(obj, name)
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not 0 < value <= MAX_SIZE:
            raise InputError(f"{obj.kind} attention: {name}",
                             f"must be a whole number from 1 to {MAX_SIZE:,}, got {value!r}")


@dataclass(frozen=True, kw_only=True)
class _Attention:
    hidden: int
    window: int | None = None  # sliding-window / chunk size in tokens; None = full context
    window_kind: str = "sliding"  # "sliding" (the last ``window`` tokens) or "chunked" (within a chunk)

    kind = "attention"

    def _check_window(self):
        if self.window is not None:
            if isinstance(self.window, bool) or not isinstance(self.window, (int, np.integer)) or self.window <= 0:
                raise InputError(f"{self.kind} attention: window", f"must be a positive integer, got {self.window!r}")
        if self.window_kind not in WINDOW_KINDS:
            raise InputError(f"{self.kind} attention: window_kind",
                             f"choose one of {', '.join(WINDOW_KINDS)}, got {self.window_kind!r}")

    def effective_context(self, context):
        """Attended tokens at ``context`` (array or scalar)."""
        return context if self.window is None else np.minimum(context, self.window)

    def fixed_core_flops(self) -> float:
        return 0.0

    def state_elements(self) -> float:
        return 0.0

    def kernel_flops_per_context_token(self) -> float:
        """Core FLOPs a decode kernel computes per attended token (the paper's count, except
        MLA's: its PV product is kv_lora_rank wide, not kv_lora_rank + rope)."""
        return self.core_flops_per_context_token()

    # -- parts ------------------------------------------------------------------------------
    def projections(self) -> tuple[Projection, ...]:
        raise NotImplementedError

    def linear_params(self) -> float:
        """Parameters of every projection before and after the core (the sum of the parts)."""
        return float(sum(p.params for p in self.projections()))

    def projection_params(self) -> dict[str, float]:
        """Parameters per part: {'query': ..., 'kv': ..., 'output': ...}; they add up to
        ``linear_params()``."""
        parts = dict.fromkeys(PROJECTION_PARTS, 0)
        for p in self.projections():
            parts[p.part] += p.params
        return {part: float(n) for part, n in parts.items()}

    def kv_read_elements(self, context):
        """Cache elements one decode step reads per request and layer at ``context``: K and V
        of the attended tokens, plus a linear-attention state read and written (twice)."""
        return self.kv_elements_per_token() * self.effective_context(context) + 2.0 * self.state_elements()

    def kv_stored_elements(self, context):
        """Cache elements held per request and layer at ``context``: K and V of at most the
        window, a linear-attention state once."""
        return self.kv_elements_per_token() * self.effective_context(context) + self.state_elements()


@dataclass(frozen=True, kw_only=True)
class GQA(_Attention):
    """Grouped-query attention; MHA when n_kv == n_q, MQA when n_kv == 1."""

    n_q: int
    n_kv: int
    head_dim: int
    kind = "gqa"

    def __post_init__(self):
        _positive_ints(self, ("hidden", "n_q", "n_kv", "head_dim"))
        if self.n_q % self.n_kv:
            raise InputError("gqa attention: n_kv", f"n_q ({self.n_q}) must be a multiple of n_kv ({self.n_kv})")
        self._check_window()

    @property
    def label(self) -> str:
        return "MHA" if self.n_kv == self.n_q else "MQA" if self.n_kv == 1 else "GQA"

    def kv_elements_per_token(self) -> float:
        return 2.0 * self.n_kv * self.head_dim

    def core_flops_per_context_token(self) -> float:
        return 4.0 * self.n_q * self.head_dim

    query_heads = property(lambda self: self.n_q)
    kv_heads = property(lambda self: self.n_kv)
    output_dim = property(lambda self: self.n_q * self.head_dim)

    def projections(self) -> tuple[Projection, ...]:
        kv = self.hidden * self.n_kv * self.head_dim
        return (Projection("q", "query", self.hidden * self.n_q * self.head_dim, "heads"),
                Projection("k", "kv", kv, "kv_heads"), Projection("v", "kv", kv, "kv_heads"),
                Projection("o", "output", self.n_q * self.head_dim * self.hidden, "heads"))


@dataclass(frozen=True, kw_only=True)
class MFA(_Attention):
    """Multi-matrix factorization attention (Step-3): low-rank query (hidden -> q_lora_rank ->
    n_q x head_dim) and n_kv shared K/V heads (Step-3: one K and one V head of 256)."""

    n_q: int
    n_kv: int
    head_dim: int
    q_lora_rank: int
    kind = "mfa"
    label = "MFA"

    def __post_init__(self):
        _positive_ints(self, ("hidden", "n_q", "n_kv", "head_dim", "q_lora_rank"))
        self._check_window()

    def kv_elements_per_token(self) -> float:
        return 2.0 * self.n_kv * self.head_dim

    def core_flops_per_context_token(self) -> float:
        return 4.0 * self.n_q * self.head_dim

    query_heads = property(lambda self: self.n_q)
    kv_heads = property(lambda self: self.n_kv)
    output_dim = property(lambda self: self.n_q * self.head_dim)

    def projections(self) -> tuple[Projection, ...]:
        kv = self.hidden * self.n_kv * self.head_dim
        return (Projection("q_down", "query", self.hidden * self.q_lora_rank, "replicated"),
                Projection("q_up", "query", self.q_lora_rank * self.n_q * self.head_dim, "heads"),
                Projection("k", "kv", kv, "kv_heads"), Projection("v", "kv", kv, "kv_heads"),
                Projection("o", "output", self.n_q * self.head_dim * self.hidden, "heads"))


@dataclass(frozen=True, kw_only=True)
class MLA(_Attention):
    """Multi-head latent attention (DeepSeek-V2/V3): one cached latent of kv_lora_rank plus a
    shared RoPE key of qk_rope_dim serves K and V. Decode runs the absorbed form, as the paper
    counts it: MQA with head dim kv_lora_rank + qk_rope_dim for both QK^T and PV.
    ``q_lora_rank`` 0 means the query is projected directly from the hidden state."""

    n_heads: int
    q_lora_rank: int = 0
    kv_lora_rank: int
    qk_nope_dim: int
    qk_rope_dim: int
    v_head_dim: int
    kind = "mla"
    label = "MLA"

    def __post_init__(self):
        _positive_ints(self, ("hidden", "n_heads", "kv_lora_rank", "qk_nope_dim", "qk_rope_dim", "v_head_dim"))
        q_lora = self.q_lora_rank
        if isinstance(q_lora, bool) or not isinstance(q_lora, (int, np.integer)) or q_lora < 0:
            raise InputError("mla attention: q_lora_rank", f"must be a whole number >= 0 (0 = no query compression), "
                                                           f"got {q_lora!r}")
        self._check_window()

    @property
    def latent_dim(self) -> int:
        return self.kv_lora_rank + self.qk_rope_dim

    def kv_elements_per_token(self) -> float:
        return float(self.latent_dim)

    def core_flops_per_context_token(self) -> float:
        return 4.0 * self.n_heads * self.latent_dim

    def kernel_flops_per_context_token(self) -> float:
        """QK^T over latent + RoPE, PV over the latent (FlashMLA's count: 2 h (d + dv))."""
        return 2.0 * self.n_heads * (self.latent_dim + self.kv_lora_rank)

    query_heads = property(lambda self: self.n_heads)
    kv_heads = 1  # one latent (and one RoPE key) serves every head
    output_dim = property(lambda self: self.n_heads * self.v_head_dim)

    def projections(self) -> tuple[Projection, ...]:
        qk_head = self.qk_nope_dim + self.qk_rope_dim
        if self.q_lora_rank:
            query = (Projection("q_a", "query", self.hidden * self.q_lora_rank, "replicated"),
                     Projection("q_b", "query", self.q_lora_rank * self.n_heads * qk_head, "heads"))
        else:
            query = (Projection("q", "query", self.hidden * self.n_heads * qk_head, "heads"),)
        return (*query,
                Projection("kv_a", "kv", self.hidden * self.latent_dim, "replicated"),
                Projection("kv_b", "kv", self.kv_lora_rank * self.n_heads * (self.qk_nope_dim + self.v_head_dim), "heads"),
                Projection("o", "output", self.n_heads * self.v_head_dim * self.hidden, "heads"))


@dataclass(frozen=True, kw_only=True)
class LinearAttention(_Attention):
    """Linear attention with a fixed per-head state of key_dim x value_dim (MiniMax lightning
    attention). No KV cache; the state is read and written every step. Projections: q, k, v
    (and an output gate) from the hidden state, o back to it. ``flops_per_state_element``
    sets core FLOPs = that x state elements (10 makes the paper's MiniMax-M1 numbers; inferred)."""

    n_heads: int
    key_dim: int
    value_dim: int
    output_gate: bool = True
    flops_per_state_element: float = 10.0
    kind = "linear"
    label = "Linear"

    def __post_init__(self):
        _positive_ints(self, ("hidden", "n_heads", "key_dim", "value_dim"))
        require_positive(self.flops_per_state_element, "linear attention: flops_per_state_element")
        if not isinstance(self.output_gate, bool):
            raise InputError("linear attention: output_gate", f"expected true or false, got {self.output_gate!r}")

    def effective_context(self, context):
        return np.zeros_like(np.asarray(context, dtype=float))

    def kv_elements_per_token(self) -> float:
        return 0.0

    def core_flops_per_context_token(self) -> float:
        return 0.0

    def state_elements(self) -> float:
        return float(self.n_heads * self.key_dim * self.value_dim)

    def fixed_core_flops(self) -> float:
        return self.flops_per_state_element * self.state_elements()

    query_heads = property(lambda self: self.n_heads)
    kv_heads = property(lambda self: self.n_heads)  # one state per head
    output_dim = property(lambda self: self.n_heads * self.value_dim)

    def projections(self) -> tuple[Projection, ...]:
        key = self.hidden * self.n_heads * self.key_dim
        value = self.hidden * self.n_heads * self.value_dim
        gate = (Projection("gate", "query", value, "heads"),) if self.output_gate else ()
        return (Projection("q", "query", key, "heads"), *gate,
                Projection("k", "kv", key, "kv_heads"), Projection("v", "kv", value, "kv_heads"),
                Projection("o", "output", self.n_heads * self.value_dim * self.hidden, "heads"))


VARIANTS = {cls.kind: cls for cls in (GQA, MFA, MLA, LinearAttention)}
