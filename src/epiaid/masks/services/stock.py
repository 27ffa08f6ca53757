"""Stock intake: what a seller reports (count on hand, deliveries, sales, halts), with its history.

Each change is one transaction with its history row, so nothing is lost or counted twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from epiaid.masks.models import Stock, StockEvent
from epiaid.masks.services.base import (
    MasksError,
    StockConflict,
    bump_version,
    check_quantity,
    get_outlet,
    retry_when_locked,
)
from epiaid.masks.services.readmodel import refresh_after_commit


@retry_when_locked
def _change_stock(
    code: str,
    kind: str,
    actor: str,
    *,
    quantity: int = 0,
    remain: int | None = None,
    stock_at: datetime | None = None,
    halted: bool | None = None,
    now: datetime | None = None,
) -> Stock:
    """Apply one change in one transaction, with its history row (nothing lost or double counted)."""
    now = now or timezone.now()
    if stock_at is not None:
        if timezone.is_naive(stock_at):
            stock_at = timezone.make_aware(stock_at)  # a seller's clock time is Korean time
        if stock_at > now + timedelta(minutes=5):
            raise MasksError(f"stock_at {stock_at.isoformat()} is in the future")
    with transaction.atomic():
        version = bump_version(now)
        outlet = get_outlet(code)
        stock, _ = Stock.objects.select_for_update().get_or_create(
            outlet=outlet, defaults={"remain": 0, "created_at": now, "version": version}
        )
        before = stock.remain
        if kind == "set":
            assert remain is not None
            stock.remain = remain
        elif kind == "arrival":
            stock.remain = before + quantity
            stock.stock_at = stock_at or now
        elif kind == "sale":
            if stock.halted:
                raise StockConflict(f"sales are halted at outlet {code}")
            updated = Stock.objects.filter(pk=outlet.pk, remain__gte=quantity).update(remain=F("remain") - quantity)
            if not updated:
                raise StockConflict(f"outlet {code} has {before} left, cannot sell {quantity}")
            stock.remain = before - quantity
        elif kind in ("halt", "resume"):
            stock.halted = bool(halted)
        if kind == "set" and stock_at is not None:
            stock.stock_at = stock_at
        stock.created_at, stock.version = now, version
        stock.save()
        StockEvent.objects.create(
            outlet=outlet,
            kind=kind,
            quantity=quantity,
            remain_before=before,
            remain_after=stock.remain,
            at=now,
            stock_at=stock.stock_at,
            actor=actor,
            version=version,
        )
        transaction.on_commit(refresh_after_commit)
    return stock


def report_stock(code: str, remain: int, actor: str, *, stock_at: datetime | None = None) -> Stock:
    """The seller reports the count on hand (a correction after a recount overrides the running total)."""
    return _change_stock(
        code, "set", actor, remain=check_quantity(remain, "remain", allow_zero=True), stock_at=stock_at
    )


def record_arrival(code: str, quantity: int, actor: str, *, stock_at: datetime | None = None) -> Stock:
    return _change_stock(
        code,
        "arrival",
        actor,
        quantity=check_quantity(quantity, "quantity", allow_zero=False),
        stock_at=stock_at,
    )


def record_sale(code: str, quantity: int, actor: str) -> Stock:
    return _change_stock(code, "sale", actor, quantity=check_quantity(quantity, "quantity", allow_zero=False))


def set_halted(code: str, halted: bool, actor: str) -> Stock:
    return _change_stock(code, "halt" if halted else "resume", actor, halted=halted)


def history(code: str, limit: int = 200) -> list[StockEvent]:
    get_outlet(code)
    return list(StockEvent.objects.filter(outlet_id=code).order_by("-id")[: max(1, min(limit, 1000))])
