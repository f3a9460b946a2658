"""Every measured row against the model, in sample and held out; the fit that sets the kernel
efficiencies and the deployments' overlap.

The measured rows (``costmodel.measurements``: data/measurements.toml) are of four kinds, each
modeled through the public API and, for the fit, as an expression of the parameters
(``costmodel.fitting``):

- a Table 9 cell: one attention layer (``latency.layer_latency``);
- a Table 8 Step-3 row: the AFD pipeline's slowest stage per layer implied by its tokens/GPU/s
  (total batch / (TGS x GPUs x slots x layers)), modeled as max(attention compute + the AFD
  extra, attention link time, FFN GEMMs, network) (``afd.evaluate``);
- a kernel benchmark (FlashMLA, DeepGEMM): one kernel's time for the shape given;
- a public decode deployment (``deploy``): tokens/GPU/s;
- a public prefill deployment (``prefill``, ``phase = "prefill"``): new prompt tokens/GPU/s.

Stage 1 fits the kernel parameters (``calibration.PARAMETERS``) to the fitted rows of the first
three kinds; every efficiency stays under the ceiling public kernels reach and compute terms
use each chip's sustained clock. Stage 2 fits one number per phase, the expert-parallel
deployments' overlap in decode and in prefill, to that phase's fitted deployment rows (Hopper
chips, whose kernels stage 1 measured) with the stage-1 sets, by golden-section search on the
same relative least squares. Every fitted row is
also predicted held out (each stage refit without it).

API: ``validate(path=None, chips=None, models=None) -> Validation`` (``.rows``, ``.fit``,
``.sets``, ``.overlaps``, ``.failures()``, ``.deployment_defaults()``); ``speedups(...)``;
``fit(path)``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from . import fitting, library
from .afd import (FFN_LAUNCHES, AFDSetup, _network_side, evaluate, ffn_work)
from .calibration import (DEFAULT_EFFICIENCY, DEFAULT_OVERHEAD_US, FAMILIES, FAMILY_OF_CHIP, LINK_EFFICIENCY,
                          PARAMETERS, TIES, TILE_M, family_sets, lower_bounds, set_for_chip, shown)
from .deploy import DecodeSetup, best_batch, evaluate as evaluate_deployment, max_batch_in_memory
from .prefill import PrefillSetup, evaluate as evaluate_prefill
from .errors import InputError
from .kernels import KernelEfficiency, KernelSet, bracket, kernel_set
from .latency import ideal_parts, layer_latency
from .measurements import Bound, Measurement, load_ceilings, load_clocks, load_measurements

TABLE9_LIMIT = 0.15  # every held-out Table 9 cell must come within this
LIMITS = {"Table 9": TABLE9_LIMIT}  # tables whose held-out errors `validate` enforces
BALANCE_KEY = "ep.balance"  # [[default]] entries of measurements.toml: the balance, and the overlaps not fitted
OVERLAP_DEFAULTS = ("tp.overlap", "tp-prefill.overlap", "afd.overlap")
FITTED_PHASES = ("ep", "ep-prefill")  # deployment rows by phase: each phase's overlap fitted to its rows


def phase_of(row: Measurement) -> str | None:
    """'ep' (decode) or 'ep-prefill' for a deployment row; None for the others."""
    if row.setup.get("deployment") != "ep":
        return None
    return "ep-prefill" if row.setup.get("phase") == "prefill" else "ep"
STARTS = [(e, o) for e in (0.9, 0.7, 0.5) for o in (1.0, 10.0, 40.0)]  # (efficiency, overheads in us)


def _start(eff: float, us: float) -> dict:
    return {name: (1.0 / eff if kind == "eff" else us) for name, (_, kind, _) in PARAMETERS.items()}


# -- rows as expressions of the parameters --------------------------------------------------------------
def _param(key: str, family: str) -> str | None:
    """Parameter name a latency term's key refers to for a chip of ``family`` (None: fixed)."""
    if key == "link":
        return None
    if key in ("overhead", "afd_overhead", "gemm_overhead") or key.startswith("gemm."):
        return key
    name = f"{family}.{key}"
    return TIES.get(name, name)


