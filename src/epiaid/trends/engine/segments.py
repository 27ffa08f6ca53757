"""Exact penalised segmentation (PELT) under several segment models, compiled with numba.

Every cost is minus twice the Gaussian log-likelihood of a segment up to constants, computed in O(1)
from cumulative sums, so the penalty is on the deviance scale (BIC would be ``k log n`` for ``k``
parameters per change) and the drop in cost a change brings is a likelihood-ratio statistic:

* ``mean``   (0): unit-variance Gaussian with its own mean — sum of squares about the mean (``l2``).
* ``meanvar``(1): Gaussian with its own mean *and* variance — ``L log(var)``; sees variance changes.
* ``linear`` (2): unit-variance Gaussian around its own straight line — residual sum of squares.
* ``linvar`` (3): its own straight line and its own variance — ``L log(residual var)``.

Why our own kernel and not ruptures: ruptures evaluates these costs in Python (``normal``,
``linear``) one segment at a time; the same exact optimum from cumulative sums is ~100-1000x faster,
which is what lets the default run a thousand 1,500-day series in seconds (``bench/trends``).
Variances are floored at ``var_floor`` (in units of the standardised series) so that a short,
nearly constant segment cannot buy an arbitrarily good fit.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

MODELS = {"mean": 0, "meanvar": 1, "linear": 2, "linvar": 3}


@njit(cache=True)
def _sums(y: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
    n = y.shape[0]
    c = np.zeros((6, n + 1))
    for i in range(n):
        t = float(i)
        c[0, i + 1] = c[0, i] + 1.0
        c[1, i + 1] = c[1, i] + y[i]
        c[2, i + 1] = c[2, i] + y[i] * y[i]
        c[3, i + 1] = c[3, i] + t
        c[4, i + 1] = c[4, i] + t * t
        c[5, i + 1] = c[5, i] + t * y[i]
    return c


@njit(cache=True)
def _rss(c: np.ndarray, s: int, t: int, model: int) -> float:  # pragma: no cover - compiled
    """Residual sum of squares of y[s:t] about its mean (models 0, 1) or its line (2, 3)."""
    n = c[0, t] - c[0, s]
    sy = c[1, t] - c[1, s]
    syy = c[2, t] - c[2, s]
    rss = syy - sy * sy / n
    if model >= 2 and n > 2:
        st = c[3, t] - c[3, s]
        stt = c[4, t] - c[4, s]
        sty = c[5, t] - c[5, s]
        vt = stt - st * st / n
        cty = sty - st * sy / n
        if vt > 0:
            rss -= cty * cty / vt
    return max(rss, 0.0)


@njit(cache=True)
def _cost(c: np.ndarray, s: int, t: int, model: int, var_floor: float) -> float:  # pragma: no cover
    rss = _rss(c, s, t, model)
    if model == 0 or model == 2:
        return rss
    # Deviance of the variance MLE constrained to var >= var_floor (a constrained MLE keeps the cost
    # sub-additive, which PELT's pruning needs).
    n = float(t - s)
    v = rss / n
    if v >= var_floor:
        return n * math.log(v) + n
    return n * math.log(var_floor) + rss / var_floor


@njit(cache=True)
def backtrack(last: np.ndarray, n: int) -> np.ndarray:  # pragma: no cover - compiled
    """The change points of an optimal partition, from each end's best last start (shared by both PELTs)."""
    out = []
    t = n
    while t > 0:
        s = int(last[t])
        if s > 0:
            out.append(s)
        t = s
    res = np.empty(len(out), dtype=np.int64)
    for i in range(len(out)):
        res[i] = out[len(out) - 1 - i]
    return res


@njit(cache=True)
def _pelt(y: np.ndarray, pen: float, min_size: int, model: int, var_floor: float) -> np.ndarray:  # pragma: no cover
    n = y.shape[0]
    c = _sums(y)
    f = np.full(n + 1, np.inf)
    f[0] = -pen
    last = np.zeros(n + 1, dtype=np.int64)
    cand = np.zeros(n + 1, dtype=np.int64)
    vals = np.zeros(n + 1)
    ncand = 0
    for t in range(min_size, n + 1):
        tau_new = t - min_size
        if tau_new == 0 or tau_new >= min_size:
            cand[ncand] = tau_new
            ncand += 1
        best = np.inf
        arg = 0
        for j in range(ncand):
            s = cand[j]
            v = f[s] + _cost(c, s, t, model, var_floor)
            vals[j] = v
            if v + pen < best:
                best = v + pen
                arg = s
        f[t] = best
        last[t] = arg
        # PELT pruning: a start that is already worse than the optimum (without the extra penalty)
        # can never become optimal later (costs are additive and K = 0 for these likelihoods).
        k = 0
        for j in range(ncand):
            if vals[j] <= best:
                cand[k] = cand[j]
                k += 1
        ncand = k
    return backtrack(last, n)


def pelt(z: np.ndarray, pen: float, model: str = "meanvar", min_size: int = 2, var_floor: float = 1e-3) -> list[int]:
    """Exact optimum of sum(segment cost) + pen * changes, every segment at least ``min_size`` long."""
    if len(z) < 2 * min_size:
        return []
    arr = np.ascontiguousarray(z, dtype=np.float64)
    return [int(i) for i in _pelt(arr, float(pen), int(min_size), MODELS[model], float(var_floor))]


def segment_cost(z: np.ndarray, start: int, end: int, model: str, var_floor: float = 1e-3) -> float:
    c = _sums(np.ascontiguousarray(z, dtype=np.float64))
    return float(_cost(c, int(start), int(end), MODELS[model], float(var_floor)))
