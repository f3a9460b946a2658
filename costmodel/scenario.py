"""One frozen Scenario: everything a user sets (models, chips and their overrides, context,
sweep, batch, precisions), validated in one place and serialized with a schema version.

Units: contexts and batch in tokens/requests; chip overrides in the SI units of the Chip
fields they replace (FLOP/s, bytes/s, bytes, USD/hour)."""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field

import numpy as np

from . import library
from .chips import EDITABLE_FIELDS, Chip
from .errors import InputError, require_positive
from .model import ModelSpec
from .precision import check_dtype

SCHEMA_VERSION = 1
MAX_CONTEXT = 1 << 20  # 1M tokens
MIN_CONTEXT = 1
SWEEP_AXES = ("linear", "log")
KV_DTYPES = (None, "bf16", "fp8", "fp4")  # None: each model's own per-layer formats (the paper's)
WEIGHT_DTYPES = ("fp8", "bf16", "fp4")

PAPER_MODELS = ("step-3", "deepseek-v3", "qwen3-235b-a22b")
PAPER_CHIPS = ("h800", "h20", "a800", "910b")


def _context(value, name: str) -> int:
    number = require_positive(value, name)
    if number != int(number):
        raise InputError(name, f"must be a whole number of tokens, got {value!r}")
    if not MIN_CONTEXT <= number <= MAX_CONTEXT:
        raise InputError(name, f"must be between {MIN_CONTEXT} and {MAX_CONTEXT} tokens, got {int(number)}")
    return int(number)


def _slugs(values, known: dict, name: str) -> tuple[str, ...]:
    if isinstance(values, str):
        values = (values,)
    out = []
    for value in values:
        slug = library.lookup(value, known, name).slug
        if slug not in out:
            out.append(slug)
    if not out:
        raise InputError(name + "s", f"choose at least one {name}")
    return tuple(out)


