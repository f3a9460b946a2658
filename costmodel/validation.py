"""Kernel efficiencies fitted to measurements, and every measured row with its error.

The measured rows live in ``data/measurements.toml`` (the Step-3 paper's Table 9 cells, its
Table 8 rows, DeepSeek-V3's published throughputs), each citing its table and cell. The latency
model (``costmodel.latency``) is linear in the inverse of each efficiency and in the fixed
overheads once it is known which side of each max() binds, so the fit is a least-squares
problem on relative errors, solved deterministically:

    minimise  sum over fitted rows of ((model - measured) / measured)^2
    subject to efficiencies in (0, 1] and overheads >= 0,

by damped Gauss-Newton steps on the piecewise-linear model (each step a bounded linear least
squares, Lawson-Hanson NNLS, numpy only) from a fixed grid of starting points; the best end
point wins. A Table 9 row is one attention layer (seconds); a Table 8 Step-3 row is the AFD
pipeline's slowest stage per layer implied by its tokens/GPU/s (total batch / (TGS x GPUs x
slots x layers)), modeled as max(attention compute + AFD extra, attention link time, FFN,
network). The free parameters (``PARAMETERS``) are few and physical: HBM and tensor
efficiencies of each attention kernel family that the measurements exercise (FlashAttention-3
and FlashMLA on Hopper, FlashAttention-2 on Ampere), FlashAttention-3's HBM efficiency on an FP8
cache (Table 8's FP8 attention), one GEMM HBM and one GEMM tensor efficiency, one fixed
per-layer overhead and the AFD attention side's extra per-layer time. What no measurement
exercises is a documented default (``family_sets``), marked as not fitted. DeepSeek-V3's rows
are checks of an expert-parallel deployment model (``ep_throughput``), not fitted.

API (what the dashboard calls):
- ``validate(path=None, chips=None, models=None) -> Validation``: ``.rows`` (``ValidationRow``:
  measurement, ``in_sample``, ``held_out`` (leave one out), errors, ``as_dict()``), ``.fit``
  (``Fit.efficiencies()``: parameter -> fraction or us), ``.sets`` (family -> ``KernelSet``),
  ``.table9_failures()``;
- ``speedups(...)``: MFA's speedups per chip at 32K, measured and modeled;
- ``load_measurements(path)``, ``fit(path)``, ``PARAMETERS`` (name -> description, kind).
"""
from __future__ import annotations

import datetime as _dt
import math
import subprocess
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from . import files, library
from .afd import (MEMORY_FRACTION, AFDSetup, Efficiency, _ffn_side, _network_side, a2f_bytes_per_token, evaluate,
                  f2a_bytes_per_token)
from .errors import InputError
from .ffn import MoEFFN
from .kernels import KernelEfficiency, KernelSet, kernel_set
from .latency import ideal_parts, layer_latency
from .precision import bytes_per_element

MEASUREMENTS_FILE = "measurements.toml"
LINK_EFFICIENCY = 0.8  # scale-up link: fraction of its per-direction rate (assumed; NCCL bus bandwidth ~80% of NVLink)
TILE_M = 64  # query rows per attention tile: FA2 split-KV kBlockM = 64 ("fixed for all head dimensions"), FlashMLA 64
TABLE9_LIMIT = 0.15  # every held-out Table 9 cell must come within this
FAMILY_OF_CHIP = {"h800": "hopper", "h20": "hopper", "a800": "ampere"}  # chips with measurements

# name: (description, kind) -- kind 'eff' (a fraction in (0, 1], fitted as its inverse) or 'us'
PARAMETERS = {
    "hopper.flash.hbm": ("FlashAttention-3 on Hopper: HBM fraction reading a BF16 cache", "eff"),
    "hopper.flash.flops": ("FlashAttention-3 on Hopper: BF16 tensor fraction (FlashAttention-2 on Ampere takes it: "
                           "no Ampere cell is compute-bound)", "eff"),
    "hopper.flash.hbm_lowbit": ("FlashAttention-3 on Hopper: HBM fraction reading an FP8 cache (Table 8's FP8 "
                                "attention)", "eff"),
    "hopper.mla.hbm": ("FlashMLA on Hopper: HBM fraction reading the BF16 latent cache", "eff"),
    "hopper.mla.flops": ("FlashMLA on Hopper: BF16 tensor fraction", "eff"),
    "ampere.flash.hbm": ("FlashAttention-2 on Ampere: HBM fraction reading a BF16 cache", "eff"),
    "gemm.hbm": ("Projection GEMMs (FP8 on Hopper, INT8 on Ampere): HBM fraction reading weights", "eff"),
    "gemm.flops": ("Projection GEMMs: tensor fraction of the FP8/INT8 peak", "eff"),
    "overhead": ("Fixed time per layer (kernel launches, norms, rotary, quantization), microseconds", "us"),
    "afd_overhead": ("AFD attention side's extra time per layer (StepMesh sends and receives, the reduction of "
                     "partial FFN results, router), microseconds", "us"),
}
TIES = {"ampere.flash.flops": "hopper.flash.flops"}


