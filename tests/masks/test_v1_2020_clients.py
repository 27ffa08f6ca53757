"""Contract suite: the 2020 clients (notebooks, a Node.js app, Gson and Swift models, a Java crawler)
work unchanged against v1 — through Django, the ASGI fast path and the Granian RSGI front door alike.

Every answer any test here gets is asked of all three doors, which must agree byte for byte, and is
validated against the 2020 store model (``store_model_2020.schema.json``): 200 answers against their
endpoint's model (fields, types, enums, time format, alphabetical key order, ``count`` = items), every
error against ``{"message": …}``, and answers without a body must have none.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from epiaid.masks import services
from epiaid.masks.engine.importer import OutletRow
from epiaid.masks.engine.publicapi import endpoint_of
from tests.masks.conftest import OUTLETS, Proto, Scope, call_asgi, kst, parsed, run_coroutine
from tests.masks.schema_check import ENDPOINT_MODEL, assert_conforms

V1 = "/corona19-masks/v1/"
GEO = "storesByGeo/json?lat=37.5265&lng=127.0001&m=1000"
#: Headers a client may read; each door must send the same values.
COMPARED = (
    "content-type",
    "access-control-allow-origin",
    "access-control-allow-methods",
    "access-control-allow-headers",
    "access-control-max-age",
    "allow",
    "etag",
    "cache-control",
    "retry-after",
)
#: A made-up outlet with a house number 8 (as many real addresses have).
MYEONGDONG_8 = OutletRow("11000010", "팔번지약국", "서울특별시 중구 명동8길 8 (명동)", "01", 37.5630, 126.9860)


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def _django(method: str, path: str, query: str, headers: dict[str, str]) -> Reply:
    meta = {"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()}
    r = Client().generic(method, path + ("?" + query if query else ""), **meta)
    return Reply(r.status_code, {k.lower(): v for k, v in r.headers.items()}, r.content)


async def _not_django(scope: Any, receive: Any, send: Any) -> None:
    """Behind the fast path: nothing under the API prefix may fall through to here."""
    await send({"type": "http.response.start", "status": 299, "headers": []})
    await send({"type": "http.response.body", "body": b"fell through to django"})


def _asgi(method: str, path: str, query: str, headers: dict[str, str]) -> Reply:
    from epiaid.masks.asgi import MaskFastPath

    head = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    status, sent, body = call_asgi(MaskFastPath(_not_django), path, query, method=method, headers=head)
    return Reply(status, {k.decode(): v.decode("latin-1") for k, v in sent.items()}, body)


def _rsgi(method: str, path: str, query: str, headers: dict[str, str]) -> Reply:
    from epiaid.masks.rsgi import MaskRSGI

    proto = Proto()
    scope = Scope(method, path, query, [(k.lower(), v) for k, v in headers.items()])
    run_coroutine(MaskRSGI(_not_django).__rsgi__(scope, proto))
    return Reply(proto.status, {k.lower(): v for k, v in proto.headers}, b"".join(proto.chunks))


DOORS: dict[str, Callable[[str, str, str, dict[str, str]], Reply]] = {
    "django": _django,
    "asgi": _asgi,
    "rsgi": _rsgi,
}


def conforms_to_the_2020_model(reply: Reply, path: str, method: str) -> None:
    assert reply.headers.get("access-control-allow-origin") == "*"
    if method == "HEAD" or reply.status in (204, 304):
        assert reply.body == b""
        return
    assert reply.headers["content-type"] == "application/json; charset=utf-8"
    body = reply.json()
    if reply.status != 200:
        assert_conforms(body, "Error")
        return
    endpoint = endpoint_of(path)
    assert endpoint is not None
    assert_conforms(body, ENDPOINT_MODEL[endpoint])
    assert list(body) == sorted(body), "top-level keys in the 2020 (alphabetical) order"
    items = next(v for v in body.values() if isinstance(v, list))
    assert body["count"] == len(items)
    assert all(list(item) == sorted(item) for item in items), "item keys in the 2020 (alphabetical) order"


Ask = Callable[..., Reply]


@pytest.fixture
def ask(settings: Any) -> Ask:
    """``ask(path_and_query, method=, headers=)``: the answer all three doors agree on, model-checked.

    The read model is loaded from the test database once a test has set its data up (``load``);
    the once-a-second check for other processes' changes is switched off so that a long test never
    reloads it from another thread.
    """
    settings.MASKS_REFRESH_INTERVAL_S = 1e9

    def call(target: str, method: str = "GET", headers: dict[str, str] | None = None) -> Reply:
        services.fresh_snapshot()  # loads it once; later calls never check again
        path, _, query = target.partition("?")
        replies = {door: fn(method, path, query, headers or {}) for door, fn in DOORS.items()}
        first = replies["django"]
        for door, reply in replies.items():
            assert (reply.status, reply.body) == (first.status, first.body), f"{door} differs from django"
            for name in COMPARED:
                assert reply.headers.get(name) == first.headers.get(name), f"{door}: header {name}"
        conforms_to_the_2020_model(first, path, method)
        return first

    return call


def load(rows: tuple[OutletRow, ...] = (*OUTLETS, MYEONGDONG_8)) -> None:
    services.import_outlets(parsed(rows))
    services.report_stock("11000001", 120, "seller", stock_at=kst("2020-03-10 09:40"))
    services.report_stock("11000002", 40, "seller")
    services.set_halted("11000003", True, "seller")
    services.refresh_read_model(full=True)


def many_outlets(n: int) -> tuple[OutletRow, ...]:
    """``n`` made-up outlets in Daejeon (far from the Seoul fixtures), with no bare number in the address."""
    return tuple(
        OutletRow(
            f"{30000000 + i}", f"둔산{i}약국", f"대전광역시 서구 둔산동 둔산로{i}길", "01", 36.35 + i * 1e-5, 127.38
        )
        for i in range(n)
    )


@pytest.fixture
def paged(db: Any) -> int:
    """1,203 outlets (3 pages of 500) with stock for the ones the demo gives a record; returns the count."""
    from epiaid.masks.demo import synthetic_stock

    rows = many_outlets(1203)
    services.import_outlets(parsed(rows))
    synthetic_stock(list(rows), now=kst("2020-03-10 21:30"))
    services.refresh_read_model(full=True)
    return len(rows)


# -- 1. totalCount beside count, page and totalPages ------------------------------------------------


@pytest.mark.parametrize(("endpoint", "items"), [("stores/json", "storeInfos"), ("sales/json", "sales")])
def test_pages_send_totalCount_beside_count_page_and_totalPages(
    paged: int, ask: Ask, endpoint: str, items: str
) -> None:
    total = paged if endpoint == "stores/json" else len(services.fresh_snapshot().sale_codes)
    first = ask(V1 + endpoint + "?page=1&perPage=500").json()
    assert list(first) == ["count", "page", items, "totalCount", "totalPages"]
    assert (first["count"], first["page"], first["totalCount"], first["totalPages"]) == (500, "1", total, 3)
    last = ask(V1 + endpoint + "?page=3&perPage=500").json()
    assert last["count"] == total - 1000 and last["totalCount"] == total


def test_a_gson_page_model_finds_every_field_it_declares(paged: int, ask: Ask) -> None:
    declared = {"totalPages", "totalCount", "page", "count", "storeInfos"}  # Kotlin data class of a 2020 app
    assert declared <= set(ask(V1 + "stores/json").json())
    assert {"totalPages", "totalCount", "page", "count", "sales"} <= set(ask(V1 + "sales/json").json())


# -- 2. a page past the end is empty, not an error ----------------------------------------------------


def test_a_script_looping_over_a_larger_page_count_gets_empty_pages_not_400(paged: int, ask: Ask) -> None:
    seen: list[str] = []
    for page in range(1, 6):  # the page count it believed (3 real pages + 2)
        body = ask(V1 + f"stores/json?page={page}&perPage=500").json()
        seen += [s["code"] for s in body["storeInfos"]]  # no KeyError: 'storeInfos'
    assert len(seen) == len(set(seen)) == paged
    beyond = ask(V1 + "stores/json?page=52&perPage=500").json()
    assert beyond == {"count": 0, "page": "52", "storeInfos": [], "totalCount": paged, "totalPages": 3}


@pytest.mark.parametrize(("endpoint", "items"), [("stores/json", "storeInfos"), ("sales/json", "sales")])
def test_a_crawler_that_stops_only_on_an_empty_page_ends(paged: int, ask: Ask, endpoint: str, items: str) -> None:
    codes: list[str] = []
    page = 1
    while True:
        body = ask(V1 + f"{endpoint}?page={page}&perPage=500").json()
        if not body[items]:
            break
        codes += [s["code"] for s in body[items]]
        page += 1
        assert page < 10, "the crawler never saw an empty page"
    assert page == 4 and len(codes) == len(set(codes)) == body["totalCount"]


def test_an_empty_outlet_list_has_zero_pages_and_an_empty_first_page(db: Any, ask: Ask) -> None:
    assert ask(V1 + "stores/json").json() == {
        "count": 0,
        "page": "1",
        "storeInfos": [],
        "totalCount": 0,
        "totalPages": 0,
    }


@pytest.mark.parametrize(
    ("query", "problem"),
    [
        ("page=0", "page must be 1 or more"),
        ("page=-2", "page must be 1 or more"),
        ("page=two", "page must be an integer, got 'two'"),
        ("page=1.5", "page must be an integer"),
        ("perPage=100", "perPage must be between 500 and 5000"),
        ("perPage=5001", "perPage must be between 500 and 5000"),
    ],
)
def test_malformed_page_values_still_get_400(paged: int, ask: Ask, query: str, problem: str) -> None:
    for endpoint in ("stores/json", "sales/json"):
        reply = ask(V1 + f"{endpoint}?{query}")
        assert reply.status == 400 and problem in reply.json()["message"]


# -- 3. every answer under the prefix is JSON; preflight; forgiving slashes ---------------------------


@pytest.mark.parametrize(
    "path",
    [
        V1 + "nothing/json",
        V1 + "storesByGeo",
        V1 + "stores/xml",
        V1,
        "/corona19-masks/",
        "/corona19-masks",
        "/corona19-masks/v2/storesByGeo/json",
        "/corona19-masks/v1/storesByGeo/json/extra",
    ],
)
def test_an_unknown_path_under_the_prefix_answers_json_404_naming_the_endpoints(
    db: Any, ask: Ask, settings: Any, path: str
) -> None:
    settings.DEBUG = True  # Django's debug 404 page would list our URL patterns
    reply = ask(path)
    assert reply.status == 404
    message = reply.json()["message"]
    assert "no such endpoint" in message and V1 + "storesByGeo/json" in message
    assert b"<html" not in reply.body.lower() and b"urlpatterns" not in reply.body.lower()


def test_a_wrongly_cased_endpoint_gets_a_404_that_names_the_right_spelling(db: Any, ask: Ask) -> None:
    reply = ask(V1 + "storesbygeo/json?lat=37.5&lng=127")
    assert reply.status == 404
    assert f"did you mean {V1}storesByGeo/json? names are case-sensitive" in reply.json()["message"]


@pytest.mark.parametrize(
    "variant",
    [
        V1 + "storesByGeo/json/",
        V1 + "/storesByGeo/json",
        "/corona19-masks//v1//storesByGeo//json//",
    ],
)
def test_trailing_and_repeated_slashes_are_forgiven(db: Any, ask: Ask, variant: str) -> None:
    load()
    canonical = ask(V1 + GEO)
    _, _, query = GEO.partition("?")
    reply = ask(variant + "?" + query)
    assert (reply.status, reply.body) == (200, canonical.body)
    assert {s["code"] for s in reply.json()["stores"]} == {"11000001", "11000002", "11000003", "1100000007"}


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_other_methods_get_json_405_with_allow(db: Any, ask: Ask, method: str) -> None:
    reply = ask(V1 + "stores/json", method=method)
    assert reply.status == 405 and reply.headers["allow"] == "GET, HEAD, OPTIONS"
    assert reply.json()["message"].startswith(f"{method} is not allowed on {V1}stores/json")
    assert ask(V1 + "nowhere", method=method).status == 404


def preflight_passes(reply: Reply, method: str, headers: list[str]) -> bool:
    """The browser's CORS preflight check (Fetch standard, no credentials)."""
    allowed_methods = {m.strip().upper() for m in reply.headers.get("access-control-allow-methods", "").split(",")}
    allowed_headers = {h.strip().lower() for h in reply.headers.get("access-control-allow-headers", "").split(",")}
    return (
        200 <= reply.status < 300
        and reply.headers.get("access-control-allow-origin") in ("*", "https://maskapp.example")
        and (method in allowed_methods or method in ("GET", "HEAD", "POST"))
        and all(h.lower() in allowed_headers or "*" in allowed_headers for h in headers)
    )


