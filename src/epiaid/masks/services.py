"""Mask-stock logic: intake from sellers, the rationing ledger, tokens, and the read model's source.

Every write runs in one transaction that first bumps the global ``MaskDataVersion`` row. That first
statement is a write, so SQLite takes its write lock at once (no deferred-lock upgrade deadlock) and
PostgreSQL holds a row lock on it until commit: writers are serialised, commit in version order, and
"two purchases at two outlets" or "two sales of the last mask" cannot both succeed. Other capabilities
may import this module (only this one).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import logging
import os
import random
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import F
from django.utils import timezone

from epiaid.masks.engine import rationing
from epiaid.masks.engine.importer import ParseResult
from epiaid.masks.engine.readmodel import OutletRecord, ReadModel, SalesRecord, Snapshot, build_snapshot
from epiaid.masks.engine.stock import remain_stat
from epiaid.masks.engine.timefmt import KST, kst_string
from epiaid.masks.models import (
    MaskDataVersion,
    Outlet,
    Purchase,
    PurchaseWeek,
    SellerToken,
    Stock,
    StockEvent,
    TokenNonce,
)

logger = logging.getLogger(__name__)
HMAC_DOMAIN = b"epiaid.masks.buyer-id.v1"
TOKEN_PREFIX = "msk"  # noqa: S105 - the public label of a token, not a secret
NONCE_WINDOW_S = 300
REFRESH_INTERVAL_S = 1.0


class MasksError(Exception):
    """A refused request; ``status`` is the HTTP status the API answers with."""

    status = 400

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        if status is not None:
            self.status = status


class UnknownOutlet(MasksError):
    status = 404


class StockConflict(MasksError):
    status = 409


class PurchaseRefused(MasksError):
    status = 409


class TokenError(MasksError):
    status = 401


# -- buyer IDs: only a keyed hash is ever stored --------------------------------------------------


def hmac_key() -> bytes:
    """``EPIAID_MASKS_HMAC_KEY``; in debug derived from SECRET_KEY with a domain separator."""
    key = os.environ.get("EPIAID_MASKS_HMAC_KEY", "")
    if key:
        return key.encode()
    # The deployment's debug switch (not settings.DEBUG, which the test runner turns off).
    debug = os.environ.get("EPIAID_DEBUG", "1").strip().lower() in {"1", "true", "yes", "on"}
    if not debug:
        raise ImproperlyConfigured("EPIAID_MASKS_HMAC_KEY must be set when EPIAID_DEBUG is off")
    return hmac.new(settings.SECRET_KEY.encode(), HMAC_DOMAIN, hashlib.sha256).digest()


def buyer_hash(buyer_id: str) -> str:
    normalised = "".join(ch for ch in str(buyer_id) if ch.isalnum()).upper()
    if len(normalised) < 6:
        raise MasksError("buyer_id is too short to identify a person (at least 6 letters or digits)")
    return hmac.new(hmac_key(), normalised.encode(), hashlib.sha256).hexdigest()


# -- the global change counter ---------------------------------------------------------------------


def bump_version(now: datetime) -> int:
    """Increment the change counter (first statement of every write transaction; see module doc)."""
    if not MaskDataVersion.objects.filter(pk=1).update(version=F("version") + 1, updated_at=now):
        MaskDataVersion.objects.bulk_create([MaskDataVersion(pk=1, version=0)], ignore_conflicts=True)
        MaskDataVersion.objects.filter(pk=1).update(version=F("version") + 1, updated_at=now)
    return int(MaskDataVersion.objects.values_list("version", flat=True).get(pk=1))


def current_version() -> tuple[int, datetime | None]:
    row = MaskDataVersion.objects.filter(pk=1).values_list("version", "updated_at").first()
    return (int(row[0]), row[1]) if row else (0, None)


# -- outlets ---------------------------------------------------------------------------------------


@dataclass
class ImportReport:
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    without_coordinates: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"read {self.read}, created {self.created}, updated {self.updated}, unchanged {self.unchanged}, "
            f"rejected {len(self.rejected)}, without coordinates {len(self.without_coordinates)} "
            f"(kept, not on the map)"
        )


def import_outlets(parsed: ParseResult, *, batch_size: int = 2000) -> ImportReport:
    """Create or update outlets by code (idempotent: a second run changes nothing)."""
    report = ImportReport(
        read=parsed.read,
        rejected=list(parsed.rejected),
        warnings=list(parsed.warnings),
        without_coordinates=[f"{r.code} {r.name}" for r in parsed.without_coordinates],
    )
    existing = {o.code: o for o in Outlet.objects.all()}
    to_create: list[Outlet] = []
    to_update: list[Outlet] = []
    fields = ("name", "addr", "type", "lat", "lng")
    for row in parsed.rows:
        current = existing.get(row.code)
        if current is None:
            to_create.append(
                Outlet(code=row.code, name=row.name, addr=row.addr, type=row.type, lat=row.lat, lng=row.lng)
            )
        elif any(getattr(current, f) != getattr(row, f) for f in fields):
            for f in fields:
                setattr(current, f, getattr(row, f))
            to_update.append(current)
        else:
            report.unchanged += 1
    if to_create or to_update:
        with transaction.atomic():
            version = bump_version(timezone.now())
            for outlet in (*to_create, *to_update):
                outlet.version = version
            Outlet.objects.bulk_create(to_create, batch_size=batch_size)
            Outlet.objects.bulk_update(to_update, [*fields, "version"], batch_size=batch_size)
            transaction.on_commit(refresh_after_commit)
    report.created, report.updated = len(to_create), len(to_update)
    return report


def get_outlet(code: str) -> Outlet:
    try:
        return Outlet.objects.get(pk=str(code))
    except Outlet.DoesNotExist:
        raise UnknownOutlet(f"unknown outlet code: {code!r}") from None


# -- stock intake ----------------------------------------------------------------------------------


FnT = TypeVar("FnT", bound=Callable[..., Any])


def _retry_when_locked(fn: FnT) -> FnT:
    """Re-run a whole write transaction that SQLite refused with "locked" (never on PostgreSQL).

    SQLite's busy timeout covers most contention, but not a shared-cache database (the test
    database) nor every lock upgrade; the transaction rolled back completely, so running it again is
    safe. Inside an outer transaction we cannot retry and let the error through.
    """

    @functools.wraps(fn)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        for attempt in range(60):
            try:
                return fn(*args, **kwargs)
            except OperationalError as exc:
                if "locked" not in str(exc) or connection.in_atomic_block or attempt == 59:
                    raise
                time.sleep(0.005 * (attempt + 1) + random.random() * 0.01)
        raise AssertionError("unreachable")

    return wrapped  # type: ignore[return-value]


def _check_quantity(value: int, field_name: str, *, allow_zero: bool) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise MasksError(f"{field_name} must be an integer, got {value!r}")
    if value < 0 or (value == 0 and not allow_zero):
        raise MasksError(f"{field_name} must be {'0 or more' if allow_zero else 'at least 1'}, got {value}")
    if value > 1_000_000:
        raise MasksError(f"{field_name} is implausibly large: {value}")
    return value


@_retry_when_locked
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
        code, "set", actor, remain=_check_quantity(remain, "remain", allow_zero=True), stock_at=stock_at
    )


def record_arrival(code: str, quantity: int, actor: str, *, stock_at: datetime | None = None) -> Stock:
    return _change_stock(
        code,
        "arrival",
        actor,
        quantity=_check_quantity(quantity, "quantity", allow_zero=False),
        stock_at=stock_at,
    )


def record_sale(code: str, quantity: int, actor: str) -> Stock:
    return _change_stock(code, "sale", actor, quantity=_check_quantity(quantity, "quantity", allow_zero=False))


def set_halted(code: str, halted: bool, actor: str) -> Stock:
    return _change_stock(code, "halt" if halted else "resume", actor, halted=halted)


def history(code: str, limit: int = 200) -> list[StockEvent]:
    get_outlet(code)
    return list(StockEvent.objects.filter(outlet_id=code).order_by("-id")[: max(1, min(limit, 1000))])


# -- rationing: the cross-outlet weekly ledger -----------------------------------------------------


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


@_retry_when_locked
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
    quantity = _check_quantity(quantity, "quantity", allow_zero=False)
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


# -- seller tokens ---------------------------------------------------------------------------------


def _secret_hash(secret: str) -> str:
    # The secret has 256 bits of entropy, so a plain SHA-256 suffices (no slow hash needed).
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_token(code: str, actor: str, *, rotate: bool = True) -> str:
    """Create a token for an outlet and return it (shown once). ``rotate`` revokes the older ones."""
    outlet = get_outlet(code)
    prefix, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    with transaction.atomic():
        if rotate:
            SellerToken.objects.filter(outlet=outlet, revoked_at__isnull=True).update(revoked_at=timezone.now())
        SellerToken.objects.create(outlet=outlet, prefix=prefix, secret_hash=_secret_hash(secret), created_by=actor)
    return f"{TOKEN_PREFIX}_{prefix}_{secret}"


def revoke_tokens(code: str) -> int:
    outlet = get_outlet(code)
    return SellerToken.objects.filter(outlet=outlet, revoked_at__isnull=True).update(revoked_at=timezone.now())


def authenticate_token(
    raw: str, *, nonce: str | None, timestamp: str | None, now: datetime | None = None
) -> SellerToken:
    """Check a seller token and its replay protection (a fresh nonce within ±5 minutes).

    Each request carries ``X-Mask-Nonce`` (8–64 characters, never reused with this token) and
    ``X-Mask-Timestamp`` (Unix seconds); a captured request replayed later is refused.
    """
    now = now or timezone.now()
    parts = (raw or "").split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX or not parts[1] or not parts[2]:
        raise TokenError("malformed seller token (expected msk_<prefix>_<secret>)")
    token = SellerToken.objects.select_related("outlet").filter(prefix=parts[1]).first()
    if token is None or not hmac.compare_digest(token.secret_hash, _secret_hash(parts[2])):
        raise TokenError("unknown seller token")
    if token.revoked_at is not None:
        raise TokenError("this seller token has been revoked")
    if not nonce or not 8 <= len(nonce) <= 64 or not nonce.isascii():
        raise TokenError("X-Mask-Nonce header is required (8–64 ASCII characters, new for every request)")
    try:
        stamp = float(timestamp or "")
    except ValueError:
        raise TokenError("X-Mask-Timestamp header must be Unix seconds") from None
    if abs(now.timestamp() - stamp) > NONCE_WINDOW_S:
        raise TokenError(f"X-Mask-Timestamp is more than {NONCE_WINDOW_S} s from the server's clock")
    try:
        with transaction.atomic():
            TokenNonce.objects.create(token=token, nonce=nonce)
    except IntegrityError:
        raise TokenError("replayed request: this nonce was already used", status=409) from None
    TokenNonce.objects.filter(token=token, at__lt=now - timedelta(seconds=2 * NONCE_WINDOW_S)).delete()
    SellerToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


# -- the read model --------------------------------------------------------------------------------

READ_MODEL = ReadModel()
_last_check = 0.0
_check_lock = threading.Lock()


def _sales_record(stock: Stock) -> SalesRecord:
    return SalesRecord(
        created_at=kst_string(stock.created_at),
        remain_stat=str(remain_stat(stock.remain, halted=stock.halted)),
        stock_at=kst_string(stock.stock_at),
    )


def _outlet_record(o: Outlet) -> OutletRecord:
    return OutletRecord(code=o.code, name=o.name, addr=o.addr, type=o.type, lat=o.lat, lng=o.lng)


def load_snapshot() -> Snapshot:
    version, updated = current_version()
    outlets = {o.code: _outlet_record(o) for o in Outlet.objects.all()}
    sales = {s.outlet_id: _sales_record(s) for s in Stock.objects.all()}
    return build_snapshot(outlets, sales, version, kst_string(updated))


def refresh_read_model(*, full: bool = False) -> Snapshot:
    """Bring the read model up to the database's version (incrementally unless ``full``)."""
    global _last_check
    with READ_MODEL.lock:
        _last_check = time.monotonic()
        snap = READ_MODEL.snapshot
        if full or not READ_MODEL.loaded:
            fresh = load_snapshot()
            READ_MODEL.replace(fresh)
            return fresh
        version, updated = current_version()
        if version == snap.version:
            return snap
        if version < snap.version:  # the database was reset (tests, restore): start again
            fresh = load_snapshot()
            READ_MODEL.replace(fresh)
            return fresh
        outlets: dict[str, OutletRecord | None] = {
            o.code: _outlet_record(o) for o in Outlet.objects.filter(version__gt=snap.version).order_by()
        }
        sales: dict[str, SalesRecord | None] = {
            s.outlet_id: _sales_record(s) for s in Stock.objects.filter(version__gt=snap.version)
        }
        return READ_MODEL.apply(version, kst_string(updated), outlets, sales)


