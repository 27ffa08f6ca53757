"""Bearer tokens let machines (a PACS, a gateway) act as a user with a role, without a browser session."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from click.testing import CliRunner
from django.test import Client

from epiaid.core.cli import token
from epiaid.core.models import ApiToken, AuditEvent
from epiaid.core.roles import Role
from epiaid.core.tokens import digest, issue, revoke, verify

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
    assert resp.status_code == 401 and "unknown or revoked" in resp.json()["detail"]


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
