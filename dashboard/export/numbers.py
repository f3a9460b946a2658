"""Numbers as a report prints them, in one place: 3 significant figures (a whole number below a
million as it is, thousands separated), very large or small values as a x 10^n, percentages
with a % sign, ratios with x, booleans as words, missing values as a dash. A table's columns
take their title, unit and display scale from the declared result fields
(``costmodel.results.lookup``); an undeclared column keeps its header and the unit it names in
brackets ('latency (µs)')."""
from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd

from costmodel.results import Result, lookup

SIGNIFICANT = 3
DASH = "–"
YES, NO = "yes", "no"
SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
UNIT_IN_HEADER = re.compile(r"\(([^()]*)\)\s*$")


def number(value, unit: str = "") -> str:
    """``value`` as text: 3 significant figures (whole numbers below 1e6 exact), thousands
    separated, 'a×10ⁿ' from 1e6 up and below 1e-3; ``unit`` '%' adds a % sign, 'x' a ×."""
    if value is None or isinstance(value, str):
        return DASH if value is None else value
    if isinstance(value, (bool, np.bool_)):
        return YES if value else NO
    v = float(value)
    if math.isnan(v):
        return DASH
    if math.isinf(v):
        return "∞" if v > 0 else "-∞"
    if v == 0:
        text = "0"
    elif v.is_integer() and abs(v) < 1e6:
        text = f"{int(v):,}"
    elif 1e-3 <= abs(v) < 1e6:
        digits = max(SIGNIFICANT - 1 - math.floor(math.log10(abs(v))), 0)
        text = f"{round(v, digits):,.{digits}f}"
        if "." in text and digits > 0 and abs(float(text.replace(",", ""))) >= 10 ** SIGNIFICANT:
            text = text.split(".")[0]  # 999.96 rounds to 1,000.0: no spurious decimal
    else:
        mantissa, exponent = f"{v:.{SIGNIFICANT - 1}e}".split("e")
        text = f"{mantissa}×10{str(int(exponent)).translate(SUPERSCRIPT)}"
    if unit == "%":
        return text + "%"
    if unit == "x":
        return text + "×"
    return text


def quantity(value, unit: str) -> str:
    """A number with its unit for a sentence: '48.9 ms', '12.5%', '1.32×', '$0.0632'."""
    if unit in ("%", "x", ""):
        return number(value, unit)
    if unit == "USD":
        return "$" + number(value)
    return f"{number(value)} {unit}"


def result(declared: Result, si_value) -> str:
    """A declared result's SI value in its display unit, for a sentence ('48.9 ms')."""
    return quantity(declared.shown(si_value), declared.unit)


def column(name: str) -> tuple[str, str, object]:
    """(header, unit of its cells, value -> display value) of a table column: a declared result
    gives its title and display scale; otherwise the header stays and the unit is what it names
    in brackets."""
    found = lookup(name)
    if found is not None:
        declared, si = found
        convert = (lambda v: v if v is None or isinstance(v, (str, bool, np.bool_)) else declared.shown(v)) if si else (lambda v: v)
        return declared.title, declared.unit, convert
    match = UNIT_IN_HEADER.search(name)
    header = name.replace("_", " ") if " " not in name else name
    return header, (match.group(1) if match else ""), (lambda v: v)


def _missing(value) -> bool:
    try:
        return value is None or (not isinstance(value, str) and bool(pd.isna(value)))
    except (TypeError, ValueError):
        return False


def table(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every cell as report text and its columns titled from the declared
    result fields (``column``); cells keep the unit sign only for % and x (the header names the
    unit)."""
    out = {}
    for name in frame.columns:
        header, unit, convert = column(str(name))
        out[header] = [DASH if _missing(v) else number(convert(v), unit if unit in ("%", "x") else "")
                       for v in frame[name].tolist()]
    return pd.DataFrame(out, columns=list(out))
