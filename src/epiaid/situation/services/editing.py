"""Write side for staff: create/edit cases and visits, toggle disclosure, publish from investigations.

Each function takes the acting :class:`~epiaid.core.actors.Actor`, checks its role (health staff;
an investigator only to publish an investigation's visits) and writes the audit event; validation
reuses the importers' field rules so a visit typed in the editor and one imported from a CSV obey the
same checks.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from django.db import transaction

from epiaid.core.access import require
from epiaid.core.actors import Actor
from epiaid.core.audit import AuditAction, event
from epiaid.core.errors import BadInput
from epiaid.core.geo import CoordinateError, check_korea
from epiaid.core.korean import TextError, plain_text, province_en
from epiaid.core.roles import Role
from epiaid.situation.models import Case, Source, Visit


class EditError(BadInput, ValueError):
    """A field that cannot be stored, named (400)."""

    code = "bad_field"

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field


def _editor(actor: Actor | Any, target: str, object_id: Any = None, *also: Role) -> Actor:
    return require(actor, Role.HEALTH_STAFF, *also, target=target, object_id=object_id)


def _clean_text(value: Any, field: str, *, required: bool = False, max_length: int = 200) -> str:
    try:
        text = plain_text(value, field, max_length=max_length)
    except TextError as exc:
        raise EditError(field, str(exc)) from exc
    if required and not text:
        raise EditError(field, "is required")
    return text


def clean_visit_fields(data: dict[str, Any]) -> dict[str, Any]:
    try:
        lat, lng = check_korea(data.get("lat"), data.get("lng"), lat_field="lat", lng_field="lng")
    except CoordinateError as exc:
        raise EditError("lat/lng", str(exc)) from exc
    day = data.get("date")
    if isinstance(day, str):
        try:
            day = date.fromisoformat(day)
        except ValueError as exc:
            raise EditError("date", f"is not a date: {day!r}") from exc
    if not isinstance(day, date):
        raise EditError("date", "is required")
    start, end = data.get("start_time"), data.get("end_time")
    for name, value in (("start_time", start), ("end_time", end)):
        if value is not None and not isinstance(value, time | str):
            raise EditError(name, "is not a time")
    start = time.fromisoformat(start) if isinstance(start, str) and start else (start or None)
    end = time.fromisoformat(end) if isinstance(end, str) and end else (end or None)
    if start and end and end < start:
        raise EditError("end_time", "is before start_time")
    address = _clean_text(data.get("address"), "address", max_length=300)
    return {
        "date": day,
        "start_time": start,
        "end_time": end,
        "place_name": _clean_text(data.get("place_name"), "place_name", required=True),
        "place_name_en": _clean_text(data.get("place_name_en"), "place_name_en"),
        "category": _clean_text(data.get("category"), "category", max_length=40),
        "address": address,
        "province": province_en(address.split(" ")[0] if address else "") or "",
        "lat": lat,
        "lng": lng,
        "disclosed": bool(data.get("disclosed", True)),
    }


@transaction.atomic
def create_case(actor: Actor | Any, data: dict[str, Any]) -> Case:
    actor = _editor(actor, "situation.case")
    number = _clean_text(data.get("number"), "number", required=True, max_length=40)
    if Case.objects.filter(number=number).exists():
        raise EditError("number", f"case {number} already exists")
    case = Case.objects.create(
        number=number,
        source=Source.MANUAL,
        confirmed_date=data.get("confirmed_date") or None,
        province=province_en(data.get("province")) or _clean_text(data.get("province"), "province"),
        city=_clean_text(data.get("city"), "city"),
        infection_case=_clean_text(data.get("infection_case"), "infection_case"),
        infected_by=_clean_text(data.get("infected_by"), "infected_by", max_length=40),
    )
    event(actor, AuditAction.CREATE, "situation.case", object_id=case.number)
    return case


CASE_TEXT_FIELDS = ("province", "city", "infection_case", "infected_by")


@transaction.atomic
def update_case(actor: Actor | Any, case: Case, data: dict[str, Any]) -> Case:
    """Edit a case's epidemiological fields (the number is its identity and never changes)."""
    actor = _editor(actor, "situation.case", case.number)
    changed = []
    for name in CASE_TEXT_FIELDS:
        if name in data:
            value = _clean_text(data[name], name, max_length=40 if name == "infected_by" else 200)
            if name == "province":
                value = province_en(value) or value
            setattr(case, name, value)
            changed.append(name)
    if "confirmed_date" in data:
        raw = data["confirmed_date"]
        try:
            case.confirmed_date = date.fromisoformat(raw) if isinstance(raw, str) and raw else (raw or None)
        except ValueError as exc:
            raise EditError("confirmed_date", f"is not a date: {raw!r}") from exc
        changed.append("confirmed_date")
    case.save()
    event(actor, AuditAction.UPDATE, "situation.case", object_id=case.number, detail={"fields": changed})
    return case


@transaction.atomic
def add_visit(actor: Actor | Any, case: Case, data: dict[str, Any], *, source: str = Source.MANUAL) -> Visit:
    publishers = (Role.INVESTIGATOR,) if source == Source.INVESTIGATION else ()
    actor = _editor(actor, "situation.visit", case.number, *publishers)
    fields = clean_visit_fields(data)
    key = f"{case.number}|{datetime.now().timestamp()}|{Visit.objects.count()}"
    visit = Visit.objects.create(case=case, source=source, source_key=key, **fields)
    event(
        actor,
        AuditAction.CREATE,
        "situation.visit",
        object_id=visit.id,
        detail={"case": case.number, "disclosed": visit.disclosed},
    )
    return visit


@transaction.atomic
def update_visit(actor: Actor | Any, visit: Visit, data: dict[str, Any]) -> Visit:
    actor = _editor(actor, "situation.visit", visit.id)
    merged = {
        "date": visit.date,
        "start_time": visit.start_time,
        "end_time": visit.end_time,
        "place_name": visit.place_name,
        "place_name_en": visit.place_name_en,
        "category": visit.category,
        "address": visit.address,
        "lat": visit.lat,
        "lng": visit.lng,
        "disclosed": visit.disclosed,
        **{k: v for k, v in data.items() if v is not None},
    }
    for name, value in clean_visit_fields(merged).items():
        setattr(visit, name, value)
    visit.save()
    event(actor, AuditAction.UPDATE, "situation.visit", object_id=visit.id, detail={"fields": sorted(data)})
    return visit


@transaction.atomic
def set_disclosed(actor: Actor | Any, visit: Visit, disclosed: bool) -> Visit:
    actor = _editor(actor, "situation.visit", visit.id)
    visit.disclosed = disclosed
    visit.save(update_fields=["disclosed", "updated_at"])
    event(actor, AuditAction.UPDATE, "situation.visit", object_id=visit.id, detail={"disclosed": disclosed})
    return visit