@pytest.mark.parametrize("path", [V1 + "storesByGeo/json", V1 + "stores/json", V1 + "unknown"])
def test_a_browser_apps_cors_preflight_is_answered(db: Any, ask: Ask, path: str) -> None:
    asked = ["If-None-Match", "Content-Type", "X-Requested-With"]
    reply = ask(
        path,
        method="OPTIONS",
        headers={
            "Origin": "https://maskapp.example",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": ", ".join(h.lower() for h in asked),
        },
    )
    assert reply.status == 204 and preflight_passes(reply, "GET", asked)
    assert reply.headers["access-control-max-age"] == "86400"


def test_a_preflight_without_or_with_a_garbled_header_list_gets_the_usual_headers(db: Any, ask: Ask) -> None:
    plain = ask(V1 + "sales/json", method="OPTIONS")
    assert plain.status == 204 and plain.headers["allow"] == "GET, HEAD, OPTIONS"
    assert preflight_passes(plain, "GET", ["If-None-Match", "Content-Type"])
    garbled = ask(V1 + "sales/json", method="OPTIONS", headers={"Access-Control-Request-Headers": "a b; c=d"})
    assert garbled.headers["access-control-allow-headers"] == plain.headers["access-control-allow-headers"]


def test_head_answers_the_get_headers_without_a_body(db: Any, ask: Ask) -> None:
    load()
    get, head = ask(V1 + GEO), ask(V1 + GEO, method="HEAD")
    assert head.status == 200 and head.body == b"" and head.headers["etag"] == get.headers["etag"]
    assert ask(V1 + "nowhere", method="HEAD").status == 404


