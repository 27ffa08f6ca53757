"""Pages: the public situation map and the staff editor."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from epiaid.core.actors import Actor
from epiaid.core.roles import Role, has_role, role_required
from epiaid.situation.models import Case, Visit
from epiaid.situation.services import editing, staff
from epiaid.situation.services.disclosure import current_policy
from epiaid.situation.services.importers import template_csv

STAFF_ROLES = (Role.HEALTH_STAFF, Role.INVESTIGATOR)


def map_page(request: HttpRequest) -> HttpResponse:
    """Everyone gets the map; staff get every visit (their view is audited by the staff API)."""
    staff = has_role(request.user, *STAFF_ROLES)
    policy = current_policy()
    return render(
        request,
        "situation/map.html",
        {
            "staff_view": staff,
            "visits_endpoint": "/api/situation/staff/visits" if staff else "/api/situation/visits",
            "policy": policy,
        },
    )


def template_download(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="epiaid-visits-template.csv"'
    return response


@role_required(*STAFF_ROLES)
def staff_cases(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    page = staff.case_list_page(Actor.from_request(request), q=q, page=request.GET.get("page"))
    return render(
        request,
        "situation/staff_cases.html",
        {"page": page, "q": q, "can_edit": has_role(request.user, Role.HEALTH_STAFF)},
    )


@role_required(*STAFF_ROLES)
def staff_case(request: HttpRequest, number: str) -> HttpResponse:
    actor = Actor.from_request(request)
    case = get_object_or_404(Case, number=number)
    can_edit = has_role(request.user, Role.HEALTH_STAFF)
    if request.method == "POST":
        try:  # the service refuses (403, audited) someone without the editing role
            editing.add_visit(actor, case, request.POST.dict())
            messages.success(request, "visit added")
            return redirect("situation:staff-case", number=number)
        except editing.EditError as exc:
            messages.error(request, str(exc))
    case = staff.case(actor, number)
    return render(
        request,
        "situation/staff_case.html",
        {"case": case, "visits": case.visits.all(), "can_edit": can_edit, "policy": current_policy()},
    )


@role_required(Role.HEALTH_STAFF)
def staff_edit_case(request: HttpRequest, number: str) -> HttpResponse:
    case = get_object_or_404(Case, number=number)
    if request.method == "POST":
        try:
            editing.update_case(Actor.from_request(request), case, request.POST.dict())
            messages.success(request, "case updated")
            return redirect("situation:staff-case", number=number)
        except editing.EditError as exc:
            messages.error(request, str(exc))
    return render(request, "situation/staff_edit_case.html", {"case": case})


@role_required(Role.HEALTH_STAFF)
def staff_edit_visit(request: HttpRequest, visit_id: int) -> HttpResponse:
    visit = get_object_or_404(Visit.objects.select_related("case"), id=visit_id)
    if request.method == "POST":
        data: dict[str, object] = {**request.POST.dict(), "disclosed": "disclosed" in request.POST}
        for name in ("start_time", "end_time"):
            data[name] = data.get(name) or None
        try:
            editing.update_visit(Actor.from_request(request), visit, data)
            messages.success(request, "visit updated")
            return redirect("situation:staff-case", number=visit.case.number)
        except editing.EditError as exc:
            messages.error(request, str(exc))
    return render(request, "situation/staff_edit_visit.html", {"visit": visit})


@require_POST
@role_required(Role.HEALTH_STAFF)
def toggle_disclosure(request: HttpRequest, visit_id: int) -> HttpResponse:
    visit = get_object_or_404(Visit.objects.select_related("case"), id=visit_id)
    editing.set_disclosed(Actor.from_request(request), visit, not visit.disclosed)
    return redirect("situation:staff-case", number=visit.case.number)


@role_required(Role.HEALTH_STAFF)
def staff_new_case(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        try:
            case = editing.create_case(Actor.from_request(request), request.POST.dict())
            return redirect("situation:staff-case", number=case.number)
        except editing.EditError as exc:
            messages.error(request, str(exc))
    return render(request, "situation/staff_new_case.html", {})
