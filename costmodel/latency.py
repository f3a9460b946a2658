"""Latency of one attention layer for one decode step, in parts, on one attention instance.

An instance of ``gpus`` GPUs serves ``batch`` requests at ``context`` tokens (an array: one
vectorized call per sweep). Per GPU, averaged over the model's layers (hybrids mix designs):

    latency = overhead + core + projections (query + kv + output) + comm          [seconds]
    core        = max(KV bytes / (hbm x HBM peak), tensor FLOPs / (flops x attention peak))
    projection  = sum over its matrices of max(weight bytes / (gemm.hbm x HBM peak),
                                               2 x tokens x params / (gemm.flops x GEMM peak))
    comm        = bytes each GPU sends one way / (link x scale-up per direction)
    overhead    = the kernel set's fixed per-layer time

with the efficiencies of the chip's ``KernelSet`` (``costmodel.kernels``). Tensor FLOPs pad the
query heads that share one K/V head up to the kernel's tile (``tile_m`` rows). The scale-up
figure of a chip is both directions summed, so a ring collective moves its bytes at half of it
each way; a chip without one uses its scale-out NIC instead (and says so in ``notes``).

Layouts inside the instance (``LAYOUTS``):
- ``dp``: every GPU holds every projection and its own batch / gpus requests (their KV);
  no communication.
- ``tp``: query heads, K/V heads and projections split over the GPUs; every GPU sees every
  request. Where K/V heads are fewer than GPUs each GPU keeps a copy of the K/V head its query
  heads read (``replication`` > 1: MLA's one latent, MFA's one K/V head, Qwen3's 4 KV heads on
  8 GPUs); low-rank down-projections and single shared K/V projections are replicated. The
  output projection ends in an all-reduce of the BF16 outputs: 2 (g-1)/g x batch x hidden x 2
  bytes each way per GPU.
- ``afd``: the Step-3 paper's attention instance: attention data-parallel (each GPU its own
  requests and their KV), query and K/V projections replicated on every GPU, the output
  projection tensor-parallel (split by heads). Its input goes all-to-all ((g-1)/g x requests
  per GPU x output width at the GEMM's input precision) and its BF16 partial sums are
  reduce-scattered back to the GPU that holds each request ((g-1)/g x batch x hidden x 2).

``layer_latency`` is the API; ``ideal_parts`` gives the same quantities at 100% efficiency,
tagged with the efficiency each divides by (what ``costmodel.validation`` fits).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np

from .attention import LinearAttention
from .chips import Chip
from .decode import check_context
from .reduced import kv_dtype_of
from .errors import InputError
from .kernels import KERNEL_OF_KIND, KernelSet, kernel_set
from .kvformat import token_bytes
from .model import ModelSpec
from .precision import bytes_per_element, check_dtype

LAYOUTS = ("afd", "dp", "tp")  # the paper's deployment of an attention instance first: the AFD default
DEFAULT_LAYOUT = {"mfa": "dp", "mla": "dp", "gqa": "tp", "linear": "tp"}  # as the paper's Table 9 runs them
ACTIVATION_BYTES = 2.0  # BF16 outputs and partial sums between GPUs
OVERHEADS = ("overhead", "gemm_overhead")  # terms that count launches (x seconds each), not seconds


def default_layout(model: ModelSpec) -> str:
    """The layout the paper measures each design in (Table 9): MFA and MLA ``dp``, GQA ``tp``;
    a hybrid takes its most common design's."""
    counts: dict[str, int] = {}
    for g in model.attention_groups:
        counts[g.attention.kind] = counts.get(g.attention.kind, 0) + g.layers
    return DEFAULT_LAYOUT[max(counts, key=counts.get)]


def table9_weight_dtype(chip: Chip) -> str:
    """The GEMM format of Table 9's setup on ``chip``: FP8 where it has it (SM90), else INT8
    (SM80), else BF16."""
    return "fp8" if chip.fp8_flops else "int8" if chip.int8_ops else "bf16"


def check_layout(layout: str, field: str = "layout") -> str:
    value = str(layout).strip().lower()
    if value not in LAYOUTS:
        raise InputError(field, f"choose one of {', '.join(LAYOUTS)}, got {layout!r}")
    return value


def check_tp_gpus(model: ModelSpec, gpus, field: str = "gpus") -> None:
    """Tensor parallelism splits query heads: at most the fewest query heads of any layer group
    GPUs (InputError naming ``field``)."""
    least = min(g.attention.query_heads for g in model.attention_groups)
    if np.any(np.asarray(gpus) > least):
        raise InputError(field, f"the tp layout splits {model.slug}'s {least} query heads over at most {least} GPUs, "
                                f"got {np.max(gpus):g}")


