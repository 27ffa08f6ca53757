"""The 2020 store model as JSON Schema, and the small validator the contract suite checks answers with."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from tests.masks.schema_check import SchemaError, errors, load, model_errors, store_model

FIXTURE = Path("map/fixture_storesByAddr_bogwang_2020-03-10.json")

STORE_SALE: dict[str, Any] = {
    "addr": "서울특별시 용산구 보광로 46 (보광동)",
    "code": "11837632",
    "created_at": "2020/03/10 21:30:00",
    "lat": 37.5282859,
    "lng": 126.9992101,
    "name": "알파약국",
    "remain_stat": "some",
    "stock_at": "2020/03/10 10:39:00",
    "type": "01",
}
BY_ADDR: dict[str, Any] = {"address": "서울특별시 용산구 보광동", "count": 1, "stores": [STORE_SALE]}
STORES_PAGE: dict[str, Any] = {
    "count": 1,
    "page": "1",
    "storeInfos": [{k: STORE_SALE[k] for k in ("addr", "code", "lat", "lng", "name", "type")}],
    "totalCount": 1,
    "totalPages": 1,
}


def test_the_real_2020_storesByAddr_response_conforms(shared_data: Path) -> None:
    real = json.loads((shared_data / FIXTURE).read_text(encoding="utf-8"))
    assert model_errors(real, "StoresByAddr") == []


def test_self_made_2020_answers_conform() -> None:
    assert model_errors(BY_ADDR, "StoresByAddr") == []
    assert model_errors(STORES_PAGE, "StoresPage") == []
    without_record = {**STORE_SALE, "created_at": None, "remain_stat": None, "stock_at": None}
    assert model_errors({"count": 1, "stores": [without_record]}, "StoresByGeo") == []
    assert model_errors({"message": "m must be at most 5000 metres"}, "Error") == []


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda b: b["stores"][0].pop("remain_stat"), "/stores/0: 'remain_stat' is required"),
        (lambda b: b["stores"][0].update(distance=12), "'distance' is not a field of this model"),
        (lambda b: b["stores"][0].update(lat="37.52"), '/stores/0/lat: "37.52" is not of type number or null'),
        (lambda b: b["stores"][0].update(remain_stat="lots"), "'lots' is not one of"),
        (lambda b: b["stores"][0].update(stock_at="2020-03-10 10:39:00"), "does not match"),
        (lambda b: b["stores"][0].update(type="1"), "'1' is not one of"),
        (lambda b: b["stores"][0].update(code=11837632), "is not of type string"),
        (lambda b: b["stores"][0].update(name=""), "shorter than 1 characters"),
        (lambda b: b["stores"][0].update(lat=30.0), "30.0 is less than 33"),
        (lambda b: b["stores"][0].update(lng=140), "140 is more than 132"),
        (lambda b: b.update(count=1.5), "/count: 1.5 is not of type integer"),
        (lambda b: b.update(count=True), "/count: true is not of type integer"),
        (lambda b: b.update(count=-1), "-1 is less than 0"),
        (lambda b: b.update(stores={}), "/stores: {} is not of type array"),
    ],
)
def test_each_break_of_the_model_is_reported_with_its_path(change: Any, problem: str) -> None:
    body = copy.deepcopy(BY_ADDR)
    change(body)
    found = model_errors(body, "StoresByAddr")
    assert any(problem in p for p in found), found


def test_pages_need_totalCount_and_a_page_string() -> None:
    missing = {k: v for k, v in STORES_PAGE.items() if k != "totalCount"}
    assert model_errors(missing, "StoresPage") == ["/: 'totalCount' is required"]
    assert model_errors({**STORES_PAGE, "page": 1}, "StoresPage") == ["/page: 1 is not of type string"]
    assert model_errors({**STORES_PAGE, "page": "0"}, "StoresPage") == ["/page: '0' does not match ^[1-9][0-9]*$"]


def test_json_semantics_for_integers_and_enums() -> None:
    root: dict[str, Any] = {}
    assert errors(3.0, {"type": "integer"}, root) == []  # JSON has no separate 3.0
    assert errors(False, {"enum": [0]}, root) != []  # false is not 0
    assert errors(None, {"enum": [None]}, root) == []
    assert errors(1, {"enum": [1.0]}, root) == []


def test_schema_with_a_keyword_the_validator_does_not_implement_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text(json.dumps({"$defs": {"x": {"type": "string", "format": "date-time"}}}))
    with pytest.raises(SchemaError, match=r"#/\$defs/x: unsupported keyword\(s\) \['format'\]"):
        load(path)
    assert store_model()["$defs"]["StoreSale"]["required"][0] == "addr"  # the shipped schema loads


def test_only_local_references_are_followed() -> None:
    with pytest.raises(SchemaError, match="only local references"):
        errors("x", {"$ref": "https://example.org/s.json"}, {})
