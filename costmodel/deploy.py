"""Decode as it is deployed: expert parallelism, tensor parallelism and attention-FFN
disaggregation, each declared once (``DEPLOYMENTS``), timed per layer on the chip's kernels.

One decode step of ``batch`` requests per GPU, each decoding ``mtp_tokens`` (k) tokens and
emitting ``mtp_accept`` (a) of them on average (k = a = 1: no MTP):

- ``ep`` (DeepSeek, SGLang): every GPU of a group of G runs data-parallel attention for its own
  requests; the routed experts (plus ``redundant_experts`` copies) are spread over the G GPUs,
  shared experts, dense layers and the LM head replicated. Each MoE layer dispatches every token
  to its top-k experts (FP8 + scales + routing metadata) and combines BF16 results; the busiest
  GPU receives batch x k x top-k / balance tokens. Traffic to GPUs in the same scale-up domain
  (``node_gpus``) goes over the scale-up link, the rest over the scale-out NIC.
- ``tp``: heads, projections, expert widths and the LM head split over G GPUs, every GPU sees
  every request; an all-reduce of BF16 activations after attention and after the FFN.
- ``afd`` (the Step-3 paper): attention and FFN on separate instances of ``node_gpus`` GPUs,
  micro-batches pipelined (``costmodel.afd``); the best xAyF over the G GPUs.

Compute parts are timed by the chip's kernel set (``costmodel.kernels``: attention kernels,
GEMMs) or, with ``timing='efficiency'``, by the ``Efficiency`` factors as one roofline;
communication by the link (scale-up at the kernel set's link efficiency, NIC at the network
efficiency). ``overlap`` o (0..1) is the share of the shorter of compute and communication
hidden behind the longer: with o > 0 the step may run as two micro-batches of half the batch
(two-batch overlap: GEMMs and attention at half the batch, weights read twice), whichever is
faster, so more overlap is never slower. ``balance`` is mean over maximum tokens per GPU of the
expert-parallel group. Defaults of both come from public measurements (``deployment_defaults``).
The MTP module's own layer runs k - 1 times per step at one token per request; the LM head
(BF16, as FP8 releases keep it) runs for the k main tokens and every draft.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace

import numpy as np

from .afd import MEMORY_FRACTION, AFDSetup, Efficiency, check_mtp, check_timing, a2f_bytes_per_token, attention_weights_per_gpu, f2a_bytes_per_token
from .afd import evaluate as evaluate_afd
from .batch import expected_experts_touched
from .chips import Chip
from .decode import MAX_CONTEXT
from .errors import InputError
from .fields import Quantity, choice, declared, quantity
from .ffn import MoEFFN
from .kernels import KernelSet, assumptions, deployment_defaults, kernel_range, kernel_set
from .latency import ACTIVATION_BYTES, check_tp_gpus, layer_latency, link_bytes_per_s
from .model import ModelSpec
from .precision import bytes_per_element

DEPLOYMENTS = {
    "ep": "expert parallel: attention data-parallel on every GPU, routed experts spread over the G GPUs, "
          "dispatch and combine all-to-all (DeepSeek, SGLang)",
    "tp": "tensor parallel over G GPUs, an all-reduce after attention and after the FFN",
    "afd": "attention-FFN disaggregation (Step-3): attention and FFN instances of a node each, micro-batches "
           "pipelined, the best xAyF over the G GPUs",
}
TIMING = ("kernels", "efficiency")
HEAD_DTYPE = "bf16"  # embedding and LM head: FP8 releases keep them in BF16 (DeepSeek-V3 report §3.3)
MAX_BATCH = 1 << 16  # requests per GPU a search considers
BATCH = Quantity("batch_per_gpu", "Requests per GPU", "requests", 1.0, "batch_per_gpu", minimum=1, maximum=MAX_BATCH,
                 integer=True, step=1, description="Requests decoded together per GPU (tp: the group's requests / G)")


@dataclass(frozen=True)
class DecodeSetup:
    """Everything of a decode deployment but the batch. Each value is declared once (label,
    unit, range: ``declared(DecodeSetup)``): the command line's options and the page's inputs
    derive from them. ``overlap`` and ``balance`` None: the deployment's default from public
    measurements (``deployment_defaults``); ``net_bytes_per_s`` None: the chip's own NIC."""

    model: ModelSpec
    chip: Chip
    deployment: str = choice("Deployment", tuple(DEPLOYMENTS), "deployment", default="ep",
                             description="; ".join(f"{k}: {v}" for k, v in DEPLOYMENTS.items()))
    gpus: int = quantity("GPUs", "", 1.0, "gpus", default=8, minimum=1, maximum=4096, integer=True, step=1,
                         description="GPUs of the deployment (ep: the expert-parallel group; tp: the tensor-parallel "
                                     "group; afd: attention and FFN instances together)")
    context: float = quantity("Average context", "tokens", 1.0, "context", default=4096.0, minimum=1,
                              maximum=MAX_CONTEXT, step=1024, description="KV length of every request")
    mtp_tokens: int = quantity("MTP tokens per step", "", 1.0, "mtp_tokens", default=1, minimum=1, maximum=8,
                               integer=True, step=1, description="Tokens each request decodes per step (k): 1 + drafts")
    mtp_accept: float = quantity("Accepted tokens per step", "", 1.0, "mtp_accept", default=1.0, minimum=1, maximum=8,
                                 step=0.05, description="Mean tokens emitted per step (a, at most k)")
    overlap: float | None = quantity("Overlap", "", 1.0, "overlap", required=False, minimum=0, maximum=1, step=0.05,
                                     description="Share of the shorter of compute and communication hidden behind "
                                                 "the longer (0: they add up; 1: fully hidden); empty: the default")
    balance: float | None = quantity("Expert balance", "", 1.0, "balance", required=False, minimum=0.05, maximum=1,
                                     step=0.01, description="Mean over maximum tokens per expert-parallel GPU "
                                                            "(1: perfectly balanced); empty: the default")
    redundant_experts: int = quantity("Redundant experts", "", 1.0, "redundant_experts", default=0, minimum=0,
                                      maximum=4096, integer=True, step=1,
                                      description="Extra copies of hot routed experts spread over the group")
    node_gpus: int = quantity("GPUs per scale-up domain", "", 1.0, "node_gpus", default=8, minimum=1, maximum=1024,
                              integer=True, step=1, description="GPUs one scale-up link joins (8: an HGX node; "
                                                                 "72: GB200 NVL72); afd: GPUs per instance")
    kv_dtype: str = choice("KV-cache precision", ("bf16", "fp8", "fp4"), "kv_dtype", default="bf16",
                           description="How the cache is stored (FP8 MLA in FlashMLA's format)")
    attention_dtype: str = choice("Attention precision", ("bf16", "fp8"), "attention_dtype", default="bf16")
    weight_dtype: str = choice("Weight precision", ("fp8", "bf16", "fp4", "int8", "int4"), "weight_dtype",
                               default="fp8")
    net_bytes_per_s: float | None = quantity("Network per GPU", "GB/s", 1e9, "net_gbps", required=False, minimum=0.1,
                                             maximum=10000, step=5, description="Scale-out bandwidth per GPU, one "
                                                                                "direction; empty: the chip's own")
    memory_fraction: float = quantity("Usable memory", "", 1.0, "memory_fraction", default=MEMORY_FRACTION,
                                      maximum=1.0, step=0.01,
                                      description="Fraction of the marketed capacity usable for KV and weights")
    timing: str = choice("Timing", TIMING, "timing", default="kernels",
                         description="kernels: the chip's kernel efficiencies (fitted; assumed for chips without "
                                     "measurements); efficiency: the efficiency factors as one roofline")
    efficiency: Efficiency = field(default_factory=Efficiency)
    kernels: KernelSet | None = None  # an explicit kernel set (validation); None: the chip's

    def __post_init__(self):
        if not isinstance(self.model, ModelSpec):
            raise InputError("model", f"expected a model, got {type(self.model).__name__}")
        if not isinstance(self.chip, Chip):
            raise InputError("chip", f"expected a chip, got {type(self.chip).__name__}")
        for name, spec in declared(DecodeSetup).items():
            object.__setattr__(self, name, spec.check(getattr(self, name)))
        check_mtp(self.mtp_tokens, self.mtp_accept)
        if self.deployment == "tp":
            check_tp_gpus(self.model, self.gpus)
        if self.deployment == "afd" and (self.gpus % self.node_gpus or self.gpus < 2 * self.node_gpus):
            raise InputError("gpus", f"afd needs whole instances of {self.node_gpus} GPUs, at least one for attention "
                                     f"and one for the FFN: a multiple of {self.node_gpus} from {2 * self.node_gpus}, "
                                     f"got {self.gpus}")
        check_timing(self.timing, self.efficiency, "timing")

    @property
    def kernel_set(self) -> KernelSet:
        if self.kernels is not None:
            return self.kernels
        if self.timing == "efficiency":
            return KernelSet.from_efficiency(self.efficiency)
        return kernel_set(self.chip)

    @property
    def overlap_value(self) -> float:
        return deployment_defaults()[self.deployment]["overlap"] if self.overlap is None else self.overlap

    @property
    def balance_value(self) -> float:
        if self.deployment != "ep":
            return 1.0
        return deployment_defaults()["ep"]["balance"] if self.balance is None else self.balance

    @property
    def net_value(self) -> float:
        """Scale-out bytes/s per GPU reached (one direction)."""
        return (self.net_bytes_per_s or self.chip.net_bytes_per_s) * self.efficiency.network


