"""Separation of duties on approvals, and publication to the public map through health staff's
review (issue 17 §1)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client

from epiaid.core.models import AuditEvent
from epiaid.core.roles import Role
from epiaid.investigation import services
from epiaid.investigation.models import ApproverAuthority, DataRequest, Publication
from tests.investigation.conftest import World, case_day_rows

pytestmark = pytest.mark.django_db
API = "/api/investigation"
DAY = dt.date(2020, 3, 4)
PURPOSE = "감염병예방법 제76조의2 위치정보"


def signed_in(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def police_signer(user: Any) -> Any:
    ApproverAuthority.objects.create(user=user, authority="police")
    return user


# --- separation of duties ------------------------------------------------------------------------------


@pytest.mark.parametrize("part", ["opened", "assigned", "filed", "assigned_superuser"])
def test_nobody_who_takes_part_in_an_investigation_approves_its_requests(
    world: World, make_user: Any, part: str
) -> None:
    from django.contrib.auth import get_user_model

    inv = world.open()
    if part == "opened":  # an investigator who also signs for the police opens the investigation
        person = police_signer(make_user(Role.INVESTIGATOR, Role.APPROVER, username="opener"))
        inv = services.open_investigation(
            person,
            case_number="C-1",
            subject_pid="S1",
            subject_basis="subject's own phone number per case interview",
            symptom_onset=inv.symptom_onset,
            isolation_date=inv.isolation_date,
        )
        inv.investigators.remove(person)  # stepping off the case does not undo having opened it
        inv.investigators.add(world.investigator)
    elif part == "assigned":
        person = police_signer(make_user(Role.ADMIN, username="admin_on_case"))
        inv.investigators.add(person)
    elif part == "assigned_superuser":
        person = police_signer(get_user_model().objects.create_superuser("root_on_case", password="x" * 20))
        inv.investigators.add(person)
    else:  # filed a request of the investigation, then was taken off it
        person = police_signer(make_user(Role.INVESTIGATOR, Role.APPROVER, username="filer"))
        inv.investigators.add(person)
        services.request_data(person, inv, source="gps", provider="SKT", legal_purpose=PURPOSE)
        inv.investigators.remove(person)
    req = services.request_data(world.investigator, inv, source="gps", provider="SKT", legal_purpose=PURPOSE)
    assert req not in services.pending_for_approver(person)  # not offered ...
    with pytest.raises(services.Forbidden, match="separation of duties") as exc:  # ... and refused if tried
        services.decide(person, req, approve=True, reason="ok")
    assert exc.value.code == "separation_of_duties"
    assert AuditEvent.objects.filter(action="refused", target="investigation.request", object_id=str(req.pk)).exists()
    req.refresh_from_db()
    assert req.status == DataRequest.Status.PENDING
    response = signed_in(person).post(
        f"{API}/requests/{req.pk}/decision",
        json.dumps({"approve": True, "reason": "ok"}),
        content_type="application/json",
    )
    assert response.status_code == 403 and response.json()["code"] == "separation_of_duties"
    services.decide(world.police, req, approve=True, reason="긴급")  # an uninvolved signer still can


def test_an_uninvolved_admin_holding_the_authority_may_approve(world: World) -> None:
    police_signer(world.admin)
    inv = world.open()
    req = services.request_data(world.investigator, inv, source="gps", provider="SKT", legal_purpose=PURPOSE)
    assert services.decide(world.admin, req, approve=True, reason="긴급").status == DataRequest.Status.APPROVED


# --- publication through health staff's review ----------------------------------------------------------


def _delivered(world: World) -> Any:
    inv = world.open()
    world.delivered(inv, case_day_rows("S1", DAY))
    return inv


def test_an_investigators_publish_is_pending_until_health_staff_accept_it(world: World) -> None:
    from epiaid.situation.models import Visit

    inv = _delivered(world)
    pub = services.publish_visits(world.investigator, inv, [0], {0: "명동 카페"})
    assert pub.status == Publication.Status.PENDING and [s["place_name"] for s in pub.stays] == ["명동 카페"]
    assert not Visit.objects.filter(place_name="명동 카페").exists()  # nothing public yet
    assert [p.pk for p in services.publications_of(world.investigator, inv)] == [pub.pk]
    assert [p.pk for p in services.publications_for_review(world.health)] == [pub.pk]
    with pytest.raises(services.Forbidden, match="only health staff"):
        services.review_publication(world.investigator, pub, accept=True)
    services.review_publication(world.health, pub, accept=True, reason="공개 기준 충족")
    pub.refresh_from_db()
    assert pub.status == Publication.Status.ACCEPTED and pub.published == 1 and pub.reviewed_by == world.health
    visit = Visit.objects.get(place_name="명동 카페")
    assert visit.disclosed and visit.source == "investigation" and visit.date == DAY
    accepted = AuditEvent.objects.get(action="approve", target="investigation.publication")
    assert accepted.detail["published"] == 1 and accepted.actor == world.health
    assert AuditEvent.objects.filter(action="publish", target="investigation.visits").count() == 1
    with pytest.raises(services.NotReady, match="already accepted"):
        services.review_publication(world.health, pub, accept=True)


def test_a_refused_publication_needs_a_reason_and_publishes_nothing(world: World) -> None:
    from epiaid.situation.models import Visit

    inv = _delivered(world)
    pub = services.publish_visits(world.investigator, inv, [0], {0: "자택 근처"})
    with pytest.raises(services.BadInput, match="reason"):
        services.review_publication(world.health, pub, accept=False, reason="")
    services.review_publication(world.health, pub, accept=False, reason="자택이 특정될 수 있음")
    pub.refresh_from_db()
    assert pub.status == Publication.Status.REFUSED and pub.review_reason == "자택이 특정될 수 있음"
    assert not Visit.objects.filter(place_name="자택 근처").exists()
    assert AuditEvent.objects.filter(action="reject", target="investigation.publication").count() == 1
    assert AuditEvent.objects.filter(action="refused", target="investigation.publication").count() == 1


def test_health_staff_on_the_case_do_not_review_its_publications(world: World, make_user: Any) -> None:
    inv = _delivered(world)
    pub = services.publish_visits(world.investigator, inv, [0])
    inv.investigators.add(world.admin)
    assert services.publications_for_review(world.admin) == []
    with pytest.raises(services.Forbidden, match="separation of duties"):
        services.review_publication(world.admin, pub, accept=True)
    with pytest.raises(services.Forbidden, match="only health staff"):
        services.publications_for_review(world.police)


def test_publication_through_the_api_answers_202_and_health_staff_decide_it(world: World, client_as: Any) -> None:
    from epiaid.situation.models import Visit

    inv = _delivered(world)
    investigator = signed_in(world.investigator)
    proposed = investigator.post(
        f"{API}/investigations/{inv.pk}/publish",
        json.dumps({"indices": [0], "names": {"0": "명동 카페"}}),
        content_type="application/json",
    )
    assert proposed.status_code == 202 and proposed.json()["status"] == "pending"
    pub_id = proposed.json()["id"]
    assert proposed.json()["stays"][0]["place_name"] == "명동 카페"
    assert not Visit.objects.filter(place_name="명동 카페").exists()
    for role, expected in ((Role.PUBLIC, 401), (Role.INVESTIGATOR, 403), (Role.APPROVER, 403)):
        assert client_as(role).get(f"{API}/publications").status_code == expected
    health = signed_in(world.health)
    assert [p["id"] for p in health.get(f"{API}/publications").json()] == [pub_id]
    decision = health.post(
        f"{API}/publications/{pub_id}/decision",
        json.dumps({"accept": True, "reason": "ok"}),
        content_type="application/json",
    )
    assert decision.status_code == 200 and decision.json()["status"] == "accepted"
    assert Visit.objects.get(place_name="명동 카페").source == "investigation"
    state = investigator.get(f"{API}/investigations/{inv.pk}/publications").json()
    assert [(p["id"], p["status"], p["reviewed_by"]) for p in state] == [(pub_id, "accepted", "health_han")]
    assert (
        health.post(
            f"{API}/publications/999/decision", json.dumps({"accept": True}), content_type="application/json"
        ).status_code
        == 404
    )


def test_health_staff_review_on_the_page_and_the_investigator_sees_the_state(world: World) -> None:
    from epiaid.situation.models import Visit

    inv = _delivered(world)
    accepted = services.publish_visits(world.investigator, inv, [0], {0: "명동 카페"})
    refused = services.publish_visits(world.investigator, inv, [0], {0: "자택 근처"})
    health = signed_in(world.health)
    page = health.get("/investigation/publications/").content.decode()
    assert "명동 카페" in page and "자택 근처" in page and "C-1" in page
    assert (
        health.post(f"/investigation/publications/{accepted.pk}/decision/", {"decision": "accept"}).status_code == 302
    )
    response = health.post(f"/investigation/publications/{refused.pk}/decision/", {"decision": "refuse", "reason": ""})
    assert response.status_code == 400  # a refusal needs a reason
    health.post(
        f"/investigation/publications/{refused.pk}/decision/", {"decision": "refuse", "reason": "자택 특정 우려"}
    )
    assert (
        Visit.objects.filter(place_name="명동 카페").exists()
        and not Visit.objects.filter(place_name="자택 근처").exists()
    )
    console = signed_in(world.investigator).get(f"/investigation/{inv.pk}/").content.decode()
    assert "accepted, 1 published" in console and "refused" in console and "자택 특정 우려" in console
    assert signed_in(world.investigator).get("/investigation/publications/").status_code == 403
