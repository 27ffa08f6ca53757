"""Mask API under /api/masks/: seller intake (token or staff), rationing helper, and the v2 read API.

Sellers authenticate with their outlet's token (``Authorization: Bearer msk_…`` plus the
``X-Mask-Nonce``/``X-Mask-Timestamp`` replay guard); health staff may post for any outlet with
their session. v2 adds GeoJSON, filters, a change feed and ETags to the 2020 v1 shape.
"""

from __future__ import annotations

import gzip
from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema
from ninja.security import HttpBearer

from epiaid.core.actors import Actor
from epiaid.core.roles import Role, RoleAuth
from epiaid.masks import services
from epiaid.masks.engine import rationing
from epiaid.masks.engine.stock import RemainStat, remain_stat
from epiaid.masks.models import SellerToken
from epiaid.masks.services import intake

router = Router()


class SellerTokenAuth(HttpBearer):
    """An outlet's own token (see ``services.authenticate_token`` for the replay guard)."""

    def authenticate(self, request: HttpRequest, token: str) -> SellerToken:
        return services.authenticate_token(  # a TokenError answers 401/409 through the API's handler
            token,
            nonce=request.headers.get("X-Mask-Nonce"),
            timestamp=request.headers.get("X-Mask-Timestamp"),
        )


SELLER_AUTH = [SellerTokenAuth(), RoleAuth(Role.HEALTH_STAFF)]
STAFF_AUTH = RoleAuth(Role.HEALTH_STAFF)


def _actor(request: HttpRequest) -> Actor:
    """A seller token's actor (bound to its outlet) or the signed-in staff member."""
    auth = getattr(request, "auth", None)
    return intake.seller(auth, request) if isinstance(auth, SellerToken) else Actor.from_request(request)


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


@router.post(
    "/outlets/{code}/stock",
    auth=SELLER_AUTH,
    response=StockOut,
    summary="Report the stock on hand (seller token or health staff)",
)
def post_stock(request: HttpRequest, code: str, data: StockIn) -> StockOut:
    return _stock_out(intake.report_stock(_actor(request), code, data.remain, stock_at=data.stock_at))


@router.post("/outlets/{code}/arrivals", auth=SELLER_AUTH, response=StockOut, summary="Record a delivery")
def post_arrival(request: HttpRequest, code: str, data: ArrivalIn) -> StockOut:
    return _stock_out(intake.record_arrival(_actor(request), code, data.quantity, stock_at=data.stock_at))


@router.post(
    "/outlets/{code}/sales",
    auth=SELLER_AUTH,
    response=SaleOut,
    summary="Record a sale; with buyer_id and birth_year the rationing rules are enforced",
)
def post_sale(request: HttpRequest, code: str, data: SaleIn) -> SaleOut:
    stock, result = intake.record_sale(
        _actor(request), code, data.quantity, buyer_id=data.buyer_id, birth_year=data.birth_year, proxy=data.proxy
    )
    if result is None:
        return SaleOut(**_stock_out(stock).dict())
    return SaleOut(**_stock_out(stock).dict(), bought_this_week=result.bought_this_week, weekly_cap=result.weekly_cap)


@router.post("/outlets/{code}/halt", auth=SELLER_AUTH, response=StockOut, summary="Halt or resume sales")
def post_halt(request: HttpRequest, code: str, data: HaltIn) -> StockOut:
    return _stock_out(intake.set_halted(_actor(request), code, data.halted))


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
    return intake.history(_actor(request), code, limit)


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
    return TokenOut(code=code, token=intake.issue_token(Actor.from_request(request), code))


@router.delete("/outlets/{code}/tokens", auth=STAFF_AUTH, summary="Revoke an outlet's seller tokens")
def delete_tokens(request: HttpRequest, code: str) -> dict[str, int]:
    return {"revoked": intake.revoke_tokens(Actor.from_request(request), code)}


# -- public -----------------------------------------------------------------------------------------


@router.get("/rationing", summary="Can I buy today? Allowed days for a birth year (public)")
def get_rationing(request: HttpRequest, birth_year: int) -> dict[str, object]:
    return intake.can_buy_today(birth_year)


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
    etag, build = services.stores_geojson(
        type=filters.type,
        statuses=tuple(str(s) for s in filters.status or ()),
        lat=filters.lat,
        lng=filters.lng,
        m=filters.m,
    )
    return _etag_response(request, etag, build)


@router.get("/v2/changes", summary="Change feed: outlets changed after version `since` (poll cheaply)")
def v2_changes(request: HttpRequest, since: int = 0, limit: int = 5000) -> HttpResponse:
    """Poll with the returned ``version`` as the next ``since``; ``more`` says another page is waiting."""
    etag, build = services.change_feed(since, limit)
    return _etag_response(request, etag, build)
