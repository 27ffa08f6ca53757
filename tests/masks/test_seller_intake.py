"""Sellers post stock with their outlet's token (or staff for them); every change is kept as history."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import pytest
from django.test import Client

from epiaid.core.models import AuditEvent
from epiaid.core.roles import Role
from epiaid.masks import services
from epiaid.masks.models import SellerToken, StockEvent
from tests.conftest import ALL_ROLES

API = "/api/masks"


def signed(token: str, nonce: str | None = None, stamp: float | None = None) -> dict[str, str]:
    return {
        "HTTP_AUTHORIZATION": f"Bearer {token}",
        "HTTP_X_MASK_NONCE": nonce or uuid.uuid4().hex,
        "HTTP_X_MASK_TIMESTAMP": str(int(stamp if stamp is not None else time.time())),
    }


def post(client: Client, path: str, body: dict[str, Any], **headers: str) -> Any:
    return client.post(API + path, body, content_type="application/json", **headers)


@pytest.mark.django_db
def test_seller_posts_stock_arrival_and_sale_with_own_token(outlets: Any) -> None:
    token = services.issue_token("11000001", "staff")
    client = Client()
    assert post(client, "/outlets/11000001/stock", {"remain": 0}, **signed(token)).json()["remain_stat"] == "empty"
    arrived = post(
        client,
        "/outlets/11000001/arrivals",
        {"quantity": 250, "stock_at": "2020-03-10T10:17:00+09:00"},
        **signed(token),
    ).json()
    assert arrived["remain"] == 250 and arrived["remain_stat"] == "plenty"
    sold = post(client, "/outlets/11000001/sales", {"quantity": 2}, **signed(token)).json()
    assert sold["remain"] == 248
    halted = post(client, "/outlets/11000001/halt", {"halted": True}, **signed(token)).json()
    assert halted["remain_stat"] == "break"
    kinds = list(StockEvent.objects.filter(outlet_id="11000001").order_by("id").values_list("kind", "remain_after"))
    assert kinds == [("set", 0), ("arrival", 250), ("sale", 248), ("halt", 248)]
    history = client.get(API + "/outlets/11000001/history", **signed(token)).json()
    assert [e["kind"] for e in history] == ["halt", "sale", "arrival", "set"]
    audited = AuditEvent.objects.filter(target="masks.stock", object_id="11000001")
    assert audited.count() == 4 and all(e.detail.get("seller_token") for e in audited)


@pytest.mark.django_db
def test_token_cannot_post_for_another_outlet(outlets: Any) -> None:
    token = services.issue_token("11000001", "staff")
    response = post(Client(), "/outlets/11000002/stock", {"remain": 10}, **signed(token))
    assert response.status_code == 403 and "belongs to outlet 11000001" in response.json()["detail"]
    assert not StockEvent.objects.exists()


@pytest.mark.django_db
def test_replayed_malformed_revoked_or_stale_tokens_are_refused(outlets: Any) -> None:
    token = services.issue_token("11000001", "staff")
    client = Client()
    headers = signed(token, nonce="nonce-0001")
    assert post(client, "/outlets/11000001/stock", {"remain": 10}, **headers).status_code == 200
    replay = post(client, "/outlets/11000001/stock", {"remain": 10}, **headers)
    assert replay.status_code == 409 and "replayed" in replay.json()["detail"]
    cases = [
        (signed("not-a-token"), 401, "malformed"),
        (signed("msk_abc_def"), 401, "unknown seller token"),
        (signed(token[:-2] + "xx"), 401, "unknown seller token"),
        (signed(token, stamp=time.time() - 3600), 401, "X-Mask-Timestamp"),
        ({**signed(token), "HTTP_X_MASK_NONCE": "short"}, 401, "X-Mask-Nonce"),
        ({**signed(token), "HTTP_X_MASK_TIMESTAMP": "yesterday"}, 401, "Unix seconds"),
    ]
    for headers, status, problem in cases:
        response = post(client, "/outlets/11000001/stock", {"remain": 11}, **headers)
        assert response.status_code == status and problem in response.json()["detail"], headers
    rotated = services.issue_token("11000001", "staff")
    revoked = post(client, "/outlets/11000001/stock", {"remain": 12}, **signed(token))
    assert revoked.status_code == 401 and "revoked" in revoked.json()["detail"]
    assert post(client, "/outlets/11000001/stock", {"remain": 12}, **signed(rotated)).status_code == 200
    assert StockEvent.objects.count() == 2  # nothing refused left a trace in the stock


@pytest.mark.django_db
def test_only_a_hash_of_the_token_is_stored(outlets: Any) -> None:
    token = services.issue_token("11000001", "staff")
    stored = SellerToken.objects.get()
    assert token.split("_", 2)[2] not in (stored.secret_hash, stored.prefix)
    assert len(stored.secret_hash) == 64


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "body", "status", "problem"),
    [
        ("/outlets/11000001/stock", {"remain": -5}, 400, "remain must be 0 or more"),
        ("/outlets/11000001/arrivals", {"quantity": 0}, 400, "quantity must be at least 1"),
        ("/outlets/99999999/stock", {"remain": 5}, 404, "unknown outlet code"),
        ("/outlets/11000001/sales", {"quantity": 1}, 409, "cannot sell 1"),
        ("/outlets/11000001/sales", {"quantity": 1, "buyer_id": "900101-1234567"}, 400, "birth_year is required"),
    ],
)
def test_bad_stock_input_is_refused_and_nothing_changes(
    client_as: Any, outlets: Any, path: str, body: dict[str, Any], status: int, problem: str
) -> None:
    response = post(client_as(Role.HEALTH_STAFF), path, body)
    assert response.status_code == status and problem in response.json()["detail"]
    assert not StockEvent.objects.exists()


@pytest.mark.django_db
def test_non_numeric_stock_is_a_validation_error(client_as: Any, outlets: Any) -> None:
    response = post(client_as(Role.HEALTH_STAFF), "/outlets/11000001/stock", {"remain": "many"})
    assert response.status_code == 422


WRITES = (
    ("/outlets/11000001/stock", {"remain": 33}),
    ("/outlets/11000001/arrivals", {"quantity": 10}),
    ("/outlets/11000001/sales", {"quantity": 1}),
    ("/outlets/11000001/halt", {"halted": True}),
)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ALL_ROLES)
def test_staff_may_post_stock_on_behalf_of_an_outlet(client_as: Any, outlets: Any, role: Role) -> None:
    client = client_as(role)
    allowed = role in (Role.HEALTH_STAFF, Role.ADMIN)
    expected = 200 if allowed else (401 if role is Role.PUBLIC else 403)
    for path, body in WRITES:
        assert post(client, path, body).status_code == expected, path
    assert StockEvent.objects.count() == (4 if allowed else 0)
    if allowed:
        assert AuditEvent.objects.filter(action="update", target="masks.stock", object_id="11000001").count() == 4
    elif role is not Role.PUBLIC:
        assert AuditEvent.objects.filter(action="denied").count() == 4


@pytest.mark.django_db
@pytest.mark.parametrize("role", ALL_ROLES)
def test_only_health_staff_issue_and_revoke_seller_tokens(client_as: Any, outlets: Any, role: Role) -> None:
    client = client_as(role)
    issued = client.post(API + "/outlets/11000001/tokens")
    revoked = client.delete(API + "/outlets/11000001/tokens")
    allowed = role in (Role.HEALTH_STAFF, Role.ADMIN)
    expected = 200 if allowed else (401 if role is Role.PUBLIC else 403)
    assert (issued.status_code, revoked.status_code) == (expected, expected)
    if allowed:
        assert issued.json()["token"].startswith("msk_") and revoked.json() == {"revoked": 1}
        assert AuditEvent.objects.filter(target="masks.seller_token", action="create").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ALL_ROLES)
def test_stock_history_is_for_staff_or_the_outlet(client_as: Any, outlets: Any, role: Role) -> None:
    services.report_stock("11000001", 5, "seller")
    response = client_as(role).get(API + "/outlets/11000001/history")
    allowed = role in (Role.HEALTH_STAFF, Role.ADMIN)
    assert response.status_code == (200 if allowed else (401 if role is Role.PUBLIC else 403))
    if allowed:
        assert AuditEvent.objects.filter(action="view", target="masks.stock_history").exists()


@pytest.mark.django_db
def test_outlet_import_is_idempotent_and_reports_counts(outlets: Any) -> None:
    from tests.masks.conftest import parsed

    again = services.import_outlets(parsed())
    assert (again.created, again.updated, again.unchanged) == (0, 0, 9)
    assert len(again.without_coordinates) == 1


@pytest.mark.django_db
def test_stock_arrival_in_the_future_is_refused(client_as: Any, outlets: Any) -> None:
    response = post(
        client_as(Role.HEALTH_STAFF),
        "/outlets/11000001/arrivals",
        {"quantity": 10, "stock_at": "2999-01-01T09:00:00+09:00"},
    )
    assert response.status_code == 400 and "in the future" in response.json()["detail"]
    assert not StockEvent.objects.exists()


@pytest.mark.django_db
def test_rationed_sale_over_http_is_refused_at_a_second_outlet(client_as: Any, outlets: Any) -> None:
    from django.utils import timezone

    from epiaid.masks.engine.rationing import rotation_weekday

    weekday = timezone.localtime().weekday()
    year = next(y for y in range(1980, 1990) if weekday >= 5 or rotation_weekday(y) == weekday)
    services.report_stock("11000001", 100, "s")
    services.report_stock("11000002", 100, "s")
    staff = client_as(Role.HEALTH_STAFF)
    sale = {"quantity": 2, "buyer_id": "800101-1000001", "birth_year": year}
    first = post(staff, "/outlets/11000001/sales", sale)
    assert first.status_code == 200 and first.json()["bought_this_week"] == 2 and first.json()["remain"] == 98
    second = post(staff, "/outlets/11000002/sales", {**sale, "quantity": 1})
    assert second.status_code == 409 and "weekly cap of 2" in second.json()["detail"]
    audit = AuditEvent.objects.filter(target="masks.stock", object_id="11000001").get()
    assert audit.detail["rationed"] is True and "800101" not in json.dumps(audit.detail)
