"""Attention-FFN Disaggregation (AFD) sizing (the Step-3 paper's §3, §6, §7).

x attention instances (``attention_gpus`` GPUs each, laid out ``layout``: the paper's ``afd``
by default) and y FFN instances (the MoE, TP inside an instance and EP across instances by
default) pass micro-batches through a pipeline of 3 stages (attention, network, FFN) or 4
(attention, A->F, FFN, F->A). With m micro-batches and s stages each layer takes max(m, s)
slots, so the per-layer budget is TPOT / (max(m, s) x layers) (Step-3, 3 stages, 50 ms:
273 us). Every stage of every layer must fit in it; the achieved TPOT is max(m, s) x layers x
the slowest stage.

Per layer (averaged over the model's layers) and per micro-batch of B requests:
- attention, per GPU of an instance serving B / x requests: ``costmodel.latency`` with the
  attention chip's kernel efficiencies (``attention_timing`` 'kernels', the default: data/
  kernels.toml, fitted to the paper's Tables 8 and 9) or with the ``Efficiency`` factors below
  ('efficiency': a uniform roofline): core attention + projections + the fixed per-layer
  overhead + the AFD attention side's extra per-layer work. The layout's communication inside
  the instance (``afd``: the output projection's all-to-all and reduce-scatter; ``tp``: the
  all-reduce) runs over the scale-up link while the GPU computes the next micro-batch, so the
  stage takes max(compute, communication);
- FFN, per GPU: max(FLOPs / peak, weight bytes / HBM) with the experts the micro-batch touches;
- network: A->F carries FP8 activations plus FP32 block scales (one per 128 values) and routing
  metadata (expert id and weight per routed expert), F->A carries BF16 outputs, to each FFN
  instance a token's experts live on; the slower NIC side (attention or FFN GPUs) sets the
  time. In 3 stages both directions share the network stage, as the paper budgets them (§5.4).
FFN and network peaks are scaled by explicit efficiency factors (``Efficiency``). Memory:
attention GPUs hold the KV of all m micro-batches (copies included where a layout replicates
K/V heads) plus their share of the attention weights (all of them under ``dp``, the output
projection split under ``afd``, the split ones under ``tp``), embedding and LM head; FFN GPUs
their share of the FFN weights. The search over xAyF and micro-batches: ``costmodel.afd_search``.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
import functools
import math
from functools import cached_property

import numpy as np

from .batch import expected_experts_touched
from .chips import Chip
from .decode import MAX_CONTEXT
from .errors import InputError, require_positive
from .fields import Quantity, choice, declared, quantities, quantity
from .ffn import MoEFFN
from .kernels import KernelSet, kernel_set
from .latency import LAYOUTS, check_tp_gpus, layer_latency
from .model import ModelSpec
from .precision import bytes_per_element

SCALE_BLOCK = 128  # A->F activations carry one FP32 scale per 128 FP8 values
ROUTING_BYTES_PER_EXPERT = 8  # int32 expert id + fp32 routing weight
MEMORY_FRACTION = 0.97  # of a chip's marketed HBM, usable for KV and weights (default)
FFN_PARALLEL = ("tp+ep", "ep", "tp")
ATTENTION_TIMING = ("kernels", "efficiency")
STAGES = (3, 4)
MAX_ATTENTION_INSTANCES = 64  # the search's range of x in xAyF
MAX_FFN_INSTANCES = 16  # ... and of y
MAX_MICRO_BATCH = 65536  # requests per micro-batch a user may set
MICRO_BATCH_GRID = np.unique(np.round(np.geomspace(16, 16384, 64) / 16) * 16).astype(float)  # ~12% apart


def layout_label(attention_instances, ffn_instances) -> str:
    """The paper's xAyF notation: '2A2F'."""
    return f"{int(attention_instances)}A{int(ffn_instances)}F"


MAX_LAYOUT = layout_label(MAX_ATTENTION_INSTANCES, MAX_FFN_INSTANCES)  # the search's largest ratio
# The A:F choice a user may fix (else searched): x, y of xAyF and the requests per micro-batch.
RATIO = {
    "attention_instances": Quantity("attention_instances", "Attention instances (x)", "", 1.0, "attention_instances",
                                    minimum=1, maximum=MAX_ATTENTION_INSTANCES, integer=True, step=1),
    "ffn_instances": Quantity("ffn_instances", "FFN instances (y)", "", 1.0, "ffn_instances", minimum=1,
                              maximum=MAX_FFN_INSTANCES, integer=True, step=1),
    "micro_batch": Quantity("micro_batch", "Micro-batch", "requests", 1.0, "micro_batch", minimum=1,
                            maximum=MAX_MICRO_BATCH, integer=True, step=16,
                            description="Requests per micro-batch; the total batch is this x the micro-batches"),
}


