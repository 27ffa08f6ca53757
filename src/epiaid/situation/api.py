"""Situation-map JSON/GeoJSON API (mounted at /api/situation/).

Public endpoints apply the disclosure policy; ``/staff/...`` endpoints need a staff role, return
personal data and are audited.
"""

from __future__ import annotations

import datetime as dt
from datetime import date
from typing import Any, Literal

from django.db.models import Count
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import File, Query, Router, Schema
from ninja.files import UploadedFile

from epiaid.core.actors import Actor
from epiaid.core.roles import Role, RoleAuth
from epiaid.situation.models import Cluster, Visit
from epiaid.situation.services import editing, staff
from epiaid.situation.services.disclosure import current_policy, staff_visit
from epiaid.situation.services.queries import (
    VisitFilter,
    case_dict,
    clinic_page,
    cluster_dict,
    nearest_clinic_page,
    visit_filter,
    visit_page,
    visits_geojson,
)

router = Router()
STAFF_READ = RoleAuth(Role.HEALTH_STAFF, Role.INVESTIGATOR)
STAFF_WRITE = RoleAuth(Role.HEALTH_STAFF)


class VisitQuery(Schema):
    date_from: date | None = None
    date_to: date | None = None
    region: str | None = None
    bbox: str | None = None
    category: str | None = None
    q: str | None = None
    limit: int = 1000
    offset: int = 0


def _filter(query: VisitQuery, case: str | None = None) -> VisitFilter:
    return visit_filter(
        date_from=query.date_from,
        date_to=query.date_to,
        region=query.region,
        bbox=query.bbox,
        category=query.category,
        text=query.q,
        case=case,
        limit=query.limit,
        offset=query.offset,
    )


def _page(query: VisitQuery, flt: VisitFilter) -> dict[str, Any]:
    return visit_page(flt, limit=query.limit, offset=query.offset, staff=False)


@router.get("/visits", summary="Disclosed visits inside the public disclosure window")
def public_visits(request: HttpRequest, query: Query[VisitQuery]) -> dict[str, Any]:
    return _page(query, _filter(query))


@router.get("/visits.geojson", summary="Disclosed visits as a GeoJSON FeatureCollection")
def public_visits_geojson(request: HttpRequest, query: Query[VisitQuery]) -> dict[str, Any]:
    page = _page(query, _filter(query))
    return {**visits_geojson(page.pop("results")), "meta": page}


@router.get("/policy", summary="The disclosure policy in force")
def policy(request: HttpRequest) -> dict[str, Any]:
    p = current_policy()
    return {
        "window_days": p.window_days,
        "as_of": p.as_of.isoformat(),
        "first_public_date": p.first_public_date.isoformat(),
    }


@router.get("/clinics", summary="Screening clinics")
def clinics(
    request: HttpRequest,
    region: str | None = None,
    bbox: str | None = None,
    specimen_only: bool = False,
    limit: int = 1000,
    offset: int = 0,
) -> dict[str, Any]:
    return clinic_page(region=region, bbox=bbox, specimen_only=specimen_only, limit=limit, offset=offset)


@router.get("/clinics/nearest", summary="Nearest screening clinics by great-circle distance")
def clinics_nearest(
    request: HttpRequest, lat: float, lng: float, limit: int = 5, specimen_only: bool = False
) -> dict[str, Any]:
    return nearest_clinic_page(lat, lng, limit=limit, specimen_only=specimen_only)


@router.get("/clusters", summary="Infection clusters with a location")
def clusters(request: HttpRequest, region: str | None = None) -> dict[str, Any]:
    rows = Cluster.objects.filter(lat__isnull=False)
    if region:
        from epiaid.core.korean import province_en

        rows = rows.filter(province=province_en(region) or region)
    return {"count": rows.count(), "results": [cluster_dict(c) for c in rows]}