def _term(key: str, family: str, seconds: float, clock: float) -> tuple:
    """One latency term: compute at the chip's sustained clock, overheads per microsecond."""
    if key == "link":
        return ("c", seconds / LINK_EFFICIENCY)
    if key in ("overhead", "gemm_overhead"):
        return ("t", key, seconds * 1e-6)
    return ("t", _param(key, family), seconds / (clock if key.endswith("flops") else 1.0))


def _compute_terms(parts, family: str, clock: float) -> tuple[list, float]:
    """(the layer's own work as terms, its link seconds)."""
    terms = [("max", [_term(t.key, family, float(np.squeeze(t.seconds)), clock) for t in alts])
             for _, alts in parts.maxima]
    link = 0.0
    for _, t in parts.sums:
        if t.key == "link":
            link += float(np.squeeze(t.seconds)) / LINK_EFFICIENCY
        else:
            terms.append(_term(t.key, family, float(np.squeeze(t.seconds)), clock))
    return terms, link


def _gemm_expr(flops: float, nbytes: float, peak: float, bw: float, clock: float, launches: float) -> tuple:
    return ("sum", [("max", [("t", "gemm.hbm", nbytes / bw), ("t", "gemm.flops", flops / (peak * clock))]),
                    ("t", "gemm_overhead", launches * 1e-6)])


def _afd_setup(row: Measurement, chips: dict, models: dict, kernels: KernelSet | None = None) -> AFDSetup:
    s = row.setup
    model = library.lookup(s["model"], models, f"{row.id}: model")
    chip = library.lookup(s["chip"], chips, f"{row.id}: chip")
    return AFDSetup(model, chip, chip, float(s["context"]), attention_dtype=s.get("attention_dtype", "fp8"),
                    attention_gpus=int(s.get("gpus_per_instance", 8)), ffn_gpus=int(s.get("gpus_per_instance", 8)),
                    layout=s.get("layout", "afd"), kernels=kernels)


def _afd_expr(row: Measurement, chips: dict, models: dict, clock: float) -> tuple:
    """AFD stage: max(attention compute + the AFD extra, its link time, FFN GEMMs, network)."""
    s, family = row.setup, FAMILY_OF_CHIP[row.setup["chip"]]
    setup = _afd_setup(row, chips, models, _placeholder())
    x, y, mb = float(s["attention_instances"]), float(s["ffn_instances"]), float(s["micro_batch"])
    parts, _ = ideal_parts(setup.model, setup.attention_chip, setup.context, setup.attention_gpus, mb / x, "afd",
                           kv_dtype=setup.kv_dtype, attention_dtype=setup.attention_dtype,
                           weight_dtype=setup.weight_dtype, kernels=_placeholder())
    compute, link = _compute_terms(parts, family, clock)
    compute.append(("t", "afd_overhead", 1e-6))
    chip = setup.ffn_chip
    peak, bw = chip.peak_flops(chip.compute_dtype(setup.weight_dtype)), chip.mem_bw_bytes_per_s
    layers = setup.model.layers
    ffn = [("sum", [_gemm_expr(float(flops) * n / layers, float(nbytes) * n / layers, peak, bw, clock, FFN_LAUNCHES * n / layers)])
           for n, flops, nbytes, _ in ffn_work(setup, y, mb)]
    net = _network_side(setup, x, y, mb)
    network = float(net["a2f_s"] + net["f2a_s"]) if setup.stages == 3 else float(max(net["a2f_s"], net["f2a_s"]))
    return ("max", [("sum", compute), ("c", link), ("sum", ffn), ("c", network)])


