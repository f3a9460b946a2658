"""Prefill: what processing a prompt costs, on the deployments of ``costmodel.deploy``.

A prompt of L input tokens whose first ``cache_hit`` x L tokens are in a prefix cache computes
its n = L - cached new tokens: every layer's projections and FFN over the n tokens, and the
attention of each new token over its causal context (token i attends to i + 1 tokens, at most
a window; about half of L x L for a whole prompt). The cached part skips compute but its KV is
read. A forward pass of an engine carries ``tokens_per_gpu`` new tokens per GPU, in chunks of
``chunk_tokens`` (None: whole prompts); each chunk attends to everything before it.

Per layer and GPU, for T new tokens:
- attention core: T x (pairs per new token) x FLOPs per (query, key) pair (GQA and MFA: 4 n_q d;
  MLA in its prefill form, the latent expanded to per-head keys and values: 2 n_h (d_nope +
  d_rope + d_v); linear attention: its state update per token) at the attention kernel's tensor
  efficiency, against the KV it reads (once per 128-query tile of a chunk) and writes;
- projections: T x 2 x parameters (MLA: the cached prefix's latent expanded once per prompt);
- FFN (dense, or MoE with the routed tokens spread over the experts), the all-to-all (``ep``) or
  all-reduces (``tp``), two-batch overlap and the LM head (one token per prompt) as in decode
  (``deploy.timeline``), the overlap taken from the prefill default.

``evaluate`` gives tokens/GPU/s (new tokens), the step time, TTFT of one prompt (its chunks'
forward passes), and the step's timeline.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from .attention import MLA, LinearAttention
from .deploy import DecodeSetup, Part, Run, allreduce_s, link_notes, timeline
from .deploy import memory as deploy_memory
from .errors import InputError
from .fields import declared, quantity
from .kernels import KernelSet, deployment_defaults
from .kvformat import token_bytes
from .latency import ACTIVATION_BYTES, kind_key
from .precision import bytes_per_element

QUERY_TILE = 128  # query rows a FlashAttention forward tile holds: each tile streams the chunk's context once
PHASE = "prefill"


@dataclass(frozen=True)
class PrefillSetup:
    """A prefill deployment: ``deploy`` (the chip, model, deployment ep or tp, GPUs, precisions,
    balance...: a ``DecodeSetup``, its context and MTP unused) and the workload of one forward
    pass, each declared once (``declared(PrefillSetup)``). ``overlap`` None: the prefill
    default (``deployment_defaults()['ep-prefill']``)."""

    deploy: DecodeSetup
    input_tokens: int = quantity("Input tokens", "tokens", 1.0, "input_tokens", default=4096, minimum=1,
                                 maximum=1 << 24, integer=True, step=256, description="Prompt length L")
    cache_hit: float = quantity("Prefix-cache hit rate", "", 1.0, "cache_hit", default=0.0, minimum=0, maximum=0.999,
                                step=0.05, description="Share of the prompt already cached: skips compute, its KV read")
    tokens_per_gpu: int = quantity("Tokens per GPU per forward", "tokens", 1.0, "tokens_per_gpu", default=16384,
                                   minimum=1, maximum=1 << 22, integer=True, step=1024,
                                   description="New prompt tokens each GPU computes per forward pass")
    chunk_tokens: int | None = quantity("Chunk", "tokens", 1.0, "chunk_tokens", required=False, minimum=16,
                                        maximum=1 << 22, integer=True, step=256,
                                        description="Chunked prefill: new tokens per chunk; empty: whole prompts")
    overlap: float | None = quantity("Prefill overlap", "", 1.0, "prefill_overlap", required=False, minimum=0,
                                     maximum=1, step=0.05, description="Share of the shorter of compute and "
                                                                       "communication hidden; empty: the default")

    def __post_init__(self):
        if not isinstance(self.deploy, DecodeSetup):
            raise InputError("deploy", f"expected a decode setup, got {type(self.deploy).__name__}")
        for name, spec in declared(PrefillSetup).items():
            object.__setattr__(self, name, spec.check(getattr(self, name)))
        if self.deploy.deployment not in ("ep", "tp"):
            raise InputError("deployment", f"prefill runs on ep or tp deployments, got {self.deploy.deployment!r}")

    @property
    def cached(self) -> int:
        return int(round(self.cache_hit * self.input_tokens))

    @property
    def new_tokens(self) -> int:
        return max(1, self.input_tokens - self.cached)

    @property
    def chunk(self) -> int:
        return min(self.chunk_tokens or self.new_tokens, self.new_tokens)

    @property
    def overlap_value(self) -> float:
        key = f"{self.deploy.deployment}-{PHASE}"
        return deployment_defaults()[key]["overlap"] if self.overlap is None else self.overlap

    @property
    def setup(self) -> DecodeSetup:
        """The deployment as ``deploy.timeline`` sees it: the prefill overlap, the prompt as context."""
        return replace(self.deploy, overlap=self.overlap_value, context=float(self.input_tokens), mtp_tokens=1,
                       mtp_accept=1.0)


def pairs_per_new_token(attention, cached: int, new: int) -> float:
    """Mean (query, key) pairs a new token attends to: token i of the prompt (i from ``cached``)
    attends to i + 1 tokens, at most the window (linear attention: none)."""
    if isinstance(attention, LinearAttention):
        return 0.0
    first, last = cached + 1, cached + new  # contexts of the first and last new token
    w = attention.window
    if w is None or last <= w:
        return (first + last) / 2.0
    if first >= w:
        return float(w)
    below = w - first + 1  # tokens whose context is under the window
    return ((first + w) / 2.0 * below + w * (new - below)) / new


def pair_flops(attention) -> float:
    """Core FLOPs per (query, key) pair at prefill: QK^T and PV (MLA with its latent expanded:
    per head d_nope + d_rope for QK^T, d_v for PV)."""
    if isinstance(attention, MLA):
        return 2.0 * attention.n_heads * (attention.qk_nope_dim + attention.qk_rope_dim + attention.v_head_dim)
    return attention.core_flops_per_context_token()


def _attention(p: PrefillSetup, ks: KernelSet, tokens) -> tuple:
    """One attention layer (averaged over the model's layers) for ``tokens`` new tokens per GPU
    (tp: the group's; split over its GPUs): (compute seconds, bound, communication seconds)."""
    s, model, chip = p.setup, p.setup.model, p.setup.chip
    g = float(s.gpus) if s.deployment == "tp" else 1.0
    tokens = np.asarray(tokens, dtype=float)
    peak_attn = chip.peak_flops(chip.compute_dtype(s.attention_dtype))
    peak_gemm = chip.peak_flops(chip.compute_dtype(s.weight_dtype))
    w_bytes = bytes_per_element(s.weight_dtype)
    core = np.zeros_like(tokens)
    memory = np.zeros_like(tokens)
    gemm = np.zeros_like(tokens)
    launches = 0.0
    chunks = tokens / p.chunk  # chunks per forward on this GPU
    for group in model.attention_groups:
        attn, share = group.attention, group.layers / model.layers
        kernel = ks.attention(attn.kind)
        kv_dtype = s.kv_dtype if not isinstance(attn, LinearAttention) else group.kv_dtype
        per_token = token_bytes(attn, kv_dtype)
        flops = tokens * pairs_per_new_token(attn, p.cached, p.new_tokens) * pair_flops(attn) / g
        flops = flops + tokens * attn.fixed_core_flops() / g
        context = p.cached + p.new_tokens / 2.0  # a chunk's mean context
        nbytes = (chunks * math.ceil(p.chunk / QUERY_TILE) * context + tokens) * per_token / g
        nbytes = nbytes + tokens * 2.0 * attn.state_elements() * bytes_per_element(kv_dtype) / g
        core = core + share * np.maximum(flops / (kernel.flops * peak_attn), nbytes / (kernel.kv_hbm(
            bytes_per_element(kv_dtype)) * chip.mem_bw_bytes_per_s))
        memory = memory + share * nbytes
        params = attn.linear_params()
        if isinstance(attn, MLA):  # the cached prefix's latent expanded once per prompt (kv_b)
            kv_b = next(pr.params for pr in attn.projections() if pr.name == "kv_b")
            expand = 2.0 * kv_b * p.cached * tokens / p.new_tokens / g
        else:
            expand = 0.0
        gemm_flops = 2.0 * tokens * params / g + expand
        gemm_bytes = params * w_bytes / g
        gemm = gemm + share * np.maximum(gemm_flops / (ks.gemm.flops * peak_gemm), gemm_bytes / (ks.gemm.hbm * chip.mem_bw_bytes_per_s))
        launches += share * len(attn.projections())
    compute = core + gemm + launches * ks.gemm_overhead_s + ks.overhead_s
    bound = np.where(core >= gemm, f"{kind_key(model.attention_groups[0].attention.kind)} core", "projections")
    comm = np.zeros_like(tokens)
    if s.deployment == "tp" and s.gpus > 1:  # the attention output's all-reduce (the FFN's is in deploy.ffn_parts)
        comm = allreduce_s(tokens * model.hidden * ACTIVATION_BYTES, s, ks)
    return compute, bound, comm


@dataclass(frozen=True)
class PrefillPlan:
    """A prefill deployment at ``tokens`` new tokens per GPU per forward (arrays). Times in
    seconds; ``parts``: the forward's timeline; ``ttft_s``: one prompt's chunks' passes."""

    prefill: PrefillSetup
    tokens: np.ndarray
    parts: tuple[Part, ...]
    step_s: np.ndarray
    mode: np.ndarray
    memory_bytes: np.ndarray
    notes: tuple[str, ...] = ()

    @property
    def memory_capacity(self) -> float:
        return self.prefill.deploy.chip.mem_bytes * self.prefill.deploy.memory_fraction

    @property
    def fits_memory(self) -> np.ndarray:
        """Weights and the KV of the forward's prompts (their cached prefixes included) fit."""
        return self.memory_bytes <= self.memory_capacity

    @property
    def tokens_per_gpu_s(self) -> np.ndarray:
        """New (computed) prompt tokens per GPU per second."""
        return self.tokens / self.step_s

    @property
    def ttft_s(self) -> np.ndarray:
        """A prompt's time to first token: its chunks' forward passes (no queueing)."""
        return math.ceil(self.prefill.new_tokens / self.prefill.chunk) * self.step_s

    @property
    def compute_s(self) -> np.ndarray:
        return sum((p.seconds for p in self.parts if p.kind == "compute"), np.zeros_like(self.tokens))

    @property
    def comm_s(self) -> np.ndarray:
        return sum((p.seconds for p in self.parts if p.kind == "comm"), np.zeros_like(self.tokens))

    @property
    def bound(self) -> np.ndarray:
        seconds = np.stack([np.broadcast_to(p.seconds, self.tokens.shape) for p in self.parts])
        return np.array([p.name for p in self.parts])[np.argmax(seconds, axis=0)]

    @property
    def usd_per_mtok(self) -> np.ndarray:
        return self.prefill.deploy.chip.price_usd_per_hour / 3600.0 / self.tokens_per_gpu_s * 1e6

    def at(self, index) -> "PrefillPlan":
        def pick(a):
            return np.asarray(np.broadcast_to(a, self.tokens.shape)[index]) if np.ndim(a) else a

        parts = tuple(replace(p, seconds=pick(p.seconds), bound=pick(p.bound) if np.ndim(p.bound) else p.bound)
                      for p in self.parts)
        return replace(self, tokens=pick(self.tokens), parts=parts, step_s=pick(self.step_s), mode=pick(self.mode),
                       memory_bytes=pick(self.memory_bytes))


def evaluate(prefill: PrefillSetup, tokens_per_gpu=None) -> PrefillPlan:
    """The prefill deployment at ``tokens_per_gpu`` new tokens per GPU per forward (a number or
    an array; default the setup's)."""
    tokens = np.atleast_1d(np.asarray(prefill.tokens_per_gpu if tokens_per_gpu is None else tokens_per_gpu,
                                      dtype=float))
    if tokens.size == 0 or not np.all(np.isfinite(tokens)) or np.any(tokens < 1):
        raise InputError("tokens_per_gpu", f"must be at least 1 token, got {tokens_per_gpu!r}")
    s = prefill.setup
    ks = s.kernel_set
    g = float(s.gpus) if s.deployment == "tp" else 1.0

    def runs_of(t):
        return [Run(None, s.model.ffn_groups, t * g, _attention(prefill, ks, t * g), per_node=True)]

    parts, step, two = timeline(s, ks, runs_of, tokens, tokens * g / prefill.new_tokens)
    memory, _ = deploy_memory(s, tokens / prefill.new_tokens)  # the forward's prompts' KV at the prompt length
    return PrefillPlan(prefill, tokens, parts, step, np.where(two, "two-batch overlap", "one batch"), memory,
                       link_notes(s))

