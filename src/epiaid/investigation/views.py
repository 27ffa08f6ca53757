"""Staff pages: the work list (investigations, approvals), one case's console, a provider's deliveries
and health staff's review of publications to the public map. Pages only call services."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

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
            "publications": services.publications_of(request.user, inv, request),
            "tile_url": settings.TILE_URL,
            "config": {"api": f"/api/investigation/investigations/{inv.pk}/", "id": inv.pk},
        },
    )


@login_required
def deliveries(request: HttpRequest) -> HttpResponse:
    """A provider's approved requests, each naming the subject to deliver for, with an upload form."""
    return render(
        request,
        "investigation/deliveries.html",
        {"requests": services.deliveries_for(request.user, request), "formats": services.FORMATS},
    )


@login_required
@require_POST
def upload(request: HttpRequest, req_id: int) -> HttpResponse:
    req = services.request_by_id(req_id)
    file = request.FILES.get("file")
    delivery = services.deliver(
        request.user,
        req,
        content=file.read() if file is not None else b"",
        fmt=request.POST.get("format", "pings_csv"),
        assume_tz=request.POST.get("assume_tz") or None,
        request=request,
    )
    messages.success(request, _("#%(request)s: %(rows)s rows delivered") % {"request": req.pk, "rows": delivery.rows})
    return redirect("investigation:deliveries")


@role_required(Role.HEALTH_STAFF)
def publications(request: HttpRequest) -> HttpResponse:
    """Health staff's queue of publications to the public map, to accept or refuse."""
    return render(
        request,
        "investigation/publications.html",
        {"publications": services.publications_for_review(request.user, request)},
    )


@role_required(Role.HEALTH_STAFF)
@require_POST
def review(request: HttpRequest, pub_id: int) -> HttpResponse:
    pub = services.publication_by_id(pub_id)
    accept = request.POST.get("decision") == "accept"
    pub = services.review_publication(
        request.user, pub, accept=accept, reason=request.POST.get("reason", ""), request=request
    )
    messages.success(request, _("#%(publication)s: %(status)s") % {"publication": pub.pk, "status": pub.status})
    return redirect("investigation:publications")
