"""JSON API of the support-programmes portal (``/api/programmes/``): tracks (public), applications as
the caller may see them, the officers' dashboard and the decision log's verification."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from epiaid.core.actors import Actor
from epiaid.core.roles import Role, session_or_token
from epiaid.programmes.services import applications, chain, review
from epiaid.programmes.services.base import STAFF_READERS

router = Router()
PORTAL = session_or_token(Role.APPLICANT, Role.REVIEWER, *STAFF_READERS)
STAFF = session_or_token(*STAFF_READERS)


class TrackOut(Schema):
    code: str
    programme: str
    unit: str
    budget: float
    sizes_tf: list[int]
    months: int
    grant_min: float
    grant_max: float | None
    co_payment_rate: float
    eligibility: list[str]
    review_sla_business_days: int
    opens_on: dt.date
    closes_on: dt.date


class ApplicationOut(Schema):
    id: int
    reference: str
    track: str
    organisation: str
    title: str
    status: str
    requested: float
    granted: float
    submitted_at: dt.datetime
    due_at: dt.datetime
    escalated_at: dt.datetime | None
    decided_at: dt.datetime | None
    duplicate_of: list[str]


def _app(a: Any) -> dict[str, Any]:
    return {
        "id": a.pk,
        "reference": a.reference,
        "track": a.track.code,
        "organisation": a.organisation.name,
        "title": a.title,
        "status": a.status,
        "requested": float(a.requested),
        "granted": float(a.granted),
        "submitted_at": a.submitted_at,
        "due_at": a.due_at,
        "escalated_at": a.escalated_at,
        "decided_at": a.decided_at,
        "duplicate_of": a.duplicate_of,
    }


@router.get("/tracks", response=list[TrackOut], summary="Every track's rules (public)")
def tracks(request: HttpRequest) -> list[dict[str, Any]]:
    from epiaid.programmes.models import Track

    return [
        {
            "code": t.code,
            "programme": t.programme.code,
            "unit": t.unit,
            "budget": float(t.budget),
            "sizes_tf": t.sizes_tf,
            "months": t.months,
            "grant_min": float(t.grant_min),
            "grant_max": float(t.grant_max) if t.grant_max is not None else None,
            "co_payment_rate": float(t.co_payment_rate),
            "eligibility": t.eligibility,
            "review_sla_business_days": t.review_sla_business_days,
            "opens_on": t.opens_on,
            "closes_on": t.closes_on,
        }
        for t in Track.objects.select_related("programme").order_by("code")
    ]


@router.get("/applications", response=list[ApplicationOut], auth=PORTAL, summary="Applications the caller may see")
def list_applications(request: HttpRequest) -> list[dict[str, Any]]:
    return [_app(a) for a in applications.list_for(Actor.from_request(request))]


@router.get("/applications/{app_id}", response=ApplicationOut, auth=PORTAL, summary="One application")
def get_application(request: HttpRequest, app_id: int) -> dict[str, Any]:
    return _app(applications.get(Actor.from_request(request), app_id))


@router.get("/dashboard", auth=STAFF, summary="Per track: stages, ledger; at-risk and overdue applications")
def dashboard(request: HttpRequest) -> dict[str, Any]:
    d = review.dashboard(Actor.from_request(request))
    return {
        "tracks": [
            {
                "track": t["track"].code,
                "by_status": t["by_status"],
                "budget": float(t["budget"]),
                "committed": float(t["committed"]),
                "paid": float(t["paid"]),
            }
            for t in d["tracks"]
        ],
        "at_risk": [a.reference for a in d["at_risk"]],
        "overdue": [a.reference for a in d["overdue"]],
        "late_decisions": d["late_decisions"],
    }


@router.get("/chain/verify", auth=STAFF, summary="Recompute the decision log's hash chain")
def verify(request: HttpRequest) -> dict[str, Any]:
    return chain.verify(Actor.from_request(request))
