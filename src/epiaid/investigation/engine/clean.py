"""Cleaning before analysis: de-duplicate, smooth cell ping-pong, drop impossible jumps."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from epiaid.investigation.engine.kernels import pingpong_kernel, speed_filter_kernel


@dataclass
class CleanReport:
    rows_in: int = 0
    duplicates: int = 0
    pingpong_smoothed: int = 0
    impossible_jumps: int = 0
    rows_out: int = 0


def clean_pings(
    pings: pd.DataFrame,
    *,
    max_speed_kmh: float = 300.0,
    pingpong_window_s: int = 120,
    report: CleanReport | None = None,
) -> pd.DataFrame:
    """Clean pings of any number of people; the input is not modified.

    - duplicates: same person, second and source; the most accurate ping is kept;
    - ping-pong: A→B→A tower flips within ``pingpong_window_s`` move B back to A;
    - impossible jumps: faster than ``max_speed_kmh`` after subtracting both accuracy radii
      (300 km/h admits KTX trains, refuses a Seoul→Busan hop in ten minutes).
    """
    rep = report if report is not None else CleanReport()
    rep.rows_in = len(pings)
    df = pings.sort_values(["pid", "ts", "accuracy_m"], kind="stable")
    df = df.drop_duplicates(subset=["pid", "ts", "source"], keep="first").reset_index(drop=True)
    rep.duplicates = rep.rows_in - len(df)
    if df.empty:
        rep.rows_out = 0
        return df
    person = pd.factorize(df["pid"])[0].astype(np.int64)
    ts = df["ts"].to_numpy(np.int64)
    is_cell = (df["source"] == "cell").to_numpy() & df["cell_id"].notna().to_numpy()
    cell_codes = pd.factorize(df["cell_id"].where(is_cell))[0].astype(np.int64)
    cell_codes[~is_cell] = -1
    src = pingpong_kernel(person, ts, cell_codes, float(pingpong_window_s))
    moved = src != np.arange(len(df))
    rep.pingpong_smoothed = int(moved.sum())
    if moved.any():
        for col in ("lat", "lon", "cell_id", "accuracy_m"):
            values = df[col].to_numpy(copy=True)
            values[moved] = values[src[moved]]
            df[col] = values
    keep = speed_filter_kernel(
        person,
        ts,
        df["lat"].to_numpy(np.float64),
        df["lon"].to_numpy(np.float64),
        df["accuracy_m"].to_numpy(np.float64),
        max_speed_kmh / 3.6,
    )
    rep.impossible_jumps = int((~keep).sum())
    out = df.loc[keep].reset_index(drop=True)
    rep.rows_out = len(out)
    return out