def _whole(value, field: str, maximum: float = 1 << 20) -> np.ndarray:
    """``value`` (a number or an array) as floats, each a whole number from 1 to ``maximum``."""
    values = np.asarray(value, dtype=float)
    if (values.size == 0 or not np.all(np.isfinite(values)) or np.any(values < 1) or np.any(values > maximum)
            or np.any(values != np.floor(values))):
        raise InputError(field, f"must be whole numbers from 1 to {maximum:,.0f}, got {value!r}")
    return values


def _positive(value, field: str, maximum: float = 1 << 24) -> np.ndarray:
    values = np.asarray(value, dtype=float)
    if values.size == 0 or not np.all(np.isfinite(values)) or np.any(values <= 0) or np.any(values > maximum):
        raise InputError(field, f"must be > 0 and at most {maximum:,.0f}, got {value!r}")
    return values


def link_bytes_per_s(chip: Chip) -> tuple[float, str]:
    """Bytes per second one GPU moves each way over the scale-up link: half the chip's figure
    (both directions summed); the scale-out NIC (one direction) when it has none."""
    if chip.scaleup_bytes_per_s:
        return chip.scaleup_bytes_per_s / 2.0, ""
    return chip.net_bytes_per_s, f"{chip.slug} has no scale-up figure: its NIC carries the layout's communication"


@dataclass(frozen=True)
class Term:
    """A time at 100% efficiency (seconds) and the efficiency it divides by: ``key`` names it
    (``flash.hbm``, ``mla.flops``, ``gemm.hbm``, ``link``, ``overhead``...)."""

    key: str
    seconds: np.ndarray


@dataclass(frozen=True)
class IdealParts:
    """A layer's time at 100% efficiency, as terms: each entry of ``maxima`` is one kernel's
    alternatives (the slower binds), ``sums`` are added as they are. ``part`` of each maximum:
    'core', 'query', 'kv', 'output'. Arrays broadcast over context, batch and GPUs."""

    maxima: tuple[tuple[str, tuple[Term, ...]], ...]
    sums: tuple[tuple[str, Term], ...]


@dataclass(frozen=True)
class LayerLatency:
    """One attention layer (averaged over the model's layers) for one decode step, per GPU of
    an instance of ``gpus`` GPUs serving ``batch`` requests at each of ``context`` tokens.
    Times in seconds, bytes and FLOPs per GPU, arrays shaped like the broadcast inputs.

    latency_s = overhead_s + core_s + query_s + kv_projection_s + output_s + comm_s.
    ``bound``: 'memory' or 'compute', which side of the core attention binds (of the design
    with the most core time in a hybrid). ``kv_read_bytes``: cache bytes one step reads per
    GPU; ``kv_stored_bytes``: cache bytes each GPU holds for the batch (a state once, at most
    a window); ``replication``: how many GPUs hold each cached element (1 = none; tp with fewer
    K/V heads than GPUs copies them). ``requests_per_gpu``: requests whose attention each GPU
    computes (all of them under tp). ``kernels``: the efficiency set used."""

    model: str
    chip: str
    layout: str
    gpus: np.ndarray
    batch: np.ndarray
    context: np.ndarray
    overhead_s: np.ndarray
    core_s: np.ndarray
    query_s: np.ndarray
    kv_projection_s: np.ndarray
    output_s: np.ndarray
    comm_s: np.ndarray
    bound: np.ndarray
    kv_read_bytes: np.ndarray
    kv_stored_bytes: np.ndarray
    core_flops: np.ndarray
    comm_bytes: np.ndarray
    requests_per_gpu: np.ndarray
    replication: np.ndarray
    kernels: KernelSet
    notes: tuple[str, ...] = field(default=())

    @property
    def projections_s(self) -> np.ndarray:
        return self.query_s + self.kv_projection_s + self.output_s

    @property
    def compute_s(self) -> np.ndarray:
        """Everything but the communication (the GPU's own work)."""
        return self.overhead_s + self.core_s + self.projections_s

    @property
    def latency_s(self) -> np.ndarray:
        return self.compute_s + self.comm_s

    @property
    def replication_note(self) -> str:
        """What the layout copies, in words ('' when nothing)."""
        rep = float(np.max(self.replication))
        if rep <= 1:
            return ""
        return (f"each cached K/V element is held by {rep:g} GPUs ({self.layout}: fewer K/V heads than GPUs; "
                f"every GPU reads the K/V heads its query heads need)")


