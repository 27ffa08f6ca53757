"""One check-in from first contact to outcome, whatever the channel (see transports/base.py).

Webhook channels call :func:`begin` (first request) and :func:`respond` (each reply); synchronous
channels call :func:`run_call`. Both keep the dialog session on the check-in row, fire an emergency
the moment it is heard, and finish the check-in (alerts, flags, opt-out, audit) when the call ends.
"""

from __future__ import annotations

import secrets
from dataclasses import asdict
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from epiaid.carecall import config
from epiaid.carecall.engine.dialog import Prompt, Session
from epiaid.carecall.models import CheckIn, Delivery, Person
from epiaid.carecall.services import alerts
from epiaid.carecall.services.access import SYSTEM, require_staff
from epiaid.carecall.transports.base import Ask, drive
from epiaid.core.audit import AuditAction, record
from epiaid.core.errors import NotFound

TARGET = "carecall.checkin"
TERMINAL = (
    CheckIn.Status.ANSWERED,
    CheckIn.Status.PARTIAL,
    CheckIn.Status.NO_ANSWER,
    CheckIn.Status.OPTED_OUT,
    CheckIn.Status.SKIPPED,
)


def new_token() -> str:
    return secrets.token_urlsafe(24)


def context_for(person: Person) -> dict[str, str]:
    """What the dialog's {centre} and {clinic} read for this person."""
    ctx: dict[str, str] = {}
    if person.centre is not None:
        ctx["centre"] = person.centre.name if person.lang == "ko" else (person.centre.name_en or person.centre.name)
        clinic = alerts.nearest_clinic(person.centre)
        if clinic:
            ctx["clinic"] = clinic
    return ctx


def _session(checkin: CheckIn) -> Session:
    dialog = config.dialog()
    if checkin.state:
        return Session.from_state(dialog, checkin.state)
    return Session(dialog, checkin.person.lang, context=context_for(checkin.person))


def prompt_dict(prompt: Prompt | None) -> dict[str, Any]:
    return {} if prompt is None else asdict(prompt)


def prompt_from(data: dict[str, Any]) -> Prompt | None:
    return Prompt(**data) if data else None


def by_token(token: str, *, lock: bool = False) -> CheckIn:
    qs = CheckIn.objects.select_related("person", "person__centre", "person__officer")
    if lock:  # only the check-in row (PostgreSQL refuses FOR UPDATE on the outer-joined centre/officer)
        qs = qs.select_for_update(of=("self",))
    checkin = qs.filter(token=token).first()
    if checkin is None:
        raise NotFound("unknown or expired check-in link", code="unknown_checkin")
    return checkin


def mark_calling(who: Any, checkin: CheckIn, *, channel_ref: str = "") -> None:
    """A call was placed (the person has not picked up yet): the answer time starts now."""
    require_staff(who, TARGET)
    CheckIn.objects.filter(pk=checkin.pk, status=CheckIn.Status.QUEUED).update(
        status=CheckIn.Status.CALLING, started_at=timezone.now(), channel_ref=channel_ref[:100]
    )


def text_reply(who: Any, phone: str, body: str, *, message_id: str = "") -> Prompt | None:
    """An inbound text from a person: the answer to their open text check-in ("1"/"2" count as keys)."""
    from epiaid.carecall.services.roster import find_by_phone

    person = find_by_phone(who, phone)
    if person is None:
        raise NotFound("this number is not under monitoring", code="unknown_sender")
    checkin = (
        CheckIn.objects.filter(person=person, status=CheckIn.Status.CALLING, channel="text").order_by("-due_at").first()
    )
    if checkin is None:
        raise NotFound("there is no open check-in for this number", code="no_open_checkin")
    said = (body or "").strip()
    is_key = said in config.dialog().keypad["global"] or (
        said.replace("*", "").replace("#", "").isdigit() and len(said) <= 4
    )
    return respond(
        who,
        checkin.token,
        text=None if is_key else said,
        digits=said if is_key else None,
        delivery_id=message_id or None,
    )


def begin(who: Any, token: str, *, channel_ref: str = "") -> Prompt | None:
    """The first request of a call or page: the first prompt (or the current one, when asked again)."""
    require_staff(who, TARGET)
    with transaction.atomic():
        checkin = by_token(token, lock=True)
        if checkin.status in TERMINAL:
            return None
        session = _session(checkin)
        if checkin.status != CheckIn.Status.CALLING or not checkin.started_at:
            checkin.status, checkin.started_at = CheckIn.Status.CALLING, checkin.started_at or timezone.now()
        if channel_ref:
            checkin.channel_ref = channel_ref[:100]
        checkin.state = session.to_state()
        checkin.save(update_fields=["status", "started_at", "channel_ref", "state"])
        return session.prompt()


