"""Secure by default: production unless told otherwise, JSON refusals, the real client behind a proxy,
sign-ins on the record, and an admin that cannot go around the workflow."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from epiaid.core.models import AuditEvent
from epiaid.core.roles import Role

PASSWORD = "correct horse battery staple 42"


def _start(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    code = "import django; django.setup(); from django.conf import settings; print('DEBUG', settings.DEBUG)"
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)


def _production_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EPIAID_")}
    env.update(DJANGO_SETTINGS_MODULE="epiaid.core.settings", EPIAID_DATA_DIR=str(tmp_path))
    return env


def test_debug_is_off_unless_asked_and_start_up_names_each_missing_secret(tmp_path: Path) -> None:
    env = _production_env(tmp_path)
    refused = _start(env)
    assert refused.returncode != 0 and "EPIAID_SECRET_KEY must be set" in refused.stderr
    env["EPIAID_SECRET_KEY"] = "k" * 50
    refused = _start(env)
    assert refused.returncode != 0 and "EPIAID_MASKS_HMAC_KEY" in refused.stderr
    env["EPIAID_MASKS_HMAC_KEY"] = "h" * 40
    env["EPIAID_CARECALL_PHONE_KEY"] = os.environ["EPIAID_CARECALL_PHONE_KEY"]
    started = _start(env)
    assert started.returncode == 0, started.stderr
    assert "DEBUG False" in started.stdout


def test_the_local_demo_runs_without_secrets_when_asked_for_explicitly(tmp_path: Path) -> None:
    started = _start({**_production_env(tmp_path), "EPIAID_DEBUG": "1"})
    assert started.returncode == 0, started.stderr
    assert "DEBUG True" in started.stdout


@pytest.mark.django_db
def test_api_refusals_are_json_with_a_code_never_a_page(client_as: Any) -> None:
    anonymous = Client().get("/api/assay/jobs")
    assert anonymous.status_code == 401 and anonymous["Content-Type"].startswith("application/json")
    wrong_role = client_as(Role.CLINICIAN).get("/api/assay/jobs")
    assert wrong_role.status_code == 403 and wrong_role.json()["code"] == "missing_role"
    assert AuditEvent.objects.filter(action="denied").exists()


@pytest.mark.django_db
def test_the_client_behind_a_trusted_proxy_is_the_one_audited(settings: Any, make_user: Any) -> None:
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    make_user(Role.HEALTH_STAFF, username="nurse")
    behind = Client(REMOTE_ADDR="10.1.1.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9")
    behind.post("/accounts/login/", {"username": "nurse", "password": PASSWORD})
    assert AuditEvent.objects.get(action="login").ip == "203.0.113.9"
    forged = Client(REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="203.0.113.9")
    forged.post("/accounts/login/", {"username": "nurse", "password": "wrong"})
    assert AuditEvent.objects.get(action="login_failed").ip == "198.51.100.7"  # an untrusted peer's header is ignored


@pytest.mark.django_db
def test_a_flood_of_failed_logins_cannot_lock_an_approver_out_for_everyone(settings: Any, make_user: Any) -> None:
    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    make_user(Role.APPROVER, username="approver")
    attacker = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.66")
    for _ in range(8):
        attacker.post("/accounts/login/", {"username": "approver", "password": "guess"})
    assert attacker.post("/accounts/login/", {"username": "approver", "password": PASSWORD}).status_code == 429
    approver = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.20")
    assert approver.post("/accounts/login/", {"username": "approver", "password": PASSWORD}).status_code == 302


@pytest.mark.django_db
def test_sign_in_sign_out_and_failed_attempts_are_audited_without_the_password(make_user: Any) -> None:
    make_user(Role.HEALTH_STAFF, username="nurse")
    client = Client()
    client.post("/accounts/login/", {"username": "nurse", "password": "not-it"})
    client.post("/accounts/login/", {"username": "nurse", "password": PASSWORD})
    client.post("/accounts/logout/")
    failed = AuditEvent.objects.get(action="login_failed")
    assert failed.detail == {"username": "nurse"} and "not-it" not in str(failed.detail)
    assert AuditEvent.objects.get(action="login").actor_label == "nurse"
    assert AuditEvent.objects.get(action="logout").actor_label == "nurse"


@pytest.mark.django_db
def test_the_admin_is_for_superusers_only(client_as: Any) -> None:
    response = client_as(Role.ADMIN).get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


@pytest.fixture
def superuser_client(django_user_model: Any) -> Client:
    root = django_user_model.objects.create_superuser("root", password=PASSWORD)
    client = Client()
    client.force_login(root)
    return client


@pytest.mark.django_db
def test_workflow_records_are_read_only_and_proof_cannot_be_deleted_in_the_admin(superuser_client: Client) -> None:
    from django.contrib import admin

    from epiaid.investigation.models import DataRequest, DeletionRecord, Investigation

    for model in (Investigation, DataRequest, DeletionRecord, AuditEvent):
        model_admin = admin.site._registry[model]
        request: Any = None
        assert not model_admin.has_add_permission(request)
        assert not model_admin.has_change_permission(request)
        assert not model_admin.has_delete_permission(request)
    assert superuser_client.get("/admin/investigation/investigation/add/").status_code == 403


@pytest.mark.django_db
def test_admin_reads_are_audited(superuser_client: Client) -> None:
    assert superuser_client.get("/admin/situation/case/").status_code == 200
    event = AuditEvent.objects.get(target="admin.situation.case")
    assert (event.action, event.actor_label) == ("list", "root")