def _tile_padding(query_per_kv, tile_m: int):
    """Tensor work per useful work when ``query_per_kv`` query rows share one K/V head and the
    kernel computes tiles of ``tile_m`` rows: ceil(q / m) m / q (>= 1)."""
    q = np.maximum(np.asarray(query_per_kv, dtype=float), 1.0)
    return np.ceil(q / tile_m - 1e-9) * tile_m / q


@dataclass(frozen=True)
class _Instance:
    """One attention instance's checked inputs and the chip's peaks (``ideal_parts``)."""

    model: ModelSpec
    ctx: np.ndarray
    layout: str
    g: np.ndarray  # GPUs
    b: np.ndarray  # requests of the instance
    s_q: float  # query tokens per request per step
    kv_dtype: str | None
    w_bytes: float
    ks: KernelSet
    bw: float
    attn_peak: float
    gemm_peak: float
    shape: tuple

    @property
    def requests(self) -> np.ndarray:
        """Requests whose attention each GPU computes (all of them under tp)."""
        return self.b if self.layout == "tp" else self.b / self.g


def _instance(model, chip, context, gpus, batch, layout, kv_dtype, attention_dtype, weight_dtype, kernels,
              query_tokens) -> _Instance:
    ctx = check_context(context)
    layout = check_layout(layout)
    g = _whole(gpus, "gpus", 4096)
    b = _positive(batch, "batch")
    if kv_dtype is not None:
        kv_dtype = check_dtype(kv_dtype, "kv precision")
    attention_dtype = check_dtype(attention_dtype, "attention precision")
    w_bytes = bytes_per_element(weight_dtype, "weight precision")
    s_q = float(_whole(query_tokens, "query tokens", 64))
    if layout == "tp":
        check_tp_gpus(model, g)
    return _Instance(model, ctx, layout, g, b, s_q, kv_dtype, w_bytes, kernels or kernel_set(chip),
                     chip.mem_bw_bytes_per_s, chip.peak_flops(chip.compute_dtype(attention_dtype)),
                     chip.peak_flops(chip.compute_dtype(weight_dtype)), np.broadcast_shapes(ctx.shape, g.shape, b.shape))


def _heads(inst: _Instance, attn) -> tuple:
    """(K/V heads a GPU reads, their share of the K/V heads, its share of the query heads, how
    many GPUs hold each K/V head): tp splits heads (K/V heads fewer than GPUs are copied, at
    least one whole head per GPU), the other layouts keep them whole."""
    if inst.layout == "tp":
        kv_heads = np.maximum(attn.kv_heads / inst.g, 1.0)
        return kv_heads, kv_heads / attn.kv_heads, 1.0 / inst.g, kv_heads * inst.g / attn.kv_heads
    return float(attn.kv_heads), 1.0, 1.0, np.ones_like(inst.g)


def _core(inst: _Instance, grp, share: float) -> dict:
    """One layer group's attention core per GPU: its two terms (KV bytes, padded tensor FLOPs at
    100% efficiency), the times at the kernel's efficiencies (for the bound) and what it reads,
    stores and computes, weighted by the group's ``share`` of the layers."""
    attn = grp.attention
    kernel = inst.ks.attention(attn.kind)
    cache_dtype = kv_dtype_of(grp, inst.kv_dtype)
    kv_b = bytes_per_element(cache_dtype)  # the values' width (which HBM efficiency reads them)
    token_b = token_bytes(attn, cache_dtype)  # bytes per cached token as deployed (scales, RoPE part)
    kv_heads, kv_frac, q_frac, rep = _heads(inst, attn)
    query_per_kv = attn.query_heads * q_frac / kv_heads * inst.s_q  # query rows per K/V head (s_q tokens each)
    eff = attn.effective_context(inst.ctx)
    state_b = attn.state_elements() * kv_b
    requests = inst.requests
    read = requests * (token_b * eff + 2.0 * state_b) * kv_frac
    stored = requests * (token_b * eff + state_b) * kv_frac
    flops_ctx = requests * attn.kernel_flops_per_context_token() * eff * q_frac * inst.s_q
    flops_fixed = requests * attn.fixed_core_flops() * q_frac * inst.s_q
    pad = 1.0 if isinstance(attn, LinearAttention) else _tile_padding(query_per_kv, kernel.tile_m)
    core_mem = share * read / inst.bw
    core_cmp = share * (flops_ctx * pad + flops_fixed) / inst.attn_peak
    hbm_key = f"{kind_key(attn.kind)}.hbm" + ("_lowbit" if kv_b < 2 else "")
    return {"terms": (Term(hbm_key, core_mem), Term(f"{kind_key(attn.kind)}.flops", core_cmp)),
            "times": (core_mem / kernel.kv_hbm(kv_b), core_cmp / kernel.flops), "read": share * read,
            "stored": share * stored, "flops": share * (flops_ctx + flops_fixed), "replication": rep,
            "kv_frac": kv_frac}


