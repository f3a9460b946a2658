"""Display names and number formats. A chip changed by a slider is marked with ``*``."""
from __future__ import annotations

from costmodel.chips import Chip
from costmodel.model import ModelSpec

MODIFIED_MARK = "*"


def chip_label(chip: Chip) -> str:
    """Short chip name, e.g. 'H800', or 'H800*' when a slider changed it."""
    return chip.slug.upper() + (MODIFIED_MARK if chip.is_modified else "")


FIELD_LABELS = {
    "bf16_flops": "Peak BF16", "fp8_flops": "Peak FP8", "int8_ops": "Peak INT8", "fp4_flops": "Peak FP4",
    "mem_bw_bytes_per_s": "HBM bandwidth", "mem_bytes": "HBM capacity", "net_bytes_per_s": "Scale-out network",
    "price_usd_per_hour": "Price",
}


def modified_summary(chip: Chip) -> str:
    """'H800* (HBM bandwidth, Price)' for a chip a slider changed."""
    return f"{chip_label(chip)} ({', '.join(FIELD_LABELS.get(f, f) for f in sorted(chip.modified))})"


def model_label(model: ModelSpec) -> str:
    return model.name


def si(value: float, unit: str = "", digits: int = 3) -> str:
    """``value`` with an SI prefix: si(2.56e8, 'B') -> '256 MB'."""
    if value == 0:
        return f"0 {unit}".strip()
    prefixes = ((1e15, "P"), (1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k"), (1.0, ""))
    for scale, prefix in prefixes:
        if abs(value) >= scale:
            return f"{value / scale:.{digits}g} {prefix}{unit}".strip()
    return f"{value:.{digits}g} {unit}".strip()


def tokens(context: float) -> str:
    """Context as the paper writes it: 8192 -> '8K', 1048576 -> '1M', 5000 -> '5000'."""
    context = int(round(context))
    if context % (1 << 20) == 0:
        return f"{context >> 20}M"
    if context % 1024 == 0:
        return f"{context >> 10}K"
    return f"{context:,}"
