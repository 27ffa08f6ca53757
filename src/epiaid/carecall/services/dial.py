"""Starting a queued check-in on the person's channel (the ``carecall.checkin`` job)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.utils import timezone

from epiaid.carecall import config
from epiaid.carecall.models import CheckIn, Person
from epiaid.carecall.services import alerts, calls
from epiaid.carecall.transports import base


def start_checkin(checkin_id: int) -> str:
    checkin = CheckIn.objects.select_related("person", "person__centre").filter(pk=checkin_id).first()
    if checkin is None:
        return "gone"
    if checkin.status != CheckIn.Status.QUEUED:
        return f"already {checkin.status}"  # a repeated job: the call was made once
    person = checkin.person
    local = timezone.now().astimezone(ZoneInfo(person.time_zone))
    if person.status != Person.Status.ACTIVE or local.date() > person.end:
        CheckIn.objects.filter(pk=checkin.pk, status=CheckIn.Status.QUEUED).update(status=CheckIn.Status.SKIPPED)
        return f"skipped: person is {person.status}"
    from epiaid.carecall.services.schedule import round_window

    late = timezone.now() > checkin.due_at + round_window()
    if late and config.is_quiet(local.time()):  # a job that waited out a worker outage into the night
        CheckIn.objects.filter(pk=checkin.pk, status=CheckIn.Status.QUEUED).update(
            status=CheckIn.Status.SKIPPED, finished_at=timezone.now()
        )
        alerts.call_back(checkin)
        return "skipped: quiet hours (call-back queued)"
    from epiaid.carecall.transports import channels

    channels.load()

    transport = base.get(checkin.channel)
    try:
        outcome = transport.start(checkin)
    except Exception as exc:  # the channel failed: a no-answer, retried by the next tick
        calls.finish_unanswered(checkin)
        return f"not reached: {type(exc).__name__}: {exc}"
    if not outcome.reached:
        calls.finish_unanswered(checkin)
        return f"not reached: {outcome.detail}"
    return f"started on {transport.name} {outcome.channel_ref}".strip()