def refresh_after_commit() -> None:
    """The in-process signal after every committed change; a failure here must never fail the write
    (it already committed), so it only marks the model stale for the next read to catch up."""
    global _last_check
    try:
        refresh_read_model()
    except Exception:
        _last_check = 0.0
        logger.warning("masks read model refresh failed; the next read retries", exc_info=True)


def refresh_due() -> bool:
    """Whether the once-a-second check for other processes' changes is due."""
    return not READ_MODEL.loaded or time.monotonic() - _last_check >= REFRESH_INTERVAL_S


def fresh_snapshot() -> Snapshot:
    """The current snapshot, checking the database for other processes' changes at most once a second."""
    if not READ_MODEL.loaded or time.monotonic() - _last_check >= REFRESH_INTERVAL_S:
        with _check_lock:
            if not READ_MODEL.loaded or time.monotonic() - _last_check >= REFRESH_INTERVAL_S:
                return refresh_read_model()
    return READ_MODEL.snapshot


def changes_since(since: int, limit: int = 5000) -> dict[str, Any]:
    """The change feed: outlets whose public record changed after version ``since``, oldest change first.

    When more than ``limit`` changed, the answer stops at a version boundary and ``more`` is true;
    polling again with ``since=version`` continues exactly there (a bulk import is one version and
    is never split, so that page may be longer than ``limit``).
    """
    snap = fresh_snapshot()
    changed: dict[str, int] = {}
    for code, version in [
        *Outlet.objects.filter(version__gt=since).order_by().values_list("code", "version"),
        *Stock.objects.filter(version__gt=since).order_by().values_list("outlet_id", "version"),
    ]:
        changed[code] = max(version, changed.get(code, 0))
    ordered = sorted(changed.items(), key=lambda item: (item[1], item[0]))
    more = len(ordered) > limit
    cursor = max((v for _, v in ordered), default=since)
    if more:
        cursor = ordered[limit - 1][1]
        ordered = [(c, v) for c, v in ordered if v <= cursor]
    stores = [s for c, _ in ordered if (s := snap.store(c)) is not None]
    version = cursor if more else max(cursor, snap.version)
    return {"since": since, "version": version, "more": more, "count": len(stores), "stores": stores}
