"""Kernel efficiencies per chip family: how close real kernels come to a chip's peaks.

A ``KernelSet`` says, for one family of chips (NVIDIA Hopper, NVIDIA Ampere, or the documented
default for everything else), what fraction of the HBM and tensor peaks each kernel family
reaches at decode: the attention kernels (``flash``: FlashAttention-3 on Hopper, -2 on Ampere,
for GQA/MHA/MQA and MFA; ``mla``: FlashMLA; ``linear``: a linear-attention state update), the
projection GEMMs (``gemm``), the scale-up link (``link``), a fixed per-layer overhead (kernel
launches, norms, rotary, quantization: seconds per layer) and, for AFD, the attention side's
extra per-layer work (``afd_overhead_s``). An attention kernel stacks the query heads that
share one K/V head into tiles of ``tile_m`` rows: fewer heads than that still cost a full tile
of tensor work (Qwen3's 16 heads per KV head in a 64-row tile: 4x the useful FLOPs).

The values live in ``data/kernels.toml``: fitted by ``costmodel.validation.fit`` to the
measurements in ``data/measurements.toml`` (deterministic least squares), with their
provenance. A chip a family lists as measured uses the fitted set (``assumed`` False); a chip
it lists as sharing its kernels but not measured (H100, H200 for Hopper) uses the same values
marked assumed; any other chip (AMD, Ascend, Blackwell, a user's chip) uses the documented
``default`` family, marked assumed. ``kernel_set(chip)`` answers which, ``chip_kernel_rows``
lists it per chip for the dashboard.

Units: fractions in (0, 1]; ``overhead_s`` and ``afd_overhead_s`` in seconds per layer.
"""
from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field, replace

from .chips import Chip
from .errors import InputError
from .library import DEFAULT_DATA_DIR, data_dir, read_toml

KERNELS_FILE = "kernels.toml"
ATTENTION_KERNELS = ("flash", "mla", "linear")  # which kernel family serves each attention design
KERNEL_OF_KIND = {"gqa": "flash", "mfa": "flash", "mla": "mla", "linear": "linear"}


@dataclass(frozen=True)
class KernelEfficiency:
    """One kernel family on one chip family. ``hbm``: fraction of HBM bandwidth its reads reach
    (KV cache or weights) at 16-bit KV; ``hbm_lowbit``: the same for KV stored below 16 bits
    (None: as ``hbm``); ``flops``: fraction of the tensor peak its math reaches; ``tile_m``:
    query rows per tile (1: no tiling loss); ``fitted``: the values come from measurements."""

    kernel: str
    hbm: float
    flops: float
    tile_m: int = 1
    hbm_lowbit: float | None = None
    fitted: bool = False

    def __post_init__(self):
        for name in ("hbm", "flops") + (("hbm_lowbit",) if self.hbm_lowbit is not None else ()):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 1:
                raise InputError(f"kernel {self.kernel}: {name}", f"must be a fraction > 0 and at most 1, got {value!r}")
        if isinstance(self.tile_m, bool) or not isinstance(self.tile_m, int) or self.tile_m < 1:
            raise InputError(f"kernel {self.kernel}: tile_m", f"must be a whole number >= 1, got {self.tile_m!r}")

    def kv_hbm(self, kv_bytes_per_element: float) -> float:
        """HBM fraction reached reading a cache of ``kv_bytes_per_element`` bytes per element."""
        return self.hbm if kv_bytes_per_element >= 2 or self.hbm_lowbit is None else self.hbm_lowbit


