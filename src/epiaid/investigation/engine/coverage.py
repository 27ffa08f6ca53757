"""Whom a contact-search ("area") request covers: the case and the people who were where the case was.

A request scoped to the case's places covers the subject and anyone *co-located* with a covered person —
a ping within :data:`COVER_RADIUS_M` metres and :data:`COVER_WITHIN_S` seconds of one of theirs — up to
:data:`COVER_HOPS` steps from the subject (the contact chains the analysis draws reach three hops). A
person with no such chain to the subject is a stranger to the request; a delivery containing any of
their rows is refused whole. Providers use :func:`covered_rows` to cut their extract with the same rule.

The thresholds are wider than the analysis' contact defaults (10 m, 15 min) so that nothing the analysis
can find is refused, and narrow enough that a population dump is.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

COVER_RADIUS_M = 100.0
COVER_WITHIN_S = 30 * 60
COVER_HOPS = 3
_M_PER_DEG = 111_320.0


def _keys(df: pd.DataFrame, radius_m: float, within_s: int, lat0: float) -> pd.DataFrame:
    lon_m = _M_PER_DEG * max(np.cos(np.radians(lat0)), 0.01)
    return pd.DataFrame(
        {
            "pid": df["pid"].to_numpy(),
            "ts": df["ts"].to_numpy(dtype="int64"),
            "lat": df["lat"].to_numpy(dtype="float64"),
            "lon": df["lon"].to_numpy(dtype="float64"),
            "gy": np.floor(df["lat"].to_numpy(dtype="float64") * _M_PER_DEG / radius_m).astype("int64"),
            "gx": np.floor(df["lon"].to_numpy(dtype="float64") * lon_m / radius_m).astype("int64"),
            "gt": (df["ts"].to_numpy(dtype="int64") // within_s).astype("int64"),
        }
    )


def _metres(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(lon2 - lon1)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * 6_371_008.8 * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def covered_pids(
    pings: pd.DataFrame,
    subject: str,
    *,
    radius_m: float = COVER_RADIUS_M,
    within_s: int = COVER_WITHIN_S,
    hops: int = COVER_HOPS,
) -> set[str]:
    """The subject plus everyone reachable from them through ≤ ``hops`` co-locations in ``pings``.

    ``pings`` needs ``pid``, ``ts`` (epoch seconds), ``lat`` and ``lon``.
    """
    covered = {subject}
    if pings.empty:
        return covered
    keyed = _keys(pings, radius_m, within_s, float(pings["lat"].mean()))
    frontier = {subject}
    for _ in range(hops):
        near = keyed[keyed["pid"].isin(frontier)]
        rest = keyed[~keyed["pid"].isin(covered)]
        if near.empty or rest.empty:
            break
        found: set[str] = set()
        for dy in (-1, 0, 1):
            for dx in (-1, 0, 1):
                for dt in (-1, 0, 1):
                    shifted = near.assign(gy=near["gy"] + dy, gx=near["gx"] + dx, gt=near["gt"] + dt)
                    pairs = shifted.merge(rest, on=["gy", "gx", "gt"], suffixes=("_a", "_b"))
                    if pairs.empty:
                        continue
                    close = (np.abs(pairs["ts_a"].to_numpy() - pairs["ts_b"].to_numpy()) <= within_s) & (
                        _metres(
                            pairs["lat_a"].to_numpy(),
                            pairs["lon_a"].to_numpy(),
                            pairs["lat_b"].to_numpy(),
                            pairs["lon_b"].to_numpy(),
                        )
                        <= radius_m
                    )
                    found.update(pairs.loc[close, "pid_b"].astype(str))
        frontier = found - covered
        if not frontier:
            break
        covered |= frontier
    return covered


def covered_rows(pings: pd.DataFrame, subject: str, **kwargs: float) -> pd.DataFrame:
    """The rows of ``pings`` an area request for ``subject`` covers (what a provider should deliver)."""
    keep = covered_pids(pings, subject, **kwargs)  # type: ignore[arg-type]
    return pings[pings["pid"].isin(keep)]
