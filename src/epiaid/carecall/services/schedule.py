"""The rounds: who is due a check-in now, retries, the call-back queue, the 14-day stop, round reports.

:func:`tick` runs every minute as a durable scheduled job (``carecall.tick``). Everything it does is
idempotent: a check-in is one row per person × round × attempt (unique) whose job has the same key,
so a tick repeated after a restart (or two at once) neither loses nor duplicates a call.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.utils import timezone

from epiaid.carecall import config
from epiaid.carecall.models import CheckIn, Person, Report
from epiaid.carecall.services import alerts, calls, reports
from epiaid.carecall.services.access import SYSTEM
from epiaid.core.audit import AuditAction, record

RETRY = (CheckIn.Status.NO_ANSWER, CheckIn.Status.PARTIAL)
DONE = (CheckIn.Status.ANSWERED, CheckIn.Status.OPTED_OUT, CheckIn.Status.SKIPPED)


def round_window() -> timedelta:
    """How long after its time a round may still start its first call (a restart within it catches up)."""
    c = config
    return timedelta(minutes=c.attempts() * c.answer_minutes() + (c.attempts() - 1) * c.retry_minutes() + 2)


def _create(person: Person, day: date, slot: str, attempt: int, due: datetime) -> CheckIn:
    try:
        with transaction.atomic():
            checkin = CheckIn.objects.create(
                person=person,
                round_date=day,
                slot=slot,
                attempt=attempt,
                channel=person.channel,
                token=calls.new_token(),
                due_at=due,
            )
    except IntegrityError:  # another tick made it: use that one
        checkin = CheckIn.objects.get(person=person, round_date=day, slot=slot, attempt=attempt)
    return checkin


def _submit(checkin: CheckIn) -> None:
    from epiaid.carecall import jobs

    jobs.submit_checkin(checkin)


def end_monitoring(person: Person, local_day: date) -> bool:
    if person.status == Person.Status.ACTIVE and local_day > person.end:
        person.status = Person.Status.ENDED
        person.save(update_fields=["status"])
        CheckIn.objects.filter(person=person, status=CheckIn.Status.QUEUED).update(status=CheckIn.Status.SKIPPED)
        record(
            None,
            AuditAction.CARECALL_UPDATE,
            "carecall.person",
            object_id=person.pk,
            actor=SYSTEM,
            detail={"ended": str(person.end)},
        )
        return True
    return False


def plan_person(
    person: Person, now: datetime, stats: Counter[str], todays: dict[tuple[int, date], list[CheckIn]] | None = None
) -> None:
    zone = ZoneInfo(person.time_zone)
    local = now.astimezone(zone)
    day = local.date()
    if end_monitoring(person, day):
        stats["ended"] += 1
        return
    if day < person.start or not person.phone_enc:
        return
    existing: dict[str, list[CheckIn]] = {}
    rows = (
        todays.get((person.pk, day), [])
        if todays is not None
        else CheckIn.objects.filter(person=person, round_date=day)
    )
    for ci in sorted(rows, key=lambda c: c.attempt):
        existing.setdefault(ci.slot, []).append(ci)
    for slot in config.rounds():
        due = datetime.combine(day, config.slot_time(slot), tzinfo=zone)
        if due > now:
            continue
        tries = existing.get(slot, [])
        if not tries:
            if now > due + round_window():
                continue  # too late to start this round (a long outage): the next round calls
            if config.is_quiet(local.time()):
                stats["quiet"] += 1
                continue
            _submit(_create(person, day, slot, 1, due))
            stats["started"] += 1
            continue
        last = tries[-1]
        if last.status == CheckIn.Status.QUEUED:
            _submit(last)  # the same key: finds the job if it exists, queues it if a crash lost it
        elif last.status in RETRY:
            if last.attempt >= config.attempts():
                if not last.person.alerts.filter(kind="call_back", day=day).exists():
                    alerts.call_back(last)
                    stats["call_back"] += 1
            elif last.finished_at and now >= last.finished_at + timedelta(minutes=config.retry_minutes()):
                if config.is_quiet(local.time()):
                    alerts.call_back(last)
                    stats["call_back"] += 1
                else:
                    _submit(_create(person, day, slot, last.attempt + 1, now))
                    stats["retried"] += 1


def time_out_calls(now: datetime) -> int:
    """A call still in progress after the answer time is over (the person left, the line dropped)."""
    cutoff = now - timedelta(minutes=config.answer_minutes())
    late = list(CheckIn.objects.filter(status=CheckIn.Status.CALLING, started_at__lt=cutoff))
    for ci in late:
        calls.finish_unanswered(ci, now)
    return len(late)


def _round_finished(cis: list[CheckIn]) -> bool:
    last: dict[int, CheckIn] = {}
    for ci in sorted(cis, key=lambda c: c.attempt):
        last[ci.person_id] = ci
    return all(c.status in DONE or (c.status in RETRY and c.attempt >= config.attempts()) for c in last.values())


def close_rounds(now: datetime) -> int:
    """A round's report goes to each officer once every one of their people has an outcome (or the
    round's time is up)."""
    made = 0
    recent = CheckIn.objects.filter(due_at__gte=now - timedelta(days=2), person__officer__isnull=False)
    groups: dict[tuple[int, date, str], list[CheckIn]] = {}
    for ci in recent.select_related("person"):
        officer_id = ci.person.officer_id
        assert officer_id is not None
        groups.setdefault((officer_id, ci.round_date, ci.slot), []).append(ci)
    for (officer_id, day, slot), cis in groups.items():
        if Report.objects.filter(key=f"round:{officer_id}:{day}:{slot}").exists():
            continue
        first_due = min(c.due_at for c in cis)
        overdue = now >= first_due + round_window() + timedelta(minutes=config.retry_minutes())
        if _round_finished(cis) or overdue:
            officer = cis[0].person.officer
            if reports.round_report(officer, day, slot) is not None:
                made += 1
    return made


def digests(now: datetime) -> int:
    from epiaid.core.jobs.scheduler import schedule_tz

    local = now.astimezone(schedule_tz())
    if local.time() < config.digest_at():
        return 0
    made = 0
    day = local.date()
    officers = {
        ci.person.officer
        for ci in CheckIn.objects.filter(round_date=day, person__officer__isnull=False).select_related(
            "person__officer"
        )
    }
    for officer in officers:
        if officer is None or Report.objects.filter(key=f"digest:{officer.pk}:{day}").exists():
            continue
        if reports.digest(officer, day) is not None:
            made += 1
    return made


def tick(now: datetime | None = None) -> dict[str, Any]:
    """One minute of the care call: time out calls, start and retry check-ins, close rounds, send mail."""
    moment = now or timezone.now()
    stats: Counter[str] = Counter()
    stats["timed_out"] = time_out_calls(moment)
    active = list(Person.objects.filter(status=Person.Status.ACTIVE).select_related("centre"))
    # every local "today" is within a day of the UTC date: one query for all people's check-ins
    days = {moment.date() + timedelta(days=d) for d in (-1, 0, 1)}
    todays: dict[tuple[int, date], list[CheckIn]] = {}
    for ci in CheckIn.objects.filter(person__status=Person.Status.ACTIVE, round_date__in=days).select_related("person"):
        todays.setdefault((ci.person_id, ci.round_date), []).append(ci)
    for person in active:
        plan_person(person, moment, stats, todays)
    stats["round_reports"] = close_rounds(moment)
    stats["digests"] = digests(moment)
    sent = reports.send_pending()
    stats["mail_sent"], stats["mail_failed"] = sent["sent"], sent["failed"]
    return dict(stats)
