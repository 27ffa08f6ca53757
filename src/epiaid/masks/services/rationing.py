"""Rationing: the cross-outlet weekly ledger of who bought how many, keyed by a hash of the buyer ID.

Only a keyed hash (HMAC) of a buyer's ID is ever stored.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from epiaid.masks.engine import rationing
from epiaid.masks.engine.timefmt import KST
from epiaid.masks.models import Purchase, PurchaseWeek, Stock, StockEvent
from epiaid.masks.services.base import (
    MasksError,
    PurchaseRefused,
    StockConflict,
    bump_version,
    check_quantity,
    get_outlet,
    retry_when_locked,
)
from epiaid.masks.services.readmodel import refresh_after_commit


def hmac_key() -> bytes:
    """``EPIAID_MASKS_HMAC_KEY``; only the local demo derives one (see :mod:`epiaid.core.secrets`)."""
    from epiaid.core.secrets import secret

    return secret("EPIAID_MASKS_HMAC_KEY", purpose="the keyed hash of buyers' ID numbers")


def buyer_hash(buyer_id: str) -> str:
    normalised = "".join(ch for ch in str(buyer_id) if ch.isalnum()).upper()
    if len(normalised) < 6:
        raise MasksError("buyer_id is too short to identify a person (at least 6 letters or digits)")
    return hmac.new(hmac_key(), normalised.encode(), hashlib.sha256).hexdigest()


def rules() -> rationing.RationingRules:
    """The rules in force; the weekly cap is configurable (``EPIAID_MASKS_WEEKLY_CAP``, 2 in March 2020)."""
    cap = getattr(settings, "MASKS_WEEKLY_CAP", None) or os.environ.get("EPIAID_MASKS_WEEKLY_CAP") or 2
    try:
        return rationing.RationingRules(weekly_cap=int(cap))
    except ValueError as exc:
        raise ImproperlyConfigured(f"EPIAID_MASKS_WEEKLY_CAP: {exc}") from None


@dataclass(frozen=True)
class PurchaseResult:
    remain: int
    bought_this_week: int
    weekly_cap: int


@retry_when_locked
def purchase(
    code: str,
    *,
    buyer_id: str,
    birth_year: int,
    quantity: int,
    actor: str,
    proxy: rationing.ProxyReason | None = None,
    now: datetime | None = None,
) -> PurchaseResult:
    """Sell to a person under the rationing rules; refused at any outlet once the week's cap is used.

    The weekly row is updated with a conditional ``UPDATE ... WHERE quantity + n <= cap``: even
    without the serialising version lock, two concurrent purchases could not both pass the cap.
    """
    now = now or timezone.now()
    day = now.astimezone(KST).date()
    the_rules = rules()
    quantity = check_quantity(quantity, "quantity", allow_zero=False)
    try:
        rationing.check_birth_year(birth_year, day, the_rules)
    except rationing.RationingError as exc:
        raise MasksError(str(exc)) from None
    key = buyer_hash(buyer_id)
    week = rationing.week_start(day)
    weekday = day.weekday() < 5
    with transaction.atomic():
        version = bump_version(now)
        outlet = get_outlet(code)
        PurchaseWeek.objects.bulk_create([PurchaseWeek(buyer_hash=key, week=week)], ignore_conflicts=True)
        ledger = PurchaseWeek.objects.select_for_update().get(buyer_hash=key, week=week)
        decision = rationing.decide(
            birth_year=birth_year,
            day=day,
            bought_this_week=ledger.quantity,
            bought_on_weekday_this_week=ledger.weekday_purchase,
            quantity=quantity,
            proxy=proxy,
            rules=the_rules,
        )
        if not decision.allowed:
            raise PurchaseRefused(decision.reason)
        cap_filter = PurchaseWeek.objects.filter(pk=ledger.pk, quantity__lte=the_rules.weekly_cap - quantity)
        if not weekday:
            cap_filter = cap_filter.filter(weekday_purchase=False)
        updates: dict[str, Any] = {"quantity": F("quantity") + quantity}
        if weekday:
            updates["weekday_purchase"] = True
        if not cap_filter.update(**updates):
            raise PurchaseRefused(f"weekly cap of {the_rules.weekly_cap} reached")
        stock = Stock.objects.select_for_update().filter(outlet=outlet).first()
        before = stock.remain if stock else 0
        if (
            stock is None
            or stock.halted
            or not Stock.objects.filter(pk=outlet.pk, remain__gte=quantity).update(
                remain=F("remain") - quantity, created_at=now, version=version
            )
        ):
            raise StockConflict(
                f"outlet {code} cannot sell {quantity} (stock {before}{', halted' if stock and stock.halted else ''})"
            )
        Purchase.objects.create(
            buyer_hash=key, outlet=outlet, quantity=quantity, at=now, proxy=str(proxy or ""), actor=actor
        )
        StockEvent.objects.create(
            outlet=outlet,
            kind="sale",
            quantity=quantity,
            remain_before=before,
            remain_after=before - quantity,
            at=now,
            stock_at=stock.stock_at,
            actor=actor,
            version=version,
        )
        transaction.on_commit(refresh_after_commit)
    return PurchaseResult(
        remain=before - quantity, bought_this_week=ledger.quantity + quantity, weekly_cap=the_rules.weekly_cap
    )
