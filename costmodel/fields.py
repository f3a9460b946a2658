"""Declared fields: each says once how it is labelled, in which unit it is shown and entered,
which values are valid, and whether a user may change it. Sliders, editors, labels, inputs,
command-line options and columns, and validation are derived from these declarations
(``dataclasses.field`` metadata), never written out again."""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

from .errors import InputError


def number_text(value: float) -> str:
    """A number for messages: whole numbers with thousands separators (16,777,216), others
    with 6 significant digits."""
    if float(value).is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    return f"{value:.6g}"


@dataclass(frozen=True)
class Quantity:
    """One numeric field of a record, stored in SI units.

    ``label``: short name ('HBM bandwidth'); ``unit``: the display unit ('TB/s');
    ``scale``: SI value of one display unit (1e12); ``key``: its name in URLs, input records
    and command-line options ('hbm_tbps'); ``editable``: a user may change it on a library
    record (sidebar slider); ``required``: must be given (else None: 'not supported' or
    'use the default'); ``minimum``/``maximum``: valid range in display units (None: any
    value > 0; no upper bound); ``integer``: a whole number; ``step``: a widget's step;
    ``description``: one line."""

    name: str
    label: str
    unit: str
    scale: float
    key: str
    editable: bool = True
    required: bool = True
    minimum: float | None = None
    maximum: float | None = None
    integer: bool = False
    step: float = 0.01
    description: str = ""

    @property
    def title(self) -> str:
        """Label with unit: 'HBM bandwidth (TB/s)' (no unit: the label)."""
        return f"{self.label} ({self.unit})" if self.unit else self.label

    def shown(self, si_value: float | None) -> float | int | None:
        """The SI value in display units (6 significant digits; whole numbers as int)."""
        if si_value is None:
            return None
        value = float(f"{si_value / self.scale:.6g}")
        return int(value) if self.integer else value

    def check(self, value, field: str | None = None, shown: bool = False):
        """``value`` (SI, or display units with ``shown``) if valid, returned in SI (int when
        ``integer``); else InputError naming ``field`` (default: the key) with the valid range
        in display units. None passes when the field is not required."""
        field = field or self.key
        if value is None and not self.required:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)) and not hasattr(value, "__float__"):
            raise InputError(field, f"expected a number of {self.unit or 'units'}, got {value!r}")
        try:
            number = float(value)
        except (TypeError, ValueError, OverflowError):
            raise InputError(field, f"expected a number, got {value!r}") from None
        display = number if shown else number / self.scale
        if not math.isfinite(display):
            raise InputError(field, f"must be a finite number, got {value!r}")
        low = self.minimum
        if (low is None and display <= 0) or (low is not None and display < low) or \
                (self.maximum is not None and display > self.maximum):
            raise InputError(field, f"{self.label} must be {self.range_text()}, got {number_text(display)}{self._unit()}")
        if self.integer and display != int(display):
            raise InputError(field, f"{self.label} must be a whole number, got {number_text(display)}")
        si = display * self.scale
        return int(si) if self.integer else si

    def range_text(self) -> str:
        """'between 1 and 16', 'at least 1 ms', '> 0 GB/s', ... in display units."""
        unit = self._unit()
        low, high = (None if v is None else number_text(v) for v in (self.minimum, self.maximum))
        if low is not None and high is not None:
            return f"between {low} and {high}{unit}"
        if high is not None:
            return f"> 0 and at most {high}{unit}"
        return f"at least {low}{unit}" if low is not None else f"> 0{unit}"

    def _unit(self) -> str:
        return f" {self.unit}" if self.unit else ""


@dataclass(frozen=True)
class Choice:
    """A field with a fixed set of values (``options``; None may be one: 'as the default')."""

    name: str
    label: str
    options: tuple
    key: str
    description: str = ""

    def check(self, value, field: str | None = None):
        if isinstance(value, str):
            value = value.strip().lower()
        for option in self.options:
            if type(option) is type(value) or (isinstance(option, int) and isinstance(value, float)):
                if option == value:
                    return option
        shown = ", ".join("(none)" if o is None else str(o) for o in self.options)
        raise InputError(field or self.key, f"{self.label} must be one of {shown}, got {value!r}")


def quantity(label: str, unit: str, scale: float, key: str, *, default=dataclasses.MISSING, **meta):
    """A dataclass field declared as a ``Quantity``; ``required=False`` fields default to None.
    ``default`` is in SI units."""
    spec = dict(label=label, unit=unit, scale=scale, key=key, **meta)
    if default is dataclasses.MISSING and meta.get("required", True) is False:
        default = None
    return dataclasses.field(default=default, metadata={"quantity": spec})


def choice(label: str, options, key: str, *, default=dataclasses.MISSING, description: str = ""):
    """A dataclass field declared as a ``Choice`` among ``options``."""
    spec = dict(label=label, options=tuple(options), key=key, description=description)
    return dataclasses.field(default=default, metadata={"choice": spec})


def quantities(cls) -> tuple[Quantity, ...]:
    """The declared quantities of a dataclass, in field order."""
    return tuple(Quantity(name=f.name, **f.metadata["quantity"]) for f in dataclasses.fields(cls)
                 if "quantity" in f.metadata)


def declared(cls) -> dict[str, Quantity | Choice]:
    """{field name: its declaration} of every declared field of a dataclass, in field order."""
    out = {}
    for f in dataclasses.fields(cls):
        if "quantity" in f.metadata:
            out[f.name] = Quantity(name=f.name, **f.metadata["quantity"])
        elif "choice" in f.metadata:
            out[f.name] = Choice(name=f.name, **f.metadata["choice"])
    return out


def from_object(cls, data, where: str, what: str):
    """``cls`` (a dataclass) from a JSON object: missing keys take the defaults; not an object,
    or an unknown key, raises InputError naming ``where`` ('afd', 'afd.<key>') as ``what``."""
    if not isinstance(data, dict):
        raise InputError(where, f"expected a JSON object, got {type(data).__name__}")
    unknown = sorted(set(data) - {f.name for f in dataclasses.fields(cls)})
    if unknown:
        raise InputError(f"{where}.{unknown[0]}", f"unknown {what}")
    return cls(**data)
