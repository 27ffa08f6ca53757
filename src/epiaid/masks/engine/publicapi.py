"""The 2020 public API's four read endpoints as one function shared by the ASGI fast path and Django.

Both front doors call :func:`answer` on the same snapshot, so they cannot drift apart: tests compare
their bytes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from epiaid.masks.engine.readmodel import QueryError, Snapshot, dumps

V1_PREFIX = "/corona19-masks/v1/"

_ROUTES: dict[str, Callable[[Snapshot, Mapping[str, str]], bytes]] = {
    "stores/json": lambda s, q: s.stores_page(q.get("page"), q.get("perPage")),
    "sales/json": lambda s, q: s.sales_page(q.get("page"), q.get("perPage")),
    "storesByGeo/json": lambda s, q: s.by_geo(q.get("lat"), q.get("lng"), q.get("m")),
    "storesByAddr/json": lambda s, q: s.by_addr(q.get("address")),
}
ENDPOINTS: tuple[str, ...] = tuple(_ROUTES)


def headers(version: int) -> list[tuple[bytes, bytes]]:
    """Response headers of every v1 answer: open to any origin, briefly cacheable, versioned."""
    return [
        (b"content-type", b"application/json; charset=utf-8"),
        (b"access-control-allow-origin", b"*"),
        (b"cache-control", b"public, max-age=5"),
        (b"etag", b'"v%d"' % version),
    ]


def answer(snapshot: Snapshot, endpoint: str, query: Mapping[str, str]) -> tuple[int, bytes]:
    """(status, body) for ``endpoint`` (e.g. ``storesByGeo/json``); bad parameters give 400 + message."""
    route = _ROUTES.get(endpoint)
    if route is None:
        return 404, dumps({"message": f"unknown endpoint: {endpoint}"})
    try:
        return 200, route(snapshot, query)
    except QueryError as exc:
        return 400, dumps({"message": str(exc)})
