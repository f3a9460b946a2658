"""The fitted parameters as kernel sets, and ``data/kernels.toml`` written from a fit.

``PARAMETERS`` names every fitted number: per kernel family an HBM and a tensor efficiency
(fractions of the HBM peak and of the chip's sustained tensor peak, each under the ceiling
public kernels reach), a fixed time per GEMM launch, a fixed time per attention layer and the
AFD attention side's extra time per layer. ``family_sets`` turns values into the sets of the
measured families (Hopper, Ampere) and the documented default for every other chip;
``set_for_chip`` puts a chip's sustained clock on its family's set; ``kernels_toml`` writes the
file ``costmodel.kernels`` reads.
"""
from __future__ import annotations

import datetime as _dt
import subprocess
from dataclasses import replace
from pathlib import Path

from . import files
from .errors import InputError
from .kernels import KernelEfficiency, KernelSet

LINK_EFFICIENCY = 0.8  # scale-up link: fraction of its per-direction rate (assumed; NCCL bus bandwidth ~80% of NVLink)
TILE_M = 64  # query rows per attention tile: FA2 split-KV kBlockM = 64 ("fixed for all head dimensions"), FlashMLA 64

# name: (description, kind, ceiling) -- kind 'eff' (a fraction in (0, 1], fitted as its inverse) or 'us'
# (microseconds >= 0); ceiling: the key of the [[ceiling]] that bounds it (None: no ceiling)
PARAMETERS = {
    "hopper.flash.hbm": ("FlashAttention-3 on Hopper: HBM fraction reading a BF16 cache", "eff", "hbm"),
    "hopper.flash.flops": ("FlashAttention-3 on Hopper: fraction of the sustained BF16 tensor peak (FlashAttention-2 "
                           "on Ampere takes it: no Ampere cell is compute-bound)", "eff", "flash.flops"),
    "hopper.flash.hbm_lowbit": ("FlashAttention-3 on Hopper: HBM fraction reading an FP8 cache (Table 8's FP8 "
                                "attention)", "eff", "hbm"),
    "hopper.mla.hbm": ("FlashMLA on Hopper: HBM fraction reading the latent cache", "eff", "hbm"),
    "hopper.mla.flops": ("FlashMLA on Hopper: fraction of the sustained BF16 tensor peak", "eff", "mla.flops"),
    "h20.flash.flops": ("FlashAttention-3 on the H20: fraction of its BF16 tensor peak (a low tensor peak beside "
                        "fast HBM: its kernels reach a larger share than the H800's)", "eff", "h20.flops"),
    "h20.mla.flops": ("FlashMLA on the H20: fraction of its BF16 tensor peak", "eff", "h20.flops"),
    "ampere.flash.hbm": ("FlashAttention-2 on Ampere: HBM fraction reading a BF16 cache", "eff", "hbm"),
    "gemm.hbm": ("GEMMs (FP8 on Hopper, INT8 on Ampere): HBM fraction reading weights", "eff", "hbm"),
    "gemm.flops": ("GEMMs: fraction of the sustained FP8/INT8 tensor peak", "eff", "gemm.flops"),
    "gemm_overhead": ("Fixed time per GEMM launch (prologue, pipeline fill, tail), microseconds", "us", None),
    "overhead": ("Fixed time per attention layer besides its GEMMs (norms, rotary, quantization, launches), "
                 "microseconds", "us", None),
    "afd_overhead": ("AFD attention side's extra time per layer (StepMesh sends and receives, the reduction of "
                     "partial FFN results, router), microseconds", "us", None),
}
# parameters one family takes from another: the H20 runs Hopper's kernels, its HBM fractions are Hopper's
TIES = {"ampere.flash.flops": "hopper.flash.flops", "h20.flash.hbm": "hopper.flash.hbm",
        "h20.flash.hbm_lowbit": "hopper.flash.hbm_lowbit", "h20.mla.hbm": "hopper.mla.hbm"}
DEFAULT_EFFICIENCY, DEFAULT_OVERHEAD_US = 0.7, 0.0  # a parameter no row determines (held out)

KERNEL_NAMES = {
    ("hopper", "flash"): "FlashAttention-3", ("hopper", "mla"): "FlashMLA", ("hopper", "linear"): "linear attention",
    ("hopper", "gemm"): "FP8 GEMM (DeepGEMM class)", ("h20", "flash"): "FlashAttention-3", ("h20", "mla"): "FlashMLA",
    ("h20", "linear"): "linear attention", ("h20", "gemm"): "FP8 GEMM (DeepGEMM class)",
    ("ampere", "flash"): "FlashAttention-2",
    ("ampere", "mla"): "FlashAttention-2 style MQA (no FlashMLA build for SM80)", ("ampere", "linear"): "linear attention",
    ("ampere", "gemm"): "INT8 GEMM", ("default", "flash"): "FlashAttention-class kernel",
    ("default", "mla"): "MLA decode kernel", ("default", "linear"): "linear attention", ("default", "gemm"): "GEMM",
}
FAMILIES = {
    "hopper": {"name": "NVIDIA Hopper (SM90)", "measured": ["h800"], "shares_kernels": ["h100-sxm", "h200"]},
    "h20": {"name": "NVIDIA Hopper (SM90), H20 tensor fractions", "measured": ["h20"], "shares_kernels": []},
    "ampere": {"name": "NVIDIA Ampere (SM80)", "measured": ["a800"], "shares_kernels": ["a100-sxm-80gb"]},
    "default": {"name": "Default for chips without measurements", "measured": [], "shares_kernels": []},
}
FAMILY_OF_CHIP = {chip: fam for fam, entry in FAMILIES.items() for chip in entry["measured"]}