def respond(
    who: Any,
    token: str,
    *,
    text: str | None = None,
    digits: str | None = None,
    delivery_id: str | None = None,
) -> Prompt | None:
    """Apply one reply and return the next prompt (None: the call is over).

    A ``delivery_id`` already seen returns the prompt given then and changes nothing, so duplicate
    webhook deliveries are harmless. An emergency is escalated before this returns."""
    require_staff(who, TARGET)
    with transaction.atomic():
        checkin = by_token(token, lock=True)
        if delivery_id:
            seen = Delivery.objects.filter(checkin=checkin, delivery_id=delivery_id[:120]).first()
            if seen is not None:
                return prompt_from(seen.response)
        if checkin.status in TERMINAL:
            return None
        session = _session(checkin)
        if checkin.status != CheckIn.Status.CALLING:
            checkin.status, checkin.started_at = CheckIn.Status.CALLING, checkin.started_at or timezone.now()
        before = len(session.result.escalations)
        session.answer(text=text, digits=digits)
        prompt = session.prompt()
        _escalate_new(checkin, session, before)
        if prompt is not None and prompt.final:
            session.close()
            _finish(checkin, session)
        else:
            checkin.state = session.to_state()
            checkin.save(update_fields=["status", "started_at", "state"])
        if delivery_id:
            try:
                with transaction.atomic():
                    Delivery.objects.create(
                        checkin=checkin, delivery_id=delivery_id[:120], response=prompt_dict(prompt)
                    )
            except IntegrityError:
                pass
        return prompt


def hangup(who: Any, token: str, *, reached: bool = True) -> CheckIn:
    """The line dropped (or the channel says the call ended): keep what was answered; a call nobody
    picked up (``reached=False``) or that ended before any answer is a no-answer."""
    require_staff(who, TARGET)
    with transaction.atomic():
        checkin = by_token(token, lock=True)
        if checkin.status in TERMINAL:
            return checkin
        session = _session(checkin)
        if not reached or not session.result.answers:
            session.hangup()
            _finish(checkin, session, status=CheckIn.Status.NO_ANSWER)
        else:
            session.hangup()
            _finish(checkin, session)
        return checkin


def run_call(who: Any, checkin: CheckIn, *, ask: Ask, say_final: Any = None) -> CheckIn:
    """A synchronous channel runs the whole call here (SIP, simulators): ``ask(prompt)`` → Reply or None."""
    require_staff(who, TARGET)
    session = _session(checkin)
    checkin.status, checkin.started_at = CheckIn.Status.CALLING, checkin.started_at or timezone.now()
    checkin.save(update_fields=["status", "started_at"])
    seen = 0

    def watched(prompt: Prompt) -> Any:
        nonlocal seen
        _escalate_new(checkin, session, seen)
        seen = len(session.result.escalations)
        return ask(prompt)

    drive(session, watched, say_final=say_final)
    _escalate_new(checkin, session, seen)
    with transaction.atomic():
        locked = CheckIn.objects.select_for_update().get(pk=checkin.pk)
        if locked.status not in TERMINAL:
            status = CheckIn.Status.NO_ANSWER if not session.result.answers and session.result.hung_up else None
            _finish(locked, session, status=status)
    checkin.refresh_from_db()
    return checkin


def _escalate_new(checkin: CheckIn, session: Session, before: int) -> None:
    for escalation in session.result.escalations[before:]:
        alerts.emergency(checkin, escalation.rule, session.result.answers)


def _finish(checkin: CheckIn, session: Session, *, status: str | None = None, at: datetime | None = None) -> None:
    """Record the outcome of a call (inside the caller's transaction)."""
    r = session.result
    if status is None:
        if r.opted_out:
            status = CheckIn.Status.OPTED_OUT
        elif r.completed:
            status = CheckIn.Status.ANSWERED
        else:
            status = CheckIn.Status.PARTIAL
    checkin.status = status
    checkin.finished_at = at or timezone.now()
    checkin.state = session.to_state()
    checkin.result = r.as_dict()
    checkin.flagged = bool(r.flags) or r.emergency
    checkin.emergency = r.emergency
    checkin.token_used = True
    checkin.save()
    person = checkin.person
    if r.opted_out:
        from epiaid.carecall.services.roster import opt_out

        opt_out(SYSTEM, person, channel=checkin.channel)
    if r.flags:
        alerts.flags(checkin, r.flags, r.answers, r.message)
    elif r.message:
        alerts.message(checkin, r.message)
    record(
        None,
        AuditAction.CARECALL_CHECKIN,
        TARGET,
        object_id=checkin.pk,
        actor=SYSTEM,
        detail={"status": status, "attempt": checkin.attempt, "flags": r.flags, "emergency": r.emergency},
    )


def finish_unanswered(checkin: CheckIn, now: datetime | None = None) -> None:
    """A call that got no (complete) answer in its time: a no-answer, or partial if something was said."""
    with transaction.atomic():
        locked = CheckIn.objects.select_for_update(of=("self",)).select_related("person").get(pk=checkin.pk)
        if locked.status in TERMINAL:
            return
        session = _session(locked)
        answered = bool(session.result.answers)
        session.hangup()
        _finish(locked, session, status=None if answered else CheckIn.Status.NO_ANSWER, at=now)


def public_status(checkin: CheckIn) -> dict[str, Any]:
    return {"status": checkin.status, "attempt": checkin.attempt, "round": f"{checkin.round_date} {checkin.slot}"}
