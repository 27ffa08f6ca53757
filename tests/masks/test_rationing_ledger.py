"""The cross-outlet weekly cap: one ledger for every outlet, keyed by a hash of the buyer's ID."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, connections

from epiaid.masks import services
from epiaid.masks.engine.rationing import ProxyReason
from epiaid.masks.models import Purchase, PurchaseWeek, Stock
from tests.masks.conftest import kst

THURSDAY = kst("2020-03-12T10:00:00")  # birth years ending 4 or 9
SATURDAY = kst("2020-03-14T10:00:00")
BUYER = "840101-1234567"


def stock_up(*codes: str, remain: int = 100) -> None:
    for code in codes:
        services.report_stock(code, remain, "seller")


@pytest.mark.django_db
def test_second_purchase_over_the_cap_is_refused_at_any_outlet(outlets: Any) -> None:
    stock_up("11000001", "11000002")
    ok = services.purchase("11000001", buyer_id=BUYER, birth_year=1984, quantity=2, actor="s", now=THURSDAY)
    assert ok.bought_this_week == 2 and ok.remain == 98
    with pytest.raises(services.PurchaseRefused, match="weekly cap of 2"):
        services.purchase("11000002", buyer_id=BUYER, birth_year=1984, quantity=1, actor="s", now=THURSDAY)
    with pytest.raises(services.PurchaseRefused, match="weekend"):
        services.purchase("11000002", buyer_id=BUYER, birth_year=1984, quantity=1, actor="s", now=SATURDAY)
    assert Stock.objects.get(pk="11000002").remain == 100  # a refused purchase sells nothing


@pytest.mark.django_db
def test_wrong_day_and_ineligible_proxy_are_refused(outlets: Any) -> None:
    stock_up("11000001")
    with pytest.raises(services.PurchaseRefused, match="buys on Mon"):
        services.purchase("11000001", buyer_id=BUYER, birth_year=1981, quantity=1, actor="s", now=THURSDAY)
    with pytest.raises(services.PurchaseRefused, match="proxy purchase 'child'"):
        services.purchase(
            "11000001",
            buyer_id="A123456",
            birth_year=1984,
            quantity=1,
            actor="s",
            now=THURSDAY,
            proxy=ProxyReason.CHILD,
        )
    done = services.purchase(
        "11000001", buyer_id="C2014XYZ", birth_year=2014, quantity=1, actor="s", now=THURSDAY, proxy=ProxyReason.CHILD
    )
    assert done.bought_this_week == 1
    weekend = services.purchase("11000001", buyer_id="Z999999", birth_year=1990, quantity=2, actor="s", now=SATURDAY)
    assert weekend.bought_this_week == 2  # the weekend is open to anyone who did not buy this week


@pytest.mark.django_db
def test_the_buyers_id_is_never_stored_only_a_keyed_hash(outlets: Any) -> None:
    stock_up("11000001")
    services.purchase("11000001", buyer_id=BUYER, birth_year=1984, quantity=1, actor="s", now=THURSDAY)
    digits = "".join(ch for ch in BUYER if ch.isdigit())
    with connection.cursor() as cursor:
        for table in ("masks_purchase", "masks_purchaseweek", "masks_stockevent", "core_auditevent"):
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 - our own table names
            dump = repr(cursor.fetchall())
            assert BUYER not in dump and digits not in dump
    key = PurchaseWeek.objects.get().buyer_hash
    assert key == services.buyer_hash("840101 1234567") == Purchase.objects.get().buyer_hash
    assert len(key) == 64


def test_hmac_key_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EPIAID_MASKS_HMAC_KEY", "k1-test-only")
    first = services.buyer_hash(BUYER)
    monkeypatch.setenv("EPIAID_MASKS_HMAC_KEY", "k2-test-only")
    assert services.buyer_hash(BUYER) != first
    with pytest.raises(services.MasksError, match="too short"):
        services.buyer_hash("12")


@pytest.mark.django_db(transaction=True)
def test_concurrent_purchases_at_two_outlets_cannot_both_succeed(outlets_tx: Any) -> None:
    stock_up("11000001", "11000002")
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def buy(code: str) -> None:
        try:
            barrier.wait()
            services.purchase(code, buyer_id=BUYER, birth_year=1984, quantity=2, actor="s", now=THURSDAY)
            outcomes.append("ok")
        except services.PurchaseRefused:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=buy, args=(c,)) for c in ("11000001", "11000002", "11000001", "11000002")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(outcomes) == ["ok", "refused", "refused", "refused"]
    assert PurchaseWeek.objects.get().quantity == 2
    assert sum(Stock.objects.filter(pk__in=["11000001", "11000002"]).values_list("remain", flat=True)) == 198


@pytest.mark.django_db(transaction=True)
def test_concurrent_sales_neither_lose_nor_double_count(outlets_tx: Any) -> None:
    stock_up("11000001", remain=50)
    barrier = threading.Barrier(8)
    refused: list[int] = []

    def sell() -> None:
        try:
            barrier.wait()
            for _ in range(8):
                try:
                    services.record_sale("11000001", 1, "seller")
                except services.StockConflict:
                    refused.append(1)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sell) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    stock = Stock.objects.get(pk="11000001")
    assert stock.remain == 0 and len(refused) == 64 - 50
    assert stock.outlet.events.filter(kind="sale").count() == 50