def _fraction(label: str, key: str, default: float, description: str):
    return quantity(label, "", 1.0, key, default=default, maximum=1.0, step=0.01, description=description)


@dataclass(frozen=True)
class Efficiency:
    """Fractions of peak reached in practice, (0, 1]. ``hbm`` and ``flops`` time the FFN side,
    ``network`` the scale-out NICs; the attention side is timed by the attention chip's kernel
    efficiencies (``costmodel.kernels``, fitted to the paper's Tables 8 and 9) unless the setup
    asks for ``attention_timing='efficiency'``, which times it with ``hbm``, ``lowbit_kv``,
    ``flops`` (and ``network`` for the scale-up link) as one uniform roofline. Defaults: one
    documented Hopper set, calibrated on the paper's Table 8 deployments."""

    hbm: float = _fraction("HBM efficiency", "hbm_efficiency", 0.63,
                           "HBM bandwidth reached by weight and KV reads (fraction of peak)")
    lowbit_kv: float = _fraction("Low-bit KV read efficiency", "lowbit_kv_efficiency", 0.71,
                                 "Reading KV stored below 16 bits reaches this fraction of the HBM efficiency "
                                 "(dequantization inside the attention kernel)")
    flops: float = _fraction("FLOP/s efficiency", "flops_efficiency", 0.7,
                             "Dense FLOP/s reached by GEMMs and attention math (fraction of peak)")
    network: float = _fraction("Network efficiency", "network_efficiency", 0.8,
                               "Scale-out bandwidth reached (the paper's measured 40 of 50 GB/s per 400 Gb/s NIC, §5.4)")

    def __post_init__(self):
        for spec in quantities(Efficiency):
            object.__setattr__(self, spec.name, spec.check(getattr(self, spec.name)))


KERNEL_TIMED = ("hbm", "lowbit_kv", "flops")  # Efficiency factors the kernel sets replace under 'kernels' timing


def check_timing(timing: str, efficiency: Efficiency, field: str) -> None:
    """Refuse efficiency factors that would not be used: under 'kernels' timing the chips' kernel
    sets time every kernel, so only the network factor applies (InputError naming the factor)."""
    if timing != "kernels":
        return
    for spec in quantities(Efficiency):
        if spec.name in KERNEL_TIMED and getattr(efficiency, spec.name) != getattr(Efficiency(), spec.name):
            raise InputError(spec.key, f"{spec.label} times the deployment only with {field} 'efficiency'; with "
                                       f"'kernels' the chips' fitted kernel efficiencies do (set {field} to "
                                       f"'efficiency' to use it)")


def check_mtp(tokens: int, accept: float, field: str = "mtp_accept") -> None:
    """Refuse more accepted tokens per step than decoded (InputError naming ``field``)."""
    if accept > tokens:
        raise InputError(field, f"accepted tokens per step ({accept:g}) cannot exceed the tokens decoded per step "
                                f"({tokens})")


