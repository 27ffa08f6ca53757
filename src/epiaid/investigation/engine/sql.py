"""Portable SQL for the analytics that must give the same answer on DuckDB and on Spark.

Only functions both dialects share are used (FLOOR, CAST … AS BIGINT, RADIANS, SIN, COS, ASIN,
SQRT, POWER, LEAST, GREATEST, window LAG), times are epoch-second integers (column ``ts``), and the
neighbour expansion of the spatial hash join uses a plain ``offsets`` table rather than a dialect's
range function. Each builder returns SQL text, or a :class:`Query` where a value came from outside
(a person id): such values are bound as ``?`` parameters by the engine, never spliced into the text
(Spark's string literals take backslash escapes, so quoting by doubling ``'`` would not hold there).
:mod:`.backends` runs either.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

EARTH_RADIUS_M = 6_371_008.8  # same constant as epiaid.core.geo
METRES_PER_DEG_LAT = math.pi * EARTH_RADIUS_M / 180.0


def haversine_sql(lat1: str, lon1: str, lat2: str, lon2: str) -> str:
    """Great-circle distance in metres, the same arithmetic as ``epiaid.core.geo.haversine_m``."""
    return (
        f"(2.0 * {EARTH_RADIUS_M} * ASIN(LEAST(1.0, SQRT("
        f"POWER(SIN(RADIANS({lat2} - {lat1}) / 2.0), 2) + "
        f"COS(RADIANS({lat1})) * COS(RADIANS({lat2})) * POWER(SIN(RADIANS({lon2} - {lon1}) / 2.0), 2)))))"
    )


def bucket(expr: str, size: float) -> str:
    return f"CAST(FLOOR({expr} / CAST({size!r} AS DOUBLE)) AS BIGINT)"


@dataclass(frozen=True)
class Query:
    """SQL text with ``?`` placeholders and the values bound to them, in order."""

    text: str
    params: tuple[Any, ...] = ()


def placeholders(values: Sequence[str]) -> str:
    """``?, ?, ?`` for a list of person ids bound as parameters (at least one)."""
    if not values:
        raise ValueError("at least one person id is needed")
    return ", ".join("?" for _ in values)


@dataclass(frozen=True)
class ContactParams:
    """Contact definition: within ``radius_m`` (after subtracting both accuracy radii), at most
    ``tolerance_s`` apart in time, for at least ``min_minutes`` of distinct ``slot_s`` slots."""

    radius_m: float = 10.0
    tolerance_s: int = 300
    slot_s: int = 300
    min_minutes: float = 15.0
    #: Pings less precise than this are left out of metre-scale contacts. A 1 km cell ping "within
    #: 10 m after accuracy" matches everyone in a 2 km disc; raise it knowingly (e.g. to 1000 for
    #: cell-only data) and expect an over-inclusive list.
    max_accuracy_m: float = 100.0

    def reach_m(self) -> float:
        return self.radius_m + 2 * self.max_accuracy_m


def offsets_frame(params: ContactParams, max_abs_lat: float = 60.0) -> tuple[pd.DataFrame, float, float]:
    """The (dt, dy, dx) neighbour offsets and the grid cell sizes (lat, lon degrees) of a contact join.

    A cell is as large as the reach in both directions (the longitude cell is widened by
    1/cos of the highest latitude in the data), so the 3×3 neighbourhood ±1 time bucket surely
    holds every pair within reach: 27 probes per index ping.
    """
    cell_lat = params.reach_m() / METRES_PER_DEG_LAT
    cell_lon = cell_lat / math.cos(math.radians(min(abs(max_abs_lat), 89.0)))
    rows = [(dt, dy, dx) for dt in (-1, 0, 1) for dy in (-1, 0, 1) for dx in (-1, 0, 1)]
    return pd.DataFrame(rows, columns=["dt", "dy", "dx"]).astype("int64"), cell_lat, cell_lon


def index_pings_sql(index_pids: Sequence[str], t0: int, t1: int, params: ContactParams, pings: str = "pings") -> Query:
    """The index people's usable pings over the window (step 1 of the contact search)."""
    text = f"""
SELECT pid AS ipid, ts AS its, lat AS ilat, lon AS ilon, accuracy_m AS iacc
FROM {pings}
WHERE pid IN ({placeholders(index_pids)}) AND ts BETWEEN {int(t0)} AND {int(t1)}
  AND lat IS NOT NULL AND accuracy_m <= {params.max_accuracy_m!r}
"""
    return Query(text, tuple(str(v) for v in index_pids))


