"""Fixtures of the investigation tests: a small synthetic population and a workflow world."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest

from epiaid.core.actors import Actor
from epiaid.investigation.engine.synth import PlantedTruth, SynthConfig, population_frame


@pytest.fixture(scope="session")
def small_population() -> tuple[pd.DataFrame, PlantedTruth]:
    return population_frame(SynthConfig(n_people=300, n_index=3, contacts_per_index=4, seed=3))


@pytest.fixture
def data_dir(tmp_path: Any, settings: Any) -> Any:
    settings.DATA_DIR = tmp_path / "var"
    return settings.DATA_DIR


ONSET = dt.date(2020, 3, 5)
BASIS = "subject's own phone number per case interview"
ISOLATION = dt.date(2020, 3, 7)


def kst(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    from zoneinfo import ZoneInfo

    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=ZoneInfo("Asia/Seoul"))


def ping_csv(rows: list[tuple[str, dt.datetime, float, float, str]], accuracy: float | None = 20.0) -> bytes:
    """Rows of (pid, time, lat, lon, source) as our documented ping CSV."""
    lines = ["pid,time,lat,lon,cell_id,accuracy_m,source,provider"]
    for pid, t, lat, lon, source in rows:
        acc = "" if accuracy is None else str(accuracy)
        lines.append(f"{pid},{t.isoformat()},{lat},{lon},,{acc},{source},")
    return ("\n".join(lines) + "\n").encode()


def case_day_rows(
    pid: str,
    day: dt.date,
    *,
    lat: float = 37.5665,
    lon: float = 126.9780,
    start_hour: int = 19,
    minutes: int = 60,
    step: int = 5,
    source: str = "gps",
) -> list[tuple[str, dt.datetime, float, float, str]]:
    t0 = kst(day, start_hour)
    return [(pid, t0 + dt.timedelta(minutes=m), lat, lon, source) for m in range(0, minutes + 1, step)]


class World:
    """Users in every workflow role plus helpers to move a request through its life."""

    def __init__(self, make_user: Callable[..., Any]) -> None:
        from epiaid.core.roles import Role
        from epiaid.investigation.models import ApproverAuthority, Authority, ProviderAccount

        self.investigator = make_user(Role.INVESTIGATOR, username="inv_kim")
        self.other_investigator = make_user(Role.INVESTIGATOR, username="inv_lee")
        self.police = make_user(Role.APPROVER, username="police_park")
        ApproverAuthority.objects.create(user=self.police, authority=Authority.POLICE)
        self.card_assoc = make_user(Role.APPROVER, username="card_choi")
        ApproverAuthority.objects.create(user=self.card_assoc, authority=Authority.CARD_ASSOCIATION)
        self.telco = make_user(username="telco_upload")
        ProviderAccount.objects.create(user=self.telco, provider="SKT")
        self.card_co = make_user(username="card_upload")
        ProviderAccount.objects.create(user=self.card_co, provider="ShinhanCard")
        self.admin = make_user(Role.ADMIN, username="admin_user")
        self.health = make_user(Role.HEALTH_STAFF, username="health_han")

    def open(self, case_number: str = "C-1", subject: str = "S1") -> Any:
        from epiaid.investigation import services

        _ensure_case(case_number)
        return services.open_investigation(
            self.investigator,
            case_number=case_number,
            subject_pid=subject,
            subject_basis=BASIS,
            symptom_onset=ONSET,
            isolation_date=ISOLATION,
        )

    def approved(self, inv: Any, *, source: str = "gps", provider: str = "SKT", scope: str = "subject") -> Any:
        from epiaid.investigation import services

        req = services.request_data(
            self.investigator,
            inv,
            source=source,
            provider=provider,
            scope=scope,
            legal_purpose="감염병예방법 제76조의2 제1항 위치정보 요청",
        )
        approver = self.police if source in ("gps", "cell") else self.card_assoc
        return services.decide(approver, req, approve=True, reason="확진자 동선 확인 필요")

    def delivered(
        self, inv: Any, rows: list[tuple[str, dt.datetime, float, float, str]], *, scope: str = "subject"
    ) -> Any:
        from epiaid.investigation import services

        req = self.approved(inv, scope=scope)
        services.deliver(self.telco, req, content=ping_csv(rows))
        return req


def _ensure_case(number: str) -> None:
    try:
        from epiaid.situation.services import case_exists, create_case
    except ImportError:
        return
    if not case_exists(number):
        create_case(
            Actor.system("test-setup"),
            {"number": number, "confirmed_date": ISOLATION, "province": "Seoul", "city": "Jung-gu"},
        )


@pytest.fixture
def world(make_user: Callable[..., Any], data_dir: Any) -> World:
    return World(make_user)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    """The world fixture makes seven users; Argon2 for each would dominate these tests' time."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
