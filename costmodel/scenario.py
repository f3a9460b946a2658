"""One frozen Scenario: everything a user sets (models, chips and their overrides, context,
sweep, batch, precisions, the AFD sizing inputs), validated in one place and serialized with a
schema version.

Units: contexts and batch in tokens/requests; chip overrides in the SI units of the Chip
fields they replace (FLOP/s, bytes/s, bytes, USD/hour); AFD inputs in the units their names
carry (``tpot_ms``, ``net_gbps`` = GB/s per GPU)."""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field, fields

import numpy as np

from . import afd as afd_model, library
from .chips import EDITABLE_FIELDS, Chip
from .errors import InputError, require_positive
from .model import ModelSpec
from .precision import check_dtype

SCHEMA_VERSION = 2  # 2 added ``afd``; version-1 files (no ``afd``) still read, with the AFD defaults
READABLE_VERSIONS = (1, SCHEMA_VERSION)
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


def _whole(value, name: str, lo: int, hi: int) -> int:
    number = require_positive(value, name)
    if number != int(number) or not lo <= number <= hi:
        raise InputError(name, f"must be a whole number from {lo} to {hi}, got {value!r}")
    return int(number)


def _choice(value, choices, name: str):
    if value not in choices:
        raise InputError(name, f"choose one of {', '.join(str(c) for c in choices)}, got {value!r}")
    return value


AFD_OBJECTIVES = ("tokens_per_gpu_s", "usd_per_mtok")
AFD_ATTENTION_DTYPES = ("fp8", "bf16")
AFD_KV_DTYPES = (None, "fp8", "bf16", "fp4")  # None: as the attention precision
AFD_LIMITS = {  # inclusive bounds of the whole-number inputs (the page's widgets use the same)
    "stages": (3, 4), "micro_batches": (1, 16), "attention_gpus": (1, 64), "ffn_gpus": (1, 64),
    "attention_instances": (1, afd_model.MAX_ATTENTION_INSTANCES), "ffn_instances": (1, afd_model.MAX_FFN_INSTANCES),
    "micro_batch": (1, 65536),
}
AFD_RATIO_FIELDS = ("attention_instances", "ffn_instances", "micro_batch")  # None: the optimum
MAX_TPOT_MS = 10000.0
MAX_NET_GBPS = 10000.0
_EFF = afd_model.Efficiency()


