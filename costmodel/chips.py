"""Accelerators: dense peak rates per format, memory, network and price, in SI units."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from .errors import InputError, check_slug
from .fields import quantities, quantity
from .precision import COMPUTE_LADDER, check_dtype

PEAK_FIELDS = {"bf16": "bf16_flops", "fp8": "fp8_flops", "int8": "int8_ops", "fp4": "fp4_flops"}


def _peak(fmt: str, required: bool = False):
    ops = "TOP/s" if fmt == "int8" else "TFLOP/s"
    return quantity(f"Peak {fmt.upper()}", f"dense {ops}", 1e12, f"{fmt}_{ops[:-2].lower()}", required=required,
                    minimum=0.001, maximum=1e6, step=0.1,
                    description=f"Dense (not 2:4 sparse) {fmt.upper()} tensor peak per device"
                                + ("" if required else "; empty where the chip lacks the format"))


@dataclass(frozen=True, kw_only=True)
class Chip:
    """One device (GPU, NPU, accelerator card as sold). All rates dense, per device, SI units.

    The numeric fields are declared once below (``CHIP_FIELDS``: label, unit, valid range,
    slider step, whether a user may change them). ``*_flops``/``int8_ops``: dense peak per
    second, None where the format is unsupported. ``net_bytes_per_s``: scale-out (NIC)
    bandwidth per device, one direction; ``scaleup_bytes_per_s``: scale-up fabric per device,
    both directions summed. ``assumed``: names of fields that are estimates. ``modified``:
    fields changed from the library."""

    slug: str
    name: str
    vendor: str
    source: str
    bf16_flops: float = _peak("bf16", required=True)
    fp8_flops: float | None = _peak("fp8")
    int8_ops: float | None = _peak("int8")
    fp4_flops: float | None = _peak("fp4")
    mem_bw_bytes_per_s: float = quantity("HBM bandwidth", "TB/s", 1e12, "hbm_tbps", minimum=0.001, maximum=1000,
                                         step=0.01, description="Peak device-memory bandwidth")
    mem_bytes: float = quantity("HBM capacity", "GB", 1e9, "hbm_gb", minimum=0.01, maximum=1e6, step=1.0,
                                description="Device memory as marketed (GB = 1e9 bytes)")
    net_bytes_per_s: float = quantity("Scale-out network per GPU", "GB/s", 1e9, "net_gbps", minimum=0.001,
                                      maximum=1e5, step=0.5, description="NIC bandwidth per device, one direction")
    scaleup_bytes_per_s: float | None = quantity(
        "Scale-up link per GPU", "GB/s", 1e9, "scaleup_gbps", required=False, minimum=0.001, maximum=1e6, step=1.0,
        description="NVLink-class fabric per device, both directions summed")
    price_usd_per_hour: float = quantity("Price", "USD/hour", 1.0, "usd_h", minimum=0.0001, maximum=1e4, step=0.01,
                                         description="Rental price per device-hour")
    tdp_w: float | None = quantity("TDP", "W", 1.0, "tdp_w", editable=False, required=False, minimum=1, maximum=1e5,
                                   step=10, description="Maximum power of the device as sold (board or module)")
    purchase_usd: float | None = quantity("Purchase price", "USD", 1.0, "purchase_usd", editable=False, required=False,
                                          minimum=1, maximum=1e8, step=100,
                                          description="Price of one device, to price an hour by ownership")
    assumed: frozenset = frozenset()
    notes: str = ""
    modified: frozenset = frozenset()

    def __post_init__(self):
        check_slug(self.slug, "chip slug")
        where = f"chip {self.slug}"
        for name in ("name", "vendor", "source"):
            if not isinstance(getattr(self, name), str) or not getattr(self, name).strip():
                raise InputError(f"{where}: {name}", "missing or empty")
        for spec in CHIP_FIELDS:
            object.__setattr__(self, spec.name, spec.check(getattr(self, spec.name), f"{where}: {spec.name}"))
        if not isinstance(self.notes, str):
            raise InputError(f"{where}: notes", f"expected text, got {self.notes!r}")
        for name in ("assumed", "modified"):
            names = getattr(self, name)
            if isinstance(names, str) or not all(isinstance(n, str) for n in names):
                raise InputError(f"{where}: {name}", f"expected a list of field names, got {names!r}")
            unknown = set(names) - set(FIELD_BY_NAME)
            if unknown:
                raise InputError(f"{where}: {name}", f"unknown field {sorted(unknown)[0]!r}; "
                                                     f"choose from {', '.join(FIELD_BY_NAME)}")
            object.__setattr__(self, name, frozenset(names))

    def peak_flops(self, dtype: str) -> float | None:
        """Dense peak FLOP/s for ``dtype`` (fp16 = bf16), None if the chip lacks the format."""
        dtype = check_dtype(dtype, "dtype")
        field = PEAK_FIELDS.get("bf16" if dtype in ("fp16", "fp32") else dtype)
        return getattr(self, field) if field else None

    def compute_dtype(self, storage_dtype: str = "fp8") -> str:
        """The format this chip computes ``storage_dtype`` data in: the first it supports on
        the ladder (fp8 weights on A800 compute in bf16, as in the paper)."""
        for candidate in COMPUTE_LADDER[check_dtype(storage_dtype, "weight precision")]:
            if self.peak_flops(candidate) is not None:
                return candidate
        return "bf16"

    def ridge_point(self, dtype: str = "fp8") -> float:
        """FLOPs per byte of HBM traffic at which compute and memory time are equal, computing
        in the format ``compute_dtype(dtype)`` picks."""
        return self.peak_flops(self.compute_dtype(dtype)) / self.mem_bw_bytes_per_s

    def with_changes(self, **changes) -> "Chip":
        """A copy with editable fields changed; changed fields are recorded in ``modified``."""
        for name in changes:
            if name not in EDITABLE_FIELDS:
                raise InputError(f"chip {self.slug}: {name}", f"not an editable field; choose from {', '.join(EDITABLE_FIELDS)}")
        changed = {name for name, value in changes.items() if value != getattr(self, name)}
        return dataclasses.replace(self, **changes, modified=self.modified | changed)

    @property
    def is_modified(self) -> bool:
        return bool(self.modified)


CHIP_FIELDS = quantities(Chip)  # every numeric field, declared once in the class above
FIELD_BY_NAME = {spec.name: spec for spec in CHIP_FIELDS}
EDITABLE_FIELDS = tuple(spec.name for spec in CHIP_FIELDS if spec.editable)


def editable_specs(chip: Chip, weight_dtype: str) -> list:
    """The specs a user changes on ``chip`` (sidebar sliders, sensitivities), from their
    declarations: the peak of the format it computes in for ``weight_dtype``, then every other
    editable field the chip has (memory, network, scale-up, price)."""
    peak, peaks = PEAK_FIELDS[chip.compute_dtype(weight_dtype)], set(PEAK_FIELDS.values())
    return [spec for spec in CHIP_FIELDS if spec.editable and
            (spec.name == peak or (spec.name not in peaks and getattr(chip, spec.name) is not None))]