def contacts_sql(
    index_pids: Sequence[str],
    t0: int,
    t1: int,
    params: ContactParams,
    cell_lat: float,
    cell_lon: float,
    pings: str = "pings",
    offsets: str = "offsets",
    index_table: str | None = None,
) -> Query:
    """Contacts of each index person over [t0, t1]: exposure minutes, closest distance, first/last.

    With ``index_table`` (the registered result of :func:`index_pings_sql`) the engine knows the
    small side's exact size and builds its hash table from it; measured 3× faster on DuckDB than
    letting the optimiser estimate the expanded CTE.
    """
    p = params
    dist = haversine_sql("k.ilat", "k.ilon", "c.clat", "c.clon")
    idx = Query(f"SELECT * FROM {index_table}") if index_table else index_pings_sql(index_pids, t0, t1, p, pings)
    text = f"""
WITH idx AS ({idx.text}),
idx_keys AS (
  SELECT i.ipid, i.its, i.ilat, i.ilon, i.iacc,
         {bucket("i.its", p.tolerance_s)} + o.dt AS tb,
         {bucket("i.ilat", cell_lat)} + o.dy AS gy,
         {bucket("i.ilon", cell_lon)} + o.dx AS gx
  FROM idx i CROSS JOIN {offsets} o
),
cand AS (
  SELECT pid AS cpid, ts AS cts, lat AS clat, lon AS clon, accuracy_m AS cacc,
         {bucket("ts", p.tolerance_s)} AS tb, {bucket("lat", cell_lat)} AS gy, {bucket("lon", cell_lon)} AS gx
  FROM {pings}
  WHERE ts BETWEEN {int(t0) - p.tolerance_s} AND {int(t1) + p.tolerance_s}
    AND lat IS NOT NULL AND accuracy_m <= {p.max_accuracy_m!r}
),
pairs AS (
  SELECT k.ipid, c.cpid, k.its, {dist} AS d, k.iacc, c.cacc
  FROM idx_keys k JOIN cand c ON k.tb = c.tb AND k.gy = c.gy AND k.gx = c.gx
  WHERE c.cpid <> k.ipid AND ABS(c.cts - k.its) <= {p.tolerance_s}
),
hits AS (
  SELECT ipid, cpid, its, d, {bucket("its", p.slot_s)} AS slot_id
  FROM pairs WHERE GREATEST(d - iacc - cacc, 0.0) <= {p.radius_m!r}
)
SELECT ipid AS index_pid, cpid AS contact_pid,
       COUNT(DISTINCT slot_id) * {p.slot_s // 60} AS exposure_minutes,
       MIN(d) AS min_distance_m, MIN(its) AS first_ts, MAX(its) AS last_ts
FROM hits
GROUP BY ipid, cpid
HAVING COUNT(DISTINCT slot_id) * {p.slot_s // 60} >= {p.min_minutes!r}
ORDER BY index_pid, exposure_minutes DESC, contact_pid
"""
    return Query(text, idx.params)


def path_sql(pid: str, t0: int, t1: int, gap_s: int, pings: str = "pings") -> Query:
    """One person's ordered pings over a window with a gap flag where the trace goes silent."""
    text = f"""
SELECT pid, ts, lat, lon, cell_id, accuracy_m, source, provider,
       CASE WHEN ts - LAG(ts) OVER (ORDER BY ts, source) > {int(gap_s)} THEN TRUE ELSE FALSE END AS gap_before
FROM {pings}
WHERE pid = ? AND ts BETWEEN {int(t0)} AND {int(t1)}
ORDER BY ts, source
"""
    return Query(text, (str(pid),))


def exposure_sites_sql(
    radius_m: float, min_overlap_s: int, staypoints: str = "staypoints", sites: str = "sites"
) -> str:
    """Every staypoint overlapping a published exposure site in space (radius + accuracy) and time."""
    dist = haversine_sql("s.lat", "s.lon", "x.lat", "x.lon")
    deg = (radius_m + 2000.0) / METRES_PER_DEG_LAT
    return f"""
SELECT s.pid, x.site_id, s.started_ts, s.finished_ts, x.start_ts AS site_start_ts, x.end_ts AS site_end_ts,
       {dist} AS distance_m,
       LEAST(s.finished_ts, x.end_ts) - GREATEST(s.started_ts, x.start_ts) AS overlap_s
FROM {staypoints} s JOIN {sites} x
  ON s.lat BETWEEN x.lat - {deg!r} AND x.lat + {deg!r}
 AND s.started_ts <= x.end_ts AND s.finished_ts >= x.start_ts
WHERE GREATEST({dist} - s.accuracy_m, 0.0) <= {radius_m!r}
  AND LEAST(s.finished_ts, x.end_ts) - GREATEST(s.started_ts, x.start_ts) >= {int(min_overlap_s)}
ORDER BY s.pid, x.site_id, s.started_ts
"""


def hotspot_pairs_sql(cell_m: float, min_overlap_s: int, staypoints: str = "case_staypoints") -> str:
    """Pairs of different cases whose stays share a grid cell and overlap in time."""
    cd = cell_m / METRES_PER_DEG_LAT
    return f"""
WITH s AS (
  SELECT pid, started_ts, finished_ts, lat, lon,
         {bucket("lat", cd)} AS gy, {bucket("lon", cd)} AS gx
  FROM {staypoints}
)
SELECT a.gy, a.gx, a.pid AS pid_a, b.pid AS pid_b,
       LEAST(a.finished_ts, b.finished_ts) - GREATEST(a.started_ts, b.started_ts) AS overlap_s,
       (a.lat + b.lat) / 2.0 AS lat, (a.lon + b.lon) / 2.0 AS lon
FROM s a JOIN s b ON a.gy = b.gy AND a.gx = b.gx AND a.pid < b.pid
WHERE LEAST(a.finished_ts, b.finished_ts) - GREATEST(a.started_ts, b.started_ts) >= {int(min_overlap_s)}
ORDER BY a.gy, a.gx, pid_a, pid_b
"""
