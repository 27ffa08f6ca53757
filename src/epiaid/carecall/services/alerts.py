"""Escalations: emergencies (the officer alerted at once), flags, the call-back queue, twice-flagged people."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from epiaid.carecall.models import Alert, CheckIn, HealthCentre, Person
from epiaid.carecall.services.access import SYSTEM, require_staff
from epiaid.core.audit import AuditAction, record
from epiaid.core.errors import BadInput, Conflict, NotFound

TARGET = "carecall.alert"


def nearest_clinic(centre: HealthCentre) -> str:
    """The screening clinic nearest the health centre, from the situation map ("name (phone)"), or ""."""
    if centre.lat is None or centre.lng is None:
        return ""
    from epiaid.situation.services import nearest_clinics

    found = nearest_clinics(centre.lat, centre.lng, limit=1, specimen_only=True) or nearest_clinics(
        centre.lat, centre.lng, limit=1
    )
    if not found:
        return ""
    clinic = found[0]
    return f"{clinic['name']} ({clinic['phone']})" if clinic.get("phone") else str(clinic["name"])


def _day(checkin: CheckIn) -> Any:
    return checkin.round_date


def emergency(checkin: CheckIn, rule: str, answers: dict[str, Any]) -> Alert:
    """An emergency sign heard: the officer gets an e-mail now and the dashboard shows it at the top."""
    from epiaid.carecall.services import reports

    alert, created = Alert.objects.get_or_create(
        person=checkin.person,
        checkin=checkin,
        kind=Alert.Kind.EMERGENCY,
        defaults={"day": _day(checkin), "detail": {"rule": rule, "answers": answers}},
    )
    if created:
        record(
            None,
            AuditAction.CARECALL_ESCALATE,
            TARGET,
            object_id=alert.pk,
            actor=SYSTEM,
            detail={"kind": "emergency", "rule": rule, "person": checkin.person_id},
        )
        reports.emergency_mail(alert)
    return alert


def flags(checkin: CheckIn, rules: list[str], answers: dict[str, Any], message: str) -> Alert:
    kind = Alert.Kind.ADVISE_TEST if any(r != "other_symptoms" for r in rules) else Alert.Kind.FLAG
    alert, _ = Alert.objects.get_or_create(
        person=checkin.person,
        checkin=checkin,
        kind=kind,
        defaults={"day": _day(checkin), "detail": {"rules": rules, "answers": answers, "message": message}},
    )
    flagged_rounds = (
        CheckIn.objects.filter(person=checkin.person, flagged=True).values("round_date", "slot").distinct().count()
    )
    if flagged_rounds >= 2:
        _once(checkin, Alert.Kind.FLAGGED_TWICE, {"flagged_rounds": flagged_rounds})
    return alert


def message(checkin: CheckIn, text: str) -> Alert:
    alert, _ = Alert.objects.get_or_create(
        person=checkin.person,
        checkin=checkin,
        kind=Alert.Kind.FLAG,
        defaults={"day": _day(checkin), "detail": {"message": text}},
    )
    return alert


def _once(checkin: CheckIn, kind: str, detail: dict[str, Any]) -> Alert:
    try:
        with transaction.atomic():
            alert, _ = Alert.objects.get_or_create(
                person=checkin.person, kind=kind, day=_day(checkin), defaults={"checkin": checkin, "detail": detail}
            )
    except IntegrityError:
        alert = Alert.objects.get(person=checkin.person, kind=kind, day=_day(checkin))
    return alert


def call_back(checkin: CheckIn) -> Alert:
    """No answer after every attempt of a round: a person on staff calls back (one entry per person per day)."""
    alert = _once(checkin, Alert.Kind.CALL_BACK, {"round": checkin.slot, "attempts": checkin.attempt})
    record(
        None,
        AuditAction.CARECALL_ESCALATE,
        TARGET,
        object_id=alert.pk,
        actor=SYSTEM,
        detail={"kind": "call_back", "person": checkin.person_id},
    )
    return alert


def open_alerts(who: Any, *, kind: str = "", day: Any = None, request: HttpRequest | None = None) -> QuerySet[Alert]:
    actor = require_staff(who, f"{TARGET}.list", request)
    qs = Alert.objects.select_related("person", "person__officer", "checkin").filter(status=Alert.Status.OPEN)
    if kind:
        qs = qs.filter(kind=kind)
    if day is not None:
        qs = qs.filter(day=day)
    record(request, AuditAction.CARECALL_LIST, TARGET, actor=actor, detail={"kind": kind})
    return qs


def called_back(who: Any, alert_id: int, *, outcome: str, note: str = "", request: HttpRequest | None = None) -> Alert:
    """One click on the dashboard: the call-back (or emergency follow-up) was made, with its outcome."""
    actor = require_staff(who, f"{TARGET}.call_back", request)
    if outcome not in Alert.Outcome.values:
        raise BadInput(f"outcome must be one of {Alert.Outcome.values}", code="bad_outcome")
    with transaction.atomic():
        alert = Alert.objects.select_for_update().filter(pk=alert_id).first()
        if alert is None:
            raise NotFound(f"no alert {alert_id}")
        if alert.status == Alert.Status.DONE:
            raise Conflict("this alert was already handled", code="already_handled")
        alert.status, alert.outcome, alert.note = Alert.Status.DONE, outcome, note[:1000]
        alert.handled_by, alert.handled_at = actor.user, timezone.now()
        alert.save()
    record(
        request,
        AuditAction.CARECALL_CALL_BACK,
        TARGET,
        object_id=alert.pk,
        actor=actor,
        detail={"outcome": outcome, "person": alert.person_id},
    )
    return alert


def officer_list(who: Any, day: Any, *, request: HttpRequest | None = None) -> list[Person]:
    """The officer's list for the day: people flagged twice (and today's emergencies)."""
    alerts = open_alerts(who, day=day, request=request).filter(
        kind__in=[Alert.Kind.FLAGGED_TWICE, Alert.Kind.EMERGENCY]
    )
    return list({a.person_id: a.person for a in alerts}.values())
