"""Mask writes are decided and recorded by the services, whoever calls them: API, CLI or the demo."""

from __future__ import annotations

import getpass
import time
import uuid
from typing import Any

import pytest
from django.test import Client
from typer.testing import CliRunner

from epiaid.core.actors import Actor
from epiaid.core.errors import Forbidden
from epiaid.core.models import AuditEvent
from epiaid.masks import services
from epiaid.masks.cli import app
from epiaid.masks.services import intake

pytestmark = pytest.mark.django_db


def test_a_seller_is_audited_as_its_token_bound_to_its_outlet(outlets: Any) -> None:
    token = services.issue_token("11000001", "staff")
    headers = {
        "HTTP_AUTHORIZATION": f"Bearer {token}",
        "HTTP_X_MASK_NONCE": uuid.uuid4().hex,
        "HTTP_X_MASK_TIMESTAMP": str(int(time.time())),
    }
    Client().post("/api/masks/outlets/11000001/stock", {"remain": 40}, content_type="application/json", **headers)
    event = AuditEvent.objects.get(target="masks.stock")
    assert (event.actor_kind, event.actor_label) == ("seller", f"token:{token.split('_')[1]}")


def test_a_seller_actor_for_another_outlet_is_refused_and_audited_whoever_calls(outlets: Any) -> None:
    seller = Actor("seller", "token:abc123", scope="11000001")
    with pytest.raises(Forbidden):
        intake.report_stock(seller, "11000002", 10)
    denied = AuditEvent.objects.get()
    assert (denied.action, denied.object_id, denied.actor_kind) == ("denied", "11000002", "seller")


def test_issuing_a_token_at_the_cli_is_audited_as_the_operator(outlets: Any) -> None:
    result = CliRunner().invoke(app, ["issue-token", "11000001"])
    assert result.exit_code == 0, result.output
    event = AuditEvent.objects.get(target="masks.seller_token")
    assert (event.action, event.actor_kind, event.actor_label) == (
        "create",
        "system",
        f"system:cli:{getpass.getuser()}",
    )


def test_the_cli_names_the_account_given_with_as(outlets: Any, make_user: Any) -> None:
    make_user("health_staff", username="보건소직원")
    assert CliRunner().invoke(app, ["issue-token", "11000001", "--as", "보건소직원"]).exit_code == 0
    assert AuditEvent.objects.get(target="masks.seller_token").actor_label == "보건소직원"


def test_an_account_without_the_role_cannot_issue_at_the_cli_either(outlets: Any, make_user: Any) -> None:
    make_user("clinician", username="의사")
    result = CliRunner().invoke(app, ["issue-token", "11000001", "--as", "의사"])
    assert result.exit_code != 0 and "health_staff" in result.output
    assert AuditEvent.objects.get().action == "denied"