@dataclass(frozen=True)
class Part:
    """One part of the step's timeline: ``seconds`` per step (all layers, arrays over the
    batch), ``kind`` 'compute' or 'comm', ``bound`` which roofline side binds it."""

    name: str
    kind: str
    seconds: np.ndarray
    bound: np.ndarray | str = ""


@dataclass(frozen=True)
class DecodePlan:
    """A deployment at each of ``batch`` requests per GPU (an array). Times in seconds per
    step (every layer, the LM head and the MTP drafts); memory in bytes per GPU.

    ``parts``: the step's timeline before overlap (``compute_s`` + ``comm_s``); ``step_s``
    after it; ``mode``: 'two-batch overlap' or 'one batch' (whichever is faster);
    ``tpot_s`` = step / accepted tokens; ``layout``: the AFD plan's xAyF (afd only)."""

    setup: DecodeSetup
    batch: np.ndarray
    parts: tuple[Part, ...]
    step_s: np.ndarray
    mode: np.ndarray
    memory_bytes: np.ndarray
    kv_bytes_per_request: float
    layout: np.ndarray | str = ""
    notes: tuple[str, ...] = ()

    @property
    def compute_s(self) -> np.ndarray:
        return sum((p.seconds for p in self.parts if p.kind == "compute"), np.zeros_like(self.batch))

    @property
    def comm_s(self) -> np.ndarray:
        return sum((p.seconds for p in self.parts if p.kind == "comm"), np.zeros_like(self.batch))

    @property
    def tpot_s(self) -> np.ndarray:
        return self.step_s / self.setup.mtp_accept

    @property
    def tokens_per_gpu_s(self) -> np.ndarray:
        return self.batch * self.setup.mtp_accept / self.step_s

    @property
    def tokens_per_user_s(self) -> np.ndarray:
        return 1.0 / self.tpot_s

    @property
    def usd_per_mtok(self) -> np.ndarray:
        return self.setup.chip.price_usd_per_hour / 3600.0 / self.tokens_per_gpu_s * 1e6

    @property
    def memory_capacity(self) -> float:
        return self.setup.chip.mem_bytes * self.setup.memory_fraction

    @property
    def fits_memory(self) -> np.ndarray:
        return self.memory_bytes <= self.memory_capacity

    @property
    def bound(self) -> np.ndarray:
        """What binds each batch: 'memory capacity' when the KV does not fit, else the largest
        part of the timeline with its roofline side ('experts (compute)', 'attention (memory)')."""
        shape = self.batch.shape
        labels = [np.char.add(f"{p.name} (", np.char.add(np.broadcast_to(np.asarray(p.bound, dtype=str), shape), ")"))
                  if np.size(p.bound) and np.all(np.asarray(p.bound) != "") else np.full(shape, p.name)
                  for p in self.parts]
        seconds = np.stack([np.broadcast_to(p.seconds, shape) for p in self.parts])
        largest = np.argmax(seconds, axis=0)
        out = np.choose(largest, labels) if len(labels) > 1 else labels[0]
        return np.where(self.fits_memory, out, "memory capacity")

    def at(self, index) -> "DecodePlan":
        """The plan at one index of the batch axis (scalars inside)."""
        def pick(a):
            return np.asarray(np.broadcast_to(a, self.batch.shape)[index]) if np.ndim(a) else a

        parts = tuple(replace(p, seconds=pick(p.seconds), bound=pick(p.bound) if np.ndim(p.bound) else p.bound)
                      for p in self.parts)
        return replace(self, batch=pick(self.batch), parts=parts, step_s=pick(self.step_s), mode=pick(self.mode),
                       memory_bytes=pick(self.memory_bytes), layout=pick(self.layout))


