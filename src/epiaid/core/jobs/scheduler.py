"""Schedules: jobs that run on a clock (the daily retention purge, the care call's rounds).

APScheduler 3's :class:`CronTrigger` computes the occurrences; this module only *enqueues* them, as
jobs with an idempotency key per occurrence (``schedule:<name>:<ISO time>``), so:

- two schedulers never fire the same occurrence (the key is unique in the database), and only the
  holder of the ``scheduler`` lease ticks at all (leader election through a database row);
- a restart neither skips nor repeats one: each schedule's last enqueued occurrence is stored, and
  the next tick enqueues every occurrence since then, up to now.

``django-crontask``, the library made for this, needs Python 3.12 and Django 6 (we run 3.11 / 5.2).
Times are in ``EPIAID_SCHEDULE_TZ`` (default Asia/Seoul).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from epiaid.core.actors import SYSTEM_SCHEDULER
from epiaid.core.jobs import service
from epiaid.core.jobs.models import Lease, ScheduleState

log = logging.getLogger(__name__)

LEASE = "scheduler"
#: most occurrences one tick enqueues for one schedule after a long outage (the rest on later ticks)
CATCH_UP_LIMIT = 100


@dataclass(frozen=True)
class Schedule:
    name: str
    crontab: str  # minute hour day month day-of-week, in the schedule time zone
    kind: service.JobKind
    args: tuple[Any, ...] = ()

    def trigger(self) -> CronTrigger:
        return CronTrigger.from_crontab(self.crontab, timezone=schedule_tz())


SCHEDULES: dict[str, Schedule] = {}


def register(schedule: Schedule) -> Schedule:
    SCHEDULES[schedule.name] = schedule
    return schedule


def schedule_tz() -> ZoneInfo:
    return ZoneInfo(getattr(settings, "SCHEDULE_TZ", "Asia/Seoul"))


def load_schedules() -> dict[str, Schedule]:
    """Each capability declares its schedules in ``<capability>.schedules``; import them all."""
    from epiaid.core.capabilities import capability_modules

    list(capability_modules("schedules"))
    return SCHEDULES


def occurrences(schedule: Schedule, after: datetime, until: datetime) -> list[datetime]:
    """Fire times strictly after ``after`` and not later than ``until``."""
    trigger = schedule.trigger()
    times: list[datetime] = []
    previous = after
    while len(times) < CATCH_UP_LIMIT:
        nxt = trigger.get_next_fire_time(previous, previous + timedelta(microseconds=1))
        if nxt is None or nxt > until:
            break
        times.append(nxt)
        previous = nxt
    return times


def tick(*, now: datetime | None = None, schedules: dict[str, Schedule] | None = None) -> list[service.Job]:
    """Enqueue every occurrence due since the last tick; returns the jobs created or found."""
    moment = now or timezone.now()
    jobs = []
    for schedule in (schedules if schedules is not None else load_schedules()).values():
        state, created = ScheduleState.objects.get_or_create(name=schedule.name, defaults={"last_occurrence": moment})
        if created:
            continue  # a new schedule starts from now: no back-filling of history
        for at in occurrences(schedule, state.last_occurrence, moment):
            key = f"schedule:{schedule.name}:{at.isoformat()}"
            with transaction.atomic():
                jobs.append(service.submit(schedule.kind, *schedule.args, actor=SYSTEM_SCHEDULER, idempotency_key=key))
                ScheduleState.objects.filter(name=schedule.name, last_occurrence__lt=at).update(last_occurrence=at)
    return jobs


def acquire(holder: str, *, now: datetime | None = None, ttl_s: float = 30.0, name: str = LEASE) -> bool:
    """Take or renew the named lease; True while ``holder`` is the leader."""
    moment = now or timezone.now()
    expires = moment + timedelta(seconds=ttl_s)
    try:
        with transaction.atomic():
            _, created = Lease.objects.get_or_create(name=name, defaults={"holder": holder, "expires_at": expires})
    except IntegrityError:
        created = False
    if created:
        return True
    taken = (
        Lease.objects.filter(name=name)
        .filter(Q(holder=holder) | Q(expires_at__lt=moment))
        .update(holder=holder, expires_at=expires)
    )
    return taken == 1


def tick_if_leader(holder: str, *, now: datetime | None = None) -> list[service.Job]:
    if not acquire(holder, now=now, ttl_s=max(30.0, 3 * service.heartbeat_s())):
        return []
    return tick(now=now)


def run_scheduler(holder: str, stop: threading.Event, interval_s: float = 5.0) -> None:
    """``epiaid scheduler``: tick as leader every few seconds until ``stop`` is set."""
    from django.db import DatabaseError, connection

    while not stop.is_set():
        try:
            for job in tick_if_leader(holder):
                log.info("schedule enqueued job %s (%s)", job.pk, job.kind)
        except DatabaseError as exc:
            log.warning("scheduler tick failed: %s", exc)
            connection.close()
        stop.wait(interval_s)
