"""The read model the public APIs answer from: an in-memory snapshot kept up to the database's version.

Writers signal after commit (:func:`refresh_after_commit`); other processes' writes are picked up by
a check at most once a second (:func:`fresh_snapshot`).
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from epiaid.masks.engine.readmodel import EMPTY, OutletRecord, ReadModel, SalesRecord, Snapshot, build_snapshot
from epiaid.masks.engine.stock import remain_stat
from epiaid.masks.engine.timefmt import kst_string
from epiaid.masks.models import Outlet, Stock
from epiaid.masks.services.base import current_version

logger = logging.getLogger(__name__)
#: How often a read checks the database for other processes' changes (``MASKS_REFRESH_INTERVAL_S``).
REFRESH_INTERVAL_S = 1.0


def _interval() -> float:
    from django.conf import settings

    return float(getattr(settings, "MASKS_REFRESH_INTERVAL_S", REFRESH_INTERVAL_S))


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
    return not READ_MODEL.loaded or time.monotonic() - _last_check >= _interval()


def fresh_snapshot() -> Snapshot:
    """The current snapshot, checking the database for other processes' changes at most once a second."""
    if not READ_MODEL.loaded or time.monotonic() - _last_check >= _interval():
        with _check_lock:
            if not READ_MODEL.loaded or time.monotonic() - _last_check >= _interval():
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


def reset_read_model() -> None:
    """Forget the snapshot (after the database was replaced, e.g. between tests); the next read reloads."""
    global _last_check
    with READ_MODEL.lock:
        READ_MODEL.snapshot = EMPTY
        READ_MODEL.loaded = False
        _last_check = 0.0


def stores_geojson(
    *,
    type: str | None = None,
    statuses: tuple[str, ...] = (),
    lat: float | None = None,
    lng: float | None = None,
    m: float | None = None,
) -> tuple[str, Callable[[], bytes]]:
    """v2's GeoJSON of outlets filtered by type, stock status and radius: (ETag, body builder).

    The ETag is known before the body is built, so an ``If-None-Match`` hit costs no filtering; the
    body is cached per snapshot version and filter. A bad filter is refused when the body is built.
    """
    from epiaid.core.errors import BadInput
    from epiaid.masks.engine.readmodel import QueryError, dumps

    snap = fresh_snapshot()
    statuses = tuple(sorted(statuses))
    key = ("v2", type, statuses, lat, lng, m)
    etag = f'"v{snap.version}-{hashlib.sha256(repr(key).encode()).hexdigest()[:12]}"'

    def build() -> bytes:
        if (lat is None) != (lng is None):
            raise BadInput("give both lat and lng, or neither", code="bad_location")
        if lat is not None:
            try:
                snap.by_geo(str(lat), str(lng), None if m is None else str(m))
            except QueryError as exc:
                raise BadInput(str(exc), code="bad_location") from None
            codes = [c for _, c in snap.within(lat, lng or 0.0, m or 1000)]
        else:
            codes = snap.codes

        def make() -> bytes:
            kept = []
            for code in codes:
                fragment = snap.feature_fragment.get(code)
                if fragment is None or (type and snap.outlets[code].type != type):
                    continue
                sale = snap.sales.get(code)
                if statuses and ((sale.remain_stat if sale else None) or "unknown") not in statuses:
                    continue
                kept.append(fragment)
            head = dumps(
                {
                    "type": "FeatureCollection",
                    "version": snap.version,
                    "updated_at": snap.updated_at,
                    "count": len(kept),
                }
            )
            return head[:-1] + b',"features":[' + b",".join(kept) + b"]}"

        return snap.cached(key, make)

    return etag, build


def change_feed(since: int, limit: int = 5000) -> tuple[str, Callable[[], bytes]]:
    """v2's change feed as (ETag, body builder); ``since``/``limit`` out of range are refused (400)."""
    from epiaid.core.errors import BadInput
    from epiaid.masks.engine.readmodel import dumps

    if since < 0:
        raise BadInput("since must be 0 or a version returned by an earlier call", code="bad_since")
    if not 1 <= limit <= 5000:
        raise BadInput(f"limit must be between 1 and 5000, got {limit}", code="bad_limit")
    snap = fresh_snapshot()
    return f'"v{snap.version}-since{since}-limit{limit}"', lambda: dumps(changes_since(since, limit))