@router.get("/categories", summary="Visit categories and how many disclosed visits each has")
def categories(request: HttpRequest) -> list[dict[str, Any]]:
    visits = current_policy().public(Visit.objects.all())
    rows = visits.values("category").annotate(count=Count("id")).order_by("-count")
    return [{"category": r["category"], "count": r["count"]} for r in rows]


# ----------------------------------------------------------------------------------------- staff


@router.get("/staff/visits", auth=STAFF_READ, summary="All visits with case numbers (staff, audited)")
def staff_visits(
    request: HttpRequest, query: Query[VisitQuery], case: str | None = None, include_undisclosed: bool = True
) -> dict[str, Any]:
    return staff.visits(
        Actor.from_request(request),
        _filter(query, case),
        limit=query.limit,
        offset=query.offset,
        include_undisclosed=include_undisclosed,
    )


@router.get("/staff/cases", auth=STAFF_READ, summary="Confirmed cases with personal data (staff, audited)")
def staff_cases(
    request: HttpRequest,
    region: str | None = None,
    confirmed_from: date | None = None,
    confirmed_to: date | None = None,
    limit: int = 500,
    offset: int = 0,
) -> dict[str, Any]:
    return staff.cases(
        Actor.from_request(request),
        region=region,
        confirmed_from=confirmed_from,
        confirmed_to=confirmed_to,
        limit=limit,
        offset=offset,
    )


@router.get("/staff/cases/{number}", auth=STAFF_READ, summary="One case with all its visits (staff, audited)")
def staff_case(request: HttpRequest, number: str) -> dict[str, Any]:
    return case_dict(staff.case(Actor.from_request(request), number), with_visits=True)


class CaseIn(Schema):
    number: str
    confirmed_date: date | None = None
    province: str = ""
    city: str = ""
    infection_case: str = ""
    infected_by: str = ""


class VisitIn(Schema):
    date: dt.date
    start_time: str | None = None
    end_time: str | None = None
    place_name: str
    place_name_en: str = ""
    category: str = ""
    address: str = ""
    lat: float
    lng: float
    disclosed: bool = True


class VisitPatch(Schema):
    date: dt.date | None = None
    start_time: str | None = None
    end_time: str | None = None
    place_name: str | None = None
    place_name_en: str | None = None
    category: str | None = None
    address: str | None = None
    lat: float | None = None
    lng: float | None = None
    disclosed: bool | None = None


@router.post("/staff/cases", auth=STAFF_WRITE, summary="Create a case (health staff)")
def create_case(request: HttpRequest, payload: CaseIn) -> dict[str, Any]:
    return case_dict(editing.create_case(Actor.from_request(request), payload.dict()))


@router.post("/staff/cases/{number}/visits", auth=STAFF_WRITE, summary="Add a visit to a case")
def add_visit(request: HttpRequest, number: str, payload: VisitIn) -> dict[str, Any]:
    actor = Actor.from_request(request)
    return staff_visit(editing.add_visit(actor, staff.case(actor, number), payload.dict()))


@router.patch("/staff/visits/{visit_id}", auth=STAFF_WRITE, summary="Edit a visit or toggle its disclosure")
def patch_visit(request: HttpRequest, visit_id: int, payload: VisitPatch) -> dict[str, Any]:
    visit = get_object_or_404(Visit.objects.select_related("case"), id=visit_id)
    return staff_visit(editing.update_visit(Actor.from_request(request), visit, payload.dict(exclude_none=True)))


ImportKind = Literal["ds4c-clusters", "ds4c-cases", "ds4c-routes", "coronamap", "clinics", "template"]


@router.post("/staff/imports/{kind}", auth=STAFF_WRITE, summary="Import a file (idempotent; per-row report)")
def import_file(request: HttpRequest, kind: ImportKind, file: UploadedFile = File(...)) -> dict[str, Any]:
    return staff.import_file(Actor.from_request(request), kind, file.name or "upload", file.read()).as_dict()