def _projections(inst: _Instance, attn, share: float, kv_frac) -> tuple[list, list]:
    """(one GEMM per projection matrix as (part, its two terms), GEMM launches per part: K and V
    fused into one) of a layer group, weighted by its ``share`` of the layers."""
    g, b = inst.g, inst.b
    launches = dict.fromkeys(("query", "kv", "output"), 0.0)
    maxima = []
    for p in attn.projections():
        launches[p.part] += share * (0.5 if p.name in ("k", "v") else 1.0)
        if inst.layout == "dp" or (inst.layout == "afd" and p.part != "output"):
            params, tokens = p.params, b / g
        elif inst.layout == "afd":  # the output projection, split by heads, over the instance's batch
            params, tokens = p.params / g, b
        else:
            factor = {"heads": 1.0 / g, "kv_heads": kv_frac, "replicated": 1.0}[p.split]
            params, tokens = p.params * factor, b
        mem = share * params * inst.w_bytes / inst.bw
        cmp = share * 2.0 * tokens * inst.s_q * params / inst.gemm_peak
        ones = np.ones(inst.shape)
        maxima.append((p.part, (Term("gemm.hbm", mem * ones), Term("gemm.flops", cmp * ones))))
    return maxima, [(part, n) for part, n in launches.items() if n]


def _comm_bytes(inst: _Instance, attn, share: float):
    """Bytes each GPU sends one way inside the instance for a layer group: tp's all-reduce,
    afd's all-to-all of the output projection's input and reduce-scatter of its BF16 sums."""
    g, b, s_q, hidden = inst.g, inst.b, inst.s_q, inst.model.hidden
    ring = (g - 1.0) / g
    if inst.layout == "tp":
        return share * 2.0 * ring * b * s_q * hidden * ACTIVATION_BYTES
    if inst.layout == "afd":
        act_in = min(inst.w_bytes, ACTIVATION_BYTES)  # the output projection's input travels at its GEMM's precision
        return share * ring * s_q * ((b / g) * attn.output_dim * act_in + b * hidden * ACTIVATION_BYTES)
    return 0.0


def ideal_parts(model: ModelSpec, chip: Chip, context, gpus, batch, layout: str, *, kv_dtype: str | None = None,
                attention_dtype: str = "bf16", weight_dtype: str = "fp8", kernels: KernelSet | None = None,
                query_tokens: int = 1) -> tuple:
    """(IdealParts, extras): the layer at 100% efficiency. ``extras`` holds per-GPU bytes,
    FLOPs, replication, requests per GPU and notes. Tile padding uses ``kernels`` (default: the
    chip's set). See ``layer_latency`` for the arguments."""
    inst = _instance(model, chip, context, gpus, batch, layout, kv_dtype, attention_dtype, weight_dtype, kernels,
                     query_tokens)
    zeros = np.zeros(inst.shape)
    maxima, gemm_launches, cores = [], [], []
    kv_read, kv_stored, core_flops, replication, comm_bytes = (zeros.copy() for _ in range(5))
    for grp in model.attention_groups:
        share = grp.layers / model.layers
        core = _core(inst, grp, share)
        maxima.append(("core", core["terms"]))
        cores.append(core["times"])
        kv_read, kv_stored = kv_read + core["read"], kv_stored + core["stored"]
        core_flops = core_flops + core["flops"]
        replication = np.maximum(replication, core["replication"])
        projections, launches = _projections(inst, grp.attention, share, core["kv_frac"])
        maxima += projections
        gemm_launches += launches
        comm_bytes = comm_bytes + _comm_bytes(inst, grp.attention, share)
    link, link_note = link_bytes_per_s(chip)
    ones = np.ones(inst.shape)
    sums = (("comm", Term("link", comm_bytes / link)), ("overhead", Term("overhead", ones)),
            *((part, Term("gemm_overhead", n * ones)) for part, n in gemm_launches))
    # the bound of the design with the most core time
    mem_t, cmp_t = max(cores, key=lambda times: float(np.max(np.maximum(*times))))
    extras = {"context": inst.ctx, "gpus": inst.g, "batch": inst.b, "kv_read_bytes": kv_read * ones,
              "kv_stored_bytes": kv_stored * ones, "core_flops": core_flops * ones,
              "requests_per_gpu": inst.requests * ones, "replication": replication * ones,
              "comm_bytes": comm_bytes * ones,
              "bound": np.where(np.broadcast_to(mem_t, inst.shape) >= np.broadcast_to(cmp_t, inst.shape),
                                "memory", "compute"),
              "notes": (link_note,) if link_note and inst.layout != "dp" else ()}
    return IdealParts(tuple(maxima), sums), extras


