"""Public API list prices of the library's models (``data/api_prices.toml``): USD per 1M input
tokens on a cache miss and on a hit, per 1M output tokens, each with its provider, date and
source; what a model's own serving cost is set beside."""
from __future__ import annotations

import math
from dataclasses import dataclass

from . import library
from .errors import InputError

PRICES_FILE = "api_prices.toml"
_KEYS = {"model", "provider", "input", "input_cached", "output", "date", "source", "assumed", "notes"}


@dataclass(frozen=True)
class ApiPrice:
    """One provider's price of one model, USD per 1M tokens (``input_cached`` None: the
    provider prices no cache hits); ``assumed``: fields that are estimates."""

    model: str
    provider: str
    input: float
    input_cached: float | None
    output: float
    date: str
    source: str
    assumed: tuple[str, ...] = ()
    notes: str = ""


def _usd(entry: dict, key: str, where: str, required: bool = True) -> float | None:
    value = entry.get(key)
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise InputError(f"{where}: {key}", f"must be a price in USD per 1M tokens >= 0, got {value!r}")
    return float(value)


def _text(entry: dict, key: str, where: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"{where}: {key}", f"must be text, got {value!r}")
    return value.strip()


def parse(data: dict, known_models=()) -> tuple[ApiPrice, ...]:
    """The prices of a parsed api_prices.toml (InputError naming the row and field); a
    model not among ``known_models`` (when given) is an error."""
    rows = data.get("price", [])
    if not isinstance(rows, list):
        raise InputError("price", "expected [[price]] tables")
    prices = []
    for i, entry in enumerate(rows):
        where = f"price {i + 1}"
        if not isinstance(entry, dict):
            raise InputError(where, "expected a table")
        unknown = set(entry) - _KEYS
        if unknown:
            raise InputError(f"{where}: {sorted(unknown)[0]}", f"unknown key (known: {', '.join(sorted(_KEYS))})")
        model = _text(entry, "model", where)
        if known_models and model not in known_models:
            raise InputError(f"{where}: model", f"{model!r} is not a library model")
        assumed = entry.get("assumed", [])
        if not isinstance(assumed, list) or not set(assumed) <= {"input", "input_cached", "output", "date"}:
            raise InputError(f"{where}: assumed", f"a list of input, input_cached, output, date; got {assumed!r}")
        prices.append(ApiPrice(model, _text(entry, "provider", where), _usd(entry, "input", where),
                               _usd(entry, "input_cached", where, required=False), _usd(entry, "output", where),
                               _text(entry, "date", where), _text(entry, "source", where), tuple(assumed),
                               str(entry.get("notes", ""))))
    return tuple(prices)


def usd_per_request(price: ApiPrice, rows, cache_hit: float) -> float:
    """What the provider charges for a workload's mean request: ``rows`` (input tokens, output
    tokens, weight), a share ``cache_hit`` of each input cached (at the cached price, or the
    input price where the provider prices no hits). Every output token is billed."""
    cached_price = price.input if price.input_cached is None else price.input_cached
    usd = 0.0
    for l_in, l_out, weight in rows:
        cached = round(cache_hit * l_in)
        usd += weight * ((l_in - cached) * price.input + cached * cached_price + l_out * price.output) / 1e6
    return usd


def entry(price: ApiPrice) -> dict:
    """A price as its data-file table (``parse`` reads it back)."""
    out = {"model": price.model, "provider": price.provider, "input": price.input, "input_cached": price.input_cached,
           "output": price.output, "date": price.date, "source": price.source, "assumed": list(price.assumed),
           "notes": price.notes}
    return {k: v for k, v in out.items() if v not in (None, "", [])}


def prices(path=None) -> tuple[ApiPrice, ...]:
    """Every price of data/api_prices.toml (``path``: another data folder)."""
    return parse(library.read_toml(PRICES_FILE, path), set(library.models(path)))
