"""The SLA clock runs on the durable job queue, and notices reach a real SMTP server."""

from __future__ import annotations

import datetime as dt
import socket
from email import message_from_bytes
from email.header import decode_header, make_header
from typing import Any

import pytest

from epiaid.core.jobs import scheduler
from epiaid.core.jobs.models import Job
from epiaid.core.models import AuditEvent
from epiaid.programmes import schedules
from epiaid.programmes.models import Application
from epiaid.programmes.services import review
from tests.programmes.conftest import MARCH, World, submit_compute


@pytest.mark.django_db
def test_the_escalation_schedule_runs_on_the_job_queue_and_escalates_at_least_24_h_ahead(
    world: World, jobs_inline: None
) -> None:
    from django.utils import timezone

    app = submit_compute(world)
    review.check_eligibility(world.officer, app, eligible=True, reasons="ok", now=MARCH)
    now = timezone.now()
    Application.objects.filter(pk=app.pk).update(due_at=now + dt.timedelta(hours=25, minutes=30))
    only = {"programmes.sla_escalation": scheduler.SCHEDULES["programmes.sla_escalation"]}
    assert only["programmes.sla_escalation"].kind is schedules.ESCALATE
    assert only["programmes.sla_escalation"].crontab == "*/10 * * * *"
    mark = now.replace(minute=now.minute - now.minute % 10, second=0, microsecond=0)
    scheduler.tick(now=mark - dt.timedelta(seconds=1), schedules=only)  # the schedule starts just before a mark
    fired = scheduler.tick(now=now, schedules=only)  # that one 10-minute mark has passed since
    assert len(fired) == 1 and Job.objects.get(pk=fired[0].pk).status == Job.Status.SUCCEEDED
    app.refresh_from_db()
    assert app.escalated_at is not None and app.due_at - app.escalated_at >= dt.timedelta(hours=24)
    event = AuditEvent.objects.get(action="programmes.escalate")
    assert event.actor_label == "system:programmes" and event.detail["hours_ahead"] >= 24
    assert app.assignments.exclude(status="recused").count() == 3  # a further reviewer was asked


@pytest.mark.django_db
def test_an_application_is_escalated_once(world: World) -> None:
    app = submit_compute(world)
    moment = app.due_at - dt.timedelta(hours=25)
    assert review.escalate_at_risk(now=moment) == [app.reference]
    assert review.escalate_at_risk(now=moment + dt.timedelta(minutes=10)) == []
    assert Application.objects.get(pk=app.pk).escalated_at == moment


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp_server(settings: Any) -> Any:
    """A real SMTP server (aiosmtpd) on a loopback port; Django's SMTP backend sends to it."""
    from aiosmtpd.controller import Controller

    class Box:
        def __init__(self) -> None:
            self.messages: list[Any] = []

        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            self.messages.append(envelope)
            return "250 OK"

    box = Box()
    port = _free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    yield box
    controller.stop()


@pytest.mark.django_db
def test_the_decision_reaches_the_applicant_through_smtp(
    world: World, smtp_server: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from tests.programmes.conftest import to_decision

    app = to_decision(world, submit_compute(world))
    smtp_server.messages.clear()
    with django_capture_on_commit_callbacks(execute=True):
        review.decide(world.officer, app, approve=True, reasons="긴급 코로나19 연구", now=MARCH)
    [envelope] = smtp_server.messages
    assert envelope.rcpt_tos == ["lab@example.invalid"]
    message = message_from_bytes(envelope.content)
    assert str(make_header(decode_header(message["Subject"]))) == f"[epiaid] {app.reference} approved"
    body = message.get_payload(decode=True).decode(message.get_content_charset() or "utf-8")
    assert "긴급 코로나19 연구" in body and "Granted: 200.000 tf_months" in body
