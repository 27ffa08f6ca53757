"""Bearer tokens let machines (a PACS, a gateway) act as a user with a role, without a browser session."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from click.testing import CliRunner
from django.test import Client
from django.utils import timezone

from epiaid.core.cli import token
from epiaid.core.models import ApiToken, AuditEvent
from epiaid.core.roles import Role
from epiaid.core.tokens import ALL_SCOPES, digest, issue, revoke, verify, verify_token

pytestmark = pytest.mark.django_db
STOW = "/api/xray/dicomweb/studies"


def test_only_the_digest_is_stored_and_the_secret_verifies_to_its_user(make_user: Callable[..., Any]) -> None:
    user = make_user(Role.CLINICIAN)
    row, secret = issue(user.username, "PACS gateway")
    assert row.digest == digest(secret) and secret not in {row.digest, row.prefix, row.name}
    assert secret.startswith(row.prefix)
    assert verify(secret) == user
    assert ApiToken.objects.get(pk=row.pk).last_used_at is not None
    assert verify(secret + "x") is None


def test_revoked_tokens_and_disabled_users_stop_working(make_user: Callable[..., Any]) -> None:
    user = make_user(Role.CLINICIAN)
    first, first_secret = issue(user.username, "old gateway")
    _, second_secret = issue(user.username, "new gateway")
    assert revoke(first.prefix) == 1 and verify(first_secret) is None
    assert verify(second_secret) == user
    user.is_active = False
    user.save()
    assert verify(second_secret) is None


def test_issuing_names_the_problem(make_user: Callable[..., Any]) -> None:
    with pytest.raises(ValueError, match="no user named 'ghost'"):
        issue("ghost", "x")
    with pytest.raises(ValueError, match="name"):
        issue(make_user(Role.CLINICIAN).username, "  ")


def test_a_machine_with_a_token_needs_no_csrf_token_and_still_needs_the_role(make_user: Callable[..., Any]) -> None:
    client = Client(enforce_csrf_checks=True)
    _, good = issue(make_user(Role.CLINICIAN).username, "PACS")
    _, wrong_role = issue(make_user(Role.REVIEWER).username, "notebook")
    body = b"--b\r\nContent-Type: application/json\r\n\r\n{}\r\n--b--\r\n"
    kind = 'multipart/related; type="application/dicom"; boundary=b'

    resp = client.post(STOW, data=body, content_type=kind, HTTP_AUTHORIZATION=f"Bearer {good}")
    assert resp.status_code == 409  # authenticated; the one part was refused for its media type
    resp = client.post(STOW, data=body, content_type=kind, HTTP_AUTHORIZATION=f"Bearer {wrong_role}")
    assert resp.status_code == 403
    assert AuditEvent.objects.filter(action="denied", actor_label="user_reviewer").exists()
    resp = client.post(STOW, data=body, content_type=kind, HTTP_AUTHORIZATION="Bearer epi_not-a-token")
    assert resp.status_code == 401 and "unknown, revoked or expired" in resp.json()["detail"]


def test_the_cli_prints_the_secret_once_lists_without_it_and_revokes(make_user: Callable[..., Any]) -> None:
    make_user(Role.CLINICIAN, username="pacs")
    runner = CliRunner()
    issued = runner.invoke(token, ["issue", "--user", "pacs", "--name", "PACS gateway, ward 3"])
    assert issued.exit_code == 0, issued.output
    secret = issued.output.strip().splitlines()[-1]
    assert verify(secret) is not None

    listed = runner.invoke(token, ["list"])
    assert "PACS gateway, ward 3" in listed.output and secret not in listed.output

    prefix = ApiToken.objects.get().prefix
    assert runner.invoke(token, ["revoke", prefix]).exit_code == 0
    assert verify(secret) is None
    again = runner.invoke(token, ["revoke", prefix])
    assert again.exit_code != 0 and "no active token" in again.output
    unknown = runner.invoke(token, ["issue", "--user", "ghost", "--name", "x"])
    assert unknown.exit_code != 0 and "no user named 'ghost'" in unknown.output


def test_a_token_carries_the_scopes_it_was_issued_with_and_every_scope_by_default(
    make_user: Callable[..., Any],
) -> None:
    user = make_user(Role.CLINICIAN)
    push_only, _ = issue(user.username, "modality gateway", scopes=["xray.stow"])
    everything, _ = issue(user.username, "PACS")
    assert push_only.scopes == ["xray.stow"]
    assert everything.scopes == sorted(ALL_SCOPES) == ["xray.stow", "xray.wado"]
    with pytest.raises(ValueError, match=r"unknown scope xray\.delete"):
        issue(user.username, "x", scopes=["xray.delete"])
    with pytest.raises(ValueError, match="at least one scope"):
        issue(user.username, "x", scopes=[])


def test_an_expired_token_is_refused(make_user: Callable[..., Any]) -> None:
    user = make_user(Role.CLINICIAN)
    row, secret = issue(user.username, "PACS", days=90)
    assert row.expires_at is not None
    assert timedelta(days=89) < row.expires_at - timezone.now() <= timedelta(days=90)
    assert verify(secret) == user
    ApiToken.objects.filter(pk=row.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert verify(secret) is None and verify_token(secret) is None
    client = Client(enforce_csrf_checks=True)
    resp = client.get("/api/xray/dicomweb/studies/1.2.3/metadata", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert resp.status_code == 401 and "expired" in resp.json()["detail"]
    _, forever = issue(user.username, "lab bench", days=None)
    assert verify(forever) == user
    with pytest.raises(ValueError, match="at least one day"):
        issue(user.username, "x", days=0)


def test_the_cli_issues_scoped_tokens_that_expire(make_user: Callable[..., Any]) -> None:
    make_user(Role.CLINICIAN, username="pacs")
    runner = CliRunner()
    issued = runner.invoke(
        token,
        [
            "issue",
            "--user",
            "pacs",
            "--name",
            "ward 3 PACS",
            "--scope",
            "xray.stow",
            "--scope",
            "xray.wado",
            "--days",
            "90",
        ],
    )
    assert issued.exit_code == 0, issued.output
    row = ApiToken.objects.get()
    assert row.scopes == ["xray.stow", "xray.wado"] and "scopes xray.stow xray.wado" in issued.output
    assert row.expires_at is not None and (row.expires_at - timezone.now()).days == 89  # 90 days less a moment
    push_only = runner.invoke(token, ["issue", "--user", "pacs", "--name", "CR room", "--scope", "xray.stow"])
    assert push_only.exit_code == 0 and ApiToken.objects.get(name="CR room").scopes == ["xray.stow"]
    wrong = runner.invoke(token, ["issue", "--user", "pacs", "--name", "x", "--scope", "everything"])
    assert wrong.exit_code != 0 and "unknown scope everything" in wrong.output
    listed = runner.invoke(token, ["list"]).output
    assert "xray.stow,xray.wado" in listed and "until " in listed


def test_tokens_issued_before_scopes_keep_every_scope_and_never_expire(make_user: Callable[..., Any]) -> None:
    """The migration that added scopes gives every existing token all of them (nothing that worked breaks)."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("epiaid.core.migrations.0006_token_scopes_and_expiry")
    user = make_user(Role.CLINICIAN)
    old = ApiToken.objects.create(user=user, name="old PACS", prefix="epi_old", digest=digest("epi_old-secret"))
    assert old.scopes == [] and old.expires_at is None  # as a row from before the migration reads
    migration.existing_tokens_keep_every_scope(apps, None)
    old.refresh_from_db()
    assert old.scopes == list(ALL_SCOPES) and not old.expired()
    assert verify_token("epi_old-secret") == old


def test_a_token_actor_carries_its_scopes_and_a_person_is_not_scoped(make_user: Callable[..., Any]) -> None:
    from django.test import RequestFactory

    from epiaid.core.actors import Actor

    user = make_user(Role.CLINICIAN)
    request = RequestFactory().get("/")
    request.user = user
    person = Actor.from_request(request)
    assert person.kind == "user" and person.scopes == frozenset() and person.allows("xray.wado")
    request.epiaid_token_prefix = "epi_abc"  # type: ignore[attr-defined]
    request.epiaid_token_scopes = frozenset({"xray.stow"})  # type: ignore[attr-defined]
    machine = Actor.from_request(request)
    assert machine.kind == "token" and machine.scopes == {"xray.stow"}
    assert machine.allows("xray.stow") and not machine.allows("xray.wado")