def lower_bounds(ceilings: dict) -> dict:
    """Each parameter's lower bound as the least squares sees it: 1 / ceiling for an
    efficiency (1 without one), 0 for an overhead."""
    out = {}
    for name, (_, kind, cap) in PARAMETERS.items():
        out[name] = (1.0 / (ceilings[cap].value if cap in ceilings else 1.0)) if kind == "eff" else 0.0
    return out


def shown(values: dict) -> dict:
    """Parameter -> value as shown: a fraction for efficiencies, microseconds for overheads."""
    return {name: (1.0 / v if PARAMETERS[name][1] == "eff" else v) for name, v in values.items()}


def _eff(values: dict, name: str) -> float:
    name = TIES.get(name, name)
    return 1.0 / values[name] if name in values else DEFAULT_EFFICIENCY


def family_sets(values: dict) -> dict[str, KernelSet]:
    """The kernel set of every family from fitted parameter values (``values``: inverse
    efficiencies, overheads in us), at the sustained clock (``set_for_chip`` scales it), with
    the documented defaults for what no row measures: Ampere's tensor fraction = Hopper's
    FlashAttention-3 one; a kernel nobody measured (MLA on Ampere, linear attention) = its
    family's FlashAttention values, not fitted; an FP8 cache on Ampere = Ampere's BF16 fraction
    x Hopper's FP8 / BF16 ratio; the ``default`` family = the mean of the fitted families'
    values (MLA: Hopper's)."""
    hop_fa = (_eff(values, "hopper.flash.hbm"), _eff(values, "hopper.flash.flops"))
    h20 = (_eff(values, "h20.flash.flops"), _eff(values, "h20.mla.flops"))
    lowbit = _eff(values, "hopper.flash.hbm_lowbit")
    ratio = lowbit / hop_fa[0]
    amp_fa = (_eff(values, "ampere.flash.hbm"), _eff(values, "ampere.flash.flops"))
    mla = (_eff(values, "hopper.mla.hbm"), _eff(values, "hopper.mla.flops"))
    gemm = (_eff(values, "gemm.hbm"), _eff(values, "gemm.flops"))
    us = {name: values.get(name, DEFAULT_OVERHEAD_US) * 1e-6 for name in ("overhead", "afd_overhead", "gemm_overhead")}
    mean = tuple((a + b) / 2 for a, b in zip(hop_fa, amp_fa))

    def kern(fam, name, hbm_flops, fitted, tile=TILE_M, low=None):
        return KernelEfficiency(KERNEL_NAMES[(fam, name)], float(hbm_flops[0]), float(hbm_flops[1]), tile,
                                None if low is None else float(min(1.0, low)), fitted)

    def kset(fam, flash, flash_low, mla_k, fitted):
        return KernelSet(family=fam, label=FAMILIES[fam]["name"], assumed=not fitted,
                         flash=kern(fam, "flash", flash, fitted, low=flash_low),
                         mla=kern(fam, "mla", mla_k[0], mla_k[1], low=mla_k[0][0] * ratio),
                         linear=kern(fam, "linear", flash, False, tile=1, low=flash_low),
                         gemm=kern(fam, "gemm", gemm, fitted, tile=1), link=LINK_EFFICIENCY,
                         overhead_s=us["overhead"], afd_overhead_s=us["afd_overhead"],
                         gemm_overhead_s=us["gemm_overhead"], measured_chips=tuple(FAMILIES[fam]["measured"]))

    return {"hopper": kset("hopper", hop_fa, lowbit, (mla, True), True),
            "h20": kset("h20", (hop_fa[0], h20[0]), lowbit, ((mla[0], h20[1]), True), True),
            "ampere": kset("ampere", amp_fa, amp_fa[0] * ratio, (amp_fa, False), True),
            "default": kset("default", mean, mean[0] * ratio, (mla, False), False)}


def set_for_chip(sets: dict[str, KernelSet], chip_slug: str, clocks: dict) -> KernelSet:
    """The set a chip uses (its family's; the default for a chip no family lists) at the chip's
    sustained clock (``clocks``: slug -> Bound; 1 without one)."""
    clock = clocks[chip_slug].value if chip_slug in clocks else 1.0
    for fam in ("hopper", "h20", "ampere"):
        if chip_slug in FAMILIES[fam]["measured"]:
            return sets[fam].at_clock(clock)
        if chip_slug in FAMILIES[fam]["shares_kernels"]:
            return replace(sets[fam], assumed=True).at_clock(clock)
    return sets["default"].at_clock(clock)