def kind_key(kind: str) -> str:
    """The kernel family name of an attention design: 'flash' (gqa, mfa), 'mla', 'linear'."""
    return KERNEL_OF_KIND[kind]


def efficiency_of(ks: KernelSet, key: str) -> float:
    """The fraction (or, for ``overhead``, the seconds) a term's ``key`` refers to in ``ks``."""
    if key == "link":
        return ks.link
    if key == "overhead":
        return ks.overhead_s
    if key == "gemm_overhead":
        return ks.gemm_overhead_s
    family, what = key.split(".")
    kernel = ks.gemm if family == "gemm" else getattr(ks, family)
    if what == "hbm_lowbit":
        return kernel.kv_hbm(1.0)
    return getattr(kernel, what)


def apply(parts: IdealParts, ks: KernelSet) -> dict[str, np.ndarray]:
    """Seconds per part ('core', 'query', 'kv', 'output', 'comm', 'overhead') with the
    efficiencies of ``ks``: each kernel the slower of its memory and compute times, overheads
    per launch."""
    out: dict[str, np.ndarray] = {}
    for part, terms in parts.maxima:
        t = functools.reduce(np.maximum, [term.seconds / efficiency_of(ks, term.key) for term in terms])
        out[part] = out.get(part, 0.0) + t
    for part, term in parts.sums:
        value = term.seconds * efficiency_of(ks, term.key) if term.key in OVERHEADS else \
            term.seconds / efficiency_of(ks, term.key)
        out[part] = out.get(part, 0.0) + value
    return out


def layer_latency(model: ModelSpec, chip: Chip, context, gpus=1, batch=1, layout: str | None = None, *,
                  kv_dtype: str | None = None, attention_dtype: str = "bf16", weight_dtype: str = "fp8",
                  kernels: KernelSet | None = None, query_tokens: int = 1) -> LayerLatency:
    """One attention layer per decode step, projections included (what the paper's Table 9
    measures), per GPU of an instance of ``gpus`` GPUs serving ``batch`` requests in total.

    ``context``: tokens per request (scalar or array; results are arrays of its shape, also
    broadcast over array ``gpus`` and ``batch``). ``layout``: 'dp', 'tp' or 'afd' (None: the
    design's Table 9 layout, ``default_layout``). ``kv_dtype``: cache storage (None: each
    layer group's own); ``attention_dtype``: precision of the attention math; ``weight_dtype``:
    projection weights (GEMMs run in it, or the next format the chip has: INT8 on A800).
    ``kernels``: efficiency set (default ``kernel_set(chip)``). ``query_tokens``: tokens each
    request decodes per step (MTP: k; the cache is read once for all of them, the math and the
    projections scale with k). KV bytes are the deployed formats' (``costmodel.kvformat``).
    Times in seconds."""
    ks = kernels or kernel_set(chip)
    layout = default_layout(model) if layout is None else check_layout(layout)
    parts, extras = ideal_parts(model, chip, context, gpus, batch, layout, kv_dtype=kv_dtype,
                                attention_dtype=attention_dtype, weight_dtype=weight_dtype, kernels=ks,
                                query_tokens=query_tokens)
    t = apply(parts, ks)
    shape = extras["bound"].shape
    full = lambda a: np.broadcast_to(np.asarray(a, dtype=float), shape)  # noqa: E731
    return LayerLatency(model=model.slug, chip=chip.slug, layout=layout, gpus=extras["gpus"], batch=extras["batch"],
                        context=extras["context"], overhead_s=full(t["overhead"]), core_s=full(t["core"]),
                        query_s=full(t.get("query", 0.0)), kv_projection_s=full(t.get("kv", 0.0)),
                        output_s=full(t.get("output", 0.0)), comm_s=full(t["comm"]), bound=extras["bound"],
                        kv_read_bytes=extras["kv_read_bytes"], kv_stored_bytes=extras["kv_stored_bytes"],
                        core_flops=extras["core_flops"], comm_bytes=extras["comm_bytes"],
                        requests_per_gpu=extras["requests_per_gpu"], replication=extras["replication"],
                        kernels=ks, notes=extras["notes"])
