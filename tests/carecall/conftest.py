"""Care-call fixtures: keys for phone encryption and webhook signatures, a health centre, officers, people."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from cryptography.fernet import Fernet

from epiaid.core.roles import Role

PHONE_KEY = Fernet.generate_key().decode()
TWILIO_TOKEN = "test-auth-token-0123456789abcdef"


@pytest.fixture(autouse=True)
def carecall_keys(settings: Any) -> None:
    settings.CARECALL_PHONE_KEY = PHONE_KEY
    settings.CARECALL_LOOKUP_KEY = "test-lookup-key"
    settings.CARECALL_TWILIO_AUTH_TOKEN = TWILIO_TOKEN
    settings.CARECALL_PUBLIC_URL = "http://testserver"
    settings.CARECALL_QUIET_HOURS = "21:00-08:00"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def centre(db: Any) -> Any:
    from epiaid.carecall.models import HealthCentre

    return HealthCentre.objects.create(
        name="분당구보건소", name_en="Bundang-gu Health Centre", lat=37.3827, lng=127.1189
    )


@pytest.fixture
def officer(make_user: Callable[..., Any]) -> Any:
    user = make_user(Role.HEALTH_STAFF, username="officer_kim")
    user.email = "kim@centre.example"
    user.save()
    return user


@pytest.fixture
def make_person(centre: Any, officer: Any) -> Callable[..., Any]:
    from epiaid.carecall.services import add_person

    counter = iter(range(1000, 9999))

    def make(**kwargs: Any) -> Any:
        n = next(counter)
        defaults: dict[str, Any] = {
            "name": f"홍길동{n}",
            "phone": f"010-{n:04d}-{n:04d}",
            "centre": centre,
            "officer": officer,
            "start": date.today() - timedelta(days=1),
            "end": date.today() + timedelta(days=12),
            "channel": "text",
        }
        defaults.update(kwargs)
        return add_person(officer, **defaults)

    return make


@pytest.fixture
def round_slot(settings: Any) -> datetime:
    """One round at the current minute (Seoul) with quiet hours off, so round tests run at any hour."""
    from django.utils import timezone

    now = timezone.now()
    local = now.astimezone(ZoneInfo("Asia/Seoul"))
    if local.hour == 0 and local.minute < 2:
        pytest.skip("the round would straddle midnight in Seoul")
    settings.CARECALL_ROUNDS = f"{(local - timedelta(minutes=1)):%H:%M}"
    settings.CARECALL_QUIET_HOURS = ""
    return now


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class MailBox:
    """A real SMTP server (aiosmtpd) on a loopback port that can be stopped and started again."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.messages: list[Any] = []
        self.controller: Any = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope)
        return "250 OK"

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def subjects(self) -> list[str]:
        from email import message_from_bytes
        from email.header import decode_header, make_header

        return [str(make_header(decode_header(message_from_bytes(m.content)["Subject"]))) for m in self.messages]


@pytest.fixture
def smtp(settings: Any) -> Iterator[MailBox]:
    """Django's SMTP backend pointed at a real local server (not started: tests start it)."""
    box = MailBox(free_port())
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", box.port, 5
    yield box
    box.stop()
