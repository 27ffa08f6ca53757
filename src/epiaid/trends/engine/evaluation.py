"""Scoring change points against dated events, beside two naive baselines.

A change point "hits" when an event lies within ``tolerance`` days and no other change point has
already claimed that event. Precision is the share of our
change points that hit; the baselines get the same number of change points: placed uniformly at
random (expected precision over many draws) and at the largest day-to-day jumps (what an analyst
eyeballing a chart would pick).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from epiaid.trends.engine.changepoints import detect
from epiaid.trends.engine.series import SeriesSet

REQUIRED = ("2020-01-09", "2020-01-20", "2020-02-18")


def read_events(path: str | Path) -> pd.DataFrame:
    events = pd.read_csv(path, dtype=str)
    if "date" not in events.columns:
        raise ValueError(f"{path}: events need a 'date' column")
    events["date"] = pd.to_datetime(events["date"], errors="coerce")
    return events.dropna(subset=["date"]).reset_index(drop=True)


def _precision(idx: list[int], dates: pd.DatetimeIndex, events: pd.DatetimeIndex, tol: int) -> float:
    """Share of change points matched one-to-one to an event (a second hit on the same event is false)."""
    if not idx:
        return 0.0
    pairs = sorted((abs((e - dates[i]).days), k, j) for k, i in enumerate(idx) for j, e in enumerate(events))
    used_cp: set[int] = set()
    used_ev: set[int] = set()
    for dist, k, j in pairs:
        if dist > tol:
            break
        if k not in used_cp and j not in used_ev:
            used_cp.add(k)
            used_ev.add(j)
    return len(used_cp) / len(idx)


def _found(idx: list[int], dates: pd.DatetimeIndex, targets: list[pd.Timestamp], tol: int) -> dict[str, bool]:
    return {t.strftime("%Y-%m-%d"): any(abs((dates[i] - t).days) <= tol for i in idx) for t in targets}


def largest_jumps(values: np.ndarray, k: int) -> list[int]:
    y = pd.Series(values).interpolate(limit_direction="both").to_numpy()
    jumps = np.abs(np.diff(y))
    return sorted(int(i) + 1 for i in np.argsort(-jumps)[:k])


def evaluate_against_events(
    series: SeriesSet,
    column: str,
    events_path: str | Path,
    since: str | None = None,
    tolerance: int = 1,
    draws: int = 2000,
    seed: int = 0,
) -> dict[str, Any]:
    frame = series.frame.loc[since:] if since else series.frame
    dates = pd.DatetimeIndex(frame.index)
    values = frame[column].to_numpy(dtype=float)
    events = read_events(events_path)
    ev = pd.DatetimeIndex(events["date"])
    ev = ev[(ev >= dates[0]) & (ev <= dates[-1])]
    found = detect(values, dates=[d.strftime("%Y-%m-%d") for d in dates])
    ours = [c.index for c in found]
    k = max(len(ours), 1)
    rng = np.random.default_rng(seed)
    random_prec = float(
        np.mean(
            [
                _precision(
                    sorted(rng.choice(np.arange(1, len(values)), k, replace=False).tolist()),
                    dates,
                    ev,
                    tolerance,
                )
                for _ in range(draws)
            ]
        )
    )
    jumps = largest_jumps(values, k)
    targets = [pd.Timestamp(t) for t in REQUIRED if dates[0] <= pd.Timestamp(t) <= dates[-1]]
    return {
        "series": column,
        "since": dates[0].strftime("%Y-%m-%d"),
        "days": len(values),
        "events": len(ev),
        "tolerance_days": tolerance,
        "ours": {
            "n": len(ours),
            "precision": round(_precision(ours, dates, ev, tolerance), 3),
            "required_found": _found(ours, dates, targets, tolerance),
            "change_points": [c.as_dict() for c in found],
        },
        "random": {"n": k, "expected_precision": round(random_prec, 3)},
        "largest_jumps": {
            "n": k,
            "precision": round(_precision(jumps, dates, ev, tolerance), 3),
            "required_found": _found(jumps, dates, targets, tolerance),
            "dates": [dates[i].strftime("%Y-%m-%d") for i in jumps],
        },
    }
