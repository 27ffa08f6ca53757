"""The platform's promises: roles, an append-only audit log, security headers, i18n, the API docs."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client

from epiaid.core.audit import record
from epiaid.core.models import AppendOnlyError, AuditEvent
from epiaid.core.roles import GROUP_ROLES, Role, has_role

pytestmark = pytest.mark.django_db


def test_every_role_exists_as_a_group_after_migration() -> None:
    assert set(Group.objects.values_list("name", flat=True)) >= {r.value for r in GROUP_ROLES}


def test_a_user_holds_exactly_the_roles_of_their_groups(make_user: Any) -> None:
    investigator = make_user(Role.INVESTIGATOR)
    assert has_role(investigator, Role.INVESTIGATOR)
    assert not has_role(investigator, Role.APPROVER)


def test_admin_role_holds_every_role(make_user: Any) -> None:
    admin = make_user(Role.ADMIN)
    assert all(has_role(admin, r) for r in Role)


def test_anonymous_visitors_are_public_only() -> None:
    from django.contrib.auth.models import AnonymousUser

    assert not has_role(AnonymousUser(), Role.HEALTH_STAFF)


def test_audit_events_cannot_be_updated_or_deleted_through_the_app() -> None:
    event = record(None, "view", "test.thing", object_id=1)
    event.action = "tampered"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(id=event.id).update(action="x")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(id=event.id).delete()
    assert AuditEvent.objects.get(id=event.id).action == "view"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the database trigger exists on PostgreSQL only")
def test_postgres_refuses_raw_updates_of_the_audit_table() -> None:
    from django.db import DatabaseError, transaction

    event = record(None, "view", "test.thing")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditevent SET action='x' WHERE id=%s", [event.id])


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.ADMIN and r is not Role.PUBLIC])
def test_the_audit_log_page_is_denied_to_non_admin_roles(client_as: Any, role: Role) -> None:
    assert client_as(role).get("/audit/").status_code == 403


def test_the_audit_log_page_sends_anonymous_visitors_to_sign_in() -> None:
    response = Client().get("/audit/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_admins_read_the_audit_log_and_their_reading_is_audited(client_as: Any) -> None:
    record(None, "view", "situation.case", object_id="42")
    response = client_as(Role.ADMIN).get("/audit/")
    assert response.status_code == 200
    assert "situation.case" in response.content.decode()
    assert AuditEvent.objects.filter(target="core.audit", action="view").exists()


def test_denied_access_is_audited(client_as: Any) -> None:
    client_as(Role.CLINICIAN).get("/audit/")
    assert AuditEvent.objects.filter(action="denied", target="/audit/").exists()


def test_repeated_failed_logins_lock_the_account(make_user: Any) -> None:
    make_user(Role.HEALTH_STAFF, username="nurse")
    client = Client()
    for _ in range(5):
        client.post("/accounts/login/", {"username": "nurse", "password": "wrong"})
    locked = client.post("/accounts/login/", {"username": "nurse", "password": "correct horse battery staple 42"})
    assert locked.status_code == 429


def test_a_correct_login_signs_in(make_user: Any) -> None:
    make_user(Role.HEALTH_STAFF, username="nurse2")
    client = Client()
    response = client.post("/accounts/login/", {"username": "nurse2", "password": "correct horse battery staple 42"})
    assert response.status_code == 302
    assert client.get("/").context["user"].is_authenticated


def test_pages_carry_a_content_security_policy_without_inline_scripts() -> None:
    response = Client().get("/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    assert response["X-Frame-Options"] == "DENY"
    assert "<script>" not in response.content.decode()


def test_the_landing_page_speaks_korean_by_default_and_english_on_request() -> None:
    korean = Client().get("/", HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    english = Client().get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "감염병 대응 플랫폼" in korean and "상황 지도" in korean
    assert "Outbreak response platform" in english and "Situation map" in english


def test_the_landing_page_links_the_situation_map() -> None:
    assert 'href="/situation/"' in Client().get("/").content.decode()


def test_openapi_documents_the_situation_api() -> None:
    schema = Client().get("/api/openapi.json").json()
    assert "/api/situation/visits" in schema["paths"]
    assert Client().get("/api/docs").status_code == 200


def test_uploads_over_the_size_limit_are_refused_before_reading(settings: Any, client_as: Any) -> None:
    settings.MAX_UPLOAD_BYTES = 1000
    response = client_as(Role.HEALTH_STAFF).post(
        "/api/situation/staff/imports/template", data=b"x" * 5000, content_type="text/csv"
    )
    assert response.status_code == 413
    assert "exceeds the limit" in response.json()["detail"]