def _flashmla_work(s: dict) -> tuple[float, float, float]:
    """FlashMLA's benchmark counts (tests/test_flash_mla.py): (FLOPs, bytes, tile padding)."""
    b, seqlen, h, s_q = float(s["batch"]), float(s["seqlen"]), float(s["heads"]), float(s["query_tokens"])
    d, dv = 576.0, 512.0
    flops = s_q * b * seqlen * h * (d + dv) * 2.0
    nbytes = (b * seqlen * d + b * s_q * h * (d + dv)) * 2.0
    rows = h * s_q
    return flops, nbytes, math.ceil(rows / TILE_M - 1e-9) * TILE_M / rows


def _gemm_work(s: dict) -> tuple[float, float]:
    """A GEMM benchmark's (FLOPs, bytes): FP8 inputs, BF16 output, per group."""
    g, m, n, k = (float(s[key]) for key in ("groups", "m", "n", "k"))
    return 2.0 * g * m * n * k, g * (n * k + m * k + 2.0 * m * n)


def _kernel_expr(row: Measurement, chip, clock: float) -> tuple:
    s = row.setup
    if s["kernel"] == "flashmla":
        flops, nbytes, pad = _flashmla_work(s)
        family = FAMILY_OF_CHIP[chip.slug]
        return ("max", [("t", _param("mla.hbm", family), nbytes / chip.mem_bw_bytes_per_s),
                        ("t", _param("mla.flops", family), flops * pad / (chip.peak_flops("bf16") * clock))])
    flops, nbytes = _gemm_work(s)
    return _gemm_expr(flops, nbytes, chip.peak_flops("fp8"), chip.mem_bw_bytes_per_s, clock, 1.0)


def kernel_seconds(row: Measurement, chip, ks: KernelSet) -> float:
    """A kernel benchmark's time with the efficiencies of ``ks`` (at the chip's clock)."""
    s = row.setup
    if s["kernel"] == "flashmla":
        flops, nbytes, pad = _flashmla_work(s)
        return max(nbytes / (ks.mla.hbm * chip.mem_bw_bytes_per_s), flops * pad / (ks.mla.flops * chip.peak_flops("bf16")))
    flops, nbytes = _gemm_work(s)
    return ks.gemm_overhead_s + max(nbytes / (ks.gemm.hbm * chip.mem_bw_bytes_per_s),
                                    flops / (ks.gemm.flops * chip.peak_flops("fp8")))


def _kernel_value(row: Measurement, seconds: float) -> float:
    """A kernel benchmark's published quantity (TFLOPS or GB/s) from its time."""
    s = row.setup
    work = (_flashmla_work(s)[:2] if s["kernel"] == "flashmla" else _gemm_work(s))
    return work[0] / seconds / 1e12 if row.quantity == "kernel_tflops" else work[1] / seconds / 1e9


def row_expression(row: Measurement, chips: dict, models: dict, clocks: dict) -> tuple | None:
    """The row's model as an expression of the stage-1 parameters (None: a deployment row)."""
    s = row.setup
    chip_slug = s.get("chip")
    family = FAMILY_OF_CHIP.get(chip_slug)
    if family is None or s.get("deployment") == "ep":
        return None
    clock = clocks[chip_slug].value if chip_slug in clocks else 1.0
    chip = library.lookup(chip_slug, chips, f"{row.id}: chip")
    if row.quantity == "attention_layer_us":
        model = library.lookup(s["model"], models, f"{row.id}: model")
        parts, _ = ideal_parts(model, chip, s["context"], s["gpus"], s["batch"], s["layout"], kv_dtype=s["kv_dtype"],
                               attention_dtype=s["attention_dtype"], weight_dtype=s["weight_dtype"],
                               kernels=_placeholder())
        terms, link = _compute_terms(parts, family, clock)
        return ("sum", terms + [("c", link)])
    if s.get("deployment") == "afd":
        return _afd_expr(row, chips, models, clock)
    return _kernel_expr(row, chip, clock)


