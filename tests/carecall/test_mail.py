"""Officers' reports over real SMTP (aiosmtpd on loopback): the round report arrives within 60 s of the
round ending, and while the server is down reports wait in the outbox and arrive once it is back."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

import pytest

from epiaid.carecall import crypto
from epiaid.carecall.models import CheckIn, Report, TextMessage
from epiaid.carecall.services import calls
from epiaid.carecall.services.access import SYSTEM
from epiaid.carecall.services.schedule import tick

NO_SYMPTOMS = ["2"] * 7


def answer(person: Any) -> None:
    phone = "0" + crypto.decrypt_phone(person.phone_enc)[3:]
    for i, body in enumerate(NO_SYMPTOMS):
        calls.text_reply(SYSTEM, phone, body, message_id=f"SM{person.pk}-{i}")


def test_with_smtp_down_reports_wait_and_arrive_when_it_is_back(
    make_person: Any, round_slot: datetime, jobs_inline: None, smtp: Any
) -> None:
    person = make_person(channel="text")
    tick(round_slot)
    answer(person)
    stats = tick(round_slot + timedelta(seconds=20))  # the server is down
    assert stats["round_reports"] == 1 and stats["mail_failed"] == 1
    report = Report.objects.get(kind="round")
    assert report.status == "pending" and "Connection refused" in report.last_error
    tick(round_slot + timedelta(seconds=80))
    report.refresh_from_db()
    assert report.status == "pending" and report.attempts == 2
    smtp.start()
    tick(round_slot + timedelta(seconds=140))
    report.refresh_from_db()
    assert report.status == "sent"
    assert smtp.subjects() == [report.subject]  # once, nothing lost and nothing twice
    tick(round_slot + timedelta(seconds=200))
    assert len(smtp.messages) == 1


@pytest.mark.slow
def test_a_round_report_reaches_smtp_within_60_s_of_the_round_ending(
    make_person: Any, round_slot: datetime, job_worker: None, smtp: Any
) -> None:
    """The real path: the scheduler enqueues the minute tick, a worker runs it and the check-ins."""
    from epiaid.carecall.jobs import TICK
    from epiaid.core.jobs import scheduler

    smtp.start()
    person = make_person(channel="text")
    tick(round_slot)  # the round starts (the check-in job runs on the worker)
    deadline = time.monotonic() + 30
    while not TextMessage.objects.filter(checkin__person=person).exists():
        assert time.monotonic() < deadline, "the check-in job did not run"
        time.sleep(0.1)
    answer(person)  # the last answer: the round has ended
    ended = time.monotonic()
    assert CheckIn.objects.get(person=person).status == "answered"
    schedules = {"carecall.tick": scheduler.Schedule("carecall.tick", "* * * * *", TICK)}
    scheduler.tick(now=round_slot - timedelta(minutes=1), schedules=schedules)
    scheduler.tick(now=round_slot + timedelta(minutes=1), schedules=schedules)  # the next minute's tick
    while not smtp.messages:
        assert time.monotonic() - ended < 60, "no report within 60 s"
        time.sleep(0.2)
    took = time.monotonic() - ended
    print(f"\nround report reached SMTP {took:.1f} s after the round ended")
    assert "1 people, 1 answered" in smtp.subjects()[0] and took < 60


def test_the_daily_digest_goes_to_each_officer_once(
    make_person: Any, round_slot: datetime, jobs_inline: None, smtp: Any, settings: Any
) -> None:
    settings.CARECALL_DIGEST_AT = "00:00"  # due at any time of day in this test
    smtp.start()
    well, silent = make_person(channel="text"), make_person(channel="keypad")
    tick(round_slot)
    answer(well)
    tick(round_slot + timedelta(seconds=30))
    tick(round_slot + timedelta(seconds=90))
    digests = Report.objects.filter(kind="digest")
    assert digests.count() == 1 and digests.get().status == "sent"
    subjects = smtp.subjects()
    assert sum("daily digest" in s for s in subjects) == 1
    (digest,) = [s for s in subjects if "daily digest" in s]
    assert "2 people" in digest and silent.pk
