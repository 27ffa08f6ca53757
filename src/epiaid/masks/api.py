"""Mask API under /api/masks/: seller intake (token or staff), rationing helper, and the v2 read API.

Sellers authenticate with their outlet's token (``Authorization: Bearer msk_…`` plus the
``X-Mask-Nonce``/``X-Mask-Timestamp`` replay guard); health staff may post for any outlet with
their session. v2 adds GeoJSON, filters, a change feed and ETags to the 2020 v1 shape.
"""

from __future__ import annotations

import gzip
import hashlib
from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from ninja.security import HttpBearer

from epiaid.core.audit import record
from epiaid.core.roles import Role, RoleAuth
from epiaid.masks import services
from epiaid.masks.engine import rationing
from epiaid.masks.engine.readmodel import QueryError, dumps
from epiaid.masks.engine.stock import RemainStat, remain_stat
from epiaid.masks.models import SellerToken

router = Router()


class SellerTokenAuth(HttpBearer):
    """An outlet's own token (see ``services.authenticate_token`` for the replay guard)."""

    def authenticate(self, request: HttpRequest, token: str) -> SellerToken:
        try:
            return services.authenticate_token(
                token,
                nonce=request.headers.get("X-Mask-Nonce"),
                timestamp=request.headers.get("X-Mask-Timestamp"),
            )
        except services.TokenError as exc:
            raise HttpError(exc.status, str(exc)) from None


SELLER_AUTH = [SellerTokenAuth(), RoleAuth(Role.HEALTH_STAFF)]
STAFF_AUTH = RoleAuth(Role.HEALTH_STAFF)


def _actor(request: HttpRequest, code: str) -> str:
    """Who is acting; a seller token may only act for its own outlet."""
    auth = getattr(request, "auth", None)
    if isinstance(auth, SellerToken):
        if auth.outlet_id != code:
            record(request, "denied", "masks.stock", object_id=code, detail={"seller_token": auth.prefix})
            raise HttpError(403, f"this token belongs to outlet {auth.outlet_id}, not {code}")
        return f"token:{auth.prefix}"
    return str(request.user.get_username())


