"""Reproduction of the Step-3 paper's Tables 2-7 and the totals of Figures 1-2, cell by cell."""
from __future__ import annotations

import functools
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation

from . import library
from .errors import InputError, require_positive
from .afd import min_moe_sparsity
from .cost import cost_grid, unit_costs
from .decode import decode_token

TABLES = ("table2", "table3", "table4", "table5", "table6", "figures", "table7")
PAPER_MODELS = ("step-3", "deepseek-v3", "qwen3-235b-a22b")  # the paper's three designs: MFA, MLA, GQA
PAPER_CHIPS = ("h800", "h20", "a800", "910b")  # the chips of its Tables 4-7


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


PAPER_CONTEXTS = (8192, 32768)  # Table 6 and the figures


@functools.lru_cache(maxsize=16)
def _tokens(models: tuple, contexts: tuple) -> tuple:
    """decode_token of each model over ``contexts``, kept: Table 6 on any chip reuses them."""
    return tuple(decode_token(m, contexts) for m in models)


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
    (default: the library; pass modified chips to see how far a change moves the paper). The
    cells of one chip (its rows of Tables 4, 5, 7 and its columns of Table 6 and the figures)
    are kept per chip, so a changed chip recomputes only its own and the AFD totals."""
    data_path = library.data_dir(data_path)  # the cache key of the per-chip and per-model cells
    chips = {**library.chips(data_path), **(chips or {})}
    models = {**library.models(data_path), **(models or {})}
    tables = library.read_toml("paper_tables.toml", data_path)
    check_tables(tables, chips, models)
    cells: list[Cell] = []
    for key in ("table2", "table3"):
        cells += _model_cells(key, tuple(models[slug] for slug in tables[key]["rows"]), data_path)
    rows = tuple(models[slug] for slug in tables["table6"]["rows"])
    slugs = dict.fromkeys([*tables["table4"]["rows"], *tables["table5"]["rows"], *tables["table6"]["chips"],
                           *tables["table7"]["rows"]])
    parts = {slug: _chip_cells(chips[slug], rows, data_path) for slug in slugs}
    for key in ("table4", "table5"):
        cells += [c for slug in tables[key]["rows"] for c in parts[slug][key]]
    costs = [parts[slug] for slug in tables["table6"]["chips"]]
    for i, slug in enumerate(tables["table6"]["rows"]):
        for part in costs:
            cells += part["costs"][i]
        for k, label in enumerate(("8k", "32k")):
            afd = min(p["rounded"][i][0][k] for p in costs) + min(p["rounded"][i][1][k] for p in costs)
            cells.append(_cell(tables, "figures", slug, f"afd_{label}", afd))
    spec = tables["table7"]
    cells += [c for slug in spec["rows"] for c in parts[slug]["table7"]]
    measured = spec["measured_network"]
    value = min_moe_sparsity(chips[measured["chip"]], spec["hidden"], spec["layers"], spec["gpus_per_instance"],
                             net_bytes_per_s=measured["net_bytes_per_s"])
    cells.append(Cell("table7", spec["title"], measured["chip"], "min_sparsity_measured_40GBps", measured["value"], value))
    return cells


FILE = "paper_tables.toml"
TOKEN_COLUMNS = ("kv_bytes", "attention_flops", "linear_flops", "ffn_flops")


def _need(value, kind, where: str, what: str):
    if not isinstance(value, kind) or isinstance(value, bool):
        raise InputError(f"{FILE}: {where}", f"expected {what}, got {value!r}")
    return value


def _printed(value, where: str) -> None:
    """A printed cell: a decimal number as text ("2.56e8") or "N/A"."""
    _need(value, str, where, "the printed value as text")
    if value != "N/A":
        try:
            number = Decimal(value)
        except InvalidOperation:
            raise InputError(f"{FILE}: {where}", f"not a number as the paper prints it: {value!r}") from None
        if not number.is_finite():
            raise InputError(f"{FILE}: {where}", f"must be finite, got {value!r}")


def check_tables(tables: dict, chips: dict, models: dict) -> None:
    """Every table, row and cell ``reproduce`` reads, present and of the right kind; InputError
    naming the file and the key otherwise (a table missing, a row of the wrong length, an
    unknown chip or model, a cell that is not a number)."""
    for key in TABLES:
        spec = _need(tables.get(key), dict, key, "a table")
        _need(spec.get("title"), str, f"{key}.title", "a title")
        columns = _need(spec.get("columns"), list, f"{key}.columns", "a list of columns")
        for column in columns:
            _need(column, str, f"{key}.columns", "column names")
        rows = _need(spec.get("rows"), dict, f"{key}.rows", "a table of rows")
        known = chips if key in ("table4", "table5", "table7") else models
        for row, cells in rows.items():
            if row not in known:
                raise InputError(f"{FILE}: {key}.rows.{row}", f"not a {'chip' if known is chips else 'model'} "
                                                               "of the library")
            _need(cells, list, f"{key}.rows.{row}", f"a list of {len(columns)} printed values")
            if len(cells) != len(columns):
                raise InputError(f"{FILE}: {key}.rows.{row}", f"has {len(cells)} values for {len(columns)} columns")
            for column, cell in zip(columns, cells):
                _printed(cell, f"{key}.rows.{row}.{column}")
    for key in ("table2", "table3"):
        context = _need(tables[key].get("context"), int, f"{key}.context", "a context in tokens")
        if context < 1:
            raise InputError(f"{FILE}: {key}.context", f"must be at least 1, got {context}")
        for column in tables[key]["columns"]:
            if column not in TOKEN_COLUMNS:
                raise InputError(f"{FILE}: {key}.columns", f"unknown column {column!r}; choose from {', '.join(TOKEN_COLUMNS)}")
    for key in ("table6", "figures"):
        for chip in _need(tables[key].get("chips"), list, f"{key}.chips", "a list of chips"):
            if chip not in chips:
                raise InputError(f"{FILE}: {key}.chips", f"{chip!r} is not a chip of the library")
    columns = set(tables["table6"]["columns"]) | set(tables["figures"]["columns"])
    needed = {f"{part}_{chip}" for chip in tables["table6"]["chips"]
              for part in ("attention_8k", "attention_32k", "ffn", "total_8k", "total_32k")} | {"afd_8k", "afd_32k"}
    if needed - columns:
        raise InputError(f"{FILE}: table6.columns", f"missing {', '.join(sorted(needed - columns))}")
    if set(tables["table6"]["rows"]) - set(tables["figures"]["rows"]):
        raise InputError(f"{FILE}: figures.rows", "needs every model of table6")
    _printed(tables["figures"].get("component_precision"), "figures.component_precision")
    for name in ("hidden", "layers", "gpus_per_instance"):
        if not 1 <= _need(tables["table7"].get(name), int, f"table7.{name}", "a whole number") <= 1 << 24:
            raise InputError(f"{FILE}: table7.{name}", f"must be between 1 and {1 << 24:,}")
    measured = _need(tables["table7"].get("measured_network"), dict, "table7.measured_network", "a table")
    if measured.get("chip") not in chips:
        raise InputError(f"{FILE}: table7.measured_network.chip", f"{measured.get('chip')!r} is not a chip of the library")
    require_positive(measured.get("net_bytes_per_s"), f"{FILE}: table7.measured_network.net_bytes_per_s")
    _printed(measured.get("value"), "table7.measured_network.value")
    for key in TABLES:
        for name in tables[key].get("truncated", []):
            _need(name, str, f"{key}.truncated", "'row.column' names")


def _cell(tables: dict, key: str, row: str, column: str, computed) -> Cell:
    """The cell (``key``, ``row``, ``column``) with the paper's printed value and ``computed``."""
    spec = tables[key]
    printed = spec["rows"][row][_column_index(key, tuple(spec["columns"]))[column]]
    truncated = "truncated" in spec and f"{row}.{column}" in spec["truncated"]
    return Cell(key, spec["title"], row, column, printed, None if computed is None else float(computed), truncated)