def test_an_unchanged_answer_is_304_to_if_none_match_on_every_door(db: Any, ask: Ask) -> None:
    load()
    etag = ask(V1 + GEO).headers["etag"]
    assert ask(V1 + GEO, headers={"If-None-Match": etag}).status == 304


# -- 4. the outlet list is the union of both real lists -----------------------------------------------


@pytest.mark.slow
def test_the_demo_serves_the_union_of_both_real_outlet_lists(
    shared_data: Path, transactional_db: Any, ask: Ask
) -> None:
    from epiaid.masks.demo import load_demo

    lines: list[str] = []
    summary = load_demo(shared_data, lines.append, now=kst("2020-03-15 21:30"))
    assert (
        "mask_stores_2020-03-15_SOMJANG.csv 25,439 rows, mask_stores_2020-06-29_michael-cho77.csv 26,596 rows: "
        "union 27,036 outlets, 24,999 in more than one list, 6,195 of them differing (the later list wins)"
    ) in lines[0]
    assert summary.startswith("27036 outlets")
    assert ask(V1 + "stores/json?perPage=500").json()["totalCount"] == 27_036
    near = ask(V1 + "storesByGeo/json?lat=37.5139&lng=126.9426&m=1000").json()  # 노량진역
    assert "온누리송학대약국" in {s["name"] for s in near["stores"]}  # 11824280: missing from the March list
    past = ask(V1 + "stores/json?page=56&perPage=500").json()
    assert (past["count"], past["totalPages"]) == (0, 55)
    shares = evening_shares(ask)
    assert 0.78 <= shares["empty"] <= 0.87  # the real late-evening snapshot: ~82 % empty


