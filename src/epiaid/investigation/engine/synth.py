"""Seeded synthetic population: homes, workplaces, venues, commuting, towers, planted contacts.

Used by tests (a few hundred people) and benchmarks (10⁵ people × a day at 5 min = 28.8 M pings).
Generation is vectorised per chunk of people so 10⁸ pings stream to Parquet in bounded memory.
The planted truth (index cases and the people made to share a venue with them) lets tests check
that the contact query finds every planted contact.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from epiaid.investigation.engine.schema import PING_SCHEMA
from epiaid.investigation.engine.store import write_arrow_partition

M_PER_DEG = math.pi * 6_371_008.8 / 180.0


@dataclass(frozen=True)
class SynthConfig:
    n_people: int = 500
    days: int = 1
    step_s: int = 300
    start_date: str = "2020-03-02"  # local (KST) date of the first day
    center: tuple[float, float] = (37.55, 126.98)  # Seoul
    extent_km: float = 20.0
    n_workplaces: int = 0  # 0 → n_people // 20
    n_venues: int = 0  # 0 → n_people // 50
    employed_share: float = 0.7
    evening_share: float = 0.3
    gps_share: float = 0.6
    tower_spacing_m: float = 500.0
    cell_accuracy_m: tuple[float, float] = (300.0, 800.0)
    gps_noise_m: float = 10.0
    gps_accuracy_m: float = 30.0
    n_index: int = 3
    contacts_per_index: int = 4
    chunk_people: int = 10_000
    seed: int = 7


@dataclass
class PlantedTruth:
    """Index people, and for each the people planted at their evening venue (same time, ≥ 90 min)."""

    index_pids: list[str] = field(default_factory=list)
    contacts: dict[str, set[str]] = field(default_factory=dict)
    venue: dict[str, tuple[float, float]] = field(default_factory=dict)
    day_start_ts: list[int] = field(default_factory=list)


def pid_of(i: int) -> str:
    return f"P{int(i):07d}"


class Population:
    """Fixed places and schedules drawn once from the seed; pings are generated day by day."""

    def __init__(self, cfg: SynthConfig) -> None:
        self.cfg = cfg
        rng = np.random.default_rng(cfg.seed)
        n = cfg.n_people
        half = cfg.extent_km * 1000 / 2
        lat0, lon0 = cfg.center
        self.m_lon = M_PER_DEG * math.cos(math.radians(lat0))

        def places(k: int) -> tuple[np.ndarray, np.ndarray]:
            y = rng.uniform(-half, half, k)
            x = rng.uniform(-half, half, k)
            return lat0 + y / M_PER_DEG, lon0 + x / self.m_lon

        self.home = places(n)
        n_work = cfg.n_workplaces or max(n // 20, 1)
        n_venue = cfg.n_venues or max(n // 50, 1)
        self.work_sites = places(n_work)
        self.venue_sites = places(n_venue)
        self.work_of = np.where(rng.random(n) < cfg.employed_share, rng.integers(0, n_work, n), -1)
        self.leave = rng.uniform(7.0, 9.0, n)  # local hour leaving home
        self.back = rng.uniform(17.0, 19.0, n)
        self.phase = rng.integers(0, cfg.step_s, n)  # each phone reports on its own clock
        self.rng = rng
        days = cfg.days
        self.evening = np.where(rng.random((days, n)) < cfg.evening_share, rng.integers(0, n_venue, (days, n)), -1)
        self.truth = PlantedTruth()
        idx = rng.choice(n, size=min(cfg.n_index, n), replace=False)
        others = np.setdiff1d(np.arange(n), idx)
        for j, i in enumerate(idx):
            venue = int(rng.integers(0, n_venue))
            chosen = rng.choice(others, size=min(cfg.contacts_per_index, len(others)), replace=False)
            others = np.setdiff1d(others, chosen)
            self.evening[:, i] = venue
            self.evening[:, chosen] = venue
            pid = pid_of(i)
            self.truth.index_pids.append(pid)
            self.truth.contacts[pid] = {pid_of(c) for c in chosen}
            self.truth.venue[pid] = (float(self.venue_sites[0][venue]), float(self.venue_sites[1][venue]))
            del j
        base = pd.Timestamp(cfg.start_date, tz="Asia/Seoul")
        self.truth.day_start_ts = [int((base + pd.Timedelta(days=d)).timestamp()) for d in range(days)]

    def day(self, d: int, lo: int, hi: int) -> pa.Table:
        """Pings of people ``lo..hi-1`` on day ``d``, sorted by (pid, ts)."""
        cfg = self.cfg
        rng = np.random.default_rng((cfg.seed, d, lo))
        people = np.arange(lo, hi)
        k = len(people)
        slots = int(86400 // cfg.step_s)
        t_local = (np.arange(slots)[None, :] * cfg.step_s + self.phase[people][:, None]) / 3600.0  # hours
        hlat, hlon = self.home[0][people][:, None], self.home[1][people][:, None]
        work = self.work_of[people]
        wlat = np.where(work >= 0, self.work_sites[0][np.maximum(work, 0)], self.home[0][people])[:, None]
        wlon = np.where(work >= 0, self.work_sites[1][np.maximum(work, 0)], self.home[1][people])[:, None]
        ev = self.evening[d, people]
        vlat = np.where(ev >= 0, self.venue_sites[0][np.maximum(ev, 0)], self.home[0][people])[:, None]
        vlon = np.where(ev >= 0, self.venue_sites[1][np.maximum(ev, 0)], self.home[1][people])[:, None]
        leave, back = self.leave[people][:, None], self.back[people][:, None]
        lat = np.broadcast_to(hlat, (k, slots)).copy()
        lon = np.broadcast_to(hlon, (k, slots)).copy()
        go = np.clip((t_local - leave) / 0.5, 0, 1)  # 30-minute commute
        at_work_lat = hlat + (wlat - hlat) * go
        at_work_lon = hlon + (wlon - hlon) * go
        ret = np.clip((t_local - back) / 0.5, 0, 1)
        day_lat = at_work_lat + (hlat - wlat) * ret
        day_lon = at_work_lon + (hlon - wlon) * ret
        daytime = t_local >= leave
        lat = np.where(daytime, day_lat, lat)
        lon = np.where(daytime, day_lon, lon)
        evening = (t_local >= 19.5) & (t_local < 21.0) & (ev >= 0)[:, None]
        lat = np.where(evening, vlat, lat)
        lon = np.where(evening, vlon, lon)
        is_gps = rng.random((k, slots)) < cfg.gps_share
        noise = rng.normal(0, cfg.gps_noise_m, (2, k, slots))
        glat = lat + noise[0] / M_PER_DEG
        glon = lon + noise[1] / self.m_lon
        sp = cfg.tower_spacing_m
        ty = np.floor((lat - cfg.center[0]) * M_PER_DEG / sp).astype(np.int64)
        tx = np.floor((lon - cfg.center[1]) * self.m_lon / sp).astype(np.int64)
        clat = cfg.center[0] + (ty + 0.5) * sp / M_PER_DEG
        clon = cfg.center[1] + (tx + 0.5) * sp / self.m_lon
        cacc = rng.uniform(*cfg.cell_accuracy_m, (k, slots))
        out_lat = np.where(is_gps, glat, clat).ravel()
        out_lon = np.where(is_gps, glon, clon).ravel()
        acc = np.where(is_gps, cfg.gps_accuracy_m, cacc).ravel()
        gps_flat = is_gps.ravel()
        day0 = self.truth.day_start_ts[d]
        ts = (day0 + np.round(t_local * 3600).astype(np.int64)).ravel()
        n = k * slots
        pid_dict = pa.array([pid_of(int(i)) for i in people])
        pid = pa.DictionaryArray.from_arrays(pa.array(np.repeat(np.arange(k, dtype=np.int32), slots)), pid_dict)
        cell_code = ((ty + 10_000) * 100_000 + (tx + 10_000)).ravel()
        uniq, inv = np.unique(cell_code[~gps_flat], return_inverse=True)
        cell_ids = np.full(n, -1, np.int32)
        cell_ids[~gps_flat] = inv.astype(np.int32)
        cell_dict = pa.array([f"T{c}" for c in uniq], pa.string())
        cell = pa.DictionaryArray.from_arrays(pa.array(cell_ids, mask=gps_flat), cell_dict)
        src_dict = pa.array(["gps", "cell"])
        source = pa.DictionaryArray.from_arrays(pa.array((~gps_flat).astype(np.int8)), src_dict)
        prov_dict = pa.array(["synthetic-gps", "synthetic-telco"])
        provider = pa.DictionaryArray.from_arrays(pa.array((~gps_flat).astype(np.int8)), prov_dict)
        time = pa.array(ts * 1_000_000, pa.timestamp("us", tz="UTC"))
        return pa.table(
            {
                "pid": pid.cast(pa.string()),
                "time": time,
                "ts": pa.array(ts, pa.int64()),
                "lat": pa.array(out_lat),
                "lon": pa.array(out_lon),
                "cell_id": cell.cast(pa.string()),
                "accuracy_m": pa.array(acc),
                "source": source.cast(pa.string()),
                "provider": provider.cast(pa.string()),
            },
            schema=PING_SCHEMA,
        )

    def chunks(self) -> Iterator[tuple[int, pa.Table]]:
        step = self.cfg.chunk_people
        for d in range(self.cfg.days):
            for lo in range(0, self.cfg.n_people, step):
                yield d, self.day(d, lo, min(lo + step, self.cfg.n_people))


def population_frame(cfg: SynthConfig) -> tuple[pd.DataFrame, PlantedTruth]:
    """All pings in memory (small configurations: tests and demos)."""
    pop = Population(cfg)
    tables = [t for _, t in pop.chunks()]
    df = pa.concat_tables(tables).to_pandas()
    return df, pop.truth


def write_population(cfg: SynthConfig, root: Path | str, progress: bool = True) -> tuple[int, PlantedTruth]:
    """Stream the population to a date-partitioned store; returns the ping count and the truth."""
    from tqdm import tqdm

    pop = Population(cfg)
    total = 0
    n_chunks = cfg.days * math.ceil(cfg.n_people / cfg.chunk_people)
    for i, (d, table) in enumerate(tqdm(pop.chunks(), total=n_chunks, disable=not progress, desc="pings")):
        day = (pd.Timestamp(cfg.start_date) + pd.Timedelta(days=d)).strftime("%Y-%m-%d")
        write_arrow_partition(table, root, day, f"part-{i:05d}")
        total += table.num_rows
    return total, pop.truth
