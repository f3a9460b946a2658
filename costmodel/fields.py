"""Declared numeric fields: each says once how it is labelled, in which unit it is shown and
entered, and whether a user may change it. Sliders, editors, labels, command-line columns and
validation are derived from these declarations (``dataclasses.field`` metadata)."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass


@dataclass(frozen=True)
class Quantity:
    """One numeric field of a record, stored in SI units.

    ``label``: short name ('HBM bandwidth'); ``unit``: the display unit ('TB/s');
    ``scale``: SI value of one display unit (1e12); ``key``: short name in URLs
    ('hbm_tbps'); ``editable``: a user may change it on a library record (sidebar slider);
    ``required``: must be given (else None means 'not supported'); ``minimum`` / ``step``:
    smallest value and step a slider offers, in display units; ``description``: one line."""

    name: str
    label: str
    unit: str
    scale: float
    key: str
    editable: bool = True
    required: bool = True
    minimum: float = 0.01
    step: float = 0.01
    description: str = ""

    @property
    def title(self) -> str:
        """Label with unit: 'HBM bandwidth (TB/s)'."""
        return f"{self.label} ({self.unit})"

    def shown(self, si_value: float | None) -> float | None:
        """The SI value in display units, rounded to 6 significant digits (None stays None)."""
        return None if si_value is None else float(f"{si_value / self.scale:.6g}")


def quantity(label: str, unit: str, scale: float, key: str, *, required: bool = True, **meta):
    """A dataclass field declared as a ``Quantity`` (optional ones default to None)."""
    spec = dict(label=label, unit=unit, scale=scale, key=key, required=required, **meta)
    if required:
        return dataclasses.field(metadata={"quantity": spec})
    return dataclasses.field(default=None, metadata={"quantity": spec})


def quantities(cls) -> tuple[Quantity, ...]:
    """The declared quantities of a dataclass, in field order."""
    return tuple(Quantity(name=f.name, **f.metadata["quantity"]) for f in dataclasses.fields(cls)
                 if "quantity" in f.metadata)
