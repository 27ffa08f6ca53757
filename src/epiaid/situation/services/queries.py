"""Read side of the situation map: filtered visits, GeoJSON, nearest clinics."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from django.db.models import QuerySet

from epiaid.core.geo import BBox, check_world, haversine_m_array
from epiaid.core.korean import province_en
from epiaid.situation.models import Case, Clinic, Cluster, Visit
from epiaid.situation.services.disclosure import (
    STAFF_COLUMNS,
    VISIT_COLUMNS,
    current_policy,
    route_token,
    staff_visit,
    visit_dict,
)


@dataclass(frozen=True)
class VisitFilter:
    date_from: date | None = None
    date_to: date | None = None
    region: str | None = None
    bbox: BBox | None = None
    category: str | None = None
    case: str | None = None
    text: str | None = None

    def apply(self, visits: QuerySet[Visit]) -> QuerySet[Visit]:
        if self.date_from:
            visits = visits.filter(date__gte=self.date_from)
        if self.date_to:
            visits = visits.filter(date__lte=self.date_to)
        if self.region:
            visits = visits.filter(province=province_en(self.region) or self.region)
        if self.bbox:
            b = self.bbox
            visits = visits.filter(lat__gte=b.south, lat__lte=b.north, lng__gte=b.west, lng__lte=b.east)
        if self.category:
            visits = visits.filter(category=self.category)
        if self.case:
            visits = visits.filter(case__number=self.case)
        if self.text:
            from django.db.models import Q

            visits = visits.filter(
                Q(place_name__icontains=self.text)
                | Q(address__icontains=self.text)
                | Q(place_name_en__icontains=self.text)
            )
        return visits


def visits_for(*, staff: bool, flt: VisitFilter, include_undisclosed: bool = False) -> QuerySet[Visit]:
    """Public callers get the disclosure policy applied; staff may ask for undisclosed visits too."""
    visits = Visit.objects.select_related("case").order_by("case_id", "date", "start_time", "id")
    if not staff:
        visits = current_policy().public(visits)
    elif not include_undisclosed:
        visits = visits.filter(disclosed=True)
    return flt.apply(visits)


def serialise_visits(visits: QuerySet[Visit], *, staff: bool) -> list[dict[str, Any]]:
    """Rows straight from ``values()``: building 10 000 model instances cost most of a map load."""
    columns = VISIT_COLUMNS + STAFF_COLUMNS if staff else VISIT_COLUMNS
    tokens: dict[int, str] = {}
    rows = []
    for row in visits.values(*columns):
        token = tokens.get(row["case_id"])
        if token is None:
            token = tokens[row["case_id"]] = route_token(row["case_id"])
        rows.append(visit_dict(row, token, staff=staff))
    return rows


def visits_geojson(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": r["id"],
                "geometry": {"type": "Point", "coordinates": [r["lng"], r["lat"]]},
                "properties": {k: v for k, v in r.items() if k not in {"lat", "lng"}},
            }
            for r in rows
        ],
    }


def clinic_dict(clinic: Clinic, distance_m: float | None = None) -> dict[str, Any]:
    data = {
        "id": clinic.id,
        "name": clinic.name,
        "address": clinic.address,
        "province": clinic.province,
        "district": clinic.district,
        "phone": clinic.phone,
        "specimen_collection": clinic.specimen_collection,
        "lat": clinic.lat,
        "lng": clinic.lng,
        "notes": clinic.notes,
    }
    if distance_m is not None:
        data["distance_m"] = round(distance_m, 1)
    return data


def nearest_clinics(lat: float, lng: float, *, limit: int = 5, specimen_only: bool = False) -> list[dict[str, Any]]:
    """Exact great-circle distance to every clinic (a few hundred to a few thousand: a vector op)."""
    lat, lng = check_world(lat, lng)
    located = Clinic.objects.filter(lat__isnull=False, lng__isnull=False)
    clinics = list(located.filter(specimen_collection=True) if specimen_only else located)
    if not clinics:
        return []
    lats = np.fromiter((c.lat for c in clinics), dtype=float, count=len(clinics))
    lngs = np.fromiter((c.lng for c in clinics), dtype=float, count=len(clinics))
    distances = haversine_m_array(lat, lng, lats, lngs)
    order = np.argsort(distances, kind="stable")[:limit]
    return [clinic_dict(clinics[i], float(distances[i])) for i in order]


def cluster_dict(cluster: Cluster) -> dict[str, Any]:
    return {
        "id": cluster.id,
        "name": cluster.name,
        "province": cluster.province,
        "city": cluster.city,
        "lat": cluster.lat,
        "lng": cluster.lng,
        "case_count": cluster.case_count,
    }


def case_dict(case: Case, *, with_visits: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "number": case.number,
        "global_num": case.global_num,
        "confirmed_date": case.confirmed_date.isoformat() if case.confirmed_date else None,
        "symptom_onset_date": case.symptom_onset_date.isoformat() if case.symptom_onset_date else None,
        "province": case.province,
        "city": case.city,
        "sex": case.sex,
        "age_band": case.age_band,
        "nationality": case.nationality,
        "infection_case": case.infection_case,
        "cluster": case.cluster.name if case.cluster else None,
        "infected_by": case.infected_by or None,
        "contact_number": case.contact_number,
        "status": case.status,
        "source": case.source,
    }
    if with_visits:
        data["visits"] = [staff_visit(v) for v in case.visits.all()]
    return data


#: Most rows one page of visits, cases or clinics may ask for.
MAX_LIMIT = 10_000


def visit_filter(
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    region: str | None = None,
    bbox: str | None = None,
    category: str | None = None,
    text: str | None = None,
    case: str | None = None,
    limit: int = 1000,
    offset: int = 0,
) -> VisitFilter:
    """A validated filter from query parameters; a bad one is refused naming the parameter (400)."""
    from epiaid.core.errors import BadInput
    from epiaid.core.geo import CoordinateError

    if not 1 <= limit <= MAX_LIMIT:
        raise BadInput(f"limit must be between 1 and {MAX_LIMIT}", code="bad_limit")
    if offset < 0:
        raise BadInput("offset must not be negative", code="bad_offset")
    if date_from and date_to and date_from > date_to:
        raise BadInput("date_from is after date_to", code="bad_dates")
    try:
        box = BBox.parse(bbox) if bbox else None
    except CoordinateError as exc:
        raise BadInput(str(exc), code="bad_bbox") from exc
    return VisitFilter(
        date_from=date_from, date_to=date_to, region=region, bbox=box, category=category, text=text, case=case
    )


def visit_page(
    flt: VisitFilter, *, limit: int, offset: int, staff: bool, include_undisclosed: bool = False
) -> dict[str, Any]:
    """One page of visits with the policy it was cut by (public pages see only what the policy shows)."""
    visits = visits_for(staff=staff, flt=flt, include_undisclosed=include_undisclosed)
    policy = current_policy()
    return {
        "count": visits.count(),
        "limit": limit,
        "offset": offset,
        "as_of": policy.as_of.isoformat(),
        "window_days": policy.window_days,
        "results": serialise_visits(visits[offset : offset + limit], staff=staff),
    }


def clinic_page(
    *,
    region: str | None = None,
    bbox: str | None = None,
    specimen_only: bool = False,
    limit: int = 1000,
    offset: int = 0,
) -> dict[str, Any]:
    """One page of screening clinics by region, box and specimen collection; bad parameters are 400."""
    from epiaid.core.errors import BadInput
    from epiaid.core.geo import CoordinateError

    if not 1 <= limit <= MAX_LIMIT or offset < 0:
        raise BadInput(f"limit must be 1..{MAX_LIMIT} and offset ≥ 0", code="bad_page")
    rows = Clinic.objects.all()
    if region:
        rows = rows.filter(province=province_en(region) or region)
    if bbox:
        try:
            b = BBox.parse(bbox)
        except CoordinateError as exc:
            raise BadInput(str(exc), code="bad_bbox") from exc
        rows = rows.filter(lat__gte=b.south, lat__lte=b.north, lng__gte=b.west, lng__lte=b.east)
    if specimen_only:
        rows = rows.filter(specimen_collection=True)
    return {
        "count": rows.count(),
        "limit": limit,
        "offset": offset,
        "results": [clinic_dict(c) for c in rows[offset : offset + limit]],
    }


def nearest_clinic_page(lat: float, lng: float, *, limit: int = 5, specimen_only: bool = False) -> dict[str, Any]:
    from epiaid.core.errors import BadInput
    from epiaid.core.geo import CoordinateError

    if not 1 <= limit <= 50:
        raise BadInput("limit must be between 1 and 50", code="bad_limit")
    try:
        results = nearest_clinics(lat, lng, limit=limit, specimen_only=specimen_only)
    except CoordinateError as exc:
        raise BadInput(str(exc), code="bad_coordinates") from exc
    return {"lat": lat, "lng": lng, "results": results}
