"""Measured figures the model is fitted to and checked against (``data/measurements.toml``),
each with its source and full setup: the Step-3 paper's Tables 8 and 9, public decode
deployments, kernel benchmarks; and what bounds the fit: the ceilings public kernels reach and
the chips' sustained tensor clocks."""
from __future__ import annotations

import math
from dataclasses import dataclass

from . import library
from .errors import InputError

MEASUREMENTS_FILE = "measurements.toml"
UNITS = {"attention_layer_us": "us", "tokens_per_gpu_s": "tokens/GPU/s", "kernel_tflops": "TFLOPS",
         "kernel_gbps": "GB/s"}
_ROW_KEYS = {"id", "table", "cell", "quantity", "value", "fit", "source", "notes", "assumed"}


@dataclass(frozen=True)
class Measurement:
    """One measured row. ``quantity``: a key of ``UNITS`` (a Table 9 layer latency, a
    deployment's tokens/GPU/s, a kernel's TFLOPS or GB/s); ``setup``: the row's own keys
    (model, chip, context, shapes...); ``fit``: one of the rows the parameters are fitted to;
    ``assumed``: what its setup takes without a published figure."""

    id: str
    table: str
    cell: str
    quantity: str
    value: float
    fit: bool
    setup: dict
    source: str = ""
    notes: str = ""
    assumed: tuple[str, ...] = ()

    @property
    def unit(self) -> str:
        return UNITS[self.quantity]


@dataclass(frozen=True)
class Bound:
    """A ceiling (``key``: 'hbm', 'mla.flops', ...) or a chip's clock (``key``: its slug): a
    fraction with its source; ``assumed`` when no measurement backs it."""

    key: str
    value: float
    source: str
    assumed: bool = False


def _number(entry: dict, key: str, where: str, fraction: bool = False) -> float:
    value = entry.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0 \
            or (fraction and value > 1):
        raise InputError(f"{where}: {key}", f"must be a number > 0{' and at most 1' if fraction else ''}, got {value!r}")
    return float(value)


def load_measurements(path=None) -> tuple[Measurement, ...]:
    """Every ``[[row]]`` of data/measurements.toml (``path``: the data folder)."""
    data = library.read_toml(MEASUREMENTS_FILE, path)
    rows = []
    for i, entry in enumerate(data.get("row", [])):
        where = f"{MEASUREMENTS_FILE}: row {entry.get('id', i + 1)}"
        for key in ("id", "table", "cell", "quantity", "value"):
            if key not in entry:
                raise InputError(f"{where}: {key}", "missing")
        if entry["quantity"] not in UNITS:
            raise InputError(f"{where}: quantity", f"choose one of {', '.join(UNITS)}")
        rows.append(Measurement(id=str(entry["id"]), table=str(entry["table"]), cell=str(entry["cell"]),
                                quantity=entry["quantity"], value=_number(entry, "value", where),
                                fit=bool(entry.get("fit", False)),
                                setup={k: v for k, v in entry.items() if k not in _ROW_KEYS},
                                source=str(entry.get("source", "")), notes=str(entry.get("notes", "")),
                                assumed=tuple(entry.get("assumed", ()))))
    ids = [r.id for r in rows]
    if len(set(ids)) != len(ids):
        raise InputError(MEASUREMENTS_FILE, "row ids must be unique")
    return tuple(rows)


def _bounds(path, table: str, key: str) -> dict[str, Bound]:
    out = {}
    for entry in library.read_toml(MEASUREMENTS_FILE, path).get(table, []):
        where = f"{MEASUREMENTS_FILE}: {table} {entry.get(key, '?')}"
        name = str(entry.get(key, ""))
        if not name:
            raise InputError(f"{where}: {key}", "missing")
        out[name] = Bound(name, _number(entry, "value", where, fraction=True), str(entry.get("source", "")),
                          bool(entry.get("assumed", False)))
    return out


def load_ceilings(path=None) -> dict[str, Bound]:
    """{'hbm' | '<kernel>.flops': the fraction of peak public kernels reach, with its source}."""
    return _bounds(path, "ceiling", "key")


def load_clocks(path=None) -> dict[str, Bound]:
    """{chip slug: its sustained tensor clock as a fraction of the datasheet clock}."""
    return _bounds(path, "clock", "chip")
