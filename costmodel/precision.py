"""Numeric formats: bytes per element, bit widths, and which peak a chip computes a format at."""
from __future__ import annotations

import math

from .errors import InputError

BYTES_PER_ELEMENT = {
    "fp32": 4.0,
    "bf16": 2.0,
    "fp16": 2.0,
    "fp8": 1.0,
    "int8": 1.0,
    "fp4": 0.5,
    "int4": 0.5,
}

# Storage format -> compute formats to try, best first ("low-bit storage, high-bit compute"
# where the chip lacks the format; the paper: no FP8 on A800/910B, so compute runs in BF16).
COMPUTE_LADDER = {
    "fp4": ("fp4", "fp8", "bf16"),
    "int4": ("int8", "bf16"),
    "fp8": ("fp8", "bf16"),
    "int8": ("int8", "bf16"),
    "bf16": ("bf16",),
    "fp16": ("bf16",),
    "fp32": ("bf16",),
}

BITS_TO_DTYPE = {4: "fp4", 8: "fp8", 16: "bf16", 32: "fp32"}

# The formats a user chooses among (the dashboard's selectors; the command line's options):
KV_FORMATS = ("bf16", "fp8", "fp4")  # a KV cache stored in (each model's own: none of these)
WEIGHT_FORMATS = ("fp8", "bf16", "fp4", "int8", "int4")  # weights stored in (computed at the best the chip has)


def check_dtype(dtype: str, field: str) -> str:
    """Return ``dtype`` lower-cased if known, else raise InputError naming ``field``."""
    name = str(dtype).strip().lower()
    if name not in BYTES_PER_ELEMENT:
        raise InputError(field, f"unknown precision {dtype!r}; choose one of {', '.join(BYTES_PER_ELEMENT)}")
    return name


def bytes_per_element(dtype: str, field: str = "precision") -> float:
    """Bytes one element of ``dtype`` takes in memory."""
    return BYTES_PER_ELEMENT[check_dtype(dtype, field)]


def dtype_for_bits(bits, field: str = "kv-bits") -> str:
    """Storage format for a bit width: 4 -> fp4, 8 -> fp8, 16 -> bf16, 32 -> fp32."""
    try:
        value = float(bits)
    except (TypeError, ValueError):
        raise InputError(field, f"not a number: {bits!r}; choose one of 4, 8, 16, 32") from None
    if not math.isfinite(value) or value not in BITS_TO_DTYPE:
        raise InputError(field, f"unknown precision {bits!r} bits; choose one of 4, 8, 16, 32")
    return BITS_TO_DTYPE[int(value)]