@dataclass(frozen=True)
class AFDSetup:
    """Everything but the instance counts and the micro-batch. Each value is declared once
    (label, unit, valid range: ``declared(AFDSetup)``); inputs of the dashboard and options of
    the command line derive from these declarations. Bandwidths in bytes/s per GPU (None: the
    chip's own scale-out figure); ``kv_dtype`` None stores KV in ``attention_dtype``."""

    model: ModelSpec
    attention_chip: Chip
    ffn_chip: Chip
    context: float = quantity("Average context", "tokens", 1.0, "context", minimum=1, maximum=MAX_CONTEXT, step=1024)
    tpot_s: float = quantity("TPOT target", "ms", 1e-3, "tpot_ms", default=0.050, minimum=1, maximum=10000, step=5,
                             description="Time per output token the deployment must meet")
    stages: int = choice("Pipeline stages", STAGES, "stages", default=3,
                         description="3: attention, network, FFN. 4: attention, A->F, FFN, F->A")
    micro_batches: int = quantity("Micro-batches in flight", "", 1.0, "micro_batches", default=3, minimum=1,
                                  maximum=16, integer=True, step=1)
    attention_gpus: int = quantity("GPUs per attention instance", "", 1.0, "attention_gpus", default=8, minimum=1,
                                   maximum=64, integer=True, step=1)
    ffn_gpus: int = quantity("GPUs per FFN instance", "", 1.0, "ffn_gpus", default=8, minimum=1, maximum=64,
                             integer=True, step=1)
    attention_dtype: str = choice("Attention precision", ("fp8", "bf16"), "attention_dtype", default="fp8",
                                  description="Attention math and, unless set apart, KV format")
    kv_dtype: str | None = choice("KV-cache precision", (None, "fp8", "bf16", "fp4"), "kv_dtype", default=None,
                                  description="None: as the attention precision")
    weight_dtype: str = choice("Weight precision", ("fp8", "bf16", "fp4", "int8", "int4"), "weight_dtype",
                               default="fp8")
    ffn_parallel: str = choice("FFN parallelism", FFN_PARALLEL, "ffn_parallel", default="tp+ep",
                               description="TP inside an instance, EP across instances (TP+EP), or one of them")
    attention_net_bytes_per_s: float | None = quantity(
        "Network per attention GPU", "GB/s", 1e9, "attention_net_gbps", required=False, minimum=0.1, maximum=10000,
        step=5, description="Scale-out bandwidth of each attention GPU; empty: the chip's own")
    ffn_net_bytes_per_s: float | None = quantity(
        "Network per FFN GPU", "GB/s", 1e9, "ffn_net_gbps", required=False, minimum=0.1, maximum=10000, step=5,
        description="Scale-out bandwidth of each FFN GPU; empty: the chip's own")
    efficiency: Efficiency = field(default_factory=Efficiency)
    memory_fraction: float = quantity("Usable memory", "", 1.0, "memory_fraction", default=MEMORY_FRACTION, maximum=1.0,
                                      step=0.01, description="Fraction of the marketed capacity usable for KV and weights")
    layout: str = choice("Attention layout", LAYOUTS, "layout", default="afd",
                         description="Inside an attention instance: afd (the paper's: output projection split over "
                                     "the GPUs, the others replicated, attention data-parallel), dp (every GPU holds "
                                     "every projection and its own requests) or tp (heads and projections split)")
    attention_timing: str = choice("Timing", ATTENTION_TIMING, "attention_timing", default="kernels",
                                   description="kernels: each chip's kernel efficiencies, attention on the attention "
                                               "chip and GEMMs on the FFN chip (fitted to measurements; assumed for "
                                               "chips without them); efficiency: the HBM, FLOP/s and low-bit KV "
                                               "factors as one roofline on both sides")
    mtp_tokens: int = quantity("MTP tokens per step", "", 1.0, "mtp_tokens", default=1, minimum=1, maximum=8,
                               integer=True, step=1, description="Tokens each request decodes per step (k): 1 + drafts")
    mtp_accept: float = quantity("Accepted tokens per step", "", 1.0, "mtp_accept", default=1.0, minimum=1, maximum=8,
                                 step=0.05, description="Mean tokens emitted per step (a, at most k)")
    overlap: float = quantity("Overlap", "", 1.0, "overlap", default=1.0, minimum=0, maximum=1, step=0.05,
                              description="Share of the shorter pipeline stages hidden behind the slowest (1: the "
                                          "paper's pipeline, a slot is the slowest stage; 0: the stages add up)")
    kernels: KernelSet | None = None  # an explicit kernel set for both sides (validation); None: each chip's
    attention_set: KernelSet | None = None  # explicit sets per side (the ends of an assumed range)
    ffn_set: KernelSet | None = None

    def __post_init__(self):
        if not isinstance(self.model, ModelSpec):
            raise InputError("model", f"expected a model, got {type(self.model).__name__}")
        for name in ("attention_chip", "ffn_chip"):
            if not isinstance(getattr(self, name), Chip):
                raise InputError(name, f"expected a chip, got {type(getattr(self, name)).__name__}")
        if not isinstance(self.efficiency, Efficiency):
            raise InputError("efficiency", f"expected efficiency factors, got {type(self.efficiency).__name__}")
        if self.kernels is not None and not isinstance(self.kernels, KernelSet):
            raise InputError("kernels", f"expected a kernel set, got {type(self.kernels).__name__}")
        for name, spec in declared(AFDSetup).items():
            object.__setattr__(self, name, spec.check(getattr(self, name)))
        if self.kv_dtype is None:
            object.__setattr__(self, "kv_dtype", self.attention_dtype)
        check_timing(self.attention_timing, self.efficiency, "attention_timing")
        check_mtp(self.mtp_tokens, self.mtp_accept)
        if self.layout == "tp":
            check_tp_gpus(self.model, self.attention_gpus, "attention_gpus")

    @property
    def layers(self) -> int:
        return self.model.layers

    @property
    def step_layers(self) -> int:
        """Layers one decode step runs: the model's and, with MTP, its draft layer k - 1 times."""
        return self.model.layers + self.mtp_tokens - 1

    @property
    def slots_per_layer(self) -> int:
        return max(self.micro_batches, self.stages)

    @property
    def per_layer_budget_s(self) -> float:
        """Time a layer's slot may take: TPOT x accepted tokens / (max(m, s) x layers per step)."""
        return self.tpot_s * self.mtp_accept / (self.slots_per_layer * self.step_layers)

    @property
    def kernel_set(self) -> KernelSet:
        """The efficiencies that time the attention side (see ``attention_timing``)."""
        return self.attention_set or self._kernels(self.attention_chip)

    @property
    def ffn_kernel_set(self) -> KernelSet:
        """The efficiencies that time the FFN side: the FFN chip's GEMMs (see ``attention_timing``)."""
        return self.ffn_set or self._kernels(self.ffn_chip)

    def _kernels(self, chip: Chip) -> KernelSet:
        if self.kernels is not None:
            return self.kernels
        if self.attention_timing == "efficiency":
            return KernelSet.from_efficiency(self.efficiency)
        return kernel_set(chip)


