"""REST API of the care call (health staff; machines with a bearer token). Names and phones masked."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest
from ninja import File, Router, Schema
from ninja.files import UploadedFile

from epiaid.carecall.services import alerts, reports, roster
from epiaid.core.roles import Role, session_or_token

router = Router(auth=session_or_token(Role.HEALTH_STAFF))


class ContactIn(Schema):
    contact_pid: str
    last_contact: str | None = None


class EnrolIn(Schema):
    case_number: str
    contacts: list[ContactIn]


class OutcomeIn(Schema):
    outcome: str
    note: str = ""


def _alert(a: Any) -> dict[str, Any]:
    return {
        "id": a.pk,
        "kind": a.kind,
        "day": a.day.isoformat(),
        "status": a.status,
        "person": a.person_id,
        "name": a.person.masked_name,
        "officer": a.person.officer.get_username() if a.person.officer else None,
        "created_at": a.created_at.isoformat(),
    }


@router.get("/dashboard", summary="Today's rounds, answered %, queues (counts only)")
def dashboard(request: HttpRequest, day: date | None = None) -> dict[str, Any]:
    data = reports.dashboard(request.user, day or reports.local_day(), request=request)
    return {
        "day": data["day"].isoformat(),
        "rounds": data["rounds"],
        "active": data["active"],
        "awaiting": data["awaiting"],
        "emergencies": [_alert(a) for a in data["emergencies"]],
        "call_backs": [_alert(a) for a in data["call_backs"]],
        "flagged": [_alert(a) for a in data["flagged"]],
        "flagged_twice": [_alert(a) for a in data["flagged_twice"]],
    }


@router.post("/alerts/{alert_id}/done", summary="Record the outcome of a call-back")
def alert_done(request: HttpRequest, alert_id: int, payload: OutcomeIn) -> dict[str, Any]:
    return _alert(
        alerts.called_back(request.user, alert_id, outcome=payload.outcome, note=payload.note, request=request)
    )


@router.post("/roster/import", summary="Import people from a CSV (UTF-8 or CP949); all or nothing")
def import_roster(request: HttpRequest, file: UploadedFile = File(...)) -> dict[str, Any]:
    report = roster.import_roster(request.user, file.read(), request=request)
    return {
        "created": report.created,
        "rows": report.rows,
        "encoding": report.encoding,
        "errors": [{"line": e.line, "field": e.field, "message": e.message} for e in report.errors],
    }


@router.post(
    "/enrol",
    auth=session_or_token(Role.HEALTH_STAFF, Role.INVESTIGATOR),
    summary="Enrol an investigation's contacts (awaiting contact details)",
)
def enrol(request: HttpRequest, payload: EnrolIn) -> dict[str, Any]:
    n = roster.enrol_from_investigation(
        request.user, case_number=payload.case_number, contacts=[c.dict() for c in payload.contacts]
    )
    return {"created": n}
