"""Reproduction of the Step-3 paper's Tables 2-7 and the totals of Figures 1-2, cell by cell."""
from __future__ import annotations

import functools
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation

from . import library
from .afd import min_moe_sparsity
from .cost import cost_grid, unit_costs
from .decode import decode_token

TABLES = ("table2", "table3", "table4", "table5", "table6", "figures", "table7")


def round_like(value: float, printed: str, truncate: bool = False) -> Decimal:
    """``value`` rounded half-up (or truncated) to the last digit ``printed`` shows
    ("2.88e8" -> steps of 1e6)."""
    return Decimal(repr(float(value))).quantize(_quantum(printed), rounding=ROUND_DOWN if truncate else ROUND_HALF_UP)


@functools.lru_cache(maxsize=1024)
def _quantum(printed: str) -> Decimal:
    """The step of the last digit ``printed`` shows: '2.88e8' -> 1E+6."""
    return Decimal(1).scaleb(Decimal(printed).as_tuple().exponent)


@functools.lru_cache(maxsize=64)
def _token(model, context: int):
    """decode_token at one context, kept: Tables 2-3 depend on the models only."""
    return decode_token(model, context)


@dataclass(frozen=True)
class Cell:
    """One printed cell: the paper's string, the computed value (None where the paper prints
    N/A and the chip indeed lacks the format)."""

    table: str
    title: str
    row: str
    column: str
    paper: str
    computed: float | None
    truncated: bool = False  # the paper truncated this cell instead of rounding it

    @property
    def computed_at_paper_precision(self) -> str:
        return self.printed()[0]

    @property
    def match(self) -> bool:
        return self.printed()[1]

    def printed(self) -> tuple[str, bool]:
        """(the computed value as the paper prints it, whether it matches the paper's)."""
        if self.paper == "N/A" or self.computed is None:
            return ("N/A" if self.computed is None else repr(self.computed)), (self.paper == "N/A" and self.computed is None)
        try:
            value = round_like(self.computed, self.paper, self.truncated)
        except InvalidOperation:
            return repr(self.computed), False
        return str(value), value == Decimal(self.paper)


def reproduce(chips: dict | None = None, models: dict | None = None, data_path=None) -> list[Cell]:
    """Every cell of Tables 2-7 and the Figure 1-2 totals, computed from ``chips``/``models``
    (default: the library; pass modified chips to see how far a change moves the paper)."""
    chips = {**library.chips(data_path), **(chips or {})}
    models = {**library.models(data_path), **(models or {})}
    tables = library.read_toml("paper_tables.toml", data_path)
    cells: list[Cell] = []

    column_index = {key: {c: i for i, c in enumerate(spec.get("columns", ()))} for key, spec in tables.items()
                    if isinstance(spec, dict)}

    def add(key, row, column, computed):
        spec = tables[key]
        printed = spec["rows"][row][column_index[key][column]]
        truncated = "truncated" in spec and f"{row}.{column}" in spec["truncated"]
        cells.append(Cell(key, spec["title"], row, column, printed, float(computed), truncated))

    for key in ("table2", "table3"):
        spec = tables[key]
        for slug in spec["rows"]:
            token = _token(models[slug], spec["context"])
            for column in spec["columns"]:
                value = getattr(token, column)
                add(key, slug, column, float(value[()] if hasattr(value, "shape") else value))

    for slug in tables["table4"]["rows"]:
        chip = chips[slug]
        for column in tables["table4"]["columns"]:
            value = chip.ridge_point("fp8") if column == "ridge_point" else getattr(chip, column)
            if value is None:  # the chip lacks the format: the paper prints N/A
                spec = tables["table4"]
                printed = spec["rows"][slug][spec["columns"].index(column)]
                cells.append(Cell("table4", spec["title"], slug, column, printed, None))
                continue
            add("table4", slug, column, value)

    for slug in tables["table5"]["rows"]:
        unit = unit_costs(chips[slug])
        add("table5", slug, "usd_per_flop", unit.usd_per_flop)
        add("table5", slug, "usd_per_byte", unit.usd_per_byte)

    paper_chips = [chips[s] for s in tables["table6"]["chips"]]
    slugs = list(tables["table6"]["rows"])
    grid = cost_grid([models[s] for s in slugs], paper_chips, [8192, 32768])
    step = tables["figures"]["component_precision"]
    attention = [[[round_like(v, step) for v in per_ctx] for per_ctx in per_chip] for per_chip in grid.attention_usd_per_mtok]
    ffn = [[[round_like(v, step) for v in per_ctx] for per_ctx in per_chip] for per_chip in grid.ffn_usd_per_mtok]
    for i, slug in enumerate(slugs):
        for j, chip in enumerate(paper_chips):
            add("table6", slug, f"attention_8k_{chip.slug}", grid.attention_usd_per_mtok[i, j, 0])
            add("table6", slug, f"attention_32k_{chip.slug}", grid.attention_usd_per_mtok[i, j, 1])
            add("table6", slug, f"ffn_{chip.slug}", grid.ffn_usd_per_mtok[i, j, 0])
            add("figures", slug, f"total_8k_{chip.slug}", attention[i][j][0] + ffn[i][j][0])
            add("figures", slug, f"total_32k_{chip.slug}", attention[i][j][1] + ffn[i][j][1])
        for k, label in enumerate(("8k", "32k")):
            afd = min(a[k] for a in attention[i]) + min(f[k] for f in ffn[i])
            add("figures", slug, f"afd_{label}", afd)

    spec = tables["table7"]
    for slug in spec["rows"]:
        add("table7", slug, "min_sparsity",
            min_moe_sparsity(chips[slug], spec["hidden"], spec["layers"], spec["gpus_per_instance"]))
    measured = spec["measured_network"]
    value = min_moe_sparsity(chips[measured["chip"]], spec["hidden"], spec["layers"], spec["gpus_per_instance"],
                             net_bytes_per_s=measured["net_bytes_per_s"])
    cells.append(Cell("table7", spec["title"], measured["chip"], "min_sparsity_measured_40GBps", measured["value"], value))
    return cells