def a2f_bytes_per_token(hidden: int, routed_experts: int = 0, metadata: bool = True) -> float:
    """A->F bytes per token per layer: FP8 activations (+ FP32 block scales and routing metadata)."""
    extra = (hidden / SCALE_BLOCK) * 4 + routed_experts * ROUTING_BYTES_PER_EXPERT if metadata else 0.0
    return hidden * 1.0 + extra


def f2a_bytes_per_token(hidden: int) -> float:
    """F->A bytes per token per layer: BF16 outputs (the residual stays high-precision)."""
    return hidden * 2.0


def min_moe_sparsity(chip: Chip, hidden: int, layers: int, gpus_per_instance: int = 8,
                     net_bytes_per_s: float | None = None, tpot_s: float = 0.050, stages: int = 3,
                     weight_dtype: str = "fp8") -> float:
    """The paper's Table 7 from the network model: the smallest MoE sparsity S whose
    compute-bound batch B = ridge / (2 S) (8-bit weights) an FFN instance of
    ``gpus_per_instance`` chips can receive and return (A->F FP8 + F->A BF16, no metadata)
    within one layer's share of a pipeline stage (TPOT / stages / layers):
    S >= ridge x (A->F + F->A bytes) x layers / (2 x Net x stage time) = H x FLOPs x L / (Net x BW x 11.1 ms)."""
    per_gpu = chip.net_bytes_per_s if net_bytes_per_s is None else require_positive(net_bytes_per_s, "network bandwidth")
    net = per_gpu * require_positive(gpus_per_instance, "gpus per instance")
    stage_s = require_positive(tpot_s, "tpot") / require_positive(stages, "stages")
    per_token = a2f_bytes_per_token(hidden, metadata=False) + f2a_bytes_per_token(hidden)
    ridge = chip.ridge_point(weight_dtype) * bytes_per_element(weight_dtype)
    return ridge * per_token * layers / (2.0 * net * stage_s)


def _instances_touched(pool: np.ndarray, top_k: int) -> np.ndarray:
    """Expected distinct members of a pool of ``pool`` a token's top_k experts land on."""
    return pool * (1.0 - (1.0 - 1.0 / pool) ** top_k)