def test_the_march_list_alone_lacks_outlets_the_union_serves(shared_data: Path) -> None:
    from epiaid.masks.demo import OUTLET_FILES
    from epiaid.masks.engine.importer import parse_outlets, union_outlets
    from epiaid.masks.engine.readmodel import OutletRecord, build_snapshot

    lists = [(f.name, parse_outlets(shared_data / f)) for f in OUTLET_FILES]
    union = union_outlets(lists)

    def snapshot(rows: list[OutletRow]) -> Any:
        return build_snapshot(
            {r.code: OutletRecord(r.code, r.name, r.addr, r.type, r.lat, r.lng) for r in rows}, {}, 1, None
        )

    march, both = snapshot(lists[0][1].rows), snapshot(union.parsed.rows)
    noryangjin = (37.5139, 126.9426)
    in_march = {c for _, c in march.within(*noryangjin, 1000)}
    in_union = {c for _, c in both.within(*noryangjin, 1000)}
    assert "11824280" not in in_march and "11824280" in in_union
    assert in_union - in_march == {"11824280", "12870064", "12870609"}  # all three only in the June list
    assert (len(lists[0][1].rows), len(lists[1][1].rows), len(union.parsed.rows)) == (25_439, 26_596, 27_036)
    assert (union.in_several, union.replaced) == (24_999, 6_195)