@dataclass(frozen=True)
class AFDInputs:
    """The AFD sizing page's inputs (Scenario.afd). Slugs for the model and chips; ``context``
    in tokens (None: the scenario's context); ``tpot_ms`` target in ms; ``net_gbps`` scale-out
    GB/s per GPU on both sides (None: each chip's own); ``kv_dtype`` None: as the attention
    precision; efficiencies are fractions of peak in (0, 1]; ``attention_instances``,
    ``ffn_instances`` and ``micro_batch`` (requests) are the user's A:F choice, None: the
    search's optimum for ``objective``; ``chip_pairs``: also search every chip pair of the
    library. Invalid values raise InputError naming the field ('afd.tpot_ms')."""

    model: str = "step-3"
    attention_chip: str = "h800"
    ffn_chip: str = "h800"
    context: int | None = None
    tpot_ms: float = 50.0
    stages: int = 3
    micro_batches: int = 3
    attention_gpus: int = 8
    ffn_gpus: int = 8
    attention_dtype: str = "fp8"
    kv_dtype: str | None = None
    ffn_parallel: str = "tp+ep"
    net_gbps: float | None = None
    hbm_efficiency: float = _EFF.hbm
    lowbit_kv_efficiency: float = _EFF.lowbit_kv
    flops_efficiency: float = _EFF.flops
    network_efficiency: float = _EFF.network
    objective: str = "tokens_per_gpu_s"
    attention_instances: int | None = None
    ffn_instances: int | None = None
    micro_batch: int | None = None
    chip_pairs: bool = False

    def __post_init__(self):
        set_ = lambda name, value: object.__setattr__(self, name, value)  # noqa: E731
        where = "afd.{}".format
        set_("model", library.lookup(self.model, library.models(), where("model")).slug)
        for name in ("attention_chip", "ffn_chip"):
            set_(name, library.lookup(getattr(self, name), library.chips(), where(name)).slug)
        if self.context is not None:
            set_("context", _context(self.context, where("context")))
        tpot = require_positive(self.tpot_ms, where("tpot_ms"))
        if tpot > MAX_TPOT_MS:
            raise InputError(where("tpot_ms"), f"must be at most {MAX_TPOT_MS:g} ms, got {self.tpot_ms!r}")
        set_("tpot_ms", tpot)
        for name, (lo, hi) in AFD_LIMITS.items():
            if getattr(self, name) is not None or name not in AFD_RATIO_FIELDS:
                set_(name, _whole(getattr(self, name), where(name), lo, hi))
        set_("attention_dtype", _choice(self.attention_dtype, AFD_ATTENTION_DTYPES, where("attention_dtype")))
        set_("kv_dtype", _choice(self.kv_dtype, AFD_KV_DTYPES, where("kv_dtype")))
        set_("ffn_parallel", _choice(self.ffn_parallel, afd_model.FFN_PARALLEL, where("ffn_parallel")))
        if self.net_gbps is not None:
            net = require_positive(self.net_gbps, where("net_gbps"))
            if net > MAX_NET_GBPS:
                raise InputError(where("net_gbps"), f"must be at most {MAX_NET_GBPS:g} GB/s, got {self.net_gbps!r}")
            set_("net_gbps", net)
        for name in ("hbm_efficiency", "lowbit_kv_efficiency", "flops_efficiency", "network_efficiency"):
            value = require_positive(getattr(self, name), where(name))
            if value > 1:
                raise InputError(where(name), f"must be a fraction of peak in (0, 1], got {value!r}")
            set_(name, value)
        set_("objective", _choice(self.objective, AFD_OBJECTIVES, where("objective")))
        if not isinstance(self.chip_pairs, bool):
            raise InputError(where("chip_pairs"), f"expected true or false, got {self.chip_pairs!r}")

    def efficiency(self) -> "afd_model.Efficiency":
        return afd_model.Efficiency(hbm=self.hbm_efficiency, lowbit_kv=self.lowbit_kv_efficiency,
                                    flops=self.flops_efficiency, network=self.network_efficiency)

    def to_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, data) -> "AFDInputs":
        """Inverse of ``to_dict``; missing keys take the defaults, unknown keys raise InputError."""
        if not isinstance(data, dict):
            raise InputError("afd", f"expected a JSON object, got {type(data).__name__}")
        unknown = sorted(set(data) - {f.name for f in fields(cls)})
        if unknown:
            raise InputError(f"afd.{unknown[0]}", "unknown AFD input")
        return cls(**data)


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
    afd: AFDInputs = field(default_factory=AFDInputs)
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
        if isinstance(self.afd, dict):
            set_("afd", AFDInputs.from_dict(self.afd))
        elif not isinstance(self.afd, AFDInputs):
            raise InputError("afd", f"expected the AFD inputs, got {type(self.afd).__name__}")

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

    def chip_spec(self, slug: str) -> Chip:
        """A library chip, with the scenario's overrides when it is selected (and modified)."""
        selected = {c.slug: c for c in self.chip_specs()}
        return selected.get(slug) or library.chips()[slug]

    def library_chip_specs(self) -> tuple[Chip, ...]:
        """Every chip of the library, selected ones with their overrides (mixed-pool search)."""
        return tuple(self.chip_spec(slug) for slug in library.chips())

    def afd_setup(self) -> "afd_model.AFDSetup":
        """The AFDSetup the AFD inputs describe: chips with the scenario's overrides, the
        scenario's context when ``afd.context`` is None, the scenario's weight precision."""
        return _afd_setup(self.afd, self.context, self.weight_dtype, self.chip_overrides, self.chips)

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
            "afd": self.afd.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: dict) -> "Scenario":
        """Inverse of ``to_dict``; unknown keys or a wrong schema version raise InputError.
        Version-1 files (before ``afd``) read with the AFD defaults."""
        if not isinstance(data, dict):
            raise InputError("scenario", f"expected a JSON object, got {type(data).__name__}")
        data = dict(data)
        version = data.pop("schema_version", None)
        if version not in READABLE_VERSIONS or isinstance(version, bool):
            raise InputError("schema_version", f"expected one of {', '.join(map(str, READABLE_VERSIONS))}, "
                                               f"got {version!r}")
        known = {f for f in cls.__dataclass_fields__ if f != "schema_version"}
        if version == 1:
            known.discard("afd")
        unknown = sorted(set(data) - known)
        if unknown:
            raise InputError(unknown[0], "unknown scenario field")
        for name in ("models", "chips"):
            if name in data and not isinstance(data[name], (list, tuple, str)):
                raise InputError(name, "expected a list of slugs")
        overrides = data.get("chip_overrides", {})
        if not isinstance(overrides, dict) or not all(isinstance(v, dict) for v in overrides.values()):
            raise InputError("chip_overrides", "expected {chip slug: {field: value}}")
        data["chip_overrides"] = overrides
        if "afd" in data:
            data["afd"] = AFDInputs.from_dict(data["afd"])
        return cls(**data)


@functools.lru_cache(maxsize=256)
def _chip_specs(slugs: tuple, overrides: tuple) -> tuple[Chip, ...]:
    known = library.chips()
    by_slug = dict(overrides)
    return tuple(known[s].with_changes(**dict(by_slug[s])) if s in by_slug else known[s] for s in slugs)


@functools.lru_cache(maxsize=256)
def _afd_setup(inputs: AFDInputs, context: int, weight_dtype: str, overrides: tuple, selected: tuple):
    chips = dict(zip(selected, _chip_specs(selected, overrides)))
    chip = lambda slug: chips.get(slug) or library.chips()[slug]  # noqa: E731
    models = library.models()
    net = None if inputs.net_gbps is None else inputs.net_gbps * 1e9
    return afd_model.AFDSetup(
        model=models[inputs.model], attention_chip=chip(inputs.attention_chip), ffn_chip=chip(inputs.ffn_chip),
        context=context if inputs.context is None else inputs.context, tpot_s=inputs.tpot_ms / 1e3,
        stages=inputs.stages, micro_batches=inputs.micro_batches, attention_gpus=inputs.attention_gpus,
        ffn_gpus=inputs.ffn_gpus, attention_dtype=inputs.attention_dtype, kv_dtype=inputs.kv_dtype,
        weight_dtype=weight_dtype, ffn_parallel=inputs.ffn_parallel, attention_net_bytes_per_s=net,
        ffn_net_bytes_per_s=net, efficiency=inputs.efficiency())


def is_close(a: float, b: float) -> bool:
    """Equal up to float noise from unit conversion (slider values in TB/s etc.)."""
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=0.0)