@dataclass(frozen=True)
class AFDPlan:
    """Result for arrays of (attention instances, FFN instances, micro-batch), broadcast.
    Times in seconds per layer per micro-batch (averaged over layers); memory in bytes per GPU."""

    setup: AFDSetup
    attention_instances: np.ndarray
    ffn_instances: np.ndarray
    micro_batch: np.ndarray
    attention_s: np.ndarray
    a2f_s: np.ndarray
    f2a_s: np.ndarray
    ffn_s: np.ndarray
    attention_memory_bytes: np.ndarray
    ffn_memory_bytes: np.ndarray
    kv_bytes_per_context_token: float
    attention_kv_memory_bytes: np.ndarray | float = 0.0
    attention_core_s: np.ndarray | float = 0.0
    attention_projections_s: np.ndarray | float = 0.0
    attention_overhead_s: np.ndarray | float = 0.0

    # -- derived -------------------------------------------------------------------------
    @property
    def layout(self) -> str:
        """xAyF of a scalar plan: '2A2F'."""
        return layout_label(self.attention_instances, self.ffn_instances)

    @property
    def stage_names(self) -> tuple[str, ...]:
        return ("attention", "network", "ffn") if self.setup.stages == 3 else ("attention", "a2f", "ffn", "f2a")

    @cached_property
    def stage_s(self) -> dict[str, np.ndarray]:
        """Per-layer time of each pipeline stage."""
        if self.setup.stages == 3:
            return {"attention": self.attention_s, "network": self.a2f_s + self.f2a_s, "ffn": self.ffn_s}
        return {"attention": self.attention_s, "a2f": self.a2f_s, "ffn": self.ffn_s, "f2a": self.f2a_s}

    @cached_property
    def slot_s(self) -> np.ndarray:
        """A layer's pipeline slot: the slowest stage, plus (1 - overlap) of the others."""
        slowest = functools.reduce(np.maximum, self.stage_s.values())
        if self.setup.overlap == 1:
            return slowest
        return slowest + (1.0 - self.setup.overlap) * (sum(self.stage_s.values()) - slowest)

    @cached_property
    def tpot_s(self) -> np.ndarray:
        """Achieved time per output token: max(m, s) x layers per step x the slot / accepted tokens."""
        return self.setup.slots_per_layer * self.setup.step_layers * self.slot_s / self.setup.mtp_accept

    @cached_property
    def gpus(self) -> np.ndarray:
        return self.attention_instances * self.setup.attention_gpus + self.ffn_instances * self.setup.ffn_gpus

    @cached_property
    def total_batch(self) -> np.ndarray:
        return self.micro_batch * self.setup.micro_batches

    @cached_property
    def tokens_per_s(self) -> np.ndarray:
        return self.total_batch / self.tpot_s

    @cached_property
    def tokens_per_gpu_s(self) -> np.ndarray:
        """Achieved decode tokens per GPU per second (at the achieved TPOT)."""
        return self.tokens_per_s / self.gpus

    @cached_property
    def sla_tokens_per_gpu_s(self) -> np.ndarray:
        """Capacity at the SLA: tokens per GPU per second when paced at the target TPOT."""
        return self.total_batch / self.setup.tpot_s / self.gpus

    @cached_property
    def sla_usd_per_mtok(self) -> np.ndarray:
        """USD per 1M tokens when paced at the target TPOT: fewer tokens per second than at the
        achieved TPOT, for the same GPUs, so the cost per token rises by target / achieved."""
        return self.usd_per_mtok * self.setup.tpot_s / self.tpot_s

    @cached_property
    def attention_usd_per_mtok(self) -> np.ndarray:
        s = self.setup
        usd_per_s = self.attention_instances * s.attention_gpus * s.attention_chip.price_usd_per_hour / 3600.0
        return usd_per_s / self.tokens_per_s * 1e6

    @cached_property
    def ffn_usd_per_mtok(self) -> np.ndarray:
        s = self.setup
        usd_per_s = self.ffn_instances * s.ffn_gpus * s.ffn_chip.price_usd_per_hour / 3600.0
        return usd_per_s / self.tokens_per_s * 1e6

    @cached_property
    def usd_per_mtok(self) -> np.ndarray:
        return self.attention_usd_per_mtok + self.ffn_usd_per_mtok

    @property
    def attention_memory_capacity(self) -> float:
        return self.setup.attention_chip.mem_bytes * self.setup.memory_fraction

    @property
    def ffn_memory_capacity(self) -> float:
        return self.setup.ffn_chip.mem_bytes * self.setup.memory_fraction

    @cached_property
    def fits_time(self) -> np.ndarray:
        return self.slot_s <= self.setup.per_layer_budget_s * (1 + 1e-12)

    @cached_property
    def fits_memory(self) -> np.ndarray:
        return (self.attention_memory_bytes <= self.attention_memory_capacity) & (self.ffn_memory_bytes <= self.ffn_memory_capacity)

    @cached_property
    def feasible(self) -> np.ndarray:
        return self.fits_time & self.fits_memory

    @cached_property
    def attention_max_context_tokens_per_gpu(self) -> np.ndarray:
        """Most context tokens (requests x context, one micro-batch; under ``tp`` the instance's
        requests / its GPUs) one attention GPU can serve at this context: the largest instance
        batch whose attention stage fits the per-layer budget (found on ascending grids of
        batches, the stage growing with the batch: to 1/1,048,576 of the answer) and whose KV of all
        micro-batches fits in memory beside the weights."""
        s = self.setup
        g, shape = s.attention_gpus, self.shape
        limit = _limit(s)

        def largest_fitting(candidates):  # candidates (..., n) ascending; the last fitting one, or 0
            ok = _attention_side(s, 1.0, candidates)["attention_s"] <= limit
            count = ok.sum(axis=-1)  # a prefix: the stage grows with the batch
            return np.where(count > 0, np.take_along_axis(candidates, np.maximum(count - 1, 0)[..., None], -1)[..., 0],
                            0.0)

        # three vectorized passes instead of a scalar bisection: powers of two (the latency model takes
        # at most 16M requests), then twice 1,024 steps up to the next power
        grid = np.broadcast_to(2.0 ** np.arange(0, 24), (*shape, 24))  # up to 8M requests: the batch limit
        low = largest_fitting(grid)
        width = np.maximum(low, 1.0)  # the answer is below low + width (the next power of two)
        steps = np.linspace(0.0, 1.0, 1025)[1:]
        for _ in range(2):
            found = largest_fitting(low[..., None] + width[..., None] * steps)
            low, width = np.maximum(low, found), width / 1024.0
        by_time = low / g * s.context
        weights = self.attention_memory_bytes - self._kv_memory_bytes
        by_memory = (self.attention_memory_capacity - weights) / (s.micro_batches * self.kv_bytes_per_context_token)
        return np.maximum(np.minimum(by_time, by_memory), 0.0)

    @property
    def _kv_memory_bytes(self) -> np.ndarray:
        return self.attention_kv_memory_bytes

    def constraint_use(self) -> dict[str, np.ndarray]:
        """Each constraint's use of its limit (1.0 = exactly at it): stages vs the per-layer
        budget, memory vs usable HBM."""
        budget = self.setup.per_layer_budget_s
        use = {f"{name} time": t / budget for name, t in self.stage_s.items()}
        if self.setup.overlap < 1:  # the stages not hidden add to the slot
            use["pipeline slot time"] = self.slot_s / budget
        use["attention memory"] = self.attention_memory_bytes / self.attention_memory_capacity
        use["ffn memory"] = self.ffn_memory_bytes / self.ffn_memory_capacity
        return use

    @cached_property
    def shape(self) -> tuple:
        """Broadcast shape of (attention instances, FFN instances, micro-batch)."""
        return np.broadcast_shapes(np.shape(self.attention_instances), np.shape(self.ffn_instances),
                                   np.shape(self.micro_batch))

    def at(self, index) -> "AFDPlan":
        """The plan at one index of the broadcast arrays (scalars inside)."""
        shape = self.shape

        def pick(a):
            return np.broadcast_to(a, shape)[index] if np.ndim(a) else a

        names = ("attention_instances", "ffn_instances", "micro_batch", "attention_s", "a2f_s", "f2a_s", "ffn_s",
                 "attention_memory_bytes", "ffn_memory_bytes", "attention_kv_memory_bytes", "attention_core_s",
                 "attention_projections_s", "attention_overhead_s")
        return replace(self, **{n: np.asarray(pick(getattr(self, n))) for n in names})