def target_seconds(row: Measurement, models: dict) -> float:
    """What a row's expression predicts: a layer's seconds (Table 9), an AFD stage's seconds
    per layer implied by the measured tokens/GPU/s (Table 8), a kernel's seconds."""
    s = row.setup
    if row.quantity == "attention_layer_us":
        return row.value * 1e-6
    if row.quantity == "tokens_per_gpu_s":
        model = library.lookup(s["model"], models, f"{row.id}: model")
        per = s.get("gpus_per_instance", 8)
        gpus = (s["attention_instances"] + s["ffn_instances"]) * per
        slots = max(s.get("micro_batches", 3), s.get("stages", 3))
        return s["micro_batch"] * s.get("micro_batches", 3) / (row.value * gpus * slots * model.layers)
    work = _flashmla_work(s)[:2] if s["kernel"] == "flashmla" else _gemm_work(s)
    return work[0] / (row.value * 1e12) if row.quantity == "kernel_tflops" else work[1] / (row.value * 1e9)


def _placeholder() -> KernelSet:
    one = KernelEfficiency("placeholder", 1.0, 1.0, TILE_M)
    return KernelSet("fit", "fit", True, one, one, replace(one, tile_m=1), replace(one, tile_m=1), 1.0, 0.0, 0.0)


# -- rows through the public API --------------------------------------------------------------------------
def deployment_setup(row: Measurement, chips: dict, models: dict, kernels: KernelSet | None, overlap: float,
                     balance: float) -> DecodeSetup:
    """The decode deployment a row describes (its own overlap and balance where it states them)."""
    s = row.setup
    return DecodeSetup(
        library.lookup(s["model"], models, f"{row.id}: model"), library.lookup(s["chip"], chips, f"{row.id}: chip"),
        "ep", gpus=int(s["gpus"]), context=float(s.get("context", s.get("input_tokens", 1))),
        redundant_experts=int(s.get("redundant_experts", 0)),
        node_gpus=int(s.get("node_gpus", 8)), kv_dtype=s.get("kv_dtype", "bf16"),
        attention_dtype=s.get("attention_dtype", "bf16"), weight_dtype=s.get("weight_dtype", "fp8"),
        mtp_tokens=int(s.get("mtp_tokens", 1)), mtp_accept=float(s.get("mtp_accept", 1.0)),
        overlap=float(s.get("overlap", overlap)), balance=float(s.get("balance", balance)), kernels=kernels)


def deployment_plan(setup: DecodeSetup, row: Measurement):
    """The plan at the row's batch: given, the largest meeting its TPOT, or the most that fits."""
    s = row.setup
    if "batch_per_gpu" in s:
        return evaluate_deployment(setup, float(s["batch_per_gpu"])).at(0)
    if "tpot_ms" in s:
        plan = best_batch(setup, float(s["tpot_ms"]) * 1e-3)
        if plan is None:
            raise InputError(f"{row.id}: tpot_ms", "no batch meets the target")
        return plan
    return evaluate_deployment(setup, max(1.0, math.floor(max_batch_in_memory(setup)))).at(0)


def prefill_setup(row: Measurement, chips: dict, models: dict, kernels: KernelSet | None, overlap: float,
                  balance: float) -> PrefillSetup:
    """The prefill deployment a row describes."""
    s = row.setup
    deploy = deployment_setup(row, chips, models, kernels, 0.0, balance)
    return PrefillSetup(deploy, input_tokens=int(s["input_tokens"]),
                        cache_hit=float(s.get("cache_hit", 0.0)), tokens_per_gpu=int(s["tokens_per_gpu"]),
                        chunk_tokens=s.get("chunk_tokens"), overlap=float(s.get("overlap", overlap)))