# -- 5. demo stock follows the 2020 day ---------------------------------------------------------------


def evening_shares(ask: Ask) -> dict[str, float]:
    """What a client crawling sales/json sees: the share of each remain_stat among the records."""
    counted: dict[str, int] = {}
    page = 1
    while sales := ask(V1 + f"sales/json?page={page}&perPage=5000").json()["sales"]:
        for s in sales:
            counted[s["remain_stat"]] = counted.get(s["remain_stat"], 0) + 1
        page += 1
    total = sum(counted.values())
    return {k: v / total for k, v in counted.items()}


@pytest.mark.parametrize(
    ("moment", "check"),
    [
        ("2020-03-10 21:30", lambda s: 0.72 <= s["empty"] <= 0.92),
        ("2020-03-10 10:30", lambda s: s["plenty"] >= 0.3 and 0.35 <= s["empty"] <= 0.6),
    ],
)
def test_demo_stock_looks_like_the_hour_of_2020_it_is_loaded_at(
    db: Any, ask: Ask, moment: str, check: Callable[[dict[str, float]], bool]
) -> None:
    from epiaid.masks.demo import load_demo

    summary = load_demo(None, lambda _: None, now=kst(moment))
    assert f"at {moment[-5:]} KST" in summary
    shares = evening_shares(ask)
    assert check(shares), shares


# -- 6. addresses: given means given; no match means an empty list ------------------------------------


@pytest.mark.parametrize(
    "address",
    ["\ue000", "\u200b", "\u0007", ",", "()", "ㆍ", "😷", "없는동", "보광"],
)
def test_a_non_empty_address_that_matches_nothing_gets_an_empty_list(db: Any, ask: Ask, address: str) -> None:
    from urllib.parse import quote

    load()
    body = ask(V1 + "storesByAddr/json?address=" + quote(address)).json()
    assert (body["count"], body["stores"]) == (0, [])


def test_an_address_matches_by_its_words_as_clients_rely_on(db: Any, ask: Ask) -> None:
    load()
    words = ask(V1 + "storesByAddr/json?address=8").json()
    assert [s["name"] for s in words["stores"]] == ["팔번지약국"]  # 명동8길 8: the house number is a word
    district = ask(V1 + "storesByAddr/json?address=용산구").json()
    assert district["count"] == 6  # every outlet whose address names 용산구