@dataclass(frozen=True)
class KernelSet:
    """Every efficiency the latency model uses on one chip. ``family``: slug of the family the
    values come from ('hopper', 'ampere', 'default', 'efficiency' for a set built from AFD
    efficiency factors); ``label``: what to print; ``assumed``: True unless this chip itself
    was measured; ``source``: provenance (measured rows, fit date, code, method)."""

    family: str
    label: str
    assumed: bool
    flash: KernelEfficiency
    mla: KernelEfficiency
    linear: KernelEfficiency
    gemm: KernelEfficiency
    link: float
    overhead_s: float
    afd_overhead_s: float
    source: str = ""
    measured_chips: tuple[str, ...] = field(default=())
    gemm_overhead_s: float = 0.0
    clock: float = 1.0

    def at_clock(self, clock: float) -> "KernelSet":
        """This set on a chip whose tensor cores sustain ``clock`` of the datasheet clock (the
        family's ``flops`` fractions are of the sustained peak): every ``flops`` scaled by it."""
        def scaled(kernel):
            return replace(kernel, flops=kernel.flops * clock)

        return replace(self, flash=scaled(self.flash), mla=scaled(self.mla), linear=scaled(self.linear),
                       gemm=scaled(self.gemm), clock=clock)

    def attention(self, kind: str) -> KernelEfficiency:
        """The kernel that runs attention of design ``kind`` (gqa, mfa, mla, linear)."""
        try:
            return getattr(self, KERNEL_OF_KIND[kind])
        except KeyError:
            raise InputError("attention", f"no kernel for attention design {kind!r}") from None

    @classmethod
    def from_efficiency(cls, efficiency) -> "KernelSet":
        """A uniform set from AFD ``Efficiency`` factors (close to the roofline the AFD sizing used
        before kernel sets; GEMMs now bind matrix by matrix): every read at ``hbm`` (KV below 16
        bits at ``hbm`` x ``lowbit_kv``), every tensor op at ``flops``, the scale-up link at
        ``network``, no overheads, no tile padding."""
        lowbit = efficiency.hbm * efficiency.lowbit_kv

        def kernel(name):
            return KernelEfficiency(name, efficiency.hbm, efficiency.flops, 1, lowbit)

        return cls("efficiency", "efficiency factors (uniform roofline)", True, kernel("attention"),
                   kernel("attention"), kernel("attention"), KernelEfficiency("gemm", efficiency.hbm, efficiency.flops),
                   efficiency.network, 0.0, 0.0, "Efficiency factors")


def _fraction(table: dict, key: str, where: str) -> float:
    value = table.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 1:
        raise InputError(f"{where}: {key}", f"must be a fraction > 0 and at most 1, got {value!r}")
    return float(value)


def _seconds(table: dict, key: str, where: str) -> float:
    value = table.get(key, 0.0)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1e6:
        raise InputError(f"{where}: {key}", f"must be microseconds >= 0, got {value!r}")
    return float(value) * 1e-6


def _kernel(table: dict, where: str, fitted: bool) -> KernelEfficiency:
    if not isinstance(table, dict):
        raise InputError(where, f"expected a table, got {type(table).__name__}")
    lowbit = table.get("hbm_lowbit")
    return KernelEfficiency(str(table.get("kernel", where)), _fraction(table, "hbm", where), _fraction(table, "flops", where),
                            int(table.get("tile_m", 1)), None if lowbit is None else _fraction(table, "hbm_lowbit", where),
                            fitted and bool(table.get("fitted", True)))


@dataclass(frozen=True)
class _Family:
    slug: str
    name: str
    measured: tuple[str, ...]
    shares: tuple[str, ...]
    values: KernelSet


def _families(data: dict) -> dict[str, _Family]:
    try:
        return _parse_families(data)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        if isinstance(exc, InputError):
            raise
        raise InputError(KERNELS_FILE, f"malformed: {exc!r}") from None


def _parse_families(data: dict) -> dict[str, _Family]:
    meta = data.get("fit", {})
    source = (f"fitted {meta.get('date', '?')} by {meta.get('code', 'costmodel.validation.fit')} "
              f"(commit {meta.get('commit', '?')}) to {meta.get('rows', 'data/measurements.toml')}; "
              f"method: {meta.get('method', '?')}")
    out = {}
    for entry in data.get("family", []):
        where = f"kernels.toml: family {entry.get('slug', '?')}"
        fitted = not entry.get("default", False)
        kernels = {name: _kernel(entry.get(name), f"{where}: {name}", fitted) for name in (*ATTENTION_KERNELS, "gemm")}
        values = KernelSet(
            family=entry["slug"], label=entry.get("name", entry["slug"]), assumed=not fitted, **kernels,
            link=_fraction(entry, "link", where), overhead_s=_seconds(entry, "overhead_us", where),
            afd_overhead_s=_seconds(entry, "afd_overhead_us", where),
            gemm_overhead_s=_seconds(entry, "gemm_overhead_us", where),
            source=(entry.get("note", "") + ("; " if entry.get("note") else "") + source) if fitted else entry.get("note", ""),
            measured_chips=tuple(entry.get("measured", ())))
        out[entry["slug"]] = _Family(entry["slug"], values.label, tuple(entry.get("measured", ())),
                                     tuple(entry.get("shares_kernels", ())), values)
    if "default" not in out:
        raise InputError("kernels.toml: family", "needs a 'default' family for chips without measurements")
    return out


@dataclass(frozen=True)
class _Calibration:
    """kernels.toml as read: the families, each chip's sustained tensor clock (fraction of the
    datasheet clock, with its source) and the ceilings (what public kernels reach)."""

    families: dict
    clocks: dict
    ceilings: dict