def predict(row: Measurement, sets: dict, clocks: dict, chips: dict, models: dict, overlaps: dict,
            balance: float) -> float:
    """The model's value of a row (its quantity's unit) with the kernel sets ``sets``."""
    s = row.setup
    chip = library.lookup(s["chip"], chips, f"{row.id}: chip")
    ks = set_for_chip(sets, chip.slug, clocks)
    if row.quantity == "attention_layer_us":
        model = library.lookup(s["model"], models, f"{row.id}: model")
        lat = layer_latency(model, chip, s["context"], s["gpus"], s["batch"], s["layout"], kv_dtype=s["kv_dtype"],
                            attention_dtype=s["attention_dtype"], weight_dtype=s["weight_dtype"], kernels=ks)
        return float(lat.latency_s) * 1e6
    if s.get("deployment") == "afd":
        plan = evaluate(_afd_setup(row, chips, models, ks), s["attention_instances"], s["ffn_instances"],
                        s["micro_batch"]).at(())
        return float(plan.tokens_per_gpu_s)
    if phase_of(row) == "ep-prefill":
        plan = evaluate_prefill(prefill_setup(row, chips, models, ks, overlaps["ep-prefill"], balance)).at(0)
        return float(plan.tokens_per_gpu_s)
    if phase_of(row) == "ep":
        plan = deployment_plan(deployment_setup(row, chips, models, ks, overlaps["ep"], balance), row)
        return float(plan.tokens_per_gpu_s)
    return _kernel_value(row, kernel_seconds(row, chip, ks))


# -- validation -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ValidationRow:
    """One measured row and the model: ``in_sample`` with every fitted row, ``held_out`` refit
    without this row (for rows not in the fit: the same as in sample); ``low``/``high``: the
    model at the ends of an assumed kernel set's range (None when the chip's kernels were
    measured). Errors are relative: model / measured - 1."""

    measurement: Measurement
    in_sample: float
    held_out: float
    low: float | None = None
    high: float | None = None

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
                "model_low": self.low, "model_high": self.high,
                "assumed": ", ".join(m.assumed), "notes": m.notes, "source": m.source}


@dataclass(frozen=True)
class Validation:
    """Stage 1's fit (``fit``), the kernel sets it gives (``sets``: hopper, ampere, default, at
    the sustained clock), the ceilings and clocks it used, stage 2's ``overlaps`` (expert
    parallel decode 'ep' and prefill 'ep-prefill') and ``balance`` (published), and every
    measured row (``rows``)."""

    fit: fitting.Fit
    sets: dict
    ceilings: dict
    clocks: dict
    overlaps: dict
    balance: float
    defaults: dict
    rows: tuple[ValidationRow, ...]

    def failures(self) -> list[ValidationRow]:
        """Rows of a table in ``LIMITS`` whose held-out error is over its limit."""
        return [r for r in self.rows if r.measurement.table in LIMITS
                and abs(r.error_held_out) > LIMITS[r.measurement.table]]


    def efficiencies(self) -> dict:
        """Parameter -> fitted value as shown (fractions; us), and the expert-parallel overlaps."""
        return {**shown(self.fit.values), **{f"{phase}.overlap": value for phase, value in self.overlaps.items()}}

    def deployment_defaults(self) -> dict:
        """{'ep' | 'ep-prefill' | 'tp' | 'tp-prefill' | 'afd': {'overlap', 'balance', 'source'}}
        for kernels.toml."""
        out = {}
        for phase, value in self.overlaps.items():
            fitted = ", ".join(r.measurement.id for r in self.rows if r.measurement.fit and phase_of(r.measurement) == phase)
            out[phase] = {"overlap": value, "balance": self.balance,
                          "source": f"overlap fitted to {fitted}; balance: {self.defaults[BALANCE_KEY].source}"}
        for key in OVERLAP_DEFAULTS:
            name = key.split(".")[0]
            out[name] = {"overlap": self.defaults[key].value, "balance": 1.0, "source": self.defaults[key].source}
        return out