# -- measurements ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Measurement:
    """One measured row. ``quantity``: 'attention_layer_us' (Table 9) or 'tokens_per_gpu_s'
    (Table 8, DeepSeek-V3); ``setup``: the row's own keys (model, chip, context, ...);
    ``fit``: one of the rows the efficiencies are fitted to; ``assumed``: what its deployment
    takes without a published figure."""

    id: str
    table: str
    cell: str
    quantity: str
    value: float
    fit: bool
    setup: dict
    source: str = ""
    notes: str = ""
    assumed: tuple[str, ...] = ()

    @property
    def unit(self) -> str:
        return "us" if self.quantity == "attention_layer_us" else "tokens/GPU/s"


QUANTITIES = ("attention_layer_us", "tokens_per_gpu_s")
_ROW_KEYS = {"id", "table", "cell", "quantity", "value", "fit", "source", "notes", "assumed"}


def load_measurements(path=None) -> tuple[Measurement, ...]:
    """Every ``[[row]]`` of data/measurements.toml (``path``: the data folder)."""
    data = library.read_toml(MEASUREMENTS_FILE, path)
    rows = []
    for i, entry in enumerate(data.get("row", [])):
        where = f"{MEASUREMENTS_FILE}: row {entry.get('id', i + 1)}"
        for key in ("id", "table", "cell", "quantity", "value"):
            if key not in entry:
                raise InputError(f"{where}: {key}", "missing")
        if entry["quantity"] not in QUANTITIES:
            raise InputError(f"{where}: quantity", f"choose one of {', '.join(QUANTITIES)}")
        value = entry["value"]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
            raise InputError(f"{where}: value", f"must be a number > 0, got {value!r}")
        rows.append(Measurement(id=str(entry["id"]), table=str(entry["table"]), cell=str(entry["cell"]),
                                quantity=entry["quantity"], value=float(value), fit=bool(entry.get("fit", False)),
                                setup={k: v for k, v in entry.items() if k not in _ROW_KEYS},
                                source=str(entry.get("source", "")), notes=str(entry.get("notes", "")),
                                assumed=tuple(entry.get("assumed", ()))))
    ids = [r.id for r in rows]
    if len(set(ids)) != len(ids):
        raise InputError(MEASUREMENTS_FILE, "row ids must be unique")
    return tuple(rows)


# -- kernel sets from parameter values ---------------------------------------------------------------
KERNEL_NAMES = {
    ("hopper", "flash"): "FlashAttention-3", ("hopper", "mla"): "FlashMLA", ("hopper", "linear"): "linear attention",
    ("hopper", "gemm"): "FP8 GEMM", ("ampere", "flash"): "FlashAttention-2",
    ("ampere", "mla"): "FlashAttention-2 style MQA (no FlashMLA build for SM80)", ("ampere", "linear"): "linear attention",
    ("ampere", "gemm"): "INT8 GEMM", ("default", "flash"): "FlashAttention-class kernel",
    ("default", "mla"): "MLA decode kernel", ("default", "linear"): "linear attention", ("default", "gemm"): "GEMM",
}
FAMILIES = {
    "hopper": {"name": "NVIDIA Hopper (SM90)", "measured": ["h800", "h20"], "shares_kernels": ["h100-sxm", "h200"]},
    "ampere": {"name": "NVIDIA Ampere (SM80)", "measured": ["a800"], "shares_kernels": ["a100-sxm-80gb"]},
    "default": {"name": "Default for chips without measurements", "measured": [], "shares_kernels": []},
}


def _eff(values: dict, name: str) -> float:
    return 1.0 / values[TIES.get(name, name)]


