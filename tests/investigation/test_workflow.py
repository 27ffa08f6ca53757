"""The request → approval → delivery → analysis workflow and its safeguards, as specifications."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from epiaid.core.models import AuditEvent
from epiaid.investigation import services
from epiaid.investigation.engine import store
from epiaid.investigation.models import DataRequest, DeletionRecord, Investigation
from tests.investigation.conftest import ISOLATION, ONSET, World, case_day_rows, kst, ping_csv

pytestmark = pytest.mark.django_db

DAY = dt.date(2020, 3, 4)


def refusals(target: str) -> int:
    return AuditEvent.objects.filter(action="refused", target=f"investigation.{target}").count()


def test_the_default_window_is_14_days_before_onset_until_isolation(world: World) -> None:
    inv = world.open()
    lo, hi = services.default_window(inv)
    assert lo == kst(ONSET - dt.timedelta(days=14), 0)
    assert hi == kst(ISOLATION, 23, 59) + dt.timedelta(seconds=59)


def test_full_chain_from_request_to_contacts(world: World) -> None:
    inv = world.open()
    rows = case_day_rows("S1", DAY) + case_day_rows("X9", DAY, lat=37.56651)  # X9 ~1 m away for an hour
    req = world.delivered(inv, rows, scope="area")
    assert req.status == DataRequest.Status.DELIVERED and req.rows_delivered == len(rows)
    path = services.case_path(world.investigator, inv)
    assert len(path) == 13 and {p["source"] for p in path} == {"gps"}
    stays = services.case_staypoints(world.investigator, inv)
    assert len(stays) == 1 and stays[0]["dwell_min"] == 60.0
    contacts = services.case_contacts(world.investigator, inv)
    assert [c["contact_pid"] for c in contacts] == ["X9"]
    assert contacts[0]["exposure_minutes"] >= 60
    csv = services.contacts_csv(world.investigator, inv)
    assert csv.splitlines()[0] == "contact_pid,exposure_minutes,min_distance_m,first,last"
    assert AuditEvent.objects.filter(action="export", target="investigation.contacts").count() == 1
    assert AuditEvent.objects.filter(action="view", target="investigation.path").count() == 1


def test_contact_chains_reach_contacts_of_contacts(world: World) -> None:
    inv = world.open()
    evening = case_day_rows("S1", DAY) + case_day_rows("X9", DAY, lat=37.56651)
    later = case_day_rows("X9", DAY, lat=37.60, start_hour=21) + case_day_rows("Y2", DAY, lat=37.60001, start_hour=21)
    world.delivered(inv, evening + later, scope="area")
    edges = services.case_contact_chains(world.investigator, inv, hops=2)
    assert {(e["source"], e["target"], e["hop"]) for e in edges} == {("S1", "X9", 1), ("X9", "Y2", 2)}
    with pytest.raises(services.BadInput):
        services.case_contact_chains(world.investigator, inv, hops=9)


def test_analysis_before_approval_is_refused_and_audited(world: World) -> None:
    inv = world.open()
    services.request_data(
        world.investigator, inv, source="gps", provider="SKT", legal_purpose="감염병예방법 제76조의2 위치정보"
    )
    with pytest.raises(services.NotReady, match="no approved data"):
        services.case_path(world.investigator, inv)
    assert refusals("path") == 1


def test_only_the_sources_authority_approves(world: World) -> None:
    inv = world.open()
    req = services.request_data(
        world.investigator,
        inv,
        source="card",
        provider="ShinhanCard",
        legal_purpose="감염병예방법 제76조의2 카드 사용 내역",
    )
    with pytest.raises(services.Forbidden, match="card_association"):
        services.decide(world.police, req, approve=True, reason="ok")
    assert services.pending_for_approver(world.police) == []
    assert services.pending_for_approver(world.card_assoc) == [req]
    services.decide(world.card_assoc, req, approve=False, reason="목적 불충분")
    req.refresh_from_db()
    assert req.status == DataRequest.Status.REJECTED and req.decision_reason == "목적 불충분"
    with pytest.raises(services.NotReady, match="already rejected"):
        services.decide(world.card_assoc, req, approve=True, reason="again")
    assert refusals("request") == 2


def test_upload_by_the_wrong_provider_is_refused(world: World) -> None:
    inv = world.open()
    req = world.approved(inv)
    with pytest.raises(services.Forbidden, match="only SKT"):
        services.deliver(world.card_co, req, content=ping_csv(case_day_rows("S1", DAY)))
    assert refusals("delivery") == 1 and not store.has_data(services.store_root(inv))


def test_upload_before_approval_is_refused(world: World) -> None:
    inv = world.open()
    req = services.request_data(
        world.investigator, inv, source="gps", provider="SKT", legal_purpose="감염병예방법 제76조의2 위치정보"
    )
    with pytest.raises(services.NotReady, match="after approval"):
        services.deliver(world.telco, req, content=ping_csv(case_day_rows("S1", DAY)))


def test_upload_outside_the_window_or_of_strangers_is_refused_and_nothing_is_lost(world: World) -> None:
    inv = world.open()
    req = world.delivered(inv, case_day_rows("S1", DAY))
    before = sorted(p.name for p in services.store_root(inv).rglob("*.parquet"))
    late = case_day_rows("S1", ISOLATION + dt.timedelta(days=2))
    with pytest.raises(services.BadInput, match=r"row 1 .* outside the approved window"):
        services.deliver(world.telco, req, content=ping_csv(late))
    with pytest.raises(services.BadInput, match="person id 'X9' is not the approved subject 'S1'"):
        services.deliver(world.telco, req, content=ping_csv(case_day_rows("S1", DAY) + case_day_rows("X9", DAY)))
    with pytest.raises(services.BadInput, match="row 2, field 'time': unparseable"):
        services.deliver(
            world.telco,
            req,
            content=b"pid,time,lat,lon,source\nS1,2020-03-04T10:00+09:00,37.5,127,gps\nS1,not-a-time,37.5,127,gps\n",
        )
    with pytest.raises(services.BadInput, match="swapped"):
        services.deliver(world.telco, req, content=b"pid,time,lat,lon,source\nS1,2020-03-04T10:00+09:00,127,37.5,gps\n")
    assert sorted(p.name for p in services.store_root(inv).rglob("*.parquet")) == before
    assert len(services.case_path(world.investigator, inv)) == 13
    assert refusals("delivery") == 4


def test_a_providers_drop_folder_delivers_automatically_with_the_same_checks(world: World, tmp_path: Path) -> None:
    inv = world.open()
    req = world.approved(inv)
    adapter = services.DropFolderAdapter(tmp_path)
    assert services.ingest(world.telco, req, adapter) is None
    (tmp_path / f"{req.pk}.pings_csv.csv").write_bytes(ping_csv(case_day_rows("S1", DAY)))
    with pytest.raises(services.Forbidden):
        services.ingest(world.card_co, req, adapter)
    delivery = services.ingest(world.telco, req, adapter)
    assert delivery is not None and delivery.rows == 13


def test_requests_outside_the_bounded_window_are_refused(world: World) -> None:
    inv = world.open()
    with pytest.raises(services.BadInput, match="window must lie within"):
        services.request_data(
            world.investigator,
            inv,
            source="gps",
            provider="SKT",
            legal_purpose="감염병예방법 제76조의2",
            window_start=kst(ONSET - dt.timedelta(days=30), 0),
            window_end=kst(ONSET, 0),
        )
    with pytest.raises(services.BadInput, match="legal purpose"):
        services.request_data(world.investigator, inv, source="gps", provider="SKT", legal_purpose="because")
    assert refusals("request") == 2  # both refusals are audited, the malformed purpose too


def test_purpose_binding_hides_an_investigation_from_unassigned_investigators(world: World) -> None:
    inv = world.open()
    world.delivered(inv, case_day_rows("S1", DAY))
    with pytest.raises(services.Forbidden):
        services.case_path(world.other_investigator, inv)
    with pytest.raises(services.Forbidden):
        services.get_for_investigator(world.other_investigator, inv.pk)
    assert services.investigations_of(world.other_investigator) == []
    inv.investigators.add(world.other_investigator)
    assert len(services.case_path(world.other_investigator, inv)) == 13


def test_nobody_approves_their_own_request(world: World, make_user: Any) -> None:
    from epiaid.core.roles import Role
    from epiaid.investigation.models import ApproverAuthority

    both = make_user(Role.INVESTIGATOR, Role.APPROVER, username="both")
    ApproverAuthority.objects.create(user=both, authority="police")
    inv = world.open()
    inv.investigators.add(both)
    req = services.request_data(
        both, inv, source="gps", provider="SKT", legal_purpose="감염병예방법 제76조의2 위치정보"
    )
    with pytest.raises(services.Forbidden, match="separation of duties: nobody approves their own request"):
        services.decide(both, req, approve=True, reason="ok")


def test_retention_purge_deletes_every_file_and_leaves_a_record(world: World, data_dir: Path) -> None:
    inv = world.open()
    world.delivered(inv, case_day_rows("S1", DAY))
    root = services.store_root(inv)
    assert any(root.rglob("*.parquet"))
    assert services.purge_expired(now=inv.retention_until - dt.timedelta(seconds=1)) == []
    lines = services.purge_expired(now=inv.retention_until)
    assert len(lines) == 1 and "13 rows" in lines[0]
    assert not root.exists()
    assert not any((Path(data_dir) / "investigation").rglob("*.parquet"))
    record = DeletionRecord.objects.get(investigation=inv)
    assert record.rows_deleted == 13 and record.files_deleted == 1
    inv.refresh_from_db()
    assert inv.purged_at is not None
    with pytest.raises(services.NotReady, match="deleted"):
        services.case_path(world.investigator, inv)
    assert AuditEvent.objects.filter(action="delete", target="investigation.data").count() == 1
    event = AuditEvent.objects.get(action="delete", target="investigation.data")
    assert event.actor_label == "system:retention" and event.actor is None  # named, never "anonymous"
    assert record.actor_label == "system:retention"


def test_end_of_outbreak_purges_everything_now(world: World) -> None:
    inv = world.open()
    world.delivered(inv, case_day_rows("S1", DAY))
    with pytest.raises(services.Forbidden):
        services.end_outbreak(world.investigator)
    lines = services.end_outbreak(world.admin)
    assert len(lines) == 1 and not services.store_root(inv).exists()
    assert DeletionRecord.objects.get(investigation=inv).reason == "end of outbreak"


def test_purge_command_runs_from_manage(world: World) -> None:
    from io import StringIO

    from django.core.management import call_command

    inv = world.open()
    world.delivered(inv, case_day_rows("S1", DAY))
    Investigation.objects.filter(pk=inv.pk).update(retention_until=timezone.now() - dt.timedelta(days=1))
    out = StringIO()
    call_command("purge_expired", stdout=out)
    assert "deleted investigation" in out.getvalue() and not services.store_root(inv).exists()


def test_publishing_selected_visits_reaches_the_situation_map_once_health_staff_accept(world: World) -> None:
    situation = pytest.importorskip("epiaid.situation.services")
    inv = world.open()
    world.delivered(inv, case_day_rows("S1", DAY))
    pub = services.publish_visits(world.investigator, inv, [0], {0: "명동 카페"})
    from epiaid.situation.models import Visit

    assert not Visit.objects.filter(place_name="명동 카페").exists()
    assert services.review_publication(world.health, pub, accept=True, reason="ok").published == 1
    visit = Visit.objects.get(place_name="명동 카페")
    assert visit.date == DAY
    del situation


def test_enrolment_reports_whether_the_care_call_is_there_to_take_the_contacts(world: World) -> None:
    from django.apps import apps

    inv = world.open()
    world.delivered(inv, case_day_rows("S1", DAY))
    available = apps.is_installed("epiaid.carecall")
    assert services.enrol_contacts(world.investigator, inv) == {"enrolled": 0, "contacts": 0, "available": available}


def test_card_and_qr_data_arrive_through_their_readers(world: World) -> None:
    inv = world.open()
    req = world.approved(inv, source="card", provider="ShinhanCard")
    card = "pid,time,merchant,address,lat,lon\nS1,2020-03-04 12:30,김밥천국,서울 중구 세종대로 110,37.5663,126.9779\n"
    services.deliver(world.card_co, req, content=card.encode(), fmt="card_csv")
    assert [p["source"] for p in services.case_path(world.investigator, inv)] == ["card"]