def _load(path, chips, models):
    chips = chips if chips is not None else library.chips(path)
    models = models if models is not None else library.models(path)
    return chips, models, load_measurements(path), load_ceilings(path), load_clocks(path)


def _kernel_fit(exprs: dict, targets: dict, lower: dict) -> fitting.Fit:
    """Stage 1 from the fixed starts (never from another fit's end point: a held-out fit that
    started where the full fit ended would inherit the left-out row along flat directions)."""
    return fitting.fit(exprs, targets, lower, [_start(e, o) for e, o in STARTS])


def expressions(measurements, chips: dict, models: dict, clocks: dict) -> tuple[dict, dict]:
    """(id -> expression, id -> target seconds) of every fitted stage-1 row."""
    exprs, targets = {}, {}
    for row in measurements:
        if not row.fit or row.setup.get("deployment") == "ep":
            continue
        expr = row_expression(row, chips, models, clocks)
        if expr is None:
            raise InputError(f"{row.id}: fit", "this row cannot be fitted (its chip has no kernel family)")
        exprs[row.id], targets[row.id] = expr, target_seconds(row, models)
    return exprs, targets


def golden(f, low: float = 0.0, high: float = 1.0, tol: float = 1e-3) -> float:
    """The x in [low, high] minimising ``f`` (golden-section search, the ends included)."""
    ratio = (math.sqrt(5) - 1) / 2
    a, b = high - ratio * (high - low), low + ratio * (high - low)
    fa, fb = f(a), f(b)
    while high - low > tol:
        if fa <= fb:
            high, b, fb = b, a, fa
            a = high - ratio * (high - low)
            fa = f(a)
        else:
            low, a, fa = a, b, fb
            b = low + ratio * (high - low)
            fb = f(b)
    return min((low, (low + high) / 2, high), key=f)


def fit(path=None, chips: dict | None = None, models: dict | None = None) -> fitting.Fit:
    """Stage 1: the kernel parameters fitted to every fitted row of data/measurements.toml."""
    chips, models, measurements, ceilings, clocks = _load(path, chips, models)
    exprs, targets = expressions(measurements, chips, models, clocks)
    return _kernel_fit(exprs, targets, lower_bounds(ceilings))


def _overlap_fit(rows, sets, clocks, chips, models, balance, known: dict | None = None) -> float:
    """Stage 2: the overlap (0..1) minimising the squared relative errors of ``rows`` (one
    phase's; 0.5 when no row is given). ``known``: (row id, overlap) -> the row's prediction,
    kept between the fits of one validation (the same sets, clocks, chips, models and balance):
    the held-out fits search from the same points as the full fit, so most of their
    predictions were already made."""
    if not rows:
        return 0.5
    phase = phase_of(rows[0])
    known = {} if known is None else known

    def model(r, o):
        key = (r.id, o)
        if key not in known:
            known[key] = predict(r, sets, clocks, chips, models, {phase: o}, balance)
        return known[key]

    return golden(lambda o: sum((model(r, o) / r.value - 1.0) ** 2 for r in rows), 0.0, 1.0, 1e-4)


