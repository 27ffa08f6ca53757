"""Django views: the where-to-buy page and the v1 API (the same answers as the ASGI fast path)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from epiaid.masks import services
from epiaid.masks.engine.publicapi import answer, headers


@require_GET
def v1(request: HttpRequest, endpoint: str) -> HttpResponse:
    """2020-compatible v1 endpoint; the ASGI fast path normally answers before Django is reached."""
    snap = services.fresh_snapshot()
    status, body = answer(snap, endpoint, {k: request.GET[k] for k in request.GET})
    head = headers(snap.version)
    if status == 200 and request.headers.get("If-None-Match") == f'"v{snap.version}"':
        response = HttpResponse(status=304)
        head = head[1:]
    else:
        response = HttpResponse(body, status=status)
    for name, value in head:
        response[name.decode()] = value.decode()
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
