"""Every endpoint and page, for every role: who is allowed, who is refused (and audited)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from epiaid.core.models import AuditEvent
from epiaid.core.roles import GROUP_ROLES, Role
from epiaid.investigation import services
from epiaid.investigation.engine import store
from tests.investigation.conftest import BASIS, World, case_day_rows, ping_csv

pytestmark = pytest.mark.django_db
ALL_ROLES = (Role.PUBLIC, *GROUP_ROLES)
API = "/api/investigation"
DAY = dt.date(2020, 3, 4)


def signed_in(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.mark.parametrize("role", ALL_ROLES)
def test_listing_investigations_needs_the_investigator_role(role: Role, client_as: Callable[..., Client]) -> None:
    response = client_as(role).get(f"{API}/investigations")
    allowed = role in (Role.INVESTIGATOR, Role.ADMIN)
    expected = 200 if allowed else (401 if role is Role.PUBLIC else 403)
    assert response.status_code == expected
    if expected == 403:
        assert AuditEvent.objects.filter(action="denied").exists()


@pytest.mark.parametrize("role", ALL_ROLES)
def test_pending_approvals_need_the_approver_role(role: Role, client_as: Callable[..., Client]) -> None:
    response = client_as(role).get(f"{API}/approvals")
    expected = 200 if role in (Role.APPROVER, Role.ADMIN) else (401 if role is Role.PUBLIC else 403)
    assert response.status_code == expected


@pytest.mark.parametrize("role", ALL_ROLES)
def test_the_work_list_page_is_for_investigators_and_approvers(role: Role, client_as: Callable[..., Client]) -> None:
    response = client_as(role).get("/investigation/")
    if role is Role.PUBLIC:
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    else:
        assert response.status_code == (200 if role in (Role.INVESTIGATOR, Role.APPROVER, Role.ADMIN) else 403)


@pytest.mark.parametrize("role", ALL_ROLES)
def test_case_data_is_only_for_its_assigned_investigators(role: Role, world: World, make_user: Any) -> None:
    inv = world.open()
    world.delivered(inv, case_day_rows("S1", DAY))
    user = None if role is Role.PUBLIC else make_user(role, username=f"someone_{role}")
    client = Client() if user is None else signed_in(user)
    for suffix in ("", "/path", "/staypoints", "/contacts", "/contacts.csv", "/hotspots", "/chains"):
        response = client.get(f"{API}/investigations/{inv.pk}{suffix}")
        assert response.status_code == (401 if role is Role.PUBLIC else 403), suffix
    page = client.get(f"/investigation/{inv.pk}/")
    assert page.status_code == (302 if role is Role.PUBLIC else 403)
    if user is not None:  # once assigned, an investigator (or admin acting as one) gets in
        inv.investigators.add(user)
        ok = role in (Role.INVESTIGATOR, Role.ADMIN)
        assert client.get(f"{API}/investigations/{inv.pk}/path").status_code == (200 if ok else 403)


def test_assigned_investigator_sees_everything_and_every_read_is_audited(world: World) -> None:
    inv = world.open()
    world.delivered(inv, case_day_rows("S1", DAY))
    client = signed_in(world.investigator)
    before = AuditEvent.objects.count()
    for suffix in ("", "/path", "/staypoints", "/contacts", "/hotspots", "/chains"):
        assert client.get(f"{API}/investigations/{inv.pk}{suffix}").status_code == 200, suffix
    export = client.get(f"{API}/investigations/{inv.pk}/contacts.csv")
    assert export.status_code == 200 and export["Content-Type"].startswith("text/csv")
    assert AuditEvent.objects.count() >= before + 6
    page = client.get(f"/investigation/{inv.pk}/")
    assert page.status_code == 200 and "console-config" in page.content.decode()


def test_whole_workflow_through_the_api(world: World) -> None:
    investigator = signed_in(world.investigator)
    from tests.investigation.conftest import _ensure_case

    _ensure_case("C-7")
    created = investigator.post(
        f"{API}/investigations",
        json.dumps(
            {
                "case_number": "C-7",
                "subject_pid": "S1",
                "subject_basis": BASIS,
                "symptom_onset": "2020-03-05",
                "isolation_date": "2020-03-07",
            }
        ),
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    inv_id = created.json()["id"]
    requested = investigator.post(
        f"{API}/investigations/{inv_id}/requests",
        json.dumps({"source": "gps", "provider": "SKT", "legal_purpose": "감염병예방법 제76조의2 제1항 위치정보"}),
        content_type="application/json",
    )
    assert requested.status_code == 201
    req_id = requested.json()["id"]
    assert investigator.get(f"{API}/investigations/{inv_id}/path").status_code == 409  # before approval
    card_assoc = signed_in(world.card_assoc)
    assert (
        card_assoc.post(
            f"{API}/requests/{req_id}/decision",
            json.dumps({"approve": True, "reason": "x"}),
            content_type="application/json",
        ).status_code
        == 403
    )
    police = signed_in(world.police)
    queue = police.get(f"{API}/approvals").json()
    assert [r["id"] for r in queue] == [req_id]
    assert queue[0]["subject_pid"] == "S1"  # the approver sees whom the data is about, and why
    assert queue[0]["subject"]["basis"] == BASIS and queue[0]["subject"]["asserted_by"] == "inv_kim"
    decided = police.post(
        f"{API}/requests/{req_id}/decision",
        json.dumps({"approve": True, "reason": "긴급"}),
        content_type="application/json",
    )
    assert decided.status_code == 200 and decided.json()["status"] == "approved"
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("pings.csv", ping_csv(case_day_rows("S1", DAY)), content_type="text/csv")
    wrong = signed_in(world.card_co).post(f"{API}/requests/{req_id}/upload", {"file": upload})
    assert wrong.status_code == 403
    upload.seek(0)
    telco = signed_in(world.telco)
    listed = telco.get(f"{API}/deliveries").json()
    assert [(r["id"], r["subject_pid"]) for r in listed] == [(req_id, "S1")]  # the provider sees the subject
    assert AuditEvent.objects.filter(action="list", target="investigation.delivery", actor=world.telco).exists()
    done = telco.post(f"{API}/requests/{req_id}/upload", {"file": upload, "format": "pings_csv"})
    assert done.status_code == 201 and done.json()["rows"] == 13
    path = investigator.get(f"{API}/investigations/{inv_id}/path")
    assert path.status_code == 200 and len(path.json()) == 13
    assert Client().get(f"{API}/requests/{req_id}/upload").status_code in (401, 405)


@pytest.mark.parametrize("role", ALL_ROLES)
def test_declaring_the_end_of_the_outbreak_is_for_admins(role: Role, client_as: Callable[..., Client]) -> None:
    response = client_as(role).post(f"{API}/end-outbreak")
    expected = 200 if role is Role.ADMIN else (401 if role is Role.PUBLIC else 403)
    assert response.status_code == expected


def test_an_upload_of_bad_input_answers_400_naming_the_row(world: World) -> None:
    inv = world.open()
    req = world.approved(inv)
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = SimpleUploadedFile(
        "p.csv", b"pid,time,lat,lon,source\nS1,2020-03-04T10:00+09:00,37.5,127,gps\nS1,soon,37.5,127,gps\n"
    )
    response = signed_in(world.telco).post(f"{API}/requests/{req.pk}/upload", {"file": bad})
    assert response.status_code == 400 and "row 2" in response.json()["detail"]
    assert not store.has_data(services.store_root(inv))


@pytest.mark.parametrize("role", ALL_ROLES)
def test_reviewing_publications_is_for_health_staff(role: Role, client_as: Callable[..., Client]) -> None:
    client = client_as(role)
    allowed = role in (Role.HEALTH_STAFF, Role.ADMIN)
    api = client.get(f"{API}/publications")
    assert api.status_code == (200 if allowed else (401 if role is Role.PUBLIC else 403))
    page = client.get("/investigation/publications/")
    if role is Role.PUBLIC:
        assert page.status_code == 302 and "/accounts/login/" in page["Location"]
    else:
        assert page.status_code == (200 if allowed else 403)
    delivery_page = client.get("/investigation/deliveries/")  # any signed-in account; it lists its providers' work
    assert delivery_page.status_code == (302 if role is Role.PUBLIC else 200)