# -- the parts --------------------------------------------------------------------------------------
def _gemm(flops, nbytes, s: DecodeSetup, ks: KernelSet, launches: float, dtype: str | None = None):
    """(seconds, bound) of GEMM work on the chip at the kernel set's GEMM efficiencies, each of
    ``launches`` launches adding the set's fixed time; computed in ``dtype``'s format (default:
    the weights')."""
    chip = s.chip
    peak = chip.peak_flops(chip.compute_dtype(dtype or s.weight_dtype)) * ks.gemm.flops
    bw = chip.mem_bw_bytes_per_s * ks.gemm.hbm
    compute, memory = np.asarray(flops, dtype=float) / peak, np.asarray(nbytes, dtype=float) / bw
    return np.maximum(compute, memory) + launches * ks.gemm_overhead_s, np.where(memory >= compute, "memory", "compute")


def _head_gemm(tokens, s: DecodeSetup, ks: KernelSet, split: float = 1.0):
    """LM head for ``tokens`` tokens per GPU (BF16 weights, ``split`` ways vocabulary-parallel)."""
    params = (s.model.params().lm_head or s.model.params().embedding) / split
    return _gemm(2.0 * tokens * params, params * bytes_per_element(HEAD_DTYPE), s, ks, 1.0, HEAD_DTYPE)


