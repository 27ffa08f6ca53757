"""The 2020 public API, field for field, through Django and through the ASGI fast path alike."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client

from epiaid.masks import services
from epiaid.masks.engine.importer import OutletRow
from epiaid.masks.engine.timefmt import parse_kst
from tests.masks.conftest import parsed

V1 = "/corona19-masks/v1/"
FIXTURE = Path("map/fixture_storesByAddr_bogwang_2020-03-10.json")
LEVELS = {"plenty": 150, "some": 50, "few": 10, "empty": 0}


def _type_shape(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _type_shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_type_shape(v) for v in value[:1]]
    return type(value).__name__


def load_2020_response(body: dict[str, Any]) -> None:
    """Store the outlets and sales records of a real 2020 response as our own data."""
    rows = [OutletRow(s["code"], s["name"], s["addr"], s["type"], s["lat"], s["lng"]) for s in body["stores"]]
    services.import_outlets(parsed(tuple(rows)))
    for s in body["stores"]:
        if s["remain_stat"] is None:
            continue
        services.report_stock(s["code"], LEVELS[s["remain_stat"]], "fixture", stock_at=parse_kst(s["stock_at"]))
    from epiaid.masks.models import Stock

    for s in body["stores"]:  # the record's own time, as the 2020 server stamped it
        if s["created_at"]:
            Stock.objects.filter(outlet_id=s["code"]).update(created_at=parse_kst(s["created_at"]))
    services.refresh_read_model(full=True)


@pytest.mark.django_db
def test_stores_by_addr_matches_the_real_2020_response(shared_data: Path, fast_path: Any) -> None:
    real = json.loads((shared_data / FIXTURE).read_text(encoding="utf-8"))
    load_2020_response(real)
    query = urlencode({"address": real["address"]})
    ours = json.loads(Client().get(V1 + "storesByAddr/json?" + query).content)
    assert _type_shape(ours) == _type_shape(real)
    assert [list(s) for s in ours["stores"]] == [list(s) for s in real["stores"]]
    assert ours == real  # same keys, types, nulls, order and values
    status, _, body = fast_path(V1 + "storesByAddr/json", query)
    assert status == 200 and json.loads(body) == real


@pytest.mark.django_db
def test_stores_by_addr_contract_on_self_made_fixture(outlets: Any) -> None:
    services.report_stock("11000001", 120, "t")
    services.refresh_read_model(full=True)
    body = Client().get(V1 + "storesByAddr/json", {"address": "서울특별시 용산구 보광동"}).json()
    assert list(body) == ["address", "count", "stores"] and body["count"] == 5
    first = body["stores"][[s["code"] for s in body["stores"]].index("11000001")]
    assert list(first) == ["addr", "code", "created_at", "lat", "lng", "name", "remain_stat", "stock_at", "type"]
    assert first["remain_stat"] == "plenty" and first["stock_at"] is None
    assert len(first["created_at"]) == 19 and first["created_at"][4] == "/"
    no_record = next(s for s in body["stores"] if s["code"] == "11000002")
    assert no_record["created_at"] is None and no_record["remain_stat"] is None and no_record["stock_at"] is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("endpoint", "params"),
    [
        ("stores/json", {}),
        ("stores/json", {"page": "1", "perPage": "5000"}),
        ("sales/json", {"perPage": "500"}),
        ("storesByGeo/json", {"lat": "37.5265", "lng": "127.0001", "m": "800"}),
        ("storesByGeo/json", {"lat": "37.5265", "lng": "127.0001"}),
        ("storesByAddr/json", {"address": "용산구 보광동"}),
        ("storesByAddr/json", {"address": "서울특별시"}),
        ("storesByGeo/json", {"lat": "north", "lng": "127"}),
        ("stores/json", {"perPage": "100"}),
        ("stores/json", {"page": "9"}),
    ],
)
def test_fast_path_and_django_give_identical_bytes(
    outlets: Any, fast_path: Any, endpoint: str, params: dict[str, str]
) -> None:
    services.report_stock("11000002", 40, "t")
    services.refresh_read_model(full=True)
    django = Client().get(V1 + endpoint, params)
    status, headers, body = fast_path(V1 + endpoint, urlencode(params))
    assert (status, body) == (django.status_code, django.content)
    assert headers[b"etag"].decode() == django["ETag"]
    assert django["Content-Type"] == "application/json; charset=utf-8"
    assert django["Access-Control-Allow-Origin"] == "*"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("endpoint", "params", "problem"),
    [
        ("storesByGeo/json", {"lat": "abc", "lng": "127", "m": "100"}, "lat must be a number"),
        ("storesByGeo/json", {"lat": "37.5", "lng": "127", "m": "99999"}, "m must be at most 5000 metres"),
        ("storesByGeo/json", {"lat": "30", "lng": "127"}, "lat must be between 33.0 and 43.0"),
        ("stores/json", {"perPage": "10"}, "perPage must be between 500 and 5000"),
        ("stores/json", {"page": "0"}, "page must be 1 or more"),
        ("sales/json", {"page": "-1"}, "page must be 1 or more"),
        ("storesByAddr/json", {"address": ""}, "address is empty"),
        ("storesByAddr/json", {"address": "서울특별시"}, "whole city or province"),
    ],
)
def test_bad_input_gets_400_naming_the_problem(
    outlets: Any, endpoint: str, params: dict[str, str], problem: str
) -> None:
    response = Client().get(V1 + endpoint, params)
    assert response.status_code == 400
    assert problem in response.json()["message"]


@pytest.mark.django_db
def test_unchanged_data_answers_304_to_if_none_match(outlets: Any, fast_path: Any) -> None:
    first = Client().get(V1 + "stores/json")
    again = Client().get(V1 + "stores/json", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again.content == b""
    status, _, body = fast_path(V1 + "stores/json", headers=[(b"if-none-match", first["ETag"].encode())])
    assert (status, body) == (304, b"")


@pytest.mark.django_db
def test_other_paths_fall_through_to_django_but_the_api_prefix_never_does(fast_path: Any) -> None:
    assert fast_path("/masks/")[0] == 299
    assert fast_path(V1 + "stores/json", method="POST")[0] == 405  # JSON, answered in front of Django
    assert fast_path(V1 + "storesByGeo")[0] == 404


@pytest.mark.django_db
def test_overload_is_answered_429_with_retry_after(fast_path: Any) -> None:
    from epiaid.masks.asgi import MAX_INFLIGHT

    fast_path.app.inflight = MAX_INFLIGHT  # as if that many requests were already inside Django
    status, headers, body = fast_path("/masks/")
    assert status == 429 and headers[b"retry-after"] == b"1" and b"retry" in body
    assert fast_path(V1 + "stores/json")[0] == 200  # the pre-serialised read path is still served
