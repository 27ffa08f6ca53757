"""A stock change is visible on every endpoint: at once in this process, within seconds in others."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from django.db.models import F
from django.test import Client

from epiaid.masks import services
from epiaid.masks.models import MaskDataVersion, Stock

V1 = "/corona19-masks/v1/"
GEO = {"lat": "37.5265", "lng": "127.0001", "m": "1000"}


def remain_stat_everywhere(code: str, fast_path: Any) -> set[str | None]:
    seen: set[str | None] = set()
    client = Client()
    for endpoint, params in (("storesByGeo/json", GEO), ("storesByAddr/json", {"address": "용산구 보광동"})):
        for body in (
            client.get(V1 + endpoint, params).json(),
            json.loads(fast_path(V1 + endpoint, "&".join(f"{k}={v}" for k, v in params.items()))[2]),
        ):
            seen |= {s["remain_stat"] for s in body["stores"] if s["code"] == code}
    sales = json.loads(fast_path(V1 + "sales/json")[2])["sales"]
    seen |= {s["remain_stat"] for s in sales if s["code"] == code}
    v2 = client.get("/api/masks/v2/stores").json()["features"]
    seen |= {f["properties"]["remain_stat"] for f in v2 if f["properties"]["code"] == code}
    return seen


@pytest.mark.django_db(transaction=True)
def test_stock_change_is_visible_on_every_endpoint_at_once(outlets_tx: Any, fast_path: Any) -> None:
    services.report_stock("11000001", 150, "seller")
    assert remain_stat_everywhere("11000001", fast_path) == {"plenty"}
    services.record_sale("11000001", 130, "seller")
    assert remain_stat_everywhere("11000001", fast_path) == {"few"}
    services.set_halted("11000001", True, "seller")
    assert remain_stat_everywhere("11000001", fast_path) == {"break"}


@pytest.mark.django_db(transaction=True)
def test_change_made_by_another_process_is_picked_up_within_seconds(outlets_tx: Any, fast_path: Any) -> None:
    services.report_stock("11000002", 5, "seller")
    assert remain_stat_everywhere("11000002", fast_path) == {"few"}
    # Another server process writes: no in-process signal reaches this read model, only the database.
    MaskDataVersion.objects.filter(pk=1).update(version=F("version") + 1)
    version = MaskDataVersion.objects.get(pk=1).version
    Stock.objects.filter(outlet_id="11000002").update(remain=500, version=version)
    deadline = time.monotonic() + 5
    while remain_stat_everywhere("11000002", fast_path) != {"plenty"}:
        assert time.monotonic() < deadline, "change from another process not visible within 5 s"
        time.sleep(0.2)


@pytest.mark.django_db(transaction=True)
def test_change_feed_returns_only_what_changed_since_the_cursor(outlets_tx: Any) -> None:
    client = Client()
    start = client.get("/api/masks/v2/changes").json()["version"]
    services.report_stock("11000003", 40, "seller")
    feed = client.get("/api/masks/v2/changes", {"since": start}).json()
    assert [s["code"] for s in feed["stores"]] == ["11000003"] and feed["stores"][0]["remain_stat"] == "some"
    assert client.get("/api/masks/v2/changes", {"since": feed["version"]}).json()["stores"] == []
    etag = client.get("/api/masks/v2/changes", {"since": start})["ETag"]
    assert client.get("/api/masks/v2/changes", {"since": start}, HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert client.get("/api/masks/v2/changes", {"since": -1}).status_code == 400


@pytest.mark.django_db(transaction=True)
def test_change_feed_pages_at_version_boundaries_without_losing_changes(outlets_tx: Any) -> None:
    start = services.changes_since(0)["version"]
    for code in ("11000001", "11000002", "11000003", "11000004"):
        services.report_stock(code, 50, "seller")
    seen: list[str] = []
    cursor = start
    while True:
        page = services.changes_since(cursor, limit=3)
        seen += [s["code"] for s in page["stores"]]
        cursor = page["version"]
        if not page["more"]:
            break
    assert seen == ["11000001", "11000002", "11000003", "11000004"]
    assert services.changes_since(cursor)["stores"] == []