@functools.lru_cache(maxsize=64)
def _params(model: ModelSpec):
    return model.params()


@functools.lru_cache(maxsize=256)
def attention_weights_per_gpu(model: ModelSpec, layout: str, gpus: int) -> float:
    """Attention-projection parameters each GPU of an instance holds under ``layout``: all of
    them (dp), all but the output projection's share (afd: it is split over the GPUs), or the
    tensor-parallel share (tp: head-split matrices / gpus, K/V ones by K/V heads, low-rank and
    shared ones whole)."""
    total = 0.0
    for group in model.attention_groups:
        attn = group.attention
        kv_frac = max(attn.kv_heads / gpus, 1.0) / attn.kv_heads
        for p in attn.projections():
            if layout == "dp" or (layout == "afd" and p.part != "output"):
                share = 1.0
            elif layout == "afd":
                share = 1.0 / gpus
            else:
                share = {"heads": 1.0 / gpus, "kv_heads": kv_frac, "replicated": 1.0}[p.split]
            total += group.layers * p.params * share
    return total


def _attention_side(s: AFDSetup, x, batch) -> dict:
    """Attention side, per GPU, per layer (averaged), per micro-batch of ``batch`` requests
    over ``x`` instances (arrays broadcast): stage time (max of the GPU's work and the
    layout's communication) and its core, projections and overhead parts, memory per GPU (KV
    of all micro-batches + weights; the KV alone) and KV bytes per request-context token."""
    model, ks = s.model, s.kernel_set
    lat = layer_latency(model, s.attention_chip, s.context, s.attention_gpus, np.asarray(batch, dtype=float) / x,
                        s.layout, kv_dtype=s.kv_dtype, attention_dtype=s.attention_dtype, weight_dtype=s.weight_dtype,
                        kernels=ks, query_tokens=s.mtp_tokens)
    compute = lat.compute_s + ks.afd_overhead_s
    stage = np.maximum(compute, lat.comm_s)
    tokens = np.asarray(batch, dtype=float) / x / s.attention_gpus * s.context  # the GPU's share of the requests
    kv_memory = s.micro_batches * lat.kv_stored_bytes * model.layers
    params = _params(model)
    weights = (attention_weights_per_gpu(model, s.layout, s.attention_gpus) + params.router + params.embedding
               + params.lm_head) * bytes_per_element(s.weight_dtype)
    kv_per_token = float(np.ravel(lat.kv_stored_bytes * model.layers / tokens)[0])
    return {"attention_s": stage, "attention_core_s": lat.core_s, "attention_projections_s": lat.projections_s,
            "attention_overhead_s": lat.overhead_s + ks.afd_overhead_s,
            "attention_memory_bytes": kv_memory + weights, "attention_kv_memory_bytes": kv_memory,
            "kv_bytes_per_context_token": kv_per_token}


