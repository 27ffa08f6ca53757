"""The analyses an investigator runs, each one portable SQL on a :class:`Backend` plus small
Python post-processing: path, contacts (and chains), exposure-site matching, hotspots."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import networkx as nx
import numpy as np
import pandas as pd
from scipy.stats import poisson

from epiaid.investigation.engine import sql
from epiaid.investigation.engine.backends import Backend


def case_path(backend: Backend, pid: str, t0: int, t1: int, *, gap_s: int = 1800, pings: str = "pings") -> pd.DataFrame:
    """Ordered points of one person with source tags and ``gap_before`` where the trace was silent."""
    return backend.query(sql.path_sql(pid, t0, t1, gap_s, pings=pings))


def contacts(
    backend: Backend,
    index_pids: Sequence[str],
    t0: int,
    t1: int,
    params: sql.ContactParams | None = None,
    *,
    pings: str = "pings",
    max_abs_lat: float = 60.0,
) -> pd.DataFrame:
    """Contacts of the index people (see :func:`.sql.contacts_sql` for the exact definition)."""
    p = params or sql.ContactParams()
    offsets, cell_lat, cell_lon = sql.offsets_frame(p, max_abs_lat)
    index_pings = backend.query(sql.index_pings_sql(list(index_pids), t0, t1, p, pings=pings))
    if index_pings.empty:
        return pd.DataFrame(
            {
                c: pd.Series(dtype=t)
                for c, t in (
                    ("index_pid", "object"),
                    ("contact_pid", "object"),
                    ("exposure_minutes", "int64"),
                    ("min_distance_m", "float64"),
                    ("first_ts", "int64"),
                    ("last_ts", "int64"),
                )
            }
        )
    backend.register_frame("offsets", offsets)
    backend.register_frame("index_pings", index_pings)
    out = backend.query(
        sql.contacts_sql(list(index_pids), t0, t1, p, cell_lat, cell_lon, pings=pings, index_table="index_pings")
    )
    out["exposure_minutes"] = out["exposure_minutes"].astype("int64")
    for col in ("first_ts", "last_ts"):
        out[col] = out[col].astype("int64")
    return out


@dataclass(frozen=True)
class ChainLink:
    source: str
    target: str
    hop: int
    exposure_minutes: int


def contact_chains(
    backend: Backend,
    index_pid: str,
    t0: int,
    t1: int,
    hops: int = 2,
    params: sql.ContactParams | None = None,
    *,
    pings: str = "pings",
) -> nx.DiGraph:
    """Contacts of contacts up to ``hops`` away: a directed graph rooted at the index person.

    Each hop only looks at time after the earliest exposure that reached the person, because a
    contact cannot pass on what they had not yet been exposed to.
    """
    graph = nx.DiGraph()
    graph.add_node(index_pid, hop=0, since=t0)
    frontier = {index_pid: t0}
    for hop in range(1, hops + 1):
        if not frontier:
            break
        since = min(frontier.values())
        found = contacts(backend, list(frontier), since, t1, params, pings=pings)
        nxt: dict[str, int] = {}
        for row in found.itertuples(index=False):
            if row.last_ts < frontier[row.index_pid]:
                continue
            if graph.has_node(row.contact_pid) and graph.nodes[row.contact_pid].get("hop", hop) < hop:
                continue  # already reached by a shorter chain (the index case included)
            graph.add_edge(row.index_pid, row.contact_pid, exposure_minutes=int(row.exposure_minutes), hop=hop)
            if row.contact_pid not in graph.nodes or "hop" not in graph.nodes[row.contact_pid]:
                graph.nodes[row.contact_pid].update(hop=hop, since=int(row.first_ts))
                nxt[row.contact_pid] = int(row.first_ts)
        frontier = nxt
    return graph


def match_exposure_sites(
    backend: Backend, stays: pd.DataFrame, sites: pd.DataFrame, *, radius_m: float = 50.0, min_overlap_min: float = 0.0
) -> pd.DataFrame:
    """Every person whose staypoints overlap a published exposure site's place and time window."""
    if stays.empty or sites.empty:
        return pd.DataFrame(
            columns=[
                "pid",
                "site_id",
                "started_ts",
                "finished_ts",
                "site_start_ts",
                "site_end_ts",
                "distance_m",
                "overlap_s",
            ]
        )
    backend.register_frame("staypoints", stays[["pid", "started_ts", "finished_ts", "lat", "lon", "accuracy_m"]])
    backend.register_frame("sites", sites[["site_id", "lat", "lon", "start_ts", "end_ts"]])
    return backend.query(sql.exposure_sites_sql(radius_m, int(min_overlap_min * 60)))


def hotspots(
    backend: Backend,
    case_stays: pd.DataFrame,
    *,
    cell_m: float = 100.0,
    min_overlap_min: float = 10.0,
    background_visitors: pd.Series | None = None,
) -> pd.DataFrame:
    """Grid cells where ≥ 2 cases stayed in overlapping windows, with a Poisson significance score.

    The score is −log10 of P(X ≥ observed cases) with X ~ Poisson(expected), where the expected
    number of cases in a cell is the cell's share of the population's visits (``background_visitors``
    indexed by ``(gy, gx)``) times the number of cases, or, without a background, the mean number of
    cases per occupied cell. High scores flag places with more cases than footfall explains.
    """
    cols = ["gy", "gx", "lat", "lon", "cases", "case_pairs", "overlap_min", "expected", "score"]
    if case_stays.empty:
        return pd.DataFrame(columns=cols)
    backend.register_frame("case_staypoints", case_stays[["pid", "started_ts", "finished_ts", "lat", "lon"]])
    pairs = backend.query(sql.hotspot_pairs_sql(cell_m, int(min_overlap_min * 60)))
    if pairs.empty:
        return pd.DataFrame(columns=cols)
    grouped = pairs.groupby(["gy", "gx"])
    out = pd.DataFrame(
        {
            "lat": grouped["lat"].mean(),
            "lon": grouped["lon"].mean(),
            "cases": grouped.apply(lambda g: len(set(g["pid_a"]) | set(g["pid_b"])), include_groups=False),
            "case_pairs": grouped.size(),
            "overlap_min": grouped["overlap_s"].sum() / 60.0,
        }
    ).reset_index()
    n_cases = case_stays["pid"].nunique()
    cd = cell_m / sql.METRES_PER_DEG_LAT
    if background_visitors is not None and background_visitors.sum() > 0:
        share = out.set_index(["gy", "gx"]).index.map(lambda k: background_visitors.get(k, 0)).to_numpy(float)
        expected = np.maximum(share / float(background_visitors.sum()) * n_cases, 1e-3)
    else:
        occupied = len(
            {
                (int(np.floor(a / cd)), int(np.floor(b / cd)))
                for a, b in zip(case_stays["lat"], case_stays["lon"], strict=True)
            }
        )
        expected = np.full(len(out), n_cases / max(occupied, 1))
    out["expected"] = expected
    out["score"] = -np.log10(np.maximum(poisson.sf(out["cases"].to_numpy() - 1, expected), 1e-300))
    return out.sort_values(["score", "cases"], ascending=False).reset_index(drop=True)[cols]
