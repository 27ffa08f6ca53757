"""Kleinberg's burst detection (2002) for a term's daily document counts.

The batched two-state model: each day d_t documents arrive, r_t of them mention the term; the
baseline state emits at the overall rate p0 and the burst state at ``s * p0``; moving up costs
``gamma * ln(n)``. The Viterbi path's burst runs are the bursts, weighted by how much cheaper the
burst state made them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from scipy.special import gammaln


@dataclass
class Burst:
    start: int
    end: int  # inclusive
    weight: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _log_binom(r: np.ndarray, d: np.ndarray, p: float) -> np.ndarray:
    p = min(max(p, 1e-12), 1 - 1e-12)
    return -(gammaln(d + 1) - gammaln(r + 1) - gammaln(d - r + 1) + r * math.log(p) + (d - r) * math.log(1 - p))


def kleinberg(
    relevant: Sequence[float], total: Sequence[float] | None = None, s: float = 2.0, gamma: float = 1.0
) -> list[Burst]:
    """Bursts of ``relevant`` among ``total`` per step (``total`` None: counts against their own sum)."""
    r = np.nan_to_num(np.asarray(relevant, dtype=float), nan=0.0).clip(min=0)
    if total is None:
        d = np.full_like(r, max(float(r.max(initial=0)) * 2, 1.0))
    else:
        d = np.maximum(np.nan_to_num(np.asarray(total, dtype=float), nan=0.0), r)
    n = len(r)
    if n == 0 or r.sum() == 0 or d.sum() == 0:
        return []
    r, d = np.round(r), np.round(d)
    p0 = r.sum() / d.sum()
    p1 = min(s * p0, 0.9999)
    cost = np.vstack([_log_binom(r, d, p0), _log_binom(r, d, p1)])
    up = gamma * math.log(n)
    best = np.zeros((n, 2))
    back = np.zeros((n, 2), dtype=int)
    best[0] = [cost[0, 0], cost[1, 0] + up]
    for t in range(1, n):
        stay0, from1 = best[t - 1, 0], best[t - 1, 1]
        best[t, 0] = min(stay0, from1) + cost[0, t]
        back[t, 0] = 0 if stay0 <= from1 else 1
        rise, stay1 = best[t - 1, 0] + up, best[t - 1, 1]
        best[t, 1] = min(rise, stay1) + cost[1, t]
        back[t, 1] = 0 if rise <= stay1 else 1
    state = np.zeros(n, dtype=int)
    state[-1] = int(np.argmin(best[-1]))
    for t in range(n - 1, 0, -1):
        state[t - 1] = back[t, state[t]]
    bursts = []
    t = 0
    while t < n:
        if state[t] == 1:
            start = t
            while t + 1 < n and state[t + 1] == 1:
                t += 1
            weight = float((cost[0, start : t + 1] - cost[1, start : t + 1]).sum())
            bursts.append(Burst(start, t, round(weight, 2)))
        t += 1
    return bursts
