"""The data subject is bound to the approval: recorded with its basis when the investigation opens,
shown to approver and provider, named in the decision's audit, and a delivery for anyone the request
does not cover is refused whole (issue 17 §1)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from epiaid.core.models import AuditEvent
from epiaid.investigation import services
from epiaid.investigation.engine import coverage, store
from epiaid.investigation.models import DataRequest, Investigation
from tests.investigation.conftest import BASIS, ISOLATION, ONSET, World, _ensure_case, case_day_rows, ping_csv

pytestmark = pytest.mark.django_db
DAY = dt.date(2020, 3, 4)


def signed_in(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def refused(target: str, **detail: Any) -> list[AuditEvent]:
    events = AuditEvent.objects.filter(action="refused", target=f"investigation.{target}")
    return [e for e in events if all(e.detail.get(k) == v for k, v in detail.items())]


# --- the link is recorded with its basis ------------------------------------------------------------


def test_opening_records_the_case_to_subject_link_with_who_when_and_basis(world: World) -> None:
    inv = world.open()
    assert (inv.subject_pid, inv.subject_basis, inv.subject_asserted_by) == ("S1", BASIS, world.investigator)
    assert inv.subject_asserted_at is not None
    created = AuditEvent.objects.get(action="create", target="investigation.investigation")
    assert created.detail["subject_pid"] == "S1" and created.detail["subject_basis"] == BASIS


@pytest.mark.parametrize("basis", ["", "   ", "phone"])
def test_an_investigation_without_a_stated_basis_for_its_subject_is_refused_and_audited(
    world: World, basis: str
) -> None:
    _ensure_case("C-1")
    with pytest.raises(services.BadInput, match="basis of the link"):
        services.open_investigation(
            world.investigator,
            case_number="C-1",
            subject_pid="S1",
            subject_basis=basis,
            symptom_onset=ONSET,
            isolation_date=ISOLATION,
        )
    assert not Investigation.objects.exists()
    assert len(refused("investigation", subject_pid="S1")) == 1


def test_the_console_shows_the_subject_and_the_basis_of_the_link(world: World) -> None:
    inv = world.open()
    page = signed_in(world.investigator).get(f"/investigation/{inv.pk}/").content.decode()
    assert "<code>S1</code>" in page and "subject&#x27;s own phone number per case interview" in page
    assert "inv_kim" in page


# --- approver and provider see the subject; the decision's audit names it ----------------------------


def test_a_request_carries_its_subject_and_the_approver_sees_it_on_the_queue_and_page(world: World) -> None:
    inv = world.open()
    req = services.request_data(
        world.investigator, inv, source="gps", provider="SKT", legal_purpose="감염병예방법 제76조의2 위치정보"
    )
    assert req.subject_pid == "S1"
    assert [r.subject_pid for r in services.pending_for_approver(world.police)] == ["S1"]
    page = signed_in(world.police).get("/investigation/").content.decode()
    assert '<code class="subject">S1</code>' in page and "subject&#x27;s own phone number" in page


def test_the_decisions_audit_names_the_subject_scope_and_window(world: World) -> None:
    inv = world.open()
    req = world.approved(inv, scope="area")
    event = AuditEvent.objects.get(action="approve", target="investigation.request", object_id=str(req.pk))
    assert event.detail["subject_pid"] == "S1" and event.detail["subject_basis"] == BASIS
    assert event.detail["scope"] == "area" and event.detail["case_number"] == "C-1"
    assert event.detail["window"] == [req.window_start.isoformat(), req.window_end.isoformat()]


def test_a_subject_changed_after_the_request_is_neither_approved_nor_delivered(world: World) -> None:
    inv = world.open()
    pending = services.request_data(
        world.investigator, inv, source="gps", provider="SKT", legal_purpose="감염병예방법 제76조의2 위치정보"
    )
    approved = world.approved(inv)
    Investigation.objects.filter(pk=inv.pk).update(subject_pid="S2")  # e.g. edited behind the workflow
    pending.refresh_from_db()
    approved.refresh_from_db()
    with pytest.raises(services.NotReady, match="request is for subject 'S1'"):
        services.decide(world.police, pending, approve=True, reason="ok")
    with pytest.raises(services.NotReady, match="approval was for subject 'S1'"):
        services.deliver(world.telco, approved, content=ping_csv(case_day_rows("S2", DAY)))
    assert not store.has_data(services.store_root(inv))


def test_the_providers_page_names_the_subject_and_delivers_through_the_same_checks(world: World) -> None:
    inv = world.open()
    req = world.approved(inv)
    telco = signed_in(world.telco)
    page = telco.get("/investigation/deliveries/")
    assert page.status_code == 200 and '<code class="subject">S1</code>' in page.content.decode()
    assert AuditEvent.objects.filter(action="list", target="investigation.delivery", actor=world.telco).exists()
    other = SimpleUploadedFile("p.csv", ping_csv(case_day_rows("S1", DAY) + case_day_rows("X9", DAY)))
    response = telco.post(f"/investigation/deliveries/{req.pk}/upload/", {"file": other, "format": "pings_csv"})
    assert response.status_code == 400 and "not the approved subject" in response.content.decode()
    assert not store.has_data(services.store_root(inv))
    good = SimpleUploadedFile("p.csv", ping_csv(case_day_rows("S1", DAY)))
    response = telco.post(
        f"/investigation/deliveries/{req.pk}/upload/",
        {"file": good, "format": "pings_csv"},
        headers={"accept-language": "en"},
    )
    assert response.status_code == 302
    assert (
        "13 rows delivered"
        in telco.get("/investigation/deliveries/", headers={"accept-language": "en"}).content.decode()
    )
    assert "13행" in telco.get("/investigation/deliveries/").content.decode()  # Korean by default
    assert signed_in(world.card_co).get("/investigation/deliveries/").content.decode().count("S1") == 0
    assert Client().get("/investigation/deliveries/").status_code == 302  # sign in first


# --- a delivery for anyone the request does not cover is refused whole -------------------------------


def test_a_subject_request_refuses_any_other_persons_row_whole_and_audits_it(world: World) -> None:
    inv = world.open()
    req = world.approved(inv)
    rows = case_day_rows("S1", DAY) + case_day_rows("S1-OTHER", DAY)[:1]
    with pytest.raises(services.BadInput, match=r"row 14 person id 'S1-OTHER' is not the approved subject") as exc:
        services.deliver(world.telco, req, content=ping_csv(rows))
    assert exc.value.code == "outside_request"
    assert len(refused("delivery", subject_pid="S1", scope="subject", rows=14)) == 1
    req.refresh_from_db()
    assert req.status == DataRequest.Status.APPROVED and req.rows_delivered == 0
    assert not store.has_data(services.store_root(inv))


def test_a_contact_search_refuses_a_person_who_was_never_at_the_cases_places(world: World) -> None:
    inv = world.open()
    req = world.approved(inv, scope="area")
    case_and_contact = case_day_rows("S1", DAY) + case_day_rows("X9", DAY, lat=37.5670)  # ~55 m away, same hour
    busan = case_day_rows("Z5", DAY, lat=35.1796, lon=129.0756)  # same hour, 330 km away
    same_place_next_day = case_day_rows("W3", DAY + dt.timedelta(days=1))
    for stranger in (busan, same_place_next_day):
        with pytest.raises(services.BadInput, match="never within 100 m and 30 min of the approved subject 'S1'"):
            services.deliver(world.telco, req, content=ping_csv(case_and_contact + stranger))
    assert not store.has_data(services.store_root(inv))
    assert len(refused("delivery", scope="area")) == 2
    delivery = services.deliver(world.telco, req, content=ping_csv(case_and_contact))
    assert delivery.rows == len(case_and_contact)


def test_a_contact_search_without_the_subjects_own_rows_covers_nobody(world: World) -> None:
    inv = world.open()
    req = world.approved(inv, scope="area")
    with pytest.raises(services.BadInput, match="person id 'X9'"):
        services.deliver(world.telco, req, content=ping_csv(case_day_rows("X9", DAY)))


def test_a_later_contact_search_delivery_is_judged_with_what_the_investigation_already_holds(world: World) -> None:
    inv = world.open()
    req = world.approved(inv, scope="area")
    services.deliver(world.telco, req, content=ping_csv(case_day_rows("S1", DAY) + case_day_rows("X9", DAY)))
    # X9 is a contact on file; a second batch with X9's evening elsewhere and whom X9 met there is covered
    later = case_day_rows("X9", DAY, lat=37.60, start_hour=21) + case_day_rows("Y2", DAY, lat=37.60001, start_hour=21)
    assert services.deliver(world.telco, req, content=ping_csv(later)).rows == len(later)
    with pytest.raises(services.BadInput, match="person id 'Q7'"):
        services.deliver(world.telco, req, content=ping_csv(case_day_rows("Q7", DAY, lat=36.0, start_hour=21)))


def test_coverage_follows_co_location_chains_up_to_three_hops() -> None:
    base = dt.datetime(2020, 3, 4, 10, tzinfo=dt.UTC).timestamp()
    rows = []
    for hop, (a, b) in enumerate([("S", "A"), ("A", "B"), ("B", "C"), ("C", "D")]):
        lat = 37.0 + hop * 0.1  # each meeting at its own place, an hour apart
        t = int(base + hop * 3600)
        rows += [(a, t, lat, 127.0), (b, t + 600, lat + 0.0005, 127.0)]  # 56 m, 10 min apart
    pings = pd.DataFrame(rows, columns=["pid", "ts", "lat", "lon"])
    assert coverage.covered_pids(pings, "S") == {"S", "A", "B", "C"}
    assert coverage.covered_pids(pings, "S", hops=1) == {"S", "A"}
    assert coverage.covered_pids(pings, "S", radius_m=50) == {"S"}
    assert coverage.covered_pids(pings, "S", within_s=300) == {"S"}
    assert set(coverage.covered_rows(pings, "S")["pid"]) == {"S", "A", "B", "C"}


def test_the_api_refuses_an_investigation_without_a_basis_with_400_and_an_audit(world: World) -> None:
    import json

    _ensure_case("C-8")
    response = signed_in(world.investigator).post(
        "/api/investigation/investigations",
        json.dumps(
            {"case_number": "C-8", "subject_pid": "S8", "symptom_onset": "2020-03-05", "isolation_date": "2020-03-07"}
        ),
        content_type="application/json",
    )
    assert response.status_code == 400 and "basis of the link" in response.json()["detail"]
    assert len(refused("investigation", subject_pid="S8")) == 1 and not Investigation.objects.exists()
    created = (
        signed_in(world.investigator)
        .post(
            "/api/investigation/investigations",
            json.dumps(
                {
                    "case_number": "C-8",
                    "subject_pid": "S8",
                    "subject_basis": BASIS,
                    "symptom_onset": "2020-03-05",
                    "isolation_date": "2020-03-07",
                }
            ),
            content_type="application/json",
        )
        .json()
    )
    assert created["subject"]["pid"] == "S8" and created["subject"]["basis"] == BASIS
    assert created["subject"]["asserted_by"] == "inv_kim" and created["subject"]["asserted_at"]