def _a2a_s(nbytes, s: DecodeSetup, ks: KernelSet):
    """Seconds for the busiest GPU to receive ``nbytes`` from destinations spread evenly over
    the group: its own share stays, the scale-up domain's over the link, the rest over the NIC."""
    g, n = float(s.gpus), float(min(s.gpus, s.node_gpus))
    link, _ = link_bytes_per_s(s.chip)
    local = nbytes * (n - 1.0) / g / (link * ks.link)
    remote = nbytes * (g - n) / g / s.net_value
    return np.maximum(local, remote)


def _a2a_per_node_s(copies, top_k: int, per_copy: float, s: DecodeSetup, ks: KernelSet):
    """Seconds of a node-deduplicated all-to-all (DeepEP's normal kernels, prefill): a token
    crosses the network once per other scale-up domain its ``top_k`` experts live in, then fans
    out over the scale-up link. ``copies``: routed token copies the busiest GPU receives."""
    domains = math.ceil(s.gpus / s.node_gpus)
    link, _ = link_bytes_per_s(s.chip)
    fanout = copies * per_copy * (min(s.gpus, s.node_gpus) - 1.0) / min(s.gpus, s.node_gpus) / (link * ks.link)
    if domains <= 1:
        return fanout
    touched = domains * (1.0 - (1.0 - 1.0 / domains) ** top_k)  # distinct domains a token's experts are in
    remote = copies / top_k * touched * (domains - 1.0) / domains * per_copy / s.net_value
    return np.maximum(fanout, remote)


def allreduce_s(nbytes, s: DecodeSetup, ks: KernelSet):
    """Seconds of a ring all-reduce of ``nbytes`` over the G GPUs (2 (G-1)/G of it each way):
    over the scale-up link inside a domain, over the NIC when the group spans domains."""
    g = float(s.gpus)
    if g <= 1:
        return np.zeros_like(np.asarray(nbytes, dtype=float))
    moved = 2.0 * (g - 1.0) / g * nbytes
    link, _ = link_bytes_per_s(s.chip)
    return moved / (link * ks.link) if s.gpus <= s.node_gpus else moved / s.net_value