def family_sets(values: dict) -> dict[str, KernelSet]:
    """The kernel set of every family from fitted parameter values (``values``: inverse
    efficiencies, overheads in us), with the documented defaults for what no row measures:
    Ampere's tensor fraction = Hopper's FlashAttention-3 one; a kernel nobody measured (MLA
    on Ampere, linear attention) = its family's FlashAttention values, not fitted; an FP8
    cache on Ampere = Ampere's BF16 fraction x Hopper's FP8 / BF16 ratio; the ``default``
    family = the mean of the fitted families' values (MLA: Hopper's)."""
    hop_fa = (_eff(values, "hopper.flash.hbm"), _eff(values, "hopper.flash.flops"))
    lowbit = _eff(values, "hopper.flash.hbm_lowbit")
    ratio = lowbit / hop_fa[0]
    amp_fa = (_eff(values, "ampere.flash.hbm"), _eff(values, "ampere.flash.flops"))
    mla = (_eff(values, "hopper.mla.hbm"), _eff(values, "hopper.mla.flops"))
    gemm = (_eff(values, "gemm.hbm"), _eff(values, "gemm.flops"))
    overhead, afd = values["overhead"] * 1e-6, values["afd_overhead"] * 1e-6
    mean = tuple((a + b) / 2 for a, b in zip(hop_fa, amp_fa))

    def kern(fam, name, hbm_flops, fitted, tile=TILE_M, low=None):
        return KernelEfficiency(KERNEL_NAMES[(fam, name)], float(hbm_flops[0]), float(hbm_flops[1]), tile,
                                None if low is None else float(low), fitted)

    def kset(fam, flash, flash_low, mla_k, fitted):
        return KernelSet(family=fam, label=FAMILIES[fam]["name"], assumed=not fitted,
                         flash=kern(fam, "flash", flash, fitted, low=flash_low),
                         mla=kern(fam, "mla", mla_k[0], mla_k[1], low=mla_k[0][0] * ratio),
                         linear=kern(fam, "linear", flash, False, tile=1, low=flash_low),
                         gemm=kern(fam, "gemm", gemm, fitted, tile=1), link=LINK_EFFICIENCY, overhead_s=overhead,
                         afd_overhead_s=afd, measured_chips=tuple(FAMILIES[fam]["measured"]))

    return {"hopper": kset("hopper", hop_fa, lowbit, (mla, True), True),
            "ampere": kset("ampere", amp_fa, min(1.0, amp_fa[0] * ratio), (amp_fa, False), True),
            "default": kset("default", mean, min(1.0, mean[0] * ratio), (mla, False), False)}


def set_for_chip(sets: dict[str, KernelSet], chip_slug: str) -> KernelSet:
    for fam in ("hopper", "ampere"):
        if chip_slug in FAMILIES[fam]["measured"]:
            return sets[fam]
        if chip_slug in FAMILIES[fam]["shares_kernels"]:
            return replace(sets[fam], assumed=True)
    return sets["default"]


# -- the model of a row, as an expression of the parameters ------------------------------------------
# An expression: ("t", key, seconds) a term (seconds at 100% efficiency or, for an overhead, per us),
# ("c", seconds) a constant, ("sum", [...]) or ("max", [...]).

def _param(key: str, family: str) -> str | None:
    """Parameter name a latency term's key refers to for a chip of ``family`` (None: fixed)."""
    if key == "link":
        return None
    if key in ("overhead", "afd_overhead") or key.startswith("gemm."):
        return key
    name = f"{family}.{key}"
    return TIES.get(name, name)


def _latency_expr(parts, family: str) -> tuple:
    terms = [("max", [("t", _param(t.key, family), float(np.squeeze(t.seconds))) for t in alts]) for _, alts in parts.maxima]
    for _, t in parts.sums:
        if t.key == "link":
            terms.append(("c", float(np.squeeze(t.seconds)) / LINK_EFFICIENCY))
        else:
            terms.append(("t", "overhead", float(np.squeeze(t.seconds)) * 1e-6))
    return ("sum", terms)


def _afd_stage_expr(parts, family: str, other_stages_s: float) -> tuple:
    """AFD attention stage: max(compute + the AFD extra, communication), against the other stages."""
    compute = [("max", [("t", _param(t.key, family), float(np.squeeze(t.seconds))) for t in alts])
               for _, alts in parts.maxima]
    comm = 0.0
    for _, t in parts.sums:
        if t.key == "link":
            comm = float(np.squeeze(t.seconds)) / LINK_EFFICIENCY
        else:
            compute.append(("t", "overhead", 1e-6))
    compute.append(("t", "afd_overhead", 1e-6))
    return ("max", [("sum", compute), ("c", comm), ("c", other_stages_s)])


def _evaluate(expr, values: dict) -> float:
    kind = expr[0]
    if kind == "t":
        return expr[2] * values[expr[1]]
    if kind == "c":
        return expr[1]
    parts = [_evaluate(e, values) for e in expr[1]]
    return sum(parts) if kind == "sum" else max(parts)