def _call(fn: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return fn(*args, **kwargs)
    except services.MasksError as exc:
        raise HttpError(exc.status, str(exc)) from None


class StockOut(Schema):
    code: str
    remain: int
    remain_stat: str
    halted: bool
    stock_at: datetime | None
    created_at: datetime


def _stock_out(stock: Any) -> StockOut:
    return StockOut(
        code=stock.outlet_id,
        remain=stock.remain,
        remain_stat=remain_stat(stock.remain, halted=stock.halted),
        halted=stock.halted,
        stock_at=stock.stock_at,
        created_at=stock.created_at,
    )


class StockIn(Schema):
    remain: int = Field(description="masks on hand now (0 or more)")
    stock_at: datetime | None = Field(None, description="when the last delivery arrived")


class ArrivalIn(Schema):
    quantity: int = Field(description="masks delivered (1 or more)")
    stock_at: datetime | None = None


class SaleIn(Schema):
    quantity: int = Field(1, description="masks sold (1 or more)")
    buyer_id: str | None = Field(
        None,
        description="ID number of the person the masks are for (the beneficiary of a proxy purchase); "
        "only a keyed hash is stored",
    )
    birth_year: int | None = Field(None, description="birth year of the person the masks are for")
    proxy: rationing.ProxyReason | None = Field(None, description="proxy purchase for this kind of person")


class SaleOut(StockOut):
    bought_this_week: int | None = None
    weekly_cap: int | None = None


class HaltIn(Schema):
    halted: bool


def _audit_write(request: HttpRequest, action: str, code: str, detail: dict[str, Any]) -> None:
    auth = getattr(request, "auth", None)
    if isinstance(auth, SellerToken):
        detail = {**detail, "seller_token": auth.prefix}
    record(request, action, "masks.stock", object_id=code, detail=detail)


@router.post(
    "/outlets/{code}/stock",
    auth=SELLER_AUTH,
    response=StockOut,
    summary="Report the stock on hand (seller token or health staff)",
)
def post_stock(request: HttpRequest, code: str, data: StockIn) -> StockOut:
    actor = _actor(request, code)
    stock = _call(services.report_stock, code, data.remain, actor, stock_at=data.stock_at)
    _audit_write(request, "update", code, {"remain": data.remain})
    return _stock_out(stock)


@router.post("/outlets/{code}/arrivals", auth=SELLER_AUTH, response=StockOut, summary="Record a delivery")
def post_arrival(request: HttpRequest, code: str, data: ArrivalIn) -> StockOut:
    actor = _actor(request, code)
    stock = _call(services.record_arrival, code, data.quantity, actor, stock_at=data.stock_at)
    _audit_write(request, "update", code, {"arrival": data.quantity})
    return _stock_out(stock)


@router.post(
    "/outlets/{code}/sales",
    auth=SELLER_AUTH,
    response=SaleOut,
    summary="Record a sale; with buyer_id and birth_year the rationing rules are enforced",
)
def post_sale(request: HttpRequest, code: str, data: SaleIn) -> SaleOut:
    actor = _actor(request, code)
    if data.buyer_id is None:
        if data.proxy is not None or data.birth_year is not None:
            raise HttpError(400, "buyer_id is required with birth_year or proxy")
        stock = _call(services.record_sale, code, data.quantity, actor)
        _audit_write(request, "update", code, {"sale": data.quantity})
        return SaleOut(**_stock_out(stock).dict())
    if data.birth_year is None:
        raise HttpError(400, "birth_year is required with buyer_id (the rotation day depends on it)")
    result = _call(
        services.purchase,
        code,
        buyer_id=data.buyer_id,
        birth_year=data.birth_year,
        quantity=data.quantity,
        actor=actor,
        proxy=data.proxy,
    )
    _audit_write(request, "update", code, {"sale": data.quantity, "rationed": True, "proxy": str(data.proxy or "")})
    stock = services.get_outlet(code).stock
    return SaleOut(**_stock_out(stock).dict(), bought_this_week=result.bought_this_week, weekly_cap=result.weekly_cap)


@router.post("/outlets/{code}/halt", auth=SELLER_AUTH, response=StockOut, summary="Halt or resume sales")
def post_halt(request: HttpRequest, code: str, data: HaltIn) -> StockOut:
    actor = _actor(request, code)
    stock = _call(services.set_halted, code, data.halted, actor)
    _audit_write(request, "update", code, {"halted": data.halted})
    return _stock_out(stock)


class EventOut(Schema):
    kind: str
    quantity: int
    remain_before: int
    remain_after: int
    at: datetime
    stock_at: datetime | None
    actor: str
    version: int


@router.get(
    "/outlets/{code}/history",
    auth=SELLER_AUTH,
    response=list[EventOut],
    summary="Every stock change of an outlet, newest first",
)
def get_history(request: HttpRequest, code: str, limit: int = 200) -> list[Any]:
    _actor(request, code)
    events = _call(services.history, code, limit)
    record(request, "view", "masks.stock_history", object_id=code)
    return events


class TokenOut(Schema):
    code: str
    token: str = Field(description="shown once; only its hash is stored")


@router.post(
    "/outlets/{code}/tokens",
    auth=STAFF_AUTH,
    response=TokenOut,
    summary="Issue (rotate) an outlet's seller token (health staff)",
)
def post_token(request: HttpRequest, code: str) -> TokenOut:
    token = _call(services.issue_token, code, str(request.user.get_username()))
    record(request, "create", "masks.seller_token", object_id=code, detail={"prefix": token.split("_")[1]})
    return TokenOut(code=code, token=token)


@router.delete("/outlets/{code}/tokens", auth=STAFF_AUTH, summary="Revoke an outlet's seller tokens")
def delete_tokens(request: HttpRequest, code: str) -> dict[str, int]:
    revoked = _call(services.revoke_tokens, code)
    record(request, "delete", "masks.seller_token", object_id=code, detail={"revoked": revoked})
    return {"revoked": revoked}


# -- public -----------------------------------------------------------------------------------------


@router.get("/rationing", summary="Can I buy today? Allowed days for a birth year (public)")
def get_rationing(request: HttpRequest, birth_year: int) -> dict[str, object]:
    today = timezone.localtime().date()
    try:
        return rationing.can_buy_summary(birth_year, today, services.rules())
    except rationing.RationingError as exc:
        raise HttpError(400, str(exc)) from None


GZIP_MIN_BYTES = 64 * 1024


def _etag_response(request: HttpRequest, etag: str, build: Any) -> HttpResponse:
    """JSON with ETag/If-None-Match; large bodies gzip-compressed (the full map list is ~8 MB raw)."""
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponse(status=304)
    else:
        body = build()
        gzipped = len(body) >= GZIP_MIN_BYTES and "gzip" in request.headers.get("Accept-Encoding", "")
        if gzipped:
            body = _gzip_cached(body)
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
        response["Vary"] = "Accept-Encoding"
        if gzipped:
            response["Content-Encoding"] = "gzip"
    response["ETag"] = etag
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = "public, max-age=5"
    return response


_GZIP_CACHE: dict[int, tuple[bytes, bytes]] = {}


def _gzip_cached(body: bytes) -> bytes:
    """Compress once per distinct body (level 1: the list changes often, speed beats ratio)."""
    hit = _GZIP_CACHE.get(id(body))
    if hit is not None and hit[0] is body:
        return hit[1]
    if len(_GZIP_CACHE) > 64:
        _GZIP_CACHE.clear()
    compressed = gzip.compress(body, compresslevel=1, mtime=0)
    _GZIP_CACHE[id(body)] = (body, compressed)
    return compressed


class V2Filter(Schema):
    type: Literal["01", "02", "03"] | None = Field(None, description="01 pharmacy, 02 post office, 03 mart")
    status: list[RemainStat] | None = Field(None, description="remain_stat values to keep (repeatable)")
    lat: float | None = None
    lng: float | None = None
    m: float | None = Field(None, description="radius in metres with lat/lng (≤ 5000)")


@router.get("/v2/stores", summary="Outlets as GeoJSON with type/status/radius filters (ETag)")
def v2_stores(request: HttpRequest, filters: Query[V2Filter]) -> HttpResponse:
    snap = services.fresh_snapshot()
    statuses = tuple(sorted(str(s) for s in filters.status or ()))
    key = ("v2", filters.type, statuses, filters.lat, filters.lng, filters.m)
    etag = f'"v{snap.version}-{hashlib.sha256(repr(key).encode()).hexdigest()[:12]}"'

    def build() -> bytes:
        if (filters.lat is None) != (filters.lng is None):
            raise HttpError(400, "give both lat and lng, or neither")
        if filters.lat is not None:
            try:
                snap.by_geo(str(filters.lat), str(filters.lng), None if filters.m is None else str(filters.m))
            except QueryError as exc:
                raise HttpError(400, str(exc)) from None
            codes = [c for _, c in snap.within(filters.lat, filters.lng or 0.0, filters.m or 1000)]
        else:
            codes = snap.codes

        def make() -> bytes:
            kept = []
            for code in codes:
                fragment = snap.feature_fragment.get(code)
                if fragment is None or (filters.type and snap.outlets[code].type != filters.type):
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

    return _etag_response(request, etag, build)


@router.get("/v2/changes", summary="Change feed: outlets changed after version `since` (poll cheaply)")
def v2_changes(request: HttpRequest, since: int = 0, limit: int = 5000) -> HttpResponse:
    """Poll with the returned ``version`` as the next ``since``; ``more`` says another page is waiting."""
    if since < 0:
        raise HttpError(400, "since must be 0 or a version returned by an earlier call")
    if not 1 <= limit <= 5000:
        raise HttpError(400, f"limit must be between 1 and 5000, got {limit}")
    snap = services.fresh_snapshot()
    etag = f'"v{snap.version}-since{since}-limit{limit}"'
    return _etag_response(request, etag, lambda: dumps(services.changes_since(since, limit)))