def ffn_parts(s: DecodeSetup, ks: KernelSet, ffn, tokens, per_node: bool = False) -> tuple:
    """One FFN layer for ``tokens`` tokens per GPU (ep; under tp the group's tokens, every GPU
    sees them all): ((experts seconds, bound), (dense FFN, shared experts and router seconds,
    bound), all-to-all or all-reduce seconds). ``per_node``: the all-to-all sends a token once
    per scale-up domain (prefill's normal kernels) instead of once per expert (decode's
    low-latency kernels)."""
    w = bytes_per_element(s.weight_dtype)
    zero = np.zeros_like(np.asarray(tokens, dtype=float))
    g = float(s.gpus) if s.deployment == "tp" else 1.0  # tp: every weight split over the group
    if isinstance(ffn, MoEFFN):
        if s.deployment == "tp":
            received = tokens * ffn.top_k / g  # FLOPs per GPU: every expert's share of every token
            touched = expected_experts_touched(ffn.n_routed, ffn.top_k, tokens) / g
        else:
            slots = (ffn.n_routed + s.redundant_experts) / s.gpus  # experts each GPU holds
            received = tokens * ffn.top_k / s.balance_value  # routed tokens the busiest GPU computes
            touched = expected_experts_touched(max(slots, 1e-9), 1, received) if slots >= 1 else \
                np.minimum(slots, received)
        experts = _gemm(2.0 * received * ffn.expert_params(), touched * ffn.expert_params() * w, s, ks, 2.0)
        dense = _gemm(2.0 * tokens * (ffn.shared_params() / g + ffn.router_params()),
                      ffn.shared_params() * w / g + ffn.router_params() * ACTIVATION_BYTES, s, ks,
                      3.0 if ffn.n_shared else 1.0)
        if s.deployment == "ep" and s.gpus > 1:
            per_copy = a2f_bytes_per_token(s.model.hidden, 1) + f2a_bytes_per_token(s.model.hidden)
            if per_node:
                return experts, dense, _a2a_per_node_s(received, ffn.top_k, per_copy, s, ks)
            return experts, dense, _a2a_s(received * per_copy, s, ks)
    else:
        experts = (zero, "")
        dense = _gemm(2.0 * tokens * ffn.total_params() / g, ffn.total_params() * w / g, s, ks, 2.0)
    if s.deployment == "tp":
        return experts, dense, allreduce_s(tokens * s.model.hidden * ACTIVATION_BYTES, s, ks)
    return experts, dense, zero


@dataclass(frozen=True)
class Run:
    """Layers a step runs alike: ``count`` per FFN group (None: the group's own layer count),
    on ``groups`` (FFN groups), with ``tokens`` per GPU through each FFN and the attention
    layer's (compute seconds, bound, communication seconds)."""

    count: float | None
    groups: tuple
    tokens: np.ndarray
    attention: tuple
    per_node: bool = False  # the all-to-all deduplicated per scale-up domain (prefill)


def decode_runs(s: DecodeSetup, ks: KernelSet, batch) -> list[Run]:
    """A decode step: the model's layers at k tokens per request, and k - 1 runs of the MTP
    draft layer (the last FFN group's kind) at one token per request."""
    def attention(k):
        group, requests = (s.gpus, batch * s.gpus) if s.deployment == "tp" else (1, batch)
        lat = layer_latency(s.model, s.chip, s.context, group, requests, "tp" if s.deployment == "tp" else "dp",
                            kv_dtype=s.kv_dtype, attention_dtype=s.attention_dtype, weight_dtype=s.weight_dtype,
                            kernels=ks, query_tokens=k)
        return lat.compute_s, lat.bound, lat.comm_s

    per_gpu = batch * (float(s.gpus) if s.deployment == "tp" else 1.0)
    runs = [Run(None, s.model.ffn_groups, per_gpu * s.mtp_tokens, attention(s.mtp_tokens))]
    if s.mtp_tokens > 1:
        runs.append(Run(float(s.mtp_tokens - 1), s.model.ffn_groups[-1:], per_gpu, attention(1)))
    return runs


def step_parts(s: DecodeSetup, ks: KernelSet, runs: list[Run]) -> tuple[dict, dict, np.ndarray]:
    """Parts summed over a step's ``runs`` (seconds per part: attention, experts, dense, comm),
    each part's roofline side at the first layer that has it, and the sum over layers of
    min(compute, comm): what overlap can hide."""
    totals = dict.fromkeys(("attention", "experts", "dense", "comm"), 0.0)
    bounds = {"attention": runs[0].attention[1]}
    hideable = 0.0
    for run in runs:
        attention_s, _, attention_comm = run.attention
        for group in run.groups:
            count = group.layers if run.count is None else run.count
            experts, dense, comm = ffn_parts(s, ks, group.ffn, run.tokens, run.per_node)
            comm = comm + attention_comm
            for name, part in (("experts", experts), ("dense", dense)):
                totals[name] = totals[name] + count * part[0]
                if isinstance(part[1], np.ndarray):
                    bounds.setdefault(name, part[1])
            totals["attention"] = totals["attention"] + count * attention_s
            totals["comm"] = totals["comm"] + count * comm
            hideable = hideable + count * np.minimum(attention_s + experts[0] + dense[0], comm)
    return totals, bounds, hideable


