"""Care-call fixtures: keys for phone encryption and webhook signatures, a health centre, officers, people."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

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
