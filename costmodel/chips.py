"""Accelerators: dense peak rates per format, memory, network and price, in SI units."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from .errors import InputError, require_positive
from .precision import COMPUTE_LADDER, check_dtype

PEAK_FIELDS = {"bf16": "bf16_flops", "fp8": "fp8_flops", "int8": "int8_ops", "fp4": "fp4_flops"}
# Fields a user may change (dashboard sliders); the rest identify the chip.
EDITABLE_FIELDS = (
    "bf16_flops", "fp8_flops", "int8_ops", "fp4_flops",
    "mem_bw_bytes_per_s", "mem_bytes", "net_bytes_per_s", "price_usd_per_hour",
)


@dataclass(frozen=True)
class Chip:
    """One device (GPU, NPU, accelerator card as sold). All rates dense, per device.

    ``*_flops``/``int8_ops``: dense peak per second, None where the format is unsupported.
    ``net_bytes_per_s``: scale-out (NIC) bandwidth per device, one direction.
    ``assumed``: names of fields that are estimates. ``modified``: fields changed from the library.
    """

    slug: str
    name: str
    vendor: str
    bf16_flops: float
    mem_bw_bytes_per_s: float
    mem_bytes: float
    net_bytes_per_s: float
    price_usd_per_hour: float
    source: str
    fp8_flops: float | None = None
    int8_ops: float | None = None
    fp4_flops: float | None = None
    scaleup_bytes_per_s: float | None = None
    assumed: frozenset = frozenset()
    notes: str = ""
    modified: frozenset = frozenset()

    def __post_init__(self):
        where = f"chip {self.slug}"
        for name in ("bf16_flops", "mem_bw_bytes_per_s", "mem_bytes", "net_bytes_per_s", "price_usd_per_hour"):
            object.__setattr__(self, name, require_positive(getattr(self, name), f"{where}: {name}"))
        for name in ("fp8_flops", "int8_ops", "fp4_flops", "scaleup_bytes_per_s"):
            if getattr(self, name) is not None:
                object.__setattr__(self, name, require_positive(getattr(self, name), f"{where}: {name}"))
        if not str(self.source).strip():
            raise InputError(f"{where}: source", "every chip needs a source")
        object.__setattr__(self, "assumed", frozenset(self.assumed))
        object.__setattr__(self, "modified", frozenset(self.modified))

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