@functools.lru_cache(maxsize=64)
def _column_index(key: str, columns: tuple) -> dict:
    return {c: i for i, c in enumerate(columns)}


@functools.lru_cache(maxsize=16)
def _model_cells(key: str, models: tuple, data_path) -> tuple:
    """Table 2 or 3: per-token KV bytes and FLOPs of each model (no chip involved)."""
    tables = library.read_toml("paper_tables.toml", data_path)
    spec = tables[key]
    cells = []
    for slug, model in zip(spec["rows"], models):
        token = _token(model, spec["context"])
        for column in spec["columns"]:
            value = getattr(token, column)
            cells.append(_cell(tables, key, slug, column, float(value[()] if hasattr(value, "shape") else value)))
    return tuple(cells)


@functools.lru_cache(maxsize=64)
def _chip_cells(chip, models: tuple, data_path) -> dict:
    """The cells of one chip: its rows of Tables 4, 5 and 7 (empty where the table has no such
    row), and per model of Table 6 (``models``) its cost columns and Figure 1-2 totals
    (``costs``), with the component costs rounded as the figures add them (``rounded``:
    per model ((attention 8K, 32K), (FFN 8K, 32K)), for the AFD totals)."""
    tables = library.read_toml("paper_tables.toml", data_path)
    out = {"table4": [], "table5": [], "table7": []}
    if chip.slug in tables["table4"]["rows"]:
        for column in tables["table4"]["columns"]:
            value = chip.ridge_point("fp8") if column == "ridge_point" else getattr(chip, column)
            out["table4"].append(_cell(tables, "table4", chip.slug, column, value))  # None: N/A, the chip lacks it
    if chip.slug in tables["table5"]["rows"]:
        unit = unit_costs(chip)
        out["table5"] = [_cell(tables, "table5", chip.slug, "usd_per_flop", unit.usd_per_flop),
                         _cell(tables, "table5", chip.slug, "usd_per_byte", unit.usd_per_byte)]
    spec = tables["table7"]
    if chip.slug in spec["rows"]:
        out["table7"] = [_cell(tables, "table7", chip.slug, "min_sparsity",
                               min_moe_sparsity(chip, spec["hidden"], spec["layers"], spec["gpus_per_instance"]))]
    grid = cost_grid(models, [chip], PAPER_CONTEXTS, tokens=_tokens(models, PAPER_CONTEXTS))
    step = tables["figures"]["component_precision"]
    out["costs"], out["rounded"] = [], []
    for i, slug in enumerate(tables["table6"]["rows"]):
        attention, ffn = grid.attention_usd_per_mtok[i, 0], grid.ffn_usd_per_mtok[i, 0]
        a = [round_like(v, step) for v in attention]
        f = [round_like(v, step) for v in ffn]
        out["costs"].append((
            _cell(tables, "table6", slug, f"attention_8k_{chip.slug}", attention[0]),
            _cell(tables, "table6", slug, f"attention_32k_{chip.slug}", attention[1]),
            _cell(tables, "table6", slug, f"ffn_{chip.slug}", ffn[0]),
            _cell(tables, "figures", slug, f"total_8k_{chip.slug}", a[0] + f[0]),
            _cell(tables, "figures", slug, f"total_32k_{chip.slug}", a[1] + f[1])))
        out["rounded"].append((a, f))
    return {k: tuple(v) for k, v in out.items()}