# -- kernels.toml ---------------------------------------------------------------------------------------------
def _git_commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=Path(__file__).resolve().parent,
                             capture_output=True, text=True, timeout=10)
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def _toml_text(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def kernels_toml(result, ceilings: dict, clocks: dict, deployments: dict, date: str | None = None,
                 commit: str | None = None) -> str:
    """data/kernels.toml's text for a fit (``result``: ``fitting.Fit``; numbers written exactly:
    they read back equal), the ceilings and clocks it respected, and the deployments' defaults
    (``deployments``: name -> {'overlap', 'balance', 'source'})."""
    sets = family_sets(result.values)
    date = date or _dt.date.today().isoformat()
    commit = commit or _git_commit()
    lines = [
        "# Kernel efficiencies per chip family (costmodel.kernels) and deployment defaults (costmodel.deploy),",
        "# written by costmodel.validation:  python -m costmodel validate --write-kernels data/kernels.toml",
        "# Do not edit by hand: tests/unit/test_validation.py refits from data/measurements.toml and",
        "# checks these numbers. Efficiencies: fractions of the HBM peak and of the sustained tensor peak",
        "# (the datasheet peak x the chip's clock below); overheads in microseconds.",
        "",
        "[fit]",
        f'date = "{date}"',
        f'commit = "{commit}"',
        'code = "costmodel/validation.py (validate) with costmodel/fitting.py on costmodel/latency.py (ideal_parts)"',
        'method = "least squares on relative errors, efficiencies under the ceilings public kernels reach and '
        'overheads >= 0: damped Gauss-Newton on the piecewise-linear model, each step a Lawson-Hanson NNLS (numpy), '
        'best of 9 fixed starts"',
        f'rows = "data/measurements.toml rows with fit = true: {", ".join(result.rows)}"',
        f"sum_squared_relative_error = {result.sse!r}",
        f"link_efficiency = {LINK_EFFICIENCY!r}  # assumed, not fitted",
        f"tile_m = {TILE_M}  # assumed from the kernels' sources, not fitted",
        "",
        "[parameters]  # as fitted: fractions; overheads in us",
    ]
    for name, value in shown(result.values).items():
        lines.append(f'"{name}" = {value!r}  # {PARAMETERS[name][0]}')
    for bound in ceilings.values():
        lines += ["", "[[ceiling]]", f"key = {_toml_text(bound.key)}", f"value = {bound.value!r}",
                  f"source = {_toml_text(bound.source)}"]
    for bound in clocks.values():
        lines += ["", "[[clock]]", f"chip = {_toml_text(bound.key)}", f"value = {bound.value!r}",
                  f"assumed = {'true' if bound.assumed else 'false'}", f"source = {_toml_text(bound.source)}"]
    for name, entry in deployments.items():
        lines += ["", f"[deployment.{name}]", f"overlap = {entry['overlap']!r}", f"balance = {entry['balance']!r}",
                  f"source = {_toml_text(entry['source'])}"]
    for slug, ks in sets.items():
        lines += _family_lines(slug, ks)
    return "\n".join(lines) + "\n"


def _family_lines(slug: str, ks: KernelSet) -> list[str]:
    fam = FAMILIES[slug]
    lines = ["", "[[family]]", f'slug = "{slug}"', f'name = "{fam["name"]}"']
    if slug == "default":
        lines += ["default = true",
                  'note = "documented default, assumed: FlashAttention and GEMM values are the mean of the fitted '
                  'families (Hopper on the H800, Ampere); MLA as FlashMLA on Hopper; overheads as fitted"']
    else:
        lines += [f"measured = {fam['measured']!r}".replace("'", '"'),
                  f"shares_kernels = {fam['shares_kernels']!r}".replace("'", '"')]
    lines += [f"link = {ks.link!r}", f"overhead_us = {ks.overhead_s * 1e6!r}",
              f"afd_overhead_us = {ks.afd_overhead_s * 1e6!r}", f"gemm_overhead_us = {ks.gemm_overhead_s * 1e6!r}"]
    for name in ("flash", "mla", "linear", "gemm"):
        k = getattr(ks, name)
        lines += [f"[family.{name}]", f'kernel = "{k.kernel}"', f"hbm = {k.hbm!r}", f"flops = {k.flops!r}",
                  f"tile_m = {k.tile_m}"]
        if k.hbm_lowbit is not None:
            lines.append(f"hbm_lowbit = {k.hbm_lowbit!r}")
        lines.append(f"fitted = {'true' if k.fitted else 'false'}")
    return lines


def write_kernels(target, text: str) -> None:
    """Write ``text`` (``kernels_toml``) to the file ``target`` whole or not at all
    (``files.write_atomic``); InputError naming the path when it cannot be written."""
    try:
        files.write_atomic(Path(target), text.encode())
    except OSError as err:
        raise InputError("--write-kernels", f"cannot write {target}: {err.strerror or err}") from None