@functools.lru_cache(maxsize=8)
def _load(path: str | None) -> _Calibration:
    """kernels.toml of ``path`` (a data folder without one uses the library's: kernel
    efficiencies are calibration, not user data)."""
    folder = data_dir(path)
    if not (folder / KERNELS_FILE).is_file():
        folder = DEFAULT_DATA_DIR
    data = read_toml(KERNELS_FILE, folder)
    clocks = {}
    for entry in data.get("clock", []):
        where = f"kernels.toml: clock {entry.get('chip', '?')}"
        clocks[str(entry.get("chip"))] = (_fraction(entry, "value", where), str(entry.get("source", "")),
                                          bool(entry.get("assumed", False)))
    ceilings = {str(entry.get("key")): (_fraction(entry, "value", "kernels.toml: ceiling"), str(entry.get("source", "")))
                for entry in data.get("ceiling", [])}
    return _Calibration(_families(data), clocks, ceilings)


def families(path: str | os.PathLike | None = None) -> dict[str, KernelSet]:
    """Every family's set by slug ('hopper', 'ampere', 'default'), as stored (fractions of the
    sustained peak: ``kernel_set`` scales them by a chip's clock)."""
    return {slug: fam.values for slug, fam in _load(None if path is None else str(path)).families.items()}


def clock(chip_slug: str, path: str | os.PathLike | None = None) -> tuple[float, str, bool]:
    """(sustained tensor clock as a fraction of the datasheet's, source, assumed) of a chip;
    (1.0, ..., True) for a chip without a figure."""
    return _load(None if path is None else str(path)).clocks.get(
        chip_slug, (1.0, "no figure: the datasheet clock", True))


def ceilings(path: str | os.PathLike | None = None) -> dict[str, tuple[float, str]]:
    """{key ('hbm', 'mla.flops', 'flash.flops', 'gemm.flops'): (the fraction public kernels
    reach, its source)}: no fitted efficiency sits above it."""
    return dict(_load(None if path is None else str(path)).ceilings)


def kernel_set(chip: Chip, path: str | os.PathLike | None = None) -> KernelSet:
    """The efficiency set ``chip`` uses, at the chip's sustained clock: its family's fitted set
    if the family was measured on this chip (``assumed`` False); the family's set marked
    assumed if the chip shares the family's kernels but was not measured; else the documented
    default, assumed."""
    cal = _load(None if path is None else str(path))
    at = clock(chip.slug, path)[0]
    for fam in cal.families.values():
        if chip.slug in fam.measured:
            return fam.values.at_clock(at)
        if chip.slug in fam.shares:
            return replace(fam.values, assumed=True,
                           label=f"{fam.name} (assumed: same kernels, not measured on {chip.slug})").at_clock(at)
    default = cal.families["default"].values
    return replace(default, label=f"{default.label} (assumed: no measurements for {chip.slug})").at_clock(at)


# An assumed set's low end: this times the least efficient measured value. A chip running a measured
# family's kernels (H100, H200 on Hopper's) is bracketed tighter than one with no measured kernels at
# all, where the GB200 deployments show 2025 Blackwell software at about half the Hopper-fitted values.
RANGE_FACTOR = {"shared": 0.8, "default": 0.5}
OVERHEAD_RANGE = (2.0, 0.5)  # an assumed set's overheads at its low and high end, times the stored value


def bracket(ks: KernelSet, fitted: list[KernelSet], clocks: list[float], ceilings: dict[str, float]) -> tuple:
    """((low set, low clock), (high set, high clock)) around an assumed set ``ks`` (sustained
    fractions, as ``families`` stores them): low = RANGE_FACTOR x the least efficient value
    among the ``fitted`` families' fitted kernels (a set of a measured family: its own values),
    twice the overheads, the lowest measured clock; high = the ceiling public kernels reach
    (``ceilings``: 'hbm', '<kernel>.flops', 'flops'), half the overheads, the datasheet clock."""
    shared = ks.family != "default"
    factor = RANGE_FACTOR["shared" if shared else "default"]
    fitted = [f for f in fitted if f.family == ks.family] if shared else fitted
    def value(kernel: KernelEfficiency, what: str) -> float:
        return kernel.kv_hbm(1.0) if what == "hbm_lowbit" else getattr(kernel, what)

    def bound(name: str, what: str, low: bool) -> float:
        own = value(getattr(ks, name), what)
        if low:
            measured = [value(getattr(f, name), what) for f in fitted if getattr(f, name).fitted]
            return factor * min(measured or [own])
        cap = ceilings.get(f"{name}.{what}", ceilings.get("hbm" if what.startswith("hbm") else "flops", 1.0))
        return max(cap, own)

    def end(low: bool) -> KernelSet:
        kernels = {name: replace(getattr(ks, name), **{what: bound(name, what, low)
                                                       for what in ("hbm", "flops", "hbm_lowbit")})
                   for name in (*ATTENTION_KERNELS, "gemm")}
        scale = OVERHEAD_RANGE[0 if low else 1]
        return replace(ks, **kernels, overhead_s=ks.overhead_s * scale, gemm_overhead_s=ks.gemm_overhead_s * scale,
                       afd_overhead_s=ks.afd_overhead_s * scale, label=f"{ks.label}, {'low' if low else 'high'} end")

    return (end(True), min(clocks, default=1.0)), (end(False), 1.0)