def test_address_8_on_the_real_list_still_matches_its_186_outlets(shared_data: Path) -> None:
    from epiaid.masks.demo import OUTLET_FILES
    from epiaid.masks.engine.importer import parse_outlets
    from epiaid.masks.engine.readmodel import OutletRecord, build_snapshot

    rows = parse_outlets(shared_data / OUTLET_FILES[0]).rows
    snap = build_snapshot(
        {r.code: OutletRecord(r.code, r.name, r.addr, r.type, r.lat, r.lng) for r in rows}, {}, 1, None
    )
    assert json.loads(snap.by_addr("8"))["count"] == 186


def test_unescaped_korean_in_the_query_string_works_on_every_door(db: Any, ask: Ask) -> None:
    load()
    body = ask(V1 + "storesByAddr/json?address=서울특별시+용산구+보광동").json()
    assert body["address"] == "서울특별시 용산구 보광동" and body["count"] == 5


@pytest.mark.parametrize(
    ("query", "problem"),
    [
        ("address=", "address is empty"),
        ("address=%20%20", "address is empty"),
        ("address=%EC%84%9C%EC%9A%B8%ED%8A%B9%EB%B3%84%EC%8B%9C", "whole city or province"),
        ("lat=&lng=127", "lat must be a number, got ''"),
        ("lat=37.5&lng=", "lng must be a number, got ''"),
    ],
)
def test_a_given_parameter_is_never_called_missing(db: Any, ask: Ask, query: str, problem: str) -> None:
    endpoint = "storesByAddr/json" if query.startswith("address") else "storesByGeo/json"
    message = ask(V1 + f"{endpoint}?{query}").json()["message"]
    assert problem in message and "required" not in message


@pytest.mark.parametrize(("endpoint", "name"), [("storesByAddr/json", "address"), ("storesByGeo/json?lng=127", "lat")])
def test_an_absent_parameter_is_called_required(db: Any, ask: Ask, endpoint: str, name: str) -> None:
    reply = ask(V1 + endpoint)
    assert reply.status == 400 and reply.json()["message"].startswith(f"{name} is required")


# -- the radius limit ---------------------------------------------------------------------------------


@pytest.mark.parametrize("m", ["10000", "5000.5", "1e9"])
def test_a_radius_above_5000_m_is_refused_and_the_message_gives_the_maximum(db: Any, ask: Ask, m: str) -> None:
    reply = ask(V1 + f"storesByGeo/json?lat=37.5265&lng=127.0001&m={m}")
    assert reply.status == 400
    assert reply.json()["message"].startswith("m must be at most 5000 metres (the maximum radius), got ")


@pytest.mark.parametrize("m", ["5000", "5000.0", "0", ""])
def test_a_radius_up_to_5000_m_is_answered(db: Any, ask: Ask, m: str) -> None:
    load()
    assert ask(V1 + f"storesByGeo/json?lat=37.5265&lng=127.0001&m={m}").status == 200


# -- everything the suite asks conforms ---------------------------------------------------------------


def every_answer() -> Iterator[tuple[str, str]]:
    for endpoint in ("stores/json", "sales/json", GEO, "storesByAddr/json?address=보광동"):
        for method in ("GET", "HEAD", "OPTIONS", "POST"):
            yield V1 + endpoint, method


def test_every_endpoint_and_method_answers_in_the_2020_model(db: Any, ask: Ask) -> None:
    load()
    statuses = {(path, method): ask(path, method=method).status for path, method in every_answer()}
    assert set(statuses.values()) == {200, 204, 405}
    by_geo = ask(V1 + GEO).json()["stores"]
    halted = next(s for s in by_geo if s["code"] == "11000003")
    assert halted["remain_stat"] == "break"
    plenty = next(s for s in by_geo if s["code"] == "11000001")
    assert plenty["stock_at"] == "2020/03/10 09:40:00"
    assert datetime.strptime(plenty["created_at"], "%Y/%m/%d %H:%M:%S")
