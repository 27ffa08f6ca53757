"""Staff pages: the work list (investigations, approvals, deliveries) and one case's console."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from epiaid.core.roles import Role, role_required
from epiaid.investigation import services


@role_required(Role.INVESTIGATOR, Role.APPROVER)
def index(request: HttpRequest) -> HttpResponse:
    investigations, approvals = services.work_list(request.user, request)
    return render(request, "investigation/index.html", {"investigations": investigations, "approvals": approvals})


@role_required(Role.INVESTIGATOR)
def console(request: HttpRequest, inv_id: int) -> HttpResponse:
    inv = services.view_investigation(request.user, inv_id, request, what="console")
    lo, hi = services.default_window(inv)
    return render(
        request,
        "investigation/console.html",
        {
            "inv": inv,
            "window": (lo, hi),
            "requests": inv.requests.all(),
            "tile_url": settings.TILE_URL,
            "config": {"api": f"/api/investigation/investigations/{inv.pk}/", "id": inv.pk},
        },
    )
