"""Contacts, paths, chains, hotspots, exposure sites and cleaning on generated and hand-made pings."""

from __future__ import annotations

import pandas as pd
import pytest

from epiaid.investigation.engine.analytics import (
    case_path,
    contact_chains,
    contacts,
    hotspots,
    match_exposure_sites,
)
from epiaid.investigation.engine.backends import DuckDBBackend
from epiaid.investigation.engine.clean import CleanReport, clean_pings
from epiaid.investigation.engine.schema import normalise
from epiaid.investigation.engine.sql import ContactParams
from epiaid.investigation.engine.staypoints import staypoints, trips
from epiaid.investigation.engine.synth import PlantedTruth

T0 = int(pd.Timestamp("2020-03-01T10:00:00+09:00").timestamp())


def pings(rows: list[tuple[str, int, float, float, float]], source: str = "gps") -> pd.DataFrame:
    """(pid, minutes after T0, lat, lon, accuracy) → validated pings."""
    return normalise(
        pd.DataFrame(
            {
                "pid": [r[0] for r in rows],
                "time": pd.to_datetime([T0 + r[1] * 60 for r in rows], unit="s", utc=True),
                "lat": [r[2] for r in rows],
                "lon": [r[3] for r in rows],
                "accuracy_m": [r[4] for r in rows],
            }
        ),
        source=source,
    )


def backend_with(df: pd.DataFrame) -> DuckDBBackend:
    b = DuckDBBackend(threads=1)
    b.register_frame("pings", df)
    return b


def test_planted_contacts_are_all_found(small_population: tuple[pd.DataFrame, PlantedTruth]) -> None:
    df, truth = small_population
    t0 = truth.day_start_ts[0]
    found = contacts(backend_with(df), truth.index_pids, t0, t0 + 86400)
    for pid in truth.index_pids:
        mine = found[found["index_pid"] == pid]
        assert truth.contacts[pid] <= set(mine["contact_pid"])
        assert (mine["exposure_minutes"] >= 15).all()
        assert pid not in set(mine["contact_pid"])


def test_contact_needs_distance_within_radius_after_accuracy() -> None:
    lat, lon = 37.5665, 126.9780
    d25 = 25 / 111_195  # 25 m north
    rows = [("case", m, lat, lon, 5.0) for m in range(0, 31, 5)]
    rows += [("near", m, lat + d25, lon, 5.0) for m in range(0, 31, 5)]  # 25 m - 5 - 5 = 15 m
    rows += [("fuzzy", m, lat + 3 * d25, lon, 70.0) for m in range(0, 31, 5)]  # 75 m - 5 - 70 = 0 m
    rows += [("far", m, lat + 4 * d25, lon, 5.0) for m in range(0, 31, 5)]  # 100 m
    found = contacts(backend_with(pings(rows)), ["case"], T0, T0 + 3600, ContactParams(radius_m=20, min_minutes=15))
    assert set(found["contact_pid"]) == {"near", "fuzzy"}
    near = found.set_index("contact_pid").loc["near"]
    assert near["exposure_minutes"] == 35  # seven 5-minute slots
    assert near["min_distance_m"] == pytest.approx(25.0, abs=0.1)


def test_contact_needs_enough_minutes_and_time_overlap() -> None:
    lat, lon = 37.5, 127.0
    rows = [("case", m, lat, lon, 5.0) for m in range(0, 61, 5)]
    rows += [("brief", 0, lat, lon, 5.0)]  # one ping: covers the index slots at 0 and 5 min (±5 min) = 10 min
    rows += [("later", m + 120, lat, lon, 5.0) for m in range(0, 61, 5)]  # same place, two hours later
    found = contacts(backend_with(pings(rows)), ["case"], T0, T0 + 4 * 3600, ContactParams(min_minutes=15))
    assert found.empty


def test_imprecise_pings_are_left_out_unless_allowed() -> None:
    rows = [("case", m, 37.5, 127.0, 800.0) for m in range(0, 31, 5)] + [
        ("x", m, 37.505, 127.0, 800.0) for m in range(0, 31, 5)
    ]
    b = backend_with(pings(rows, source="cell"))
    assert contacts(b, ["case"], T0, T0 + 3600).empty
    assert list(contacts(b, ["case"], T0, T0 + 3600, ContactParams(max_accuracy_m=1000))["contact_pid"]) == ["x"]


def test_path_is_ordered_with_sources_and_gaps() -> None:
    rows = [("case", m, 37.5, 127.0, 10.0) for m in (0, 5, 10, 120, 125)]
    df = pd.concat([pings(rows), pings([("case", 60, 37.51, 127.01, 50.0)], source="card")])
    out = case_path(backend_with(df), "case", T0, T0 + 3 * 3600, gap_s=1800)
    assert list(out["ts"]) == sorted(out["ts"])
    assert list(out["source"]) == ["gps", "gps", "gps", "card", "gps", "gps"]
    assert list(out["gap_before"]) == [False, False, False, True, True, False]


