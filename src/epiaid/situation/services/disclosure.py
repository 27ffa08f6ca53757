"""Public disclosure policy as code (KDCA guideline, 2020).

A public visitor sees a visit only if staff marked it disclosed and the visit lies inside the
disclosure window (default 14 days back from today, or from the replay date of a past epidemic).
The public sees place and time only: never age, sex, nationality or the case's home area. Visits
are grouped per case by an opaque route token so routes can be drawn without naming the person.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from epiaid.situation.models import DisclosureSettings, Visit

#: The only visit fields a public visitor may receive.
PUBLIC_VISIT_FIELDS = (
    "id",
    "route",
    "date",
    "start_time",
    "end_time",
    "place_name",
    "place_name_en",
    "category",
    "address",
    "lat",
    "lng",
)


@dataclass(frozen=True)
class DisclosurePolicy:
    window_days: int
    as_of: date

    @property
    def first_public_date(self) -> date:
        return self.as_of - timedelta(days=self.window_days)

    def is_public(self, visit: Visit) -> bool:
        return visit.disclosed and self.first_public_date <= visit.date <= self.as_of

    def public(self, visits: QuerySet[Visit]) -> QuerySet[Visit]:
        return visits.filter(disclosed=True, date__gte=self.first_public_date, date__lte=self.as_of)


def current_policy() -> DisclosurePolicy:
    row = DisclosureSettings.objects.order_by("id").first()
    window = row.window_days if row else settings.DISCLOSURE_WINDOW_DAYS
    as_of = (row.as_of if row and row.as_of else None) or timezone.localdate()
    return DisclosurePolicy(window_days=window, as_of=as_of)


def set_policy(*, window_days: int | None = None, as_of: date | None = None, clear_as_of: bool = False) -> None:
    row, _ = DisclosureSettings.objects.get_or_create(id=1, defaults={"window_days": settings.DISCLOSURE_WINDOW_DAYS})
    if window_days is not None:
        row.window_days = window_days
    if as_of is not None:
        row.as_of = as_of
    if clear_as_of:
        row.as_of = None
    row.save()


def route_token(case_id: int) -> str:
    """An opaque, stable per-case token: lets the map join a route without revealing the case."""
    digest = hmac.new(settings.SECRET_KEY.encode(), f"situation-route:{case_id}".encode(), hashlib.sha256)
    return "r" + digest.hexdigest()[:10]


def _time(value: Any) -> str | None:
    return value.strftime("%H:%M") if value else None


#: Columns a visit is rendered from; ``serialise_visits`` reads exactly these with ``values()``.
VISIT_COLUMNS = (
    "id",
    "case_id",
    "date",
    "start_time",
    "end_time",
    "place_name",
    "place_name_en",
    "category",
    "address",
    "lat",
    "lng",
)
STAFF_COLUMNS = ("case__number", "disclosed", "source", "province")


def visit_dict(row: Mapping[str, Any], route: str, *, staff: bool) -> dict[str, Any]:
    """The one rendering of a visit, for a database row or a model: public fields, plus staff fields."""
    data: dict[str, Any] = {
        "id": row["id"],
        "route": route,
        "date": row["date"].isoformat(),
        "start_time": _time(row["start_time"]),
        "end_time": _time(row["end_time"]),
        "place_name": row["place_name"],
        "place_name_en": row["place_name_en"],
        "category": row["category"],
        "address": row["address"],
        "lat": row["lat"],
        "lng": row["lng"],
    }
    if staff:
        data.update(
            {
                "case": row["case__number"],
                "disclosed": row["disclosed"],
                "source": row["source"],
                "province": row["province"],
            }
        )
    return data


def _model_row(visit: Visit, *, staff: bool) -> dict[str, Any]:
    row = {name: getattr(visit, name) for name in VISIT_COLUMNS}
    if staff:
        row.update(
            {
                "case__number": visit.case.number,
                "disclosed": visit.disclosed,
                "source": visit.source,
                "province": visit.province,
            }
        )
    return row


def public_visit(visit: Visit) -> dict[str, Any]:
    return visit_dict(_model_row(visit, staff=False), route_token(visit.case_id), staff=False)


def staff_visit(visit: Visit) -> dict[str, Any]:
    return visit_dict(_model_row(visit, staff=True), route_token(visit.case_id), staff=True)