FFN_LAUNCHES = 2  # GEMM launches per FFN layer: gate-up and down (grouped over experts; shared experts fused)


def ffn_work(s: AFDSetup, y, batch) -> list[tuple]:
    """The FFN side's work per GPU at 100% efficiency, per layer group: (layers, FLOPs,
    weight bytes read, weight bytes held) for a micro-batch of ``batch`` requests (each
    decoding ``mtp_tokens`` tokens) over ``y`` instances."""
    batch = batch * s.mtp_tokens
    w_bytes = bytes_per_element(s.weight_dtype)
    out = []
    for group in s.model.ffn_groups:
        ffn = group.ffn
        if isinstance(ffn, MoEFFN):
            # tp: every instance holds all experts, tokens split over instances; tp+ep / ep: the
            # experts are split over the y instances and the whole micro-batch comes in
            share = 1 if s.ffn_parallel == "tp" else y
            touched = expected_experts_touched(ffn.n_routed, ffn.top_k, batch / y if s.ffn_parallel == "tp" else batch) / share
            nbytes = (touched * ffn.expert_params() + ffn.shared_params() / share) * w_bytes / s.ffn_gpus
            stored = (ffn.total_params() / share) * w_bytes / s.ffn_gpus
        else:  # dense FFN layers: replicated per instance, TP inside it, tokens split over instances
            nbytes = ffn.total_params() * w_bytes / s.ffn_gpus
            stored = ffn.total_params() * w_bytes / s.ffn_gpus
        flops = (batch / y) * 2.0 * ffn.activated_params() / s.ffn_gpus
        out.append((group.layers, flops, nbytes, stored))
    return out