def test_contact_chains_follow_time(small_population: tuple[pd.DataFrame, PlantedTruth]) -> None:
    df, truth = small_population
    t0 = truth.day_start_ts[0]
    index = truth.index_pids[0]
    graph = contact_chains(backend_with(df), index, t0, t0 + 86400, hops=2)
    first_hop = {n for n in graph.successors(index)}
    assert truth.contacts[index] <= first_hop
    assert all(graph.nodes[n]["hop"] in (1, 2) for n in graph.nodes if n != index)


def test_staypoints_and_trips_of_a_simple_day() -> None:
    home, work = (37.50, 127.00), (37.55, 127.05)
    rows = [("p", m, *home, 10.0) for m in range(0, 121, 5)]
    rows += [
        ("p", m, home[0] + (work[0] - home[0]) * (m - 120) / 30, home[1] + (work[1] - home[1]) * (m - 120) / 30, 10.0)
        for m in range(125, 150, 5)
    ]
    rows += [("p", m, *work, 10.0) for m in range(150, 300, 5)]
    stays = staypoints(pings(rows))
    assert len(stays) == 2
    assert stays["dwell_min"].iloc[0] == pytest.approx(125)  # until the leaving ping
    assert stays["lat"].iloc[1] == pytest.approx(work[0], abs=1e-6)
    trip = trips(stays)
    assert len(trip) == 1 and trip["origin_staypoint_id"].iloc[0] == 0


def test_exposure_sites_match_people_whose_stays_overlap() -> None:
    site = pd.DataFrame({"site_id": [1], "lat": [1.3000], "lon": [103.8000], "start_ts": [T0], "end_ts": [T0 + 3600]})
    stays = pd.DataFrame(
        {
            "pid": ["in", "elsewhere", "before"],
            "started_ts": [T0 + 600, T0 + 600, T0 - 7200],
            "finished_ts": [T0 + 2400, T0 + 2400, T0 - 3600],
            "lat": [1.30010, 1.3100, 1.3000],
            "lon": [103.8000, 103.8000, 103.8000],
            "accuracy_m": [10.0, 10.0, 10.0],
        }
    )
    out = match_exposure_sites(DuckDBBackend(threads=1), stays, site, radius_m=50, min_overlap_min=10)
    assert list(out["pid"]) == ["in"]
    assert out["overlap_s"].iloc[0] == 1800


def test_hotspots_flag_places_shared_by_several_cases() -> None:
    shared = (37.55, 126.98)
    stays = pd.DataFrame(
        {
            "pid": ["a", "b", "c", "d"],
            "started_ts": [T0, T0 + 600, T0 + 900, T0],
            "finished_ts": [T0 + 3600, T0 + 3000, T0 + 2000, T0 + 3600],
            "lat": [shared[0], shared[0] + 0.0001, shared[0] - 0.0001, 37.40],
            "lon": [shared[1]] * 3 + [127.10],
        }
    )
    out = hotspots(DuckDBBackend(threads=1), stays, cell_m=200)
    assert len(out) == 1
    assert out["cases"].iloc[0] == 3 and out["case_pairs"].iloc[0] == 3
    assert out["score"].iloc[0] > 0


def test_cleaning_drops_jumps_smooths_pingpong_and_duplicates() -> None:
    rows = [
        ("p", 0, 37.50, 127.00, 20.0),
        ("p", 5, 37.50, 127.00, 20.0),
        ("p", 6, 35.10, 129.04, 20.0),  # Busan in 1 min
        ("p", 10, 37.50, 127.00, 20.0),
    ]
    df = pings(rows)
    df = pd.concat([df, df.iloc[[0]]], ignore_index=True)
    cells = normalise(
        pd.DataFrame(
            {
                "pid": ["q"] * 3,
                "time": pd.to_datetime([T0, T0 + 30, T0 + 60], unit="s", utc=True),
                "lat": [37.50, 37.51, 37.50],
                "lon": [127.0, 127.0, 127.0],
                "cell_id": ["A", "B", "A"],
                "accuracy_m": [500.0] * 3,
            }
        ),
        source="cell",
    )
    report = CleanReport()
    out = clean_pings(pd.concat([df, cells], ignore_index=True), report=report)
    assert report.duplicates == 1 and report.impossible_jumps == 1 and report.pingpong_smoothed == 1
    assert list(out.loc[out["pid"] == "q", "cell_id"]) == ["A", "A", "A"]
    assert 35.10 not in set(out["lat"])