def timeline(s: DecodeSetup, ks: KernelSet, runs_of, batch, head_tokens) -> tuple:
    """(parts, step seconds, two-batch overlap used) of one step at ``batch`` (``runs_of(b)``:
    the step's runs at batch b): one batch, or, with overlap o > 0, two micro-batches of half
    the batch hiding o of the shorter of compute and communication, whichever is faster; the
    LM head for ``head_tokens`` tokens per GPU after it."""
    o = s.overlap_value
    one, bounds, _ = step_parts(s, ks, runs_of(batch))
    half, _, hideable = step_parts(s, ks, runs_of(batch / 2.0))
    split = float(s.gpus) if s.deployment == "tp" else 1.0
    head_s, head_bound = _head_gemm(head_tokens, s, ks, split)
    single = sum(one.values())
    tbo = 2.0 * (sum(half.values()) - o * hideable)
    two = (o > 0) & (tbo < single)
    totals = {name: np.where(two, 2.0 * half[name], one[name]) for name in one}
    comm_name = "dispatch + combine" if s.deployment == "ep" else "all-reduce"
    parts = (Part("attention", "compute", totals["attention"], bounds["attention"]),
             Part("experts", "compute", totals["experts"], bounds.get("experts", "")),
             Part("dense FFN, shared experts, router", "compute", totals["dense"], bounds.get("dense", "")),
             Part("LM head", "compute", head_s, head_bound),
             Part(comm_name, "comm", totals["comm"], "network" if s.gpus > s.node_gpus else "scale-up link"))
    return parts, np.where(two, tbo, single) + head_s, two


def link_notes(s: DecodeSetup) -> tuple[str, ...]:
    _, note = link_bytes_per_s(s.chip)
    return (note,) if note and min(s.gpus, s.node_gpus) > 1 else ()


def _ep_tp_plan(s: DecodeSetup, batch: np.ndarray) -> DecodePlan:
    ks = s.kernel_set
    per_gpu = float(s.gpus) if s.deployment == "tp" else 1.0
    head_tokens = batch * per_gpu * (2 * s.mtp_tokens - 1)  # LM head per request: k main tokens + k - 1 drafts
    parts, step, two = timeline(s, ks, lambda b: decode_runs(s, ks, b), batch, head_tokens)
    memory_bytes, kv_per_request = memory(s, batch)
    return DecodePlan(setup=s, batch=batch, parts=parts, step_s=step,
                      mode=np.where(two, "two-batch overlap", "one batch"), memory_bytes=memory_bytes,
                      kv_bytes_per_request=kv_per_request, notes=link_notes(s))


def memory(s: DecodeSetup, batch) -> tuple[np.ndarray, float]:
    """(bytes per GPU: weights + KV of its requests, KV bytes per request over all layers)."""
    model = s.model
    w = bytes_per_element(s.weight_dtype)
    head = bytes_per_element(HEAD_DTYPE)
    params = model.params()
    g = float(s.gpus)
    mtp = 1 if s.mtp_tokens > 1 else 0
    last = model.ffn_groups[-1].ffn
    if s.deployment == "ep":
        attention = attention_weights_per_gpu(model, "dp", 1)
        ffn = 0.0
        for layers, f in [(g.layers, g.ffn) for g in model.ffn_groups] + ([(mtp, last)] if mtp else []):
            if isinstance(f, MoEFFN):
                ffn += layers * ((f.n_routed + s.redundant_experts) / g * f.expert_params() + f.shared_params())
            else:
                ffn += layers * f.total_params()
        weights = (attention * (1 + mtp / model.layers) + ffn + params.router) * w \
            + (params.embedding + params.lm_head) * head
        kv = _kv_per_request(s)
        return weights + batch * kv, kv
    attention = attention_weights_per_gpu(model, "tp", s.gpus)
    ffn = (params.ffn_total + mtp * last.total_params()) / g
    weights = (attention * (1 + mtp / model.layers) + ffn + params.router) * w + (params.embedding + params.lm_head) / g * head
    lat = layer_latency(model, s.chip, s.context, s.gpus, float(s.gpus), "tp", kv_dtype=s.kv_dtype,
                        attention_dtype=s.attention_dtype, weight_dtype=s.weight_dtype, kernels=s.kernel_set)
    kv = float(np.ravel(lat.kv_stored_bytes)[0]) * (model.layers + mtp)  # per GPU for G requests = one per GPU
    return weights + batch * kv, _kv_per_request(s)