def _ffn_side(s: AFDSetup, y, batch) -> dict:
    """FFN side, per GPU, per layer (averaged): stage time at the FFN chip's GEMM efficiencies
    (each GEMM launch adding the set's fixed time) and the weights each GPU holds (bytes)."""
    ks = s.ffn_kernel_set
    f_chip = s.ffn_chip
    f_bw = f_chip.mem_bw_bytes_per_s * ks.gemm.hbm
    f_peak = f_chip.peak_flops(f_chip.compute_dtype(s.weight_dtype)) * ks.gemm.flops
    ffn_time = ffn_memory = 0.0
    for layers, flops, nbytes, stored in ffn_work(s, y, batch):
        ffn_time = ffn_time + layers * (np.maximum(flops / f_peak, nbytes / f_bw) + FFN_LAUNCHES * ks.gemm_overhead_s)
        ffn_memory = ffn_memory + layers * stored
    return {"ffn_s": ffn_time / s.model.layers, "ffn_memory_bytes": ffn_memory}


def _routed_top_k(model: ModelSpec) -> int:
    return max((g.ffn.top_k for g in model.ffn_groups if isinstance(g.ffn, MoEFFN)), default=0)


def _network_s_per_byte(s: AFDSetup, x, y) -> np.ndarray:
    """Seconds per request per byte-per-token of a micro-batch: tokens go to the FFN instances
    (tp+ep) or GPUs (ep) holding their experts; the slower of the attention GPUs' and the FFN
    GPUs' NICs sets the time."""
    routed = _routed_top_k(s.model)
    if s.ffn_parallel == "tp" or routed == 0:
        fanout = np.ones_like(y)
    elif s.ffn_parallel == "tp+ep":
        fanout = _instances_touched(y, routed)
    else:
        fanout = _instances_touched(y * s.ffn_gpus, routed)
    a_net = (s.attention_net_bytes_per_s or s.attention_chip.net_bytes_per_s) * s.efficiency.network
    f_net = (s.ffn_net_bytes_per_s or s.ffn_chip.net_bytes_per_s) * s.efficiency.network
    return fanout * np.maximum(1.0 / (x * s.attention_gpus * a_net), 1.0 / (y * s.ffn_gpus * f_net))


def _network_side(s: AFDSetup, x, y, batch, s_per_byte=None) -> dict:
    """A->F and F->A time per layer of a micro-batch of ``batch`` requests (``s_per_byte``:
    ``_network_s_per_byte(s, x, y)`` when the caller has it)."""
    per_byte = batch * s.mtp_tokens * (_network_s_per_byte(s, x, y) if s_per_byte is None else s_per_byte)
    return {"a2f_s": per_byte * a2f_bytes_per_token(s.model.hidden, _routed_top_k(s.model)),
            "f2a_s": per_byte * f2a_bytes_per_token(s.model.hidden)}


def _checked(name: str, values) -> np.ndarray:
    """``values`` as a float array, each finite and >= 1, else InputError naming ``name``."""
    values = np.asarray(values, dtype=float)
    if values.ndim == 0:  # one value (most calls): no array reductions
        ok = math.isfinite(float(values)) and float(values) >= 1
    else:
        ok = values.size > 0 and bool(np.isfinite(values).all()) and bool((values >= 1).all())
    if not ok:
        raise InputError(name, f"must be >= 1, got {values.tolist() if values.size < 8 else '...'}")
    return values


def evaluate(setup: AFDSetup, attention_instances, ffn_instances, micro_batch) -> AFDPlan:
    """Size the AFD pipeline for every broadcast combination of instance counts and micro-batch."""
    x = _checked("attention instances", attention_instances)
    y = _checked("ffn instances", ffn_instances)
    batch = _checked("micro-batch", micro_batch)
    parts = {**_attention_side(setup, x, batch), **_ffn_side(setup, y, batch), **_network_side(setup, x, y, batch)}
    full = lambda a: np.asarray(a, dtype=float)  # noqa: E731  (arrays keep their own broadcastable shapes)
    return AFDPlan(setup=setup, attention_instances=x, ffn_instances=y, micro_batch=batch,
                   kv_bytes_per_context_token=parts.pop("kv_bytes_per_context_token"),
                   **{name: full(value) for name, value in parts.items()})


# -- explanation, search --------------------------------------------------------------------

def _limit(setup: AFDSetup) -> float:
    """The per-layer budget every stage must fit (with float slack, as ``AFDPlan.fits_time``)."""
    return setup.per_layer_budget_s * (1 + 1e-12)