def kernel_range(chip: Chip, path: str | os.PathLike | None = None) -> tuple[KernelSet, KernelSet] | None:
    """(low, high) efficiency sets, at their clocks, bracketing the assumed set ``chip`` uses
    (``bracket``); None when the chip's kernels were measured."""
    ks = kernel_set(chip, path)
    if not ks.assumed or ks.family == "efficiency":
        return None
    cal = _load(None if path is None else str(path))
    fitted = [fam.values for fam in cal.families.values() if not fam.values.assumed]
    clocks = [value for value, _, assumed in cal.clocks.values() if not assumed]
    sustained = replace(cal.families[ks.family].values, label=ks.label)
    (low, low_clock), (high, high_clock) = bracket(sustained, fitted, clocks,
                                                   {k: v for k, (v, _) in cal.ceilings.items()})
    return low.at_clock(low_clock), high.at_clock(high_clock)


def chip_kernel_rows(chips, path: str | os.PathLike | None = None) -> list[dict]:
    """Per chip: which efficiency set it uses, whether it is assumed, and the values (fractions;
    overheads in microseconds) with their source, as flat rows."""
    rows = []
    for chip in chips:
        ks = kernel_set(chip, path)
        rows.append({"chip": chip.slug, "kernel_set": ks.family, "label": ks.label, "assumed": ks.assumed,
                     "flash_kernel": ks.flash.kernel, "flash_hbm": ks.flash.hbm,
                     "flash_hbm_lowbit": ks.flash.kv_hbm(1.0), "flash_flops": ks.flash.flops,
                     "flash_tile_m": ks.flash.tile_m, "mla_kernel": ks.mla.kernel, "mla_hbm": ks.mla.hbm,
                     "mla_flops": ks.mla.flops, "gemm_hbm": ks.gemm.hbm, "gemm_flops": ks.gemm.flops,
                     "link": ks.link, "overhead_us": ks.overhead_s * 1e6, "afd_overhead_us": ks.afd_overhead_s * 1e6,
                     "gemm_overhead_us": ks.gemm_overhead_s * 1e6, "clock": ks.clock,
                     "clock_source": clock(chip.slug, path)[1], "source": ks.source})
    return rows


DEPLOYMENT_KEYS = ("overlap", "balance")


def deployment_defaults(path: str | os.PathLike | None = None) -> dict[str, dict]:
    """Per deployment ('ep', 'tp', 'afd'): the default ``overlap`` and ``balance`` (fractions)
    and their ``source``, from kernels.toml's ``[deployment.<name>]`` tables (written by
    ``costmodel.validation``: overlap fitted to public deployments, balance as published)."""
    return _deployment_defaults(None if path is None else str(path))


@functools.lru_cache(maxsize=8)
def _deployment_defaults(path: str | None) -> dict[str, dict]:
    folder = data_dir(path)
    if not (folder / KERNELS_FILE).is_file():
        folder = DEFAULT_DATA_DIR
    table = read_toml(KERNELS_FILE, folder).get("deployment")
    if not isinstance(table, dict):
        raise InputError("kernels.toml: deployment", "missing: the deployments' default overlap and balance")
    out = {}
    for name, entry in table.items():
        where = f"kernels.toml: deployment.{name}"
        if not isinstance(entry, dict):
            raise InputError(where, "expected a table")
        values = {}
        for key in DEPLOYMENT_KEYS:
            value = entry.get(key, 1.0)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
                raise InputError(f"{where}: {key}", f"must be a fraction from 0 to 1, got {value!r}")
            values[key] = float(value)
        out[name] = {**values, "source": str(entry.get("source", ""))}
    return out


def assumptions(chip: Chip, ks: KernelSet, path: str | os.PathLike | None = None) -> list[str]:
    """Which inputs of a figure on ``chip`` timed by ``ks`` are estimates: the chip's assumed
    fields, its kernel efficiencies, its sustained clock."""
    out = [f"chip {chip.slug}: {name}" for name in sorted(chip.assumed)]
    if ks.assumed and ks.family != "efficiency":
        out.append(f"chip {chip.slug}: kernel efficiencies ({ks.label})")
    if ks.family != "efficiency" and clock(chip.slug, path)[2]:
        out.append(f"chip {chip.slug}: sustained clock ({clock(chip.slug, path)[1]})")
    return out
