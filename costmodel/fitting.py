"""Deterministic bounded least squares on relative errors, for models that are sums and maxima
of terms linear in their parameters (numpy only).

An expression is a tuple: ``("t", name, coefficient)`` (coefficient x the parameter ``name``),
``("c", value)`` (a constant), ``("sum", [expressions])`` or ``("max", [expressions])``. Once it
is known which branch of every max binds, a model is linear in its parameters, so

    minimise  sum over rows of ((model - measured) / measured)^2,  parameters >= their lower bounds

is solved by damped Gauss-Newton steps on the piecewise-linear model, each step a bounded
linear least squares (Lawson-Hanson NNLS on the parameters minus their bounds), from a fixed
set of starting points; the best end point wins. The callers' parameters are inverse
efficiencies (bounded below by 1 / ceiling: an efficiency never above what public kernels
reach) and overheads in microseconds (bounded below by 0).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def evaluate(expr, values: dict) -> float:
    """An expression's value with parameter ``values``."""
    kind = expr[0]
    if kind == "t":
        return expr[2] * values[expr[1]]
    if kind == "c":
        return expr[1]
    parts = [evaluate(e, values) for e in expr[1]]
    return sum(parts) if kind == "sum" else max(parts)


def linearize(expr, values: dict, index: dict, coef: np.ndarray) -> float:
    """Adds the binding branch's coefficients to ``coef``; returns its constant part."""
    kind = expr[0]
    if kind == "t":
        coef[index[expr[1]]] += expr[2]
        return 0.0
    if kind == "c":
        return expr[1]
    if kind == "sum":
        return sum(linearize(e, values, index, coef) for e in expr[1])
    best = max(expr[1], key=lambda e: evaluate(e, values))
    return linearize(best, values, index, coef)


def parameters_of(expr, into: set) -> set:
    """The parameter names an expression uses, added to ``into``."""
    if expr[0] == "t":
        into.add(expr[1])
    elif expr[0] in ("sum", "max"):
        for sub in expr[1]:
            parameters_of(sub, into)
    return into


