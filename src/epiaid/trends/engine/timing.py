"""Issue timing: when an issue starts, peaks and fades; who leads whom (news, search, cases)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd


@dataclass
class IssueTiming:
    onset: int | None
    peak: int | None
    half_decay: int | None  # first step after the peak below half of it (above baseline)
    end: int | None  # back near the baseline
    peak_value: float | None
    baseline: float | None

    def as_dict(self, dates: Sequence[str] | None = None) -> dict[str, Any]:
        d = asdict(self)
        if dates is not None:
            for k in ("onset", "peak", "half_decay", "end"):
                d[f"{k}_date"] = dates[d[k]] if d[k] is not None else None
        return d


def issue_timing(
    values: Sequence[float | None], smooth: int = 7, baseline_window: int = 28, k: float = 3.0
) -> IssueTiming:
    """Onset = first day the smoothed series leaves its pre-peak baseline by ``k`` robust SDs."""
    y = pd.Series(values, dtype=float).interpolate(limit_direction="both")
    if y.isna().all() or len(y) < 3 or float(y.max() - y.min()) == 0:
        return IssueTiming(None, None, None, None, None, None)
    sm = y.rolling(smooth, center=True, min_periods=1).mean().to_numpy()
    peak = int(np.nanargmax(sm))
    pre = sm[max(0, peak - 10 * baseline_window) : max(1, peak - smooth)]
    if len(pre) < 3:
        pre = sm[: max(3, len(sm) // 10)]
    base = float(np.median(pre))
    mad = float(np.median(np.abs(pre - base))) * 1.4826
    thresh = base + max(k * mad, 0.05 * (sm[peak] - base))
    onset = peak
    while onset > 0 and sm[onset - 1] > thresh:
        onset -= 1
    half = base + 0.5 * (sm[peak] - base)
    after = np.flatnonzero(sm[peak:] < half)
    half_decay = int(peak + after[0]) if len(after) else None
    back = np.flatnonzero(sm[peak:] <= thresh)
    end = int(peak + back[0]) if len(back) else None
    return IssueTiming(onset, peak, half_decay, end, round(float(sm[peak]), 4), round(base, 4))


def lead_lag(a: Sequence[float | None], b: Sequence[float | None], max_lag: int = 21) -> dict[str, Any]:
    """Lag (steps) by which ``a`` leads ``b``: argmax of the cross-correlation of log changes.

    Positive lag: ``a`` moves first. Differences of log1p remove the shared trend that would make any
    two growing series look correlated at every lag.
    """
    sa = np.log1p(pd.Series(a, dtype=float).interpolate(limit_direction="both").clip(lower=0)).diff()
    sb = np.log1p(pd.Series(b, dtype=float).interpolate(limit_direction="both").clip(lower=0)).diff()
    best_lag, best_r = 0, -2.0
    table = []
    for lag in range(-max_lag, max_lag + 1):
        r = sa.corr(sb.shift(-lag))  # a[t] against b[t + lag]
        r = float(r) if pd.notna(r) else float("nan")
        table.append({"lag": lag, "r": None if np.isnan(r) else round(r, 4)})
        if not np.isnan(r) and r > best_r:
            best_lag, best_r = lag, r
    return {
        "lag": best_lag if best_r > -2 else None,
        "r": round(best_r, 4) if best_r > -2 else None,
        "table": table,
    }
