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

        return cls("efficiency", "AFD efficiency factors (uniform roofline)", True, kernel("attention"),
                   kernel("attention"), kernel("attention"), KernelEfficiency("gemm", efficiency.hbm, efficiency.flops),
                   efficiency.network, 0.0, 0.0, "AFDSetup.efficiency")


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
            source=(entry.get("note", "") + ("; " if entry.get("note") else "") + source) if fitted else entry.get("note", ""),
            measured_chips=tuple(entry.get("measured", ())))
        out[entry["slug"]] = _Family(entry["slug"], values.label, tuple(entry.get("measured", ())),
                                     tuple(entry.get("shares_kernels", ())), values)
    if "default" not in out:
        raise InputError("kernels.toml: family", "needs a 'default' family for chips without measurements")
    return out


@functools.lru_cache(maxsize=8)
def _load(path: str | None) -> dict[str, _Family]:
    """The families of ``path``/kernels.toml; a data folder without one uses the library's
    (kernel efficiencies are calibration, not user data)."""
    folder = data_dir(path)
    if not (folder / KERNELS_FILE).is_file():
        folder = DEFAULT_DATA_DIR
    return _families(read_toml(KERNELS_FILE, folder))


def families(path: str | os.PathLike | None = None) -> dict[str, KernelSet]:
    """Every family's set by slug ('hopper', 'ampere', 'default'), as stored."""
    return {slug: fam.values for slug, fam in _load(None if path is None else str(path)).items()}


def kernel_set(chip: Chip, path: str | os.PathLike | None = None) -> KernelSet:
    """The efficiency set ``chip`` uses: its family's fitted set if the family was measured on
    this chip (``assumed`` False); the family's set marked assumed if the chip shares the
    family's kernels but was not measured; else the documented default, assumed."""
    fams = _load(None if path is None else str(path))
    for fam in fams.values():
        if chip.slug in fam.measured:
            return fam.values
        if chip.slug in fam.shares:
            return replace(fam.values, assumed=True,
                           label=f"{fam.name} (assumed: same kernels, not measured on {chip.slug})")
    default = fams["default"].values
    return replace(default, label=f"{default.label} (assumed: no measurements for {chip.slug})")


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
                     "source": ks.source})
    return rows