def nnls(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """min ||a x - b|| subject to x >= 0 (Lawson and Hanson's active-set method)."""
    m, n = a.shape
    passive = np.zeros(n, dtype=bool)
    x = np.zeros(n)
    w = a.T @ (b - a @ x)
    scale = max(1.0, float(np.max(np.abs(w))) if n else 1.0)
    for _ in range(3 * n + 30):
        candidates = np.where(~passive, w, -np.inf)
        if not (~passive).any() or candidates.max() <= 1e-12 * scale:
            break
        passive[int(np.argmax(candidates))] = True
        while True:
            z = np.zeros(n)
            z[passive] = np.linalg.lstsq(a[:, passive], b, rcond=None)[0]
            if np.all(z[passive] > 0):
                x = z
                break
            neg = passive & (z <= 0)
            alpha = float(np.min(x[neg] / (x[neg] - z[neg])))
            x = x + alpha * (z - x)
            passive &= x > 1e-15
            x[~passive] = 0.0
        w = a.T @ (b - a @ x)
    return x


@dataclass(frozen=True)
class Fit:
    """Fitted parameter values (as the least squares sees them: inverse efficiencies and
    overheads in us), the rows used, the sum of squared relative errors."""

    values: dict
    rows: tuple[str, ...]
    sse: float


# -- the expressions compiled to Python ----------------------------------------------------------
# ``evaluate`` and ``linearize`` walk an expression's tree on every call; a fit calls them some
# 10^5 times. A row's expression is compiled once (per parameter order) into two functions that
# do the same arithmetic in the same order without the walk: ``value(v)`` (``v``: the parameter
# values as floats, in ``names`` order) and ``linear(v, coef)`` (adds the binding branches'
# coefficients to the list ``coef`` in the order ``linearize`` adds them; returns the constant
# part). Same operations, same order, so the same floats as ``evaluate`` and ``linearize``.
def _value_source(expr, index: dict) -> str:
    kind = expr[0]
    if kind == "t":
        return f"({float(expr[2])!r} * v[{index[expr[1]]}])"
    if kind == "c":
        return repr(float(expr[1]))
    parts = [_value_source(e, index) for e in expr[1]]
    if kind == "sum":  # sum(): 0 + p1 + p2 + ..., left to right
        return "(" + " + ".join(["0"] + parts) + ")"
    return parts[0] if len(parts) == 1 else "max(" + ", ".join(parts) + ")"  # max(): the first largest


def _linear_source(expr, index: dict, lines: list, depth: int, counter: list) -> str:
    """Appends to ``lines`` the statements adding ``expr``'s binding coefficients to ``coef``;
    returns an expression of its constant part (valid after those statements)."""
    pad = "    " * depth
    kind = expr[0]
    if kind == "t":
        lines.append(f"{pad}coef[{index[expr[1]]}] += {float(expr[2])!r}")
        return "0.0"
    if kind == "c":
        return repr(float(expr[1]))
    counter[0] += 1
    n = counter[0]
    name = f"c{n}"
    if kind == "sum":
        parts = [_linear_source(e, index, lines, depth, counter) for e in expr[1]]
        lines.append(f"{pad}{name} = " + " + ".join(["0"] + parts))
        return name
    values = [_value_source(e, index) for e in expr[1]]
    lines.append(f"{pad}b{n} = ({', '.join(values)},)")
    lines.append(f"{pad}k{n} = b{n}.index(max(b{n}))")  # the first largest, as max(key=) picks
    for k, e in enumerate(expr[1]):
        lines.append(f"{pad}{'if' if k == 0 else 'elif'} k{n} == {k}:")
        constant = _linear_source(e, index, lines, depth + 1, counter)  # the branch's statements first
        lines.append(f"{pad}    {name} = {constant}")
    return name


_COMPILED: dict = {}  # (id(expr), names) -> (expr, value, linear); the expr kept so its id stays its own


def _compiled(expr, names: tuple):
    key = (id(expr), names)
    hit = _COMPILED.get(key)
    if hit is not None and hit[0] is expr:
        return hit[1], hit[2]
    index = {n: i for i, n in enumerate(names)}
    lines: list = []
    constant = _linear_source(expr, index, lines, 1, [0])
    source = (f"def value(v):\n    return {_value_source(expr, index)}\n"
              "def linear(v, coef):\n" + "".join(line + "\n" for line in lines) + f"    return {constant}\n")
    scope: dict = {}
    exec(compile(source, "<fitting expression>", "exec"), scope)  # noqa: S102 - our own expressions' arithmetic
    if len(_COMPILED) > 4096:
        _COMPILED.clear()
    _COMPILED[key] = (expr, scope["value"], scope["linear"])
    return scope["value"], scope["linear"]


def _sse(compiled, targets, x) -> float:
    v = [float(a) for a in x]
    return float(sum((np.float64(value(v)) / y - 1.0) ** 2 for (value, _), y in zip(compiled, targets)))


def _solve(exprs, targets, names, lower, start) -> tuple[np.ndarray, float]:
    compiled = [_compiled(e, tuple(names)) for e in exprs]
    y = np.asarray(targets)
    x = np.maximum(start, lower)
    best = _sse(compiled, targets, x)
    for _ in range(300):
        v = [float(a) for a in x]
        rows = []
        const = np.zeros(len(exprs))
        for i, (_, linear) in enumerate(compiled):
            coef = [0.0] * len(names)
            const[i] = linear(v, coef)
            rows.append(coef)
        a = np.array(rows, dtype=float).reshape(len(exprs), len(names))
        step = nnls(a / y[:, None], (y - const - a @ lower) / y) + lower - x
        t, moved = 1.0, False
        while t > 1e-6:
            trial = x + t * step
            value = _sse(compiled, targets, trial)
            if value < best * (1 - 1e-12) - 1e-300:
                x, best, moved = trial, value, True
                break
            t /= 2
        if not moved:
            break
    return x, best


def fit(exprs: dict, targets: dict, lower: dict, starts: list[dict]) -> Fit:
    """Least squares over the rows ``exprs`` (id -> expression) with ``targets`` (id -> measured
    value); ``lower``: each parameter's lower bound (parameters no row uses are left out);
    ``starts``: starting points (parameter -> value), the best end point wins."""
    ids = sorted(exprs)
    used: set = set()
    for i in ids:
        parameters_of(exprs[i], used)
    names = [n for n in lower if n in used]
    bounds = np.array([lower[n] for n in names])
    rows, ys = [exprs[i] for i in ids], [targets[i] for i in ids]
    best = None
    for start in starts:
        x, value = _solve(rows, ys, names, bounds, np.array([start[n] for n in names]))
        if best is None or value < best[1] * (1 - 1e-12):
            best = (x, value)
    return Fit(dict(zip(names, (float(v) for v in best[0]))), tuple(ids), best[1])
