"""What every mask write shares: its errors, the global change counter, outlet lookup, the lock retry.

Every write runs in one transaction that first bumps the global ``MaskDataVersion`` row. That first
statement is a write, so SQLite takes its write lock at once (no deferred-lock upgrade deadlock) and
PostgreSQL holds a row lock on it until commit: writers are serialised, commit in version order, and
"two purchases at two outlets" or "two sales of the last mask" cannot both succeed.
"""

from __future__ import annotations

import functools
import random
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from django.db import OperationalError, connection
from django.db.models import F

from epiaid.core.errors import EpiaidError
from epiaid.masks.models import MaskDataVersion, Outlet


class MasksError(EpiaidError):
    """A refused mask request; the API's one handler answers it with its status and code."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message, status=status)


class UnknownOutlet(MasksError):
    status = 404
    code = "unknown_outlet"


class StockConflict(MasksError):
    status = 409
    code = "stock_conflict"


class PurchaseRefused(MasksError):
    status = 409
    code = "purchase_refused"


class TokenError(MasksError):
    status = 401
    code = "bad_seller_token"


def bump_version(now: datetime) -> int:
    """Increment the change counter (first statement of every write transaction; see module doc)."""
    if not MaskDataVersion.objects.filter(pk=1).update(version=F("version") + 1, updated_at=now):
        MaskDataVersion.objects.bulk_create([MaskDataVersion(pk=1, version=0)], ignore_conflicts=True)
        MaskDataVersion.objects.filter(pk=1).update(version=F("version") + 1, updated_at=now)
    return int(MaskDataVersion.objects.values_list("version", flat=True).get(pk=1))


def current_version() -> tuple[int, datetime | None]:
    row = MaskDataVersion.objects.filter(pk=1).values_list("version", "updated_at").first()
    return (int(row[0]), row[1]) if row else (0, None)


def get_outlet(code: str) -> Outlet:
    try:
        return Outlet.objects.get(pk=str(code))
    except Outlet.DoesNotExist:
        raise UnknownOutlet(f"unknown outlet code: {code!r}") from None


FnT = TypeVar("FnT", bound=Callable[..., Any])


def retry_when_locked(fn: FnT) -> FnT:
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


def check_quantity(value: int, field_name: str, *, allow_zero: bool) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise MasksError(f"{field_name} must be an integer, got {value!r}")
    if value < 0 or (value == 0 and not allow_zero):
        raise MasksError(f"{field_name} must be {'0 or more' if allow_zero else 'at least 1'}, got {value}")
    if value > 1_000_000:
        raise MasksError(f"{field_name} is implausibly large: {value}")
    return value