def _kv_per_request(s: DecodeSetup) -> float:
    """KV bytes one request holds over all layers (and the MTP layer's when drafting)."""
    lat = layer_latency(s.model, s.chip, s.context, 1, 1, "dp", kv_dtype=s.kv_dtype,
                        attention_dtype=s.attention_dtype, weight_dtype=s.weight_dtype, kernels=s.kernel_set)
    return float(np.ravel(lat.kv_stored_bytes)[0]) * (s.model.layers + (1 if s.mtp_tokens > 1 else 0))


# -- afd ------------------------------------------------------------------------------------------
def afd_setup(s: DecodeSetup) -> AFDSetup:
    """The AFD setup a decode setup describes (instances of ``node_gpus`` GPUs, one chip)."""
    return AFDSetup(s.model, s.chip, s.chip, s.context, attention_gpus=s.node_gpus, ffn_gpus=s.node_gpus,
                    attention_dtype=s.attention_dtype, kv_dtype=s.kv_dtype, weight_dtype=s.weight_dtype,
                    attention_net_bytes_per_s=s.net_bytes_per_s, ffn_net_bytes_per_s=s.net_bytes_per_s,
                    efficiency=s.efficiency, memory_fraction=s.memory_fraction,
                    attention_timing=s.timing, kernels=s.kernels, mtp_tokens=s.mtp_tokens, mtp_accept=s.mtp_accept,
                    overlap=s.overlap_value)


def _afd_plan(s: DecodeSetup, batch: np.ndarray) -> DecodePlan:
    a = afd_setup(s)
    instances = s.gpus // s.node_gpus
    x = np.arange(1, instances, dtype=float)[:, None]
    micro = np.asarray(batch, dtype=float)[None, :] * s.gpus / a.micro_batches
    plan = evaluate_afd(a, x, instances - x, micro)
    best = np.argmin(np.where(plan.fits_memory, plan.tpot_s, plan.tpot_s * 1e6), axis=0)  # fastest that fits
    cols = np.arange(np.shape(batch)[0])

    def pick(v):
        return np.broadcast_to(v, plan.shape)[best, cols]

    stage = {name: pick(t) for name, t in plan.stage_s.items()}
    steps = a.slots_per_layer * a.step_layers
    parts = tuple(Part(name if name != "network" else "A->F + F->A", "comm" if name in ("network", "a2f", "f2a")
                       else "compute", t * steps) for name, t in stage.items())
    memory = np.maximum(pick(plan.attention_memory_bytes), pick(plan.ffn_memory_bytes))
    layouts = np.array([f"{int(xx)}A{instances - int(xx)}F" for xx in np.ravel(pick(plan.attention_instances))])
    return DecodePlan(setup=s, batch=np.asarray(batch, dtype=float), parts=parts,
                      step_s=pick(plan.tpot_s) * s.mtp_accept, mode=np.full(np.shape(batch), "AFD pipeline"),
                      memory_bytes=memory, kv_bytes_per_request=float(np.ravel(plan.kv_bytes_per_context_token)[0])
                      * s.context, layout=layouts)


# -- API ------------------------------------------------------------------------------------------
def evaluate(setup: DecodeSetup, batch_per_gpu) -> DecodePlan:
    """The deployment at each of ``batch_per_gpu`` requests per GPU (a number or an array)."""
    batch = np.atleast_1d(np.asarray(batch_per_gpu, dtype=float))
    if batch.size == 0 or not np.all(np.isfinite(batch)) or np.any(batch < 1) or np.any(batch > MAX_BATCH * 16):
        raise InputError("batch", f"requests per GPU must be from 1 to {MAX_BATCH * 16:,}, got {batch_per_gpu!r}")
    if setup.deployment == "afd":
        return _afd_plan(setup, batch)
    return _ep_tp_plan(setup, batch)


def max_batch_in_memory(setup: DecodeSetup) -> float:
    """Most requests per GPU whose KV fits beside the weights (0 when the weights alone do not)."""
    probe = evaluate(setup, [1.0, 2.0])
    per_request = float(probe.memory_bytes[1] - probe.memory_bytes[0])
    weights = float(probe.memory_bytes[0]) - per_request
    return max(0.0, (probe.memory_capacity - weights) / per_request) if per_request > 0 else float(MAX_BATCH)


