"""A small programmes world: the 2020 configuration, two organisations, staff of every role, reviewers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

from epiaid.core.roles import Role
from epiaid.programmes.engine import brn
from epiaid.programmes.engine.businessdays import SEOUL

#: a Tuesday in the March 2020 surge, 10:00 in Seoul
MARCH = dt.datetime(2020, 3, 17, 10, 0, tzinfo=SEOUL)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@dataclass
class World:
    officer: Any
    officer2: Any
    finance: Any
    auditor: Any
    applicant: Any
    other_applicant: Any
    reviewers: list[Any]
    org: Any
    other_org: Any
    university: Any


@pytest.fixture
def quick_user(db: Any) -> Any:
    """A user with roles and no password (hashing a password per user would dominate these tests)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    def make(*roles: Role | str, username: str) -> Any:
        user = get_user_model().objects.create(username=username)
        for role in roles:
            user.groups.add(Group.objects.get_or_create(name=str(role))[0])
        return user

    return make


@pytest.fixture
def world(quick_user: Any, settings: Any, tmp_path: Any) -> World:
    from epiaid.programmes.models import Organisation
    from epiaid.programmes.services import config, review

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PROGRAMMES_NOSLURM_DIR = tmp_path / "noslurm"
    officer = quick_user(Role.PROGRAMME_OFFICER, username="officer")
    officer.email = "officer@example.invalid"
    officer.save()
    officer2 = quick_user(Role.PROGRAMME_OFFICER, username="officer2")
    config.load_config(officer)
    applicant = quick_user(Role.APPLICANT, username="applicant")
    applicant.email = "lab@example.invalid"
    applicant.save()
    other = quick_user(Role.APPLICANT, username="other_applicant")
    org = Organisation.objects.create(name="코로나AI 주식회사", brn=brn.make("123456789"), kind="company")
    org.members.add(applicant)
    other_org = Organisation.objects.create(name="Other Co", brn=brn.make("220811234"), kind="company")
    other_org.members.add(other)
    university = Organisation.objects.create(name="서울대 팀", brn=brn.make("119820001"), kind="university_team")
    reviewers = []
    for i in range(4):
        r = quick_user(Role.REVIEWER, username=f"reviewer{i}")
        r.email = f"reviewer{i}@example.invalid"
        r.save()
        reviewers.append(r)
    review.set_reviewer_profile(officer, reviewers[0], organisation=university, expertise="HPC")
    return World(
        officer=officer,
        officer2=officer2,
        finance=quick_user(Role.FINANCE_OFFICER, username="finance"),
        auditor=quick_user(Role.AUDITOR, username="auditor"),
        applicant=applicant,
        other_applicant=other,
        reviewers=reviewers,
        org=org,
        other_org=other_org,
        university=university,
    )


def track(code: str) -> Any:
    from epiaid.programmes.models import Track

    return Track.objects.get(code=code)


def submit_compute(
    w: World, *, size: int = 100, code: str = "hpc-covid", now: dt.datetime = MARCH, org: Any = None
) -> Any:
    from epiaid.programmes.services import applications

    return applications.submit(
        w.applicant if org is None else org.members.first(),
        organisation=org or w.org,
        track=track(code),
        title="Protein folding of SARS-CoV-2 spike",
        size_tf=size,
        now=now,
    )


def to_decision(w: World, app: Any, *, now: dt.datetime = MARCH) -> Any:
    """Eligibility passed, every assigned reviewer declared no conflict and scored 80."""
    from epiaid.programmes.models import Assignment
    from epiaid.programmes.services import review

    review.check_eligibility(w.officer, app, eligible=True, reasons="documents complete", now=now)
    for a in Assignment.objects.filter(application=app, status="assigned"):
        review.declare(a.reviewer, app, conflict=False, now=now)
        app.refresh_from_db()
        review.submit_review(
            a.reviewer, app, scores={"covid_relevance": 25, "feasibility": 20, "team": 15, "impact": 20}, now=now
        )
    app.refresh_from_db()
    return app
