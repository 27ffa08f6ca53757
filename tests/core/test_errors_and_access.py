"""One error type answered one way, and the one access check services make (audited refusals)."""

from __future__ import annotations

from typing import Any

import pytest

from epiaid.core.access import require
from epiaid.core.actors import Actor
from epiaid.core.errors import Conflict, EpiaidError, Forbidden, NotFound, Unauthenticated
from epiaid.core.models import AuditEvent
from epiaid.core.roles import Role

pytestmark = pytest.mark.django_db


def test_an_error_carries_its_status_and_a_stable_code_that_callers_may_refine() -> None:
    assert (NotFound("x").status, NotFound("x").code) == (404, "not_found")
    refined = Conflict("stock changed", code="stock_conflict")
    assert refined.as_json() == {"code": "stock_conflict", "message": "stock changed", "detail": "stock changed"}
    assert EpiaidError("too big", status=413).status == 413


def test_the_api_answers_a_service_refusal_with_its_status_and_code(client_as: Any) -> None:
    response = client_as(Role.REVIEWER).get("/api/assay/jobs/987654")
    assert response.status_code == 404
    assert response.json()["code"] == "unknown_job" and "987654" in response.json()["message"]


def test_a_page_answers_a_service_refusal_with_its_status_and_message(client_as: Any) -> None:
    response = client_as(Role.REVIEWER).get("/assay/jobs/987654/")
    assert response.status_code == 404
    assert "987654" in response.content.decode()


def test_require_lets_a_holder_through_and_audits_nothing(make_user: Any) -> None:
    actor = Actor.of(make_user(Role.REVIEWER))
    assert require(actor, Role.REVIEWER, target="t") is actor
    assert not AuditEvent.objects.exists()


def test_require_audits_a_refusal_before_raising_it(make_user: Any) -> None:
    actor = Actor.of(make_user(Role.CLINICIAN, username="의사"))
    with pytest.raises(Forbidden):
        require(actor, Role.REVIEWER, target="assay.job", object_id=7)
    event = AuditEvent.objects.get()
    assert (event.action, event.target, event.object_id, event.actor_label) == ("denied", "assay.job", "7", "의사")
    assert event.detail == {"needs": ["reviewer"]}


def test_an_anonymous_actor_is_asked_to_sign_in_and_the_attempt_is_audited() -> None:
    with pytest.raises(Unauthenticated):
        require(Actor.of(None), Role.REVIEWER, target="assay.job")
    assert AuditEvent.objects.get().actor_kind == "anonymous"


def test_system_actors_pass_role_checks_and_are_named_in_what_they_record() -> None:
    from epiaid.core.audit import event

    actor = require(Actor.system("carecall"), Role.HEALTH_STAFF, target="t")
    assert event(actor, "view", "t").actor_label == "system:carecall"


def test_an_actor_from_a_request_carries_the_client_into_the_audit(rf: Any, make_user: Any) -> None:
    from epiaid.core.audit import event

    request = rf.get("/api/x?y=1", HTTP_USER_AGENT="pacs/1.0", REMOTE_ADDR="10.1.2.3")
    request.user = make_user(Role.CLINICIAN)
    request.epiaid_token_prefix = "epi_abcdefgh"
    actor = Actor.from_request(request)
    assert actor.kind == "token"
    recorded = event(actor, "view", "t")
    assert (recorded.ip, recorded.path, recorded.user_agent, recorded.actor_kind) == (
        "10.1.2.3",
        "/api/x?y=1",
        "pacs/1.0",
        "token",
    )


def test_a_multipart_body_without_a_boundary_is_a_json_400_not_a_server_error(client_as: Any) -> None:
    response = client_as(Role.REVIEWER).post("/api/assay/jobs", data=b"--x\r\n", content_type="multipart/form-data")
    assert response.status_code == 400 and response.json()["code"] == "malformed_body"