def validate(path=None, chips: dict | None = None, models: dict | None = None) -> Validation:
    """Fit both stages, then every measured row in sample and held out (leave one out: the
    kernel parameters refit without the row, or the overlap refit without a deployment row)."""
    chips, models, measurements, ceilings, clocks = _load(path, chips, models)
    defaults = _defaults(path)
    balance = defaults[BALANCE_KEY].value
    lower = lower_bounds(ceilings)
    exprs, targets = expressions(measurements, chips, models, clocks)
    full = _kernel_fit(exprs, targets, lower)
    sets = family_sets(full.values)
    deployed = {phase: [r for r in measurements if r.fit and phase_of(r) == phase] for phase in FITTED_PHASES}
    known: dict = {}  # the overlap fits' predictions, (row id, overlap) -> value
    overlaps = {phase: _overlap_fit(rows, sets, clocks, chips, models, balance, known)
                for phase, rows in deployed.items()}
    rows = []
    for row in measurements:
        in_sample = predict(row, sets, clocks, chips, models, overlaps, balance)
        held = in_sample
        if row.fit and row.id in exprs:
            loo = _kernel_fit({k: v for k, v in exprs.items() if k != row.id},
                              {k: v for k, v in targets.items() if k != row.id}, lower)
            # a parameter only this row determined takes its documented default, never the row's value
            values = {**{n: _default_without(n) for n in full.values}, **loo.values}
            held = predict(row, family_sets(values), clocks, chips, models, overlaps, balance)
        elif row.fit:
            phase = phase_of(row)
            others = [r for r in deployed[phase] if r.id != row.id]
            held = predict(row, sets, clocks, chips, models,
                           {**overlaps, phase: _overlap_fit(others, sets, clocks, chips, models, balance, known)},
                           balance)
        low = high = None
        chip = library.lookup(row.setup["chip"], chips, f"{row.id}: chip")
        ends = _range_sets(chip, sets, clocks, ceilings)
        if ends is not None:
            low, high = (predict(row, end_sets, end_clocks, chips, models, overlaps, balance)
                         for end_sets, end_clocks in ends)
        rows.append(ValidationRow(row, in_sample, held, low, high))
    return Validation(full, sets, ceilings, clocks, overlaps, balance, defaults, tuple(rows))


def _range_sets(chip, sets: dict, clocks: dict, ceilings: dict):
    """((low sets, low clocks), (high sets, high clocks)) for a chip whose kernels are assumed
    (None when measured), bracketed as ``kernels.bracket`` does from these sets."""
    if not set_for_chip(sets, chip.slug, clocks).assumed:
        return None
    family = next((f for f in FAMILIES if chip.slug in FAMILIES[f]["shares_kernels"]), "default")
    ends = bracket(sets[family], [s for s in sets.values() if not s.assumed],
                   [b.value for b in clocks.values() if not b.assumed], {k: b.value for k, b in ceilings.items()})
    return [({name: ks for name in sets}, {chip.slug: Bound(chip.slug, clock, "range")}) for ks, clock in ends]


def _defaults(path) -> dict[str, Bound]:
    data = library.read_toml("measurements.toml", path)
    out = {}
    for entry in data.get("default", []):
        key = str(entry.get("key", ""))
        value = entry.get("value")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
            raise InputError(f"measurements.toml: default {key}: value", f"must be a fraction from 0 to 1, got {value!r}")
        out[key] = Bound(key, float(value), str(entry.get("source", "")), bool(entry.get("assumed", False)))
    for key in (BALANCE_KEY, *OVERLAP_DEFAULTS):
        if key not in out:
            raise InputError(f"measurements.toml: default {key}", "missing")
    return out


def _default_without(name: str) -> float:
    """A parameter no remaining row determines, held out: its documented default (an
    efficiency of 0.7, an overhead of 0), never the value the left-out row gave."""
    return 1.0 / DEFAULT_EFFICIENCY if PARAMETERS[name][1] == "eff" else DEFAULT_OVERHEAD_US


def speedups(sets: dict[str, KernelSet] | None = None, path=None, chips: dict | None = None,
             models: dict | None = None, context: float = 32768) -> list[dict]:
    """MFA's speedup over each other design on each chip at ``context``, measured (from the
    Table 9 rows of data/measurements.toml) and modeled (``layer_latency`` with each design's
    default layout: MFA and MLA dp, GQA tp; Table 9's setup). ``sets``: the kernel sets at the
    sustained clock (default: the stored ones, data/kernels.toml). Rows: chip, other model,
    measured, model, error."""
    chips = chips if chips is not None else library.chips(path)
    models = models if models is not None else library.models(path)
    clocks = load_clocks(path)
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
        ks = set_for_chip(sets, chip_slug, clocks) if sets is not None else kernel_set(chip, path)

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