def _linearize(expr, values: dict, index: dict, coef: np.ndarray) -> float:
    """Adds the binding branch's coefficients to ``coef``; returns its constant part."""
    kind = expr[0]
    if kind == "t":
        coef[index[expr[1]]] += expr[2]
        return 0.0
    if kind == "c":
        return expr[1]
    if kind == "sum":
        return sum(_linearize(e, values, index, coef) for e in expr[1])
    best = max(expr[1], key=lambda e: _evaluate(e, values))
    return _linearize(best, values, index, coef)


# -- bounded least squares ------------------------------------------------------------------------------
def nnls(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """min ||a x - b|| subject to x >= 0 (Lawson and Hanson's active-set method)."""
    m, n = a.shape
    passive = np.zeros(n, dtype=bool)
    x = np.zeros(n)
    w = a.T @ (b - a @ x)
    scale = max(1.0, float(np.max(np.abs(w))) if n else 1.0)
    for _ in range(3 * n + 30):
        candidates = np.where(~passive, w, -np.inf)
        if not (~passive).any() or candidates.max() <= 1e-12 * scale:
            break
        passive[int(np.argmax(candidates))] = True
        while True:
            z = np.zeros(n)
            z[passive] = np.linalg.lstsq(a[:, passive], b, rcond=None)[0]
            if np.all(z[passive] > 0):
                x = z
                break
            neg = passive & (z <= 0)
            alpha = float(np.min(x[neg] / (x[neg] - z[neg])))
            x = x + alpha * (z - x)
            passive &= x > 1e-15
            x[~passive] = 0.0
        w = a.T @ (b - a @ x)
    return x


@dataclass(frozen=True)
class Fit:
    """Fitted parameter values (``values``: inverse efficiencies and overheads in us, as the
    least squares sees them), the rows used, the sum of squared relative errors."""

    values: dict
    rows: tuple[str, ...]
    sse: float

    def efficiencies(self) -> dict:
        """Parameter -> fitted value as shown: a fraction for efficiencies, us for overheads."""
        return {name: (1.0 / v if PARAMETERS[name][1] == "eff" else v) for name, v in self.values.items()}


def _lower(names) -> np.ndarray:
    return np.array([1.0 if PARAMETERS[n][1] == "eff" else 0.0 for n in names])


def _sse(exprs, targets, names, x) -> float:
    values = dict(zip(names, x))
    return float(sum((_evaluate(e, values) / y - 1.0) ** 2 for e, y in zip(exprs, targets)))


def _solve(exprs, targets, names, start) -> tuple[np.ndarray, float]:
    index = {n: i for i, n in enumerate(names)}
    lower = _lower(names)
    y = np.asarray(targets)
    x = np.maximum(start, lower)
    best = _sse(exprs, targets, names, x)
    for _ in range(300):
        values = dict(zip(names, x))
        a = np.zeros((len(exprs), len(names)))
        const = np.zeros(len(exprs))
        for i, e in enumerate(exprs):
            const[i] = _linearize(e, values, index, a[i])
        step = nnls(a / y[:, None], (y - const - a @ lower) / y) + lower - x
        t, moved = 1.0, False
        while t > 1e-6:
            trial = x + t * step
            value = _sse(exprs, targets, names, trial)
            if value < best * (1 - 1e-12) - 1e-300:
                x, best, moved = trial, value, True
                break
            t /= 2
        if not moved:
            break
    return x, best


STARTS = [(e, o) for e in (0.9, 0.7, 0.5) for o in (10.0, 40.0, 100.0)]


def fit_parameters(exprs: dict, targets: dict) -> Fit:
    """Least squares over the rows ``exprs`` (id -> expression) with ``targets`` (id -> measured,
    seconds); parameters no row uses are left out."""
    ids = sorted(exprs)
    used: set = set()

    def collect(e):
        if e[0] == "t":
            used.add(e[1])
        elif e[0] in ("sum", "max"):
            for sub in e[1]:
                collect(sub)

    for i in ids:
        collect(exprs[i])
    names = [n for n in PARAMETERS if n in used]
    rows, ys = [exprs[i] for i in ids], [targets[i] for i in ids]
    best = None
    for eff, over in STARTS:
        start = np.array([1.0 / eff if PARAMETERS[n][1] == "eff" else over for n in names])
        x, value = _solve(rows, ys, names, start)
        if best is None or value < best[1] * (1 - 1e-12):
            best = (x, value)
    return Fit(dict(zip(names, (float(v) for v in best[0]))), tuple(ids), best[1])


# -- rows: the model's expression, and its value through the public API ----------------------------------
def _afd_setup(row: Measurement, chips: dict, models: dict):
    s = row.setup
    model = library.lookup(s["model"], models, f"{row.id}: model")
    chip = library.lookup(s["chip"], chips, f"{row.id}: chip")
    return AFDSetup(model, chip, chip, float(s["context"]), attention_dtype=s.get("attention_dtype", "fp8"),
                    attention_gpus=int(s.get("gpus_per_instance", 8)), ffn_gpus=int(s.get("gpus_per_instance", 8)),
                    layout=s.get("layout", "afd"))


def row_expression(row: Measurement, chips: dict, models: dict, placeholder: KernelSet) -> tuple | None:
    """The row's model as an expression of the parameters (None for rows outside the fit's
    model: DeepSeek-V3's own deployments). ``placeholder`` supplies tile sizes only."""
    s = row.setup
    family = FAMILY_OF_CHIP.get(s.get("chip"))
    if family is None:
        return None
    if row.quantity == "attention_layer_us":
        model = library.lookup(s["model"], models, f"{row.id}: model")
        chip = library.lookup(s["chip"], chips, f"{row.id}: chip")
        parts, _ = ideal_parts(model, chip, s["context"], s["gpus"], s["batch"], s["layout"], kv_dtype=s["kv_dtype"],
                               attention_dtype=s["attention_dtype"], weight_dtype=s["weight_dtype"], kernels=placeholder)
        return _latency_expr(parts, family)
    if s.get("deployment") == "afd":
        setup = _afd_setup(row, chips, models)
        x, y, mb = float(s["attention_instances"]), float(s["ffn_instances"]), float(s["micro_batch"])
        parts, _ = ideal_parts(setup.model, setup.attention_chip, setup.context, setup.attention_gpus, mb / x, "afd",
                               kv_dtype=setup.kv_dtype, attention_dtype=setup.attention_dtype,
                               weight_dtype=setup.weight_dtype, kernels=placeholder)
        ffn = float(_ffn_side(setup, y, mb)["ffn_s"])
        net = _network_side(setup, x, y, mb)
        network = float(net["a2f_s"] + net["f2a_s"]) if setup.stages == 3 else float(max(net["a2f_s"], net["f2a_s"]))
        return _afd_stage_expr(parts, family, max(ffn, network))
    return None


def _target_seconds(row: Measurement, models: dict) -> float:
    """What the expression of a row predicts: a layer's seconds (Table 9) or an AFD stage's
    seconds per layer implied by the measured tokens/GPU/s (Table 8)."""
    if row.quantity == "attention_layer_us":
        return row.value * 1e-6
    s = row.setup
    model = library.lookup(s["model"], models, f"{row.id}: model")
    gpus = s["attention_instances"] * s.get("gpus_per_instance", 8) + s["ffn_instances"] * s.get("gpus_per_instance", 8)
    slots = max(s.get("micro_batches", 3), s.get("stages", 3))
    total = s["micro_batch"] * s.get("micro_batches", 3)
    return total / (row.value * gpus * slots * model.layers)


def predict(row: Measurement, sets: dict[str, KernelSet], chips: dict, models: dict) -> float:
    """The model's value of a row (its quantity's unit) with the kernel sets ``sets``, through
    the public API: ``latency.layer_latency``, ``afd.evaluate``, or the EP model."""
    s = row.setup
    if row.quantity == "attention_layer_us":
        model = library.lookup(s["model"], models, f"{row.id}: model")
        chip = library.lookup(s["chip"], chips, f"{row.id}: chip")
        lat = layer_latency(model, chip, s["context"], s["gpus"], s["batch"], s["layout"], kv_dtype=s["kv_dtype"],
                            attention_dtype=s["attention_dtype"], weight_dtype=s["weight_dtype"],
                            kernels=set_for_chip(sets, chip.slug))
        return float(lat.latency_s) * 1e6
    if s.get("deployment") == "afd":
        setup = _afd_setup(row, chips, models)
        setup = replace(setup, kernels=set_for_chip(sets, setup.attention_chip.slug))
        plan = evaluate(setup, s["attention_instances"], s["ffn_instances"], s["micro_batch"]).at(())
        return float(plan.tokens_per_gpu_s)
    if s.get("deployment") == "ep":
        return ep_throughput(row, sets, chips, models)["tokens_per_gpu_s"]
    raise InputError(f"{row.id}: deployment", f"unknown deployment {s.get('deployment')!r}")


# -- DeepSeek-V3's own deployment: DP attention + EP MoE on the same GPUs -------------------------------------
def ep_throughput(row: Measurement, sets: dict[str, KernelSet], chips: dict, models: dict,
                  overlap: bool = True) -> dict:
    """Tokens/GPU/s of an expert-parallel deployment (DeepSeek's decode: every GPU runs DP
    attention for its own requests and its share of the routed experts plus the shared
    expert; two micro-batches overlap compute with the all-to-all). Per MoE layer:
    max(attention + experts, dispatch + combine over the NIC) (``overlap`` False: their sum,
    the all-to-all not hidden); dense layers: attention + FFN.
    The batch per GPU is the row's ``batch_per_gpu``, or the largest whose time per token
    meets ``tpot_ms`` and whose KV fits beside the weights. Experts use the AFD efficiency
    factors (FFN side); dispatch sends each token once per routed expert (DeepEP's
    low-latency mode), FP8 plus scales, the combine returns BF16."""
    s = row.setup
    model = library.lookup(s["model"], models, f"{row.id}: model")
    chip = library.lookup(s["chip"], chips, f"{row.id}: chip")
    ks = set_for_chip(sets, chip.slug)
    eff = Efficiency()
    n_gpus, redundant = float(s["gpus"]), float(s.get("redundant_experts", 0))
    kv_dtype, context = s.get("kv_dtype", "bf16"), float(s["context"])
    peak = chip.peak_flops(chip.compute_dtype("fp8")) * eff.flops
    bw = chip.mem_bw_bytes_per_s * eff.hbm
    net = chip.net_bytes_per_s * eff.network
    w_bytes = bytes_per_element("fp8")

    def tpot(batch):
        attention = layer_latency(model, chip, context, 1, batch, "dp", kv_dtype=kv_dtype, attention_dtype="bf16",
                                  weight_dtype="fp8", kernels=ks).latency_s
        total = 0.0
        for group in model.ffn_groups:
            ffn = group.ffn
            if isinstance(ffn, MoEFFN):
                experts = (ffn.n_routed + redundant) / n_gpus
                flops = 2.0 * batch * (ffn.top_k * ffn.expert_params() + ffn.shared_params())
                weights = (experts * ffn.expert_params() + ffn.shared_params()) * w_bytes
                sent = batch * ffn.top_k * (a2f_bytes_per_token(model.hidden, 1) + f2a_bytes_per_token(model.hidden))
                compute = attention + np.maximum(flops / peak, weights / bw)
                layer = np.maximum(compute, sent / net) if overlap else compute + sent / net
            else:
                layer = attention + np.maximum(2.0 * batch * ffn.activated_params() / peak,
                                               ffn.total_params() * w_bytes / bw)
            total = total + group.layers * layer
        return total

    params = model.params()
    weights = (params.attention + params.router + params.embedding + params.lm_head) * w_bytes
    for group in model.ffn_groups:
        ffn = group.ffn
        per_gpu = ((ffn.n_routed + redundant) / n_gpus * ffn.expert_params() + ffn.shared_params()) \
            if isinstance(ffn, MoEFFN) else ffn.total_params()
        weights += group.layers * per_gpu * w_bytes
    kv_per_request = sum(g.layers * g.attention.kv_stored_elements(context) for g in model.attention_groups) \
        * bytes_per_element(kv_dtype)
    memory_batch = max(0.0, (chip.mem_bytes * MEMORY_FRACTION - weights) / kv_per_request)
    if "batch_per_gpu" in s:
        batch = float(s["batch_per_gpu"])
    else:
        grid = np.arange(1.0, max(2.0, math.floor(memory_batch)) + 1)
        times = tpot(grid)
        ok = grid[(times <= s.get("tpot_ms", 50.0) * 1e-3) & (grid <= memory_batch)]
        batch = float(ok.max()) if ok.size else 1.0
    t = float(tpot(batch))
    return {"batch_per_gpu": batch, "tpot_s": t, "tokens_per_gpu_s": batch / t, "memory_batch": memory_batch}


# -- validation ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ValidationRow:
    """One measured row and the model: ``in_sample`` with every fitted row, ``held_out`` refit
    without this row (for rows not in the fit: the same as in sample). Errors are relative:
    model / measured - 1."""

    measurement: Measurement
    in_sample: float
    held_out: float
    alternative: float | None = None  # EP rows: the model with the all-to-all not hidden behind compute

    @property
    def error_in_sample(self) -> float:
        return self.in_sample / self.measurement.value - 1.0

    @property
    def error_held_out(self) -> float:
        return self.held_out / self.measurement.value - 1.0

    def as_dict(self) -> dict:
        m = self.measurement
        return {"id": m.id, "table": m.table, "cell": m.cell, "quantity": m.quantity, "unit": m.unit,
                "measured": m.value, "model_in_sample": self.in_sample, "model_held_out": self.held_out,
                "error_in_sample": self.error_in_sample, "error_held_out": self.error_held_out, "fitted": m.fit,
                "model_all_to_all_not_hidden": self.alternative,
                "assumed": ", ".join(m.assumed), "source": m.source}


@dataclass(frozen=True)
class Validation:
    """The fit (``fit``), the kernel sets it gives (``sets``: hopper, ampere, default) and every
    measured row (``rows``)."""

    fit: Fit
    sets: dict
    rows: tuple[ValidationRow, ...]

    def table9_failures(self, limit: float = TABLE9_LIMIT) -> list[ValidationRow]:
        return [r for r in self.rows if r.measurement.table == "Table 9" and abs(r.error_held_out) > limit]


def _placeholder() -> KernelSet:
    one = KernelEfficiency("placeholder", 1.0, 1.0, TILE_M)
    return KernelSet("fit", "fit", True, one, one, replace(one, tile_m=1), replace(one, tile_m=1), 1.0, 0.0, 0.0)


def expressions(measurements, chips: dict, models: dict) -> tuple[dict, dict]:
    """(id -> expression, id -> target seconds) of every fitted row."""
    placeholder = _placeholder()
    exprs, targets = {}, {}
    for row in measurements:
        if not row.fit:
            continue
        expr = row_expression(row, chips, models, placeholder)
        if expr is None:
            raise InputError(f"{row.id}: fit", "this row cannot be fitted (its chip has no kernel family)")
        exprs[row.id], targets[row.id] = expr, _target_seconds(row, models)
    return exprs, targets


def fit(path=None, chips: dict | None = None, models: dict | None = None) -> Fit:
    """Fit the parameters to every ``fit = true`` row of data/measurements.toml."""
    chips = chips if chips is not None else library.chips(path)
    models = models if models is not None else library.models(path)
    exprs, targets = expressions(load_measurements(path), chips, models)
    return fit_parameters(exprs, targets)


def validate(path=None, chips: dict | None = None, models: dict | None = None) -> Validation:
    """Refit, then every measured row in sample and held out (leave one out)."""
    chips = chips if chips is not None else library.chips(path)
    models = models if models is not None else library.models(path)
    measurements = load_measurements(path)
    exprs, targets = expressions(measurements, chips, models)
    full = fit_parameters(exprs, targets)
    sets = family_sets(full.values)
    rows = []
    for row in measurements:
        in_sample = predict(row, sets, chips, models)
        held = in_sample
        if row.fit:
            loo = fit_parameters({k: v for k, v in exprs.items() if k != row.id},
                                 {k: v for k, v in targets.items() if k != row.id})
            # a parameter only this row determined takes its documented default, never the row's value
            values = {**{n: _default_without(n) for n in full.values}, **loo.values}
            held = predict(row, family_sets(values), chips, models)
        alternative = None
        if row.setup.get("deployment") == "ep":
            alternative = ep_throughput(row, sets, chips, models, overlap=False)["tokens_per_gpu_s"]
        rows.append(ValidationRow(row, in_sample, held, alternative))
    return Validation(full, sets, tuple(rows))


def _default_without(name: str) -> float:
    """A parameter no remaining row determines, held out: its documented default (an
    efficiency of 0.7, an overhead of 0), never the value the left-out row gave."""
    return 1.0 / 0.7 if PARAMETERS[name][1] == "eff" else 0.0


def speedups(sets: dict[str, KernelSet] | None = None, path=None, chips: dict | None = None,
             models: dict | None = None, context: float = 32768) -> list[dict]:
    """MFA's speedup over each other design on each chip at ``context``, measured (from the
    Table 9 rows of data/measurements.toml) and modeled (``layer_latency`` with each design's
    default layout: MFA and MLA dp, GQA tp; Table 9's setup). ``sets``: the kernel sets (default:
    the stored ones, data/kernels.toml). Rows: chip, other model, measured, model, error."""
    chips = chips if chips is not None else library.chips(path)
    models = models if models is not None else library.models(path)
    cells = {(m.setup["model"], m.setup["chip"]): m for m in load_measurements(path)
             if m.table == "Table 9" and float(m.setup["context"]) == float(context)}
    out = []
    for (slug, chip_slug), m in cells.items():
        kind = {g.attention.kind for g in library.lookup(slug, models, "model").attention_groups}
        mfa = next((c for (s2, c2), c in cells.items() if c2 == chip_slug and
                    {g.attention.kind for g in library.lookup(s2, models, "model").attention_groups} == {"mfa"}), None)
        if mfa is None or kind == {"mfa"}:
            continue
        chip = library.lookup(chip_slug, chips, "chip")
        ks = set_for_chip(sets, chip_slug) if sets is not None else kernel_set(chip, path)

        def latency(row):
            s = row.setup
            return float(layer_latency(library.lookup(s["model"], models, "model"), chip, s["context"], s["gpus"],
                                       s["batch"], None, kv_dtype=s["kv_dtype"], attention_dtype=s["attention_dtype"],
                                       weight_dtype=s["weight_dtype"], kernels=ks).latency_s)

        measured, model = m.value / mfa.value, latency(m) / latency(mfa)
        out.append({"chip": chip_slug, "mfa_model": mfa.setup["model"], "other_model": slug, "context": int(context),
                    "measured": measured, "model": model, "error": model / measured - 1.0,
                    "cells": f"{m.table}: {m.cell} / {mfa.cell}"})
    return out


# -- kernels.toml ---------------------------------------------------------------------------------------------
def _git_commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=Path(__file__).resolve().parent,
                             capture_output=True, text=True, timeout=10)
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def kernels_toml(result: Fit, date: str | None = None, commit: str | None = None) -> str:
    """data/kernels.toml's text for a fit (numbers written exactly: they read back equal)."""
    sets = family_sets(result.values)
    date = date or _dt.date.today().isoformat()
    commit = commit or _git_commit()
    lines = [
        "# Kernel efficiencies per chip family (costmodel.kernels), written by costmodel.validation:",
        "#   python -m costmodel validate --write-kernels data/kernels.toml",
        "# Do not edit by hand: tests/unit/test_validation.py refits from data/measurements.toml and",
        "# checks these numbers. Fractions of peak in (0, 1]; overheads in microseconds per layer.",
        "",
        "[fit]",
        f'date = "{date}"',
        f'commit = "{commit}"',
        'code = "costmodel/validation.py (fit_parameters) on costmodel/latency.py (ideal_parts)"',
        'method = "least squares on relative errors, efficiencies in (0, 1] and overheads >= 0: damped Gauss-Newton '
        'on the piecewise-linear model, each step a Lawson-Hanson NNLS (numpy), best of 9 fixed starts"',
        f'rows = "data/measurements.toml rows with fit = true: {", ".join(result.rows)}"',
        f"sum_squared_relative_error = {result.sse!r}",
        f"link_efficiency = {LINK_EFFICIENCY!r}  # assumed, not fitted",
        f"tile_m = {TILE_M}  # assumed from the kernels' sources, not fitted",
        "",
        "[parameters]  # as fitted: fractions of peak; overheads in us",
    ]
    for name, value in result.efficiencies().items():
        lines.append(f'"{name}" = {value!r}  # {PARAMETERS[name][0]}')
    for slug, ks in sets.items():
        fam = FAMILIES[slug]
        lines += ["", "[[family]]", f'slug = "{slug}"', f'name = "{fam["name"]}"']
        if slug == "default":
            lines += ["default = true",
                      'note = "documented default, assumed: FlashAttention and GEMM values are the mean of the fitted '
                      'families (Hopper, Ampere); MLA as FlashMLA on Hopper; overheads as fitted"']
        else:
            lines += [f"measured = {fam['measured']!r}".replace("'", '"'),
                      f"shares_kernels = {fam['shares_kernels']!r}".replace("'", '"')]
        lines += [f"link = {ks.link!r}", f"overhead_us = {ks.overhead_s * 1e6!r}",
                  f"afd_overhead_us = {ks.afd_overhead_s * 1e6!r}"]
        for name in ("flash", "mla", "linear", "gemm"):
            k = getattr(ks, name)
            lines += [f"[family.{name}]", f'kernel = "{k.kernel}"', f"hbm = {k.hbm!r}", f"flops = {k.flops!r}",
                      f"tile_m = {k.tile_m}"]
            if k.hbm_lowbit is not None:
                lines.append(f"hbm_lowbit = {k.hbm_lowbit!r}")
            lines.append(f"fitted = {'true' if k.fitted else 'false'}")
    return "\n".join(lines) + "\n"


def write_kernels(target, result: Fit) -> None:
    """Write kernels.toml of the fit ``result`` (``fit`` or ``validate(...).fit``) to ``target``
    whole or not at all (``files.write_atomic``); InputError when it cannot be written."""
    try:
        files.write_atomic(Path(target), kernels_toml(result).encode())
    except OSError as err:
        raise InputError("--write-kernels", f"cannot write {target}: {err.strerror or err}") from None

