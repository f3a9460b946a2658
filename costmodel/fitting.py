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


def _sse(exprs, targets, names, x) -> float:
    values = dict(zip(names, x))
    return float(sum((evaluate(e, values) / y - 1.0) ** 2 for e, y in zip(exprs, targets)))


def _solve(exprs, targets, names, lower, start) -> tuple[np.ndarray, float]:
    index = {n: i for i, n in enumerate(names)}
    y = np.asarray(targets)
    x = np.maximum(start, lower)
    best = _sse(exprs, targets, names, x)
    for _ in range(300):
        values = dict(zip(names, x))
        a = np.zeros((len(exprs), len(names)))
        const = np.zeros(len(exprs))
        for i, e in enumerate(exprs):
            const[i] = linearize(e, values, index, a[i])
        step = nnls(a / y[:, None], (y - const - a @ lower) / y) + lower - x
        t, moved = 1.0, False
        while t > 1e-6:
            trial = x + t * step
            value = _sse(exprs, targets, names, trial)
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