@dataclass(frozen=True)
class Scenario:
    """What the dashboard shows. ``chip_overrides``: ((chip slug, ((field, SI value), ...)), ...),
    only for selected chips and editable fields; hashable so pages can cache on it."""

    models: tuple[str, ...] = PAPER_MODELS
    chips: tuple[str, ...] = PAPER_CHIPS
    chip_overrides: tuple = ()
    context: int = 8192
    sweep_min: int = 8192
    sweep_max: int = 32768
    sweep_axis: str = "linear"
    batch: int = 256
    kv_dtype: str | None = None
    weight_dtype: str = "fp8"
    schema_version: int = field(default=SCHEMA_VERSION, compare=False)

    def __post_init__(self):
        set_ = lambda name, value: object.__setattr__(self, name, value)  # noqa: E731
        set_("models", _slugs(self.models, library.models(), "model"))
        set_("chips", _slugs(self.chips, library.chips(), "chip"))
        set_("context", _context(self.context, "context"))
        set_("sweep_min", _context(self.sweep_min, "sweep_min"))
        set_("sweep_max", _context(self.sweep_max, "sweep_max"))
        if self.sweep_min >= self.sweep_max:
            raise InputError("sweep range", f"start ({self.sweep_min}) must be below end ({self.sweep_max}) tokens")
        if self.sweep_axis not in SWEEP_AXES:
            raise InputError("sweep_axis", f"choose one of {', '.join(SWEEP_AXES)}, got {self.sweep_axis!r}")
        batch = require_positive(self.batch, "batch")
        if batch != int(batch):
            raise InputError("batch", f"must be a whole number of requests, got {self.batch!r}")
        set_("batch", int(batch))
        if self.kv_dtype in ("", "model", "default"):
            set_("kv_dtype", None)
        if self.kv_dtype is not None:
            set_("kv_dtype", check_dtype(self.kv_dtype, "kv_dtype"))
        set_("weight_dtype", check_dtype(self.weight_dtype, "weight_dtype"))
        if self.schema_version != SCHEMA_VERSION:
            raise InputError("schema_version", f"expected {SCHEMA_VERSION}, got {self.schema_version!r}")
        set_("chip_overrides", self._check_overrides(self.chip_overrides))

    def _check_overrides(self, overrides) -> tuple:
        if isinstance(overrides, dict):
            overrides = overrides.items()
        out = {}
        for slug, changes in overrides:
            slug = library.lookup(slug, library.chips(), "chip").slug
            if isinstance(changes, dict):
                changes = changes.items()
            fields = {}
            for name, value in changes:
                where = f"chip_overrides: {slug}.{name}"
                if name not in EDITABLE_FIELDS:
                    raise InputError(where, f"not an editable field; choose from {', '.join(EDITABLE_FIELDS)}")
                fields[name] = require_positive(value, where)
            if slug in self.chips and fields:
                out[slug] = tuple(sorted(fields.items()))
        return tuple(sorted(out.items()))

    # --- resolved specs ---------------------------------------------------------------------
    def model_specs(self) -> tuple[ModelSpec, ...]:
        known = library.models()
        return tuple(known[s] for s in self.models)

    def chip_specs(self) -> tuple[Chip, ...]:
        """Selected chips with overrides applied (``Chip.modified`` names what changed)."""
        return _chip_specs(self.chips, self.chip_overrides)

    def sweep_contexts(self, points: int = 40) -> np.ndarray:
        """Context values (tokens) over the sweep range, spaced on the sweep axis."""
        if self.sweep_axis == "log":
            return np.geomspace(self.sweep_min, self.sweep_max, points)
        return np.linspace(self.sweep_min, self.sweep_max, points)

    # --- serialization ----------------------------------------------------------------------
    def to_dict(self) -> dict:
        """JSON-ready dict (overrides in SI units)."""
        return {
            "schema_version": SCHEMA_VERSION,
            "models": list(self.models),
            "chips": list(self.chips),
            "chip_overrides": {slug: dict(changes) for slug, changes in self.chip_overrides},
            "context": self.context,
            "sweep_min": self.sweep_min,
            "sweep_max": self.sweep_max,
            "sweep_axis": self.sweep_axis,
            "batch": self.batch,
            "kv_dtype": self.kv_dtype,
            "weight_dtype": self.weight_dtype,
        }

    @classmethod
    def from_dict(cls, data: dict) -> "Scenario":
        """Inverse of ``to_dict``; unknown keys or a wrong schema version raise InputError."""
        if not isinstance(data, dict):
            raise InputError("scenario", f"expected a JSON object, got {type(data).__name__}")
        data = dict(data)
        version = data.pop("schema_version", None)
        if version != SCHEMA_VERSION:
            raise InputError("schema_version", f"expected {SCHEMA_VERSION}, got {version!r}")
        unknown = sorted(set(data) - {f for f in cls.__dataclass_fields__ if f != "schema_version"})
        if unknown:
            raise InputError(unknown[0], "unknown scenario field")
        for name in ("models", "chips"):
            if name in data and not isinstance(data[name], (list, tuple, str)):
                raise InputError(name, "expected a list of slugs")
        overrides = data.get("chip_overrides", {})
        if not isinstance(overrides, dict) or not all(isinstance(v, dict) for v in overrides.values()):
            raise InputError("chip_overrides", "expected {chip slug: {field: value}}")
        data["chip_overrides"] = overrides
        return cls(**data)


@functools.lru_cache(maxsize=256)
def _chip_specs(slugs: tuple, overrides: tuple) -> tuple[Chip, ...]:
    known = library.chips()
    by_slug = dict(overrides)
    return tuple(known[s].with_changes(**dict(by_slug.get(s, ()))) for s in slugs)


def is_close(a: float, b: float) -> bool:
    """Equal up to float noise from unit conversion (slider values in TB/s etc.)."""
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=0.0)
