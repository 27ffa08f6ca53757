"""Staff pages: the work list (investigations, approvals, deliveries) and one case's console."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from epiaid.core.audit import record
from epiaid.core.roles import Role, role_required
from epiaid.investigation import services


@role_required(Role.INVESTIGATOR, Role.APPROVER)
def index(request: HttpRequest) -> HttpResponse:
    investigations = services.investigations_of(request.user)
    approvals = services.pending_for_approver(request.user)
    record(
        request,
        "list",
        "investigation.index",
        detail={"investigations": len(investigations), "approvals": len(approvals)},
    )
    return render(request, "investigation/index.html", {"investigations": investigations, "approvals": approvals})


@role_required(Role.INVESTIGATOR)
def console(request: HttpRequest, inv_id: int) -> HttpResponse:
    try:
        inv = services.get_for_investigator(request.user, inv_id, request)
    except services.Forbidden as exc:
        raise PermissionDenied(str(exc)) from exc
    record(request, "view", "investigation.console", object_id=inv.pk)
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
