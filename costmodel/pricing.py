"""What an hour of a chip costs: rented, or owned (the purchase amortized over years, its power
at TDP x PUE x the electricity price, hosting per year), declared once (``Pricing``)."""
from __future__ import annotations

from dataclasses import dataclass

from .chips import Chip
from .errors import InputError
from .fields import choice, declared, quantity

HOURS_PER_YEAR = 8766.0  # 365.25 days
MODES = ("rental", "ownership")


@dataclass(frozen=True)
class Pricing:
    """How a device-hour is priced. ``rental``: the chip's rental price per hour. ``ownership``:
    purchase price / (years x hours per year) + TDP x PUE x electricity price + hosting per year
    / hours per year. Defaults (estimates, sources in README.md): 5 years and PUE 1.25 (Epoch AI's
    cost model, github epoch-research/training-cost-trends), $0.08/kWh (US industrial average,
    2023-2025, the same model), $2,800 per device-year (CBRE's North American colocation rate,
    $184/kW-month in H2 2024, for an 8-GPU 10.2 kW server's share)."""

    mode: str = choice("Pricing", MODES, "pricing", default="rental",
                       description="rental: the chip's hourly price; ownership: purchase, power and hosting")
    years: float = quantity("Amortization", "years", 1.0, "years", default=5.0, minimum=0.5, maximum=20, step=0.5,
                            description="Years over which the purchase is spread")
    pue: float = quantity("PUE", "", 1.0, "pue", default=1.25, minimum=1.0, maximum=3.0, step=0.05,
                          description="Facility power over IT power")
    electricity_usd_per_kwh: float = quantity("Electricity", "USD/kWh", 1.0, "usd_kwh", default=0.08, minimum=0.001,
                                              maximum=2.0, step=0.01, description="Price of a kilowatt-hour")
    hosting_usd_per_year: float = quantity("Hosting", "USD/year per device", 1.0, "hosting_usd_year", default=2800.0,
                                           minimum=0, maximum=1e6, step=100,
                                           description="Space, cooling plant and network per device per year")

    def __post_init__(self):
        for name, spec in declared(Pricing).items():
            object.__setattr__(self, name, spec.check(getattr(self, name)))

    def usd_per_hour(self, chip: Chip) -> float:
        """The chip's price per device-hour under this pricing (InputError naming the missing
        field when ownership needs a figure the chip lacks)."""
        if self.mode == "rental":
            return chip.price_usd_per_hour
        for name in ("purchase_usd", "tdp_w"):
            if getattr(chip, name) is None:
                raise InputError(f"chip {chip.slug}: {name}", "ownership pricing needs it; give it in the chip's "
                                                              "record or price by rental")
        return (chip.purchase_usd / (self.years * HOURS_PER_YEAR) + chip.tdp_w / 1000.0 * self.pue
                * self.electricity_usd_per_kwh + self.hosting_usd_per_year / HOURS_PER_YEAR)

    def label(self, chip: Chip) -> str:
        """Which pricing a figure used, in words."""
        if self.mode == "rental":
            estimate = " (estimate)" if "price_usd_per_hour" in chip.assumed else ""
            return f"{chip.slug}: rental ${chip.price_usd_per_hour:g}/h{estimate}"
        estimate = " (estimates)" if {"purchase_usd", "tdp_w"} & chip.assumed else ""
        return (f"{chip.slug}: owned ${self.usd_per_hour(chip):.3g}/h (purchase ${chip.purchase_usd:,.0f} over "
                f"{self.years:g} y, {chip.tdp_w:g} W x PUE {self.pue:g} at ${self.electricity_usd_per_kwh:g}/kWh, "
                f"hosting ${self.hosting_usd_per_year:,.0f}/y){estimate}")
