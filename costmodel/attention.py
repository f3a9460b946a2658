"""Attention designs behind one small interface, all per layer and per decoded token.

Every variant answers:
- ``kv_elements_per_token()``: cached elements (K and V together) per context token;
- ``core_flops_per_context_token()``: attention-core FLOPs (QK^T and PV, 2 FLOPs per MAC) per
  attended context token;
- ``fixed_core_flops()``: core FLOPs that do not depend on context (linear attention);
- ``state_elements()``: elements of a fixed recurrent state read and written every step;
- ``linear_params()``: parameters of the projections before and after the core;
- ``effective_context(c)``: tokens attended at context c (sliding window / chunk caps it).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import InputError, require_positive

WINDOW_KINDS = ("sliding", "chunked")  # both attend (and keep) at most ``window`` tokens at decode


def _positive_ints(obj, names):
    for name in names:
        value = getattr(obj, name)
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
            raise InputError(f"{obj.kind} attention: {name}", f"must be a positive integer, got {value!r}")


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

    def linear_params(self) -> float:
        q = self.hidden * self.n_q * self.head_dim
        kv = 2 * self.hidden * self.n_kv * self.head_dim
        o = self.n_q * self.head_dim * self.hidden
        return float(q + kv + o)


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

    def linear_params(self) -> float:
        q = self.hidden * self.q_lora_rank + self.q_lora_rank * self.n_q * self.head_dim
        kv = 2 * self.hidden * self.n_kv * self.head_dim
        o = self.n_q * self.head_dim * self.hidden
        return float(q + kv + o)


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

    def linear_params(self) -> float:
        qk_head = self.qk_nope_dim + self.qk_rope_dim
        if self.q_lora_rank:
            q = self.hidden * self.q_lora_rank + self.q_lora_rank * self.n_heads * qk_head
        else:
            q = self.hidden * self.n_heads * qk_head
        kv_a = self.hidden * self.latent_dim
        kv_b = self.kv_lora_rank * self.n_heads * (self.qk_nope_dim + self.v_head_dim)
        o = self.n_heads * self.v_head_dim * self.hidden
        return float(q + kv_a + kv_b + o)


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

    def linear_params(self) -> float:
        qk = 2 * self.hidden * self.n_heads * self.key_dim
        v = self.hidden * self.n_heads * self.value_dim
        gate = self.hidden * self.n_heads * self.value_dim if self.output_gate else 0
        o = self.n_heads * self.value_dim * self.hidden
        return float(qk + v + gate + o)


VARIANTS = {cls.kind: cls for cls in (GQA, MFA, MLA, LinearAttention)}
