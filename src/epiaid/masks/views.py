"""Django views: the where-to-buy page and the v1 API (the same answers as the ASGI/RSGI front doors)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from epiaid.masks import services
from epiaid.masks.engine.publicapi import READ_METHODS, answer, endpoint_of, headers, other_answer
from epiaid.masks.engine.readmodel import dumps

logger = logging.getLogger(__name__)


def v1(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Everything under ``/corona19-masks/``: the 2020 v1 endpoints, their preflight, JSON errors.

    The fast paths normally answer before Django is reached; this view gives the same bytes.
    """
    endpoint = endpoint_of(request.path)
    if endpoint is None or request.method not in READ_METHODS:
        status, head, body = other_answer(
            str(request.method), request.path, request.headers.get("Access-Control-Request-Headers")
        )
        return _response(status, head, body)
    try:
        snap = services.fresh_snapshot()
    except Exception:
        logger.exception("masks v1: the read model could not be loaded")
        head = [(b"content-type", b"application/json; charset=utf-8"), (b"access-control-allow-origin", b"*")]
        return _response(503, [*head, (b"retry-after", b"5")], dumps({"message": "temporarily unavailable, retry"}))
    status, body = answer(snap, endpoint, {k: request.GET[k] for k in request.GET})
    head = headers(snap.version)
    if status == 200 and request.headers.get("If-None-Match") == f'"v{snap.version}"':
        return _response(304, head[1:], b"")
    return _response(status, head, body)


def _response(status: int, head: list[tuple[bytes, bytes]], body: bytes) -> HttpResponse:
    response = HttpResponse(body, status=status)
    if not any(name == b"content-type" for name, _ in head):
        del response["Content-Type"]
    for name, value in head:
        response[name.decode()] = value.decode("latin-1")
    return response


def index(request: HttpRequest) -> HttpResponse:
    """Public where-to-buy map (no personal data: outlets and coarse stock levels only)."""
    snap = services.fresh_snapshot()
    located = sum(1 for o in snap.outlets.values() if o.lat is not None)
    context = {
        "tile_url": settings.TILE_URL,
        "page_data": {
            "storesUrl": "/api/masks/v2/stores",
            "byAddrUrl": "/corona19-masks/v1/storesByAddr/json",
            "byGeoUrl": "/corona19-masks/v1/storesByGeo/json",
            "rationingUrl": "/api/masks/rationing",
            "updatedAt": snap.updated_at,
        },
        "outlet_count": len(snap.outlets),
        "located_count": located,
        "updated_at": snap.updated_at,
        "weekly_cap": services.rules().weekly_cap,
    }
    return render(request, "masks/index.html", context)
