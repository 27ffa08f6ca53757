"""v2 (ours): GeoJSON with type/status/radius filters, ETags, and the public rationing helper."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from epiaid.masks import services
from epiaid.masks.engine.rationing import rotation_weekday
from tests.masks.conftest import kst

V2 = "/api/masks/v2/stores"


@pytest.fixture
def stocked(outlets: Any) -> None:
    services.report_stock("11000001", 150, "s")
    services.report_stock("11000002", 40, "s")
    services.report_stock("1100000007", 0, "s")
    services.set_halted("11000003", True, "s")


@pytest.mark.django_db
def test_v2_stores_are_geojson_points_of_located_outlets(stocked: None) -> None:
    body = Client().get(V2).json()
    assert body["type"] == "FeatureCollection" and body["count"] == 8  # 9 outlets, one without coordinates
    feature = next(f for f in body["features"] if f["properties"]["code"] == "11000001")
    assert feature["geometry"] == {"type": "Point", "coordinates": [127.0001, 37.5265]}
    assert feature["properties"]["remain_stat"] == "plenty" and "lat" not in feature["properties"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "codes"),
    [
        ({"type": "02"}, {"1100000007"}),
        ({"status": ["plenty", "some"]}, {"11000001", "11000002"}),
        ({"status": "break"}, {"11000003"}),
        ({"lat": "37.5636", "lng": "126.9850", "m": "300"}, {"11000005"}),
        ({"type": "01", "status": "empty"}, set()),
    ],
)
def test_v2_filters_by_type_status_and_radius(stocked: None, params: dict[str, Any], codes: set[str]) -> None:
    body = Client().get(V2, params).json()
    assert {f["properties"]["code"] for f in body["features"]} == codes


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params", [{"type": "04"}, {"status": "lots"}, {"lat": "37.5"}, {"lat": "37.5", "lng": "127", "m": "9000"}]
)
def test_v2_bad_filters_are_4xx(stocked: None, params: dict[str, str]) -> None:
    assert Client().get(V2, params).status_code in (400, 422)


@pytest.mark.django_db
def test_v2_etag_changes_only_when_the_data_does(stocked: None) -> None:
    client = Client()
    first = client.get(V2)
    assert client.get(V2, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    assert client.get(V2, {"type": "01"})["ETag"] != first["ETag"]
    services.record_sale("11000001", 60, "s")
    services.refresh_read_model()
    again = client.get(V2, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 200 and again["ETag"] != first["ETag"]


@pytest.mark.django_db
def test_can_i_buy_today_is_public_and_checks_the_year() -> None:
    from django.utils import timezone

    today = timezone.localtime().date()
    year = next(y for y in range(1980, 1990) if rotation_weekday(y) == min(today.weekday(), 4))
    body = Client().get("/api/masks/rationing", {"birth_year": year}).json()
    assert body["today_allowed"] is True and body["weekly_cap"] == 2
    assert Client().get("/api/masks/rationing", {"birth_year": 1850}).status_code == 400
    assert Client().get("/api/masks/rationing", {"birth_year": "old"}).status_code == 422


@pytest.mark.django_db
def test_v2_is_documented_in_openapi() -> None:
    paths = Client().get("/api/openapi.json").json()["paths"]
    assert {"/api/masks/v2/stores", "/api/masks/v2/changes", "/api/masks/outlets/{code}/stock"} <= set(paths)


@pytest.mark.django_db
@pytest.mark.parametrize("moment", ["2020-03-10 11:00", "2020-03-10 21:30"])
def test_demo_loads_generated_outlets_with_every_colour(moment: str) -> None:
    from epiaid.masks.demo import load_demo

    summary = load_demo(None, lambda _: None, now=kst(moment))
    assert summary.startswith("440 outlets")
    stats = {f["properties"]["remain_stat"] for f in Client().get(V2).json()["features"]}
    assert {"plenty", "some", "few", "empty"} <= stats