def best_batch(setup: DecodeSetup, tpot_s: float, most: float | None = None) -> DecodePlan | None:
    """The largest whole batch per GPU whose TPOT meets ``tpot_s`` and whose KV fits (None if
    not even one request does). ``most``: the batch per GPU the search goes up to (default: the
    most whose KV fits, ``max_batch_in_memory``), when the caller knows no larger one fits."""
    most = min(float(MAX_BATCH), np.floor(max_batch_in_memory(setup) if most is None else most))
    if most < 1:
        return None
    grid = np.unique(np.concatenate([np.arange(1.0, min(most, 512.0) + 1), np.floor(np.geomspace(512, most, 256))
                                     if most > 512 else []]))
    plan = evaluate(setup, grid)
    ok = np.flatnonzero((plan.tpot_s <= tpot_s * (1 + 1e-12)) & plan.fits_memory)
    if ok.size == 0:
        return None
    i = int(ok[-1])
    if i + 1 < grid.size and grid[i + 1] - grid[i] > 1:  # refine between the coarse points
        fine = np.arange(grid[i], grid[i + 1])
        fplan = evaluate(setup, fine)
        j = np.flatnonzero((fplan.tpot_s <= tpot_s * (1 + 1e-12)) & fplan.fits_memory)
        return fplan.at(int(j[-1]))
    return plan.at(i)



def range_plans(setup: DecodeSetup, batch_per_gpu) -> tuple[DecodePlan, DecodePlan] | None:
    """The deployment at the low and high end of the chip's assumed kernel efficiencies
    (``kernels.kernel_range``); None when its kernels were measured, or the setup fixes its own."""
    if setup.kernels is not None or setup.timing != "kernels":
        return None
    ends = kernel_range(setup.chip)
    if ends is None:
        return None
    low, high = (evaluate(replace(setup, kernels=ks), batch_per_gpu) for ks in ends)
    return low, high


def as_row(plan: DecodePlan) -> dict:
    """A scalar plan (``DecodePlan.at``) as the decode command's JSON row: the setup, the
    figures, the timeline's parts (``<part>_ms``), ``*_low``/``*_high`` at the ends of assumed
    kernel efficiencies (when the chip's are assumed) and the notes."""
    setup = plan.setup
    ks = setup.kernel_set
    row = {"model": setup.model.slug, "chip": setup.chip.slug, "deployment": setup.deployment, "gpus": setup.gpus,
           "batch_per_gpu": int(plan.batch), "context": int(setup.context),
           "tokens_per_gpu_s": float(plan.tokens_per_gpu_s), "tpot_ms": float(plan.tpot_s) * 1e3,
           "step_ms": float(plan.step_s) * 1e3, "compute_ms": float(plan.compute_s) * 1e3,
           "comm_ms": float(plan.comm_s) * 1e3, "memory_gb_per_gpu": float(plan.memory_bytes) / 1e9,
           "memory_capacity_gb": plan.memory_capacity / 1e9, "fits_memory": bool(plan.fits_memory),
           "bound": str(plan.bound), "mode": str(plan.mode), "layout": str(plan.layout),
           "tokens_per_user_s": float(plan.tokens_per_user_s), "usd_per_mtok": float(plan.usd_per_mtok),
           "overlap": setup.overlap_value, "balance": setup.balance_value, "mtp_tokens": setup.mtp_tokens,
           "mtp_accept": setup.mtp_accept, "kv_dtype": setup.kv_dtype, "weight_dtype": setup.weight_dtype,
           "kernel_set": ks.label, "kernels_assumed": ks.assumed}
    row.update({f"{part_key(p.name)}_ms": float(p.seconds) * 1e3 for p in plan.parts})
    ends = range_plans(setup, plan.batch)
    if ends is not None:
        for name, end in zip(("low", "high"), ends):
            end = end.at(0)
            row[f"tokens_per_gpu_s_{name}"] = float(end.tokens_per_gpu_s)
            row[f"tpot_ms_{name}"] = float(end.tpot_s) * 1e3
    row["assumed"] = "; ".join(assumptions(setup.chip, ks))
    row["notes"] = "; ".join(plan.notes)
    return row


def part_key(name: str) -> str:
    """A timeline part's name as a JSON key: 'dispatch + combine' -> 'dispatch_combine'."""
    return re.sub(r"[^a-z0-9]+", "_", name.split(",")[0].replace("->", "2").lower()).strip("_")
