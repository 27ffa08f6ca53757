"""The read model's answers: exact radius, address matching, pages, incremental updates (no database)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from epiaid.core.geo import haversine_m
from epiaid.masks.engine.readmodel import (
    OutletRecord,
    QueryError,
    ReadModel,
    SalesRecord,
    build_snapshot,
)
from tests.masks.conftest import OUTLETS


def snapshot_of(points: list[tuple[float, float]]) -> object:
    outlets = {
        f"{i:08d}": OutletRecord(f"{i:08d}", f"o{i}", "서울특별시 중구 명동", "01", la, lo)
        for i, (la, lo) in enumerate(points)
    }
    return build_snapshot(outlets, {}, 1, None)


seoul_point = st.tuples(st.floats(37.40, 37.70), st.floats(126.80, 127.20))


@settings(max_examples=150, deadline=None)
@given(
    points=st.lists(seoul_point, min_size=0, max_size=300),
    centre=seoul_point,
    metres=st.one_of(st.floats(0, 5000), st.sampled_from([0.0, 1.0, 1000.0, 5000.0])),
)
def test_radius_answer_equals_brute_force_great_circle(
    points: list[tuple[float, float]], centre: tuple[float, float], metres: float
) -> None:
    snap = snapshot_of(points)
    found = {code for _, code in snap.within(centre[0], centre[1], metres)}  # type: ignore[attr-defined]
    brute = {f"{i:08d}" for i, (la, lo) in enumerate(points) if haversine_m(centre[0], centre[1], la, lo) <= metres}
    assert found == brute


@settings(max_examples=100, deadline=None)
@given(centre=seoul_point, bearing_points=st.lists(st.floats(0.0, 0.02), min_size=1, max_size=50))
def test_points_exactly_on_the_radius_are_decided_like_brute_force(
    centre: tuple[float, float], bearing_points: list[float]
) -> None:
    points = [(centre[0] + d, centre[1] - d / 2) for d in bearing_points]
    for p in points:
        metres = haversine_m(centre[0], centre[1], *p)  # the radius passes exactly through a point
        snap = snapshot_of(points)
        found = {code for _, code in snap.within(centre[0], centre[1], metres)}  # type: ignore[attr-defined]
        brute = {f"{i:08d}" for i, q in enumerate(points) if haversine_m(centre[0], centre[1], *q) <= metres}
        assert found == brute


def fixture_snapshot() -> object:
    outlets = {r.code: OutletRecord(r.code, r.name, r.addr, r.type, r.lat, r.lng) for r in OUTLETS}
    sales = {"11000001": SalesRecord("2020/03/10 21:30:00", "plenty", "2020/03/10 10:17:00")}
    return build_snapshot(outlets, sales, 3, "2020/03/10 21:30:00")


def test_address_query_matches_district_and_neighbourhood_in_code_order() -> None:
    body = json.loads(fixture_snapshot().by_addr("서울특별시 용산구 보광동"))  # type: ignore[attr-defined]
    assert body["address"] == "서울특별시 용산구 보광동"
    assert [s["code"] for s in body["stores"]] == sorted(["11000001", "11000002", "11000003", "11000006", "1100000007"])
    short = json.loads(fixture_snapshot().by_addr("부산 해운대구"))  # type: ignore[attr-defined]
    assert {s["code"] for s in short["stores"]} == {"1100000008", "11000009"}


@pytest.mark.parametrize("address", [None, "", "  ", "서울특별시", "경기도", "서울", "서울특별시 ,", "x" * 201])
def test_absent_blank_city_only_or_overlong_address_is_refused(address: str | None) -> None:
    with pytest.raises(QueryError):
        fixture_snapshot().by_addr(address)  # type: ignore[attr-defined]


def test_outlet_without_sales_has_null_sales_fields_and_without_coordinates_is_off_the_map() -> None:
    snap = fixture_snapshot()
    store = snap.store("11000006")  # type: ignore[attr-defined]
    assert store["lat"] is None and store["remain_stat"] is None and store["created_at"] is None
    near = json.loads(snap.by_geo("37.5265", "127.0001", "5000"))  # type: ignore[attr-defined]
    assert "11000006" not in {s["code"] for s in near["stores"]}


@pytest.mark.parametrize(
    ("lat", "lng", "m", "problem"),
    [
        ("abc", "127", "100", "lat must be a number"),
        ("37.5", None, "100", "lng is required"),
        ("32.9", "127", "100", "lat must be between"),
        ("37.5", "132.1", "100", "lng must be between"),
        ("37.5", "127", "5001", "m must be at most 5000 metres"),
        ("37.5", "127", "-1", "m must be 0 or more"),
        ("nan", "127", "10", "finite"),
        ("37.5", "127", "1e999", "finite"),
    ],
)
def test_bad_geo_parameters_name_the_problem(lat: str, lng: str | None, m: str, problem: str) -> None:
    with pytest.raises(QueryError, match=problem):
        fixture_snapshot().by_geo(lat, lng, m)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("page", "per_page", "problem"),
    [
        ("0", None, "page must be 1 or more"),
        ("-3", "500", "page must be 1 or more"),
        ("x", None, "integer"),
        ("1", "499", "perPage must be between 500 and 5000"),
        ("1", "5001", "perPage"),
    ],
)
def test_bad_paging_is_refused(page: str, per_page: str | None, problem: str) -> None:
    with pytest.raises(QueryError, match=problem):
        fixture_snapshot().stores_page(page, per_page)  # type: ignore[attr-defined]


def test_pages_have_the_2020_shape() -> None:
    body = json.loads(fixture_snapshot().stores_page(None, None))  # type: ignore[attr-defined]
    assert list(body) == ["count", "page", "storeInfos", "totalCount", "totalPages"]
    assert body["page"] == "1" and body["count"] == len(OUTLETS) and body["totalPages"] == 1
    assert body["totalCount"] == len(OUTLETS)
    assert list(body["storeInfos"][0]) == ["addr", "code", "lat", "lng", "name", "type"]
    sales = json.loads(fixture_snapshot().sales_page("1", "500"))  # type: ignore[attr-defined]
    assert sales["sales"] == [
        {
            "code": "11000001",
            "created_at": "2020/03/10 21:30:00",
            "remain_stat": "plenty",
            "stock_at": "2020/03/10 10:17:00",
        }
    ]


def test_incremental_change_is_visible_and_clears_cached_answers() -> None:
    model = ReadModel()
    model.replace(fixture_snapshot())  # type: ignore[arg-type]
    before = model.snapshot.by_geo("37.5265", "127.0001", "300")
    model.apply(4, "2020/03/11 09:00:00", {}, {"11000002": SalesRecord("2020/03/11 09:00:00", "few", None)})
    after = json.loads(model.snapshot.by_geo("37.5265", "127.0001", "300"))
    assert before != model.snapshot.by_geo("37.5265", "127.0001", "300")
    assert {s["code"]: s["remain_stat"] for s in after["stores"]}["11000002"] == "few"
    assert model.snapshot.version == 4
    moved = OutletRecord("11000002", "다라약국", "서울특별시 중구 명동길 2 (명동)", "01", 37.5637, 126.9851)
    model.apply(5, None, {"11000002": moved}, {})
    assert "11000002" in {s["code"] for s in json.loads(model.snapshot.by_addr("중구 명동"))["stores"]}
    assert "11000002" not in {s["code"] for s in json.loads(model.snapshot.by_addr("용산구 보광동"))["stores"]}
