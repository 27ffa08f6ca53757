"""Rounds on the durable queue: a check-in per person × round × attempt, retries 10 minutes apart, the
call-back queue, quiet hours, the stop at the end of monitoring or on opt-out, escalations and the
officer's round report — each tick idempotent, so a restart neither loses nor duplicates a call.

Times are real: the round is set to the minute just before now (in Seoul), so the tests run at any hour.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core import mail

from epiaid.carecall import crypto
from epiaid.carecall.models import Alert, CheckIn, Person, Report, TextMessage
from epiaid.carecall.services import calls
from epiaid.carecall.services.access import SYSTEM
from epiaid.carecall.services.schedule import tick
from epiaid.core.jobs.models import Job
from epiaid.core.models import AuditEvent

SEOUL = ZoneInfo("Asia/Seoul")
NO_SYMPTOMS = ["2", "2", "2", "2", "2", "2", "2"]  # keypad digits typed as texts


@pytest.fixture(autouse=True)
def round_now(round_slot: datetime, jobs_inline: None) -> datetime:
    return round_slot


def checkins(person: Person) -> list[CheckIn]:
    return list(CheckIn.objects.filter(person=person).order_by("attempt"))


def reply_all(person: Person, replies: list[str]) -> CheckIn:
    phone = "0" + crypto.decrypt_phone(person.phone_enc)[3:]  # national form the person texts from
    for i, body in enumerate(replies):
        calls.text_reply(SYSTEM, phone, body, message_id=f"SM{person.pk}-{i}")
    return checkins(person)[-1]


def test_a_round_texts_each_person_once_and_their_replies_answer_it(make_person: Any, round_now: datetime) -> None:
    person = make_person(channel="text")
    tick(round_now)
    tick(round_now)  # a second scheduler, or a restart: nothing new
    (ci,) = checkins(person)
    assert ci.attempt == 1 and ci.status == "calling"
    assert Job.objects.filter(idempotency_key=ci.key).count() == 1
    first = TextMessage.objects.get(checkin=ci)
    assert "열이 나거나" in first.body and "있으면 1번" in first.body
    done = reply_all(person, NO_SYMPTOMS)
    assert done.status == "answered" and done.result["completed"] and not done.flagged
    assert AuditEvent.objects.filter(action="carecall.checkin", object_id=str(ci.pk)).exists()
    assert AuditEvent.objects.filter(action="carecall.dial", object_id=str(person.pk)).exists()


def test_a_lost_job_is_queued_again_under_the_same_key(make_person: Any, round_now: datetime, settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": []}}
    person = make_person(channel="text")
    tick(round_now)
    (ci,) = checkins(person)
    Job.objects.filter(idempotency_key=ci.key).delete()  # the crash lost it
    tick(round_now)
    tick(round_now)
    assert Job.objects.filter(idempotency_key=ci.key).count() == 1 and len(checkins(person)) == 1


def test_no_answer_is_retried_10_minutes_apart_then_queued_for_a_call_back(
    make_person: Any, round_now: datetime
) -> None:
    person = make_person(channel="keypad")
    tick(round_now)
    assert checkins(person)[0].status == "calling"
    later = round_now
    for attempt in (1, 2, 3):
        later = later + timedelta(minutes=6)
        tick(later)  # the call was not answered within 5 minutes
        assert checkins(person)[-1].status == "no_answer"
        tick(later + timedelta(minutes=5))  # too early for a retry
        assert len(checkins(person)) == attempt
        later = later + timedelta(minutes=10)
        tick(later)
    attempts = checkins(person)
    assert [c.attempt for c in attempts] == [1, 2, 3] and all(c.status == "no_answer" for c in attempts)
    (alert,) = Alert.objects.filter(person=person, kind="call_back")
    assert alert.status == "open"
    tick(later + timedelta(minutes=1))
    assert Alert.objects.filter(person=person, kind="call_back").count() == 1


def test_quiet_hours_start_no_call(make_person: Any, round_now: datetime, settings: Any) -> None:
    local = round_now.astimezone(SEOUL)
    settings.CARECALL_QUIET_HOURS = f"{(local - timedelta(hours=1)):%H:%M}-{(local + timedelta(hours=1)):%H:%M}"
    person = make_person(channel="text")
    tick(round_now)
    assert checkins(person) == []


def test_monitoring_stops_after_its_last_day(make_person: Any, round_now: datetime) -> None:
    today = round_now.astimezone(SEOUL).date()
    person = make_person(channel="text", start=today - timedelta(days=15), end=today - timedelta(days=1))
    tick(round_now)
    person.refresh_from_db()
    assert person.status == "ended" and checkins(person) == []


def test_opting_out_mid_monitoring_stops_the_calls(make_person: Any, round_now: datetime) -> None:
    person = make_person(channel="text")
    tick(round_now)
    ci = reply_all(person, ["2", "9"])
    person.refresh_from_db()
    assert ci.status == "opted_out" and person.status == "opted_out" and person.opted_out_channel == "text"
    tick(round_now + timedelta(minutes=20))
    assert len(checkins(person)) == 1


def test_an_emergency_alerts_the_officer_at_once(
    make_person: Any, round_now: datetime, officer: Any, django_capture_on_commit_callbacks: Any
) -> None:
    person = make_person(channel="text")
    tick(round_now)
    with django_capture_on_commit_callbacks(execute=True):
        ci = reply_all(person, ["2", "2", "2", "1", "1"])  # breathing difficulty, then an emergency sign
    assert ci.status == "answered" and ci.emergency
    alert = Alert.objects.get(person=person, kind="emergency")
    assert alert.status == "open"
    goodbye = TextMessage.objects.filter(checkin=ci)
    assert goodbye.exists()
    urgent = [m for m in mail.outbox if "EMERGENCY" in m.subject]
    assert urgent and urgent[0].to == [officer.email] and f"#{person.pk}" in urgent[0].subject
    assert "119" in (calls.prompt_from(ci.deliveries.order_by("-id").first().response).text)  # type: ignore[union-attr]


def test_symptoms_are_flagged_and_twice_flagged_people_make_the_officers_list(
    make_person: Any, round_now: datetime, settings: Any
) -> None:
    local = round_now.astimezone(SEOUL)
    settings.CARECALL_ROUNDS = f"{(local - timedelta(minutes=2)):%H:%M},{(local - timedelta(minutes=1)):%H:%M}"
    person = make_person(channel="text")
    tick(round_now)
    phone = "0" + crypto.decrypt_phone(person.phone_enc)[3:]
    first, second = checkins(person)
    for n, ci in enumerate((first, second)):
        for i, body in enumerate(["1", "382", "1", "2", "2", "2", "2", "2", "2"]):
            calls.respond(SYSTEM, ci.token, digits=body, delivery_id=f"{n}-{i}")
    kinds = sorted(Alert.objects.filter(person=person).values_list("kind", flat=True))
    assert kinds == ["advise_test", "advise_test", "flagged_twice"]
    assert phone  # the person's number never appears in an alert
    assert all("+82" not in str(a.detail) for a in Alert.objects.all())


def test_the_round_report_reaches_the_officer_once_everyone_has_an_outcome(
    make_person: Any, round_now: datetime, officer: Any
) -> None:
    a, b = make_person(channel="text"), make_person(channel="text")
    tick(round_now)
    reply_all(a, NO_SYMPTOMS)
    tick(round_now + timedelta(seconds=30))
    assert not Report.objects.filter(kind="round").exists()  # b has not answered yet
    reply_all(b, ["1", "37.9", "1", "2", "2", "2", "2", "2", "약이 필요해요"])
    tick(round_now + timedelta(seconds=40))
    report = Report.objects.get(kind="round")
    assert report.status == "sent"
    (message,) = [m for m in mail.outbox if m.subject == report.subject]
    assert "2 people, 2 answered, 1 flagged" in message.subject and message.to == [officer.email]
    assert b.masked_name in message.body and b.name not in message.body


def test_a_duplicate_delivery_changes_nothing(make_person: Any, round_now: datetime) -> None:
    person = make_person(channel="text")
    tick(round_now)
    (ci,) = checkins(person)
    first = calls.respond(SYSTEM, ci.token, digits="1", delivery_id="SM-1")
    again = calls.respond(SYSTEM, ci.token, digits="1", delivery_id="SM-1")
    assert first == again and first is not None and first.id == "temperature"
    ci.refresh_from_db()
    assert ci.state["result"]["turns"] == 1


def test_people_with_symptoms_are_sent_to_the_nearest_screening_clinic_of_the_situation_map(
    make_person: Any, round_now: datetime
) -> None:
    from epiaid.situation.models import Clinic

    Clinic.objects.create(
        name="분당서울대병원 선별진료소",
        address="성남시 분당구",
        phone="1588-3369",
        specimen_collection=True,
        lat=37.352,
        lng=127.124,
        source_key="a",
    )
    Clinic.objects.create(
        name="멀리 있는 선별진료소", address="부산", specimen_collection=True, lat=35.1, lng=129.0, source_key="b"
    )
    person = make_person(channel="text")
    tick(round_now)
    ci = reply_all(person, ["2", "1", "2", "2", "2", "2", "2"])  # a cough
    goodbye = calls.prompt_from(ci.deliveries.order_by("-id").first().response)  # type: ignore[union-attr]
    assert goodbye is not None and "분당서울대병원 선별진료소 (1588-3369)" in goodbye.text and "검사" in goodbye.text
    assert ci.result["flags"] == ["respiratory"]
