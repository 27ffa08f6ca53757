"""The real 25,439-outlet list of March 2020: parsed completely, radius answers exact on it."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np

from epiaid.core.geo import haversine_m
from epiaid.masks.engine.importer import parse_outlets
from epiaid.masks.engine.readmodel import OutletRecord, build_snapshot

OUTLETS = Path("map/mask_stores_2020-03-15_SOMJANG.csv")


def test_real_outlet_list_parses_with_411_outlets_off_the_map(shared_data: Path) -> None:
    result = parse_outlets(shared_data / OUTLETS)
    assert result.read == 25_439 and len(result.rows) == 25_439 and not result.rejected
    assert len(result.without_coordinates) == 411
    assert {r.type for r in result.rows} == {"01", "02", "03"}
    assert len(result.warnings) == 1  # one post office with a 9-digit code, kept


def test_radius_answers_on_the_real_list_equal_brute_force(shared_data: Path) -> None:
    rows = parse_outlets(shared_data / OUTLETS).rows
    snap = build_snapshot(
        {r.code: OutletRecord(r.code, r.name, r.addr, r.type, r.lat, r.lng) for r in rows}, {}, 1, None
    )
    located = [r for r in rows if r.lat is not None and r.lng is not None]
    lats = np.array([r.lat for r in located])
    rng = random.Random(3)
    centres = [(37.5665, 126.9780), *((r.lat, r.lng) for r in rng.sample(located, 25))]
    for lat, lng in centres:
        assert lat is not None and lng is not None
        for metres in (100.0, 1000.0, 5000.0):
            near = np.nonzero(np.abs(lats - lat) < 0.1)[0]
            brute = {located[i].code for i in near if haversine_m(lat, lng, located[i].lat, located[i].lng) <= metres}  # type: ignore[arg-type]
            assert {c for _, c in snap.within(lat, lng, metres)} == brute
    city_hall = json.loads(snap.by_geo("37.5665", "126.9780", "1000"))
    assert city_hall["count"] == 90
