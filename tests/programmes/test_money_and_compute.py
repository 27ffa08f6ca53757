"""The ledger never overspends (also under parallel approvals), vouchers pay after delivery, compute is
provisioned by someone other than the approver, and the decision log shows any edit."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, connections

from epiaid.core.errors import Conflict, Forbidden
from epiaid.core.models import AuditEvent
from epiaid.programmes.engine.slurm import NoSlurm, tflops_months_to_tres_minutes
from epiaid.programmes.models import Application, DecisionRecord, LedgerEntry, Supplier, TrackLedger
from epiaid.programmes.services import applications, chain, compute, ledger, review, vouchers
from tests.programmes.conftest import MARCH, World, submit_compute, to_decision, track


def _approve(w: World, app: Any, amount: Decimal | None = None) -> Any:
    review.decide(w.officer, app, approve=True, reasons="ranked first", amount=amount, now=MARCH)
    app.refresh_from_db()
    return app


@pytest.mark.django_db
def test_an_approval_that_would_overspend_is_refused_and_the_application_stays_open(world: World) -> None:
    TrackLedger.objects.filter(track__code="hpc-covid").update(budget=300)
    first = _approve(world, to_decision(world, submit_compute(world)))
    world.other_org.members.add(world.applicant)
    second = to_decision(world, submit_compute(world, org=world.other_org))
    with pytest.raises(Conflict, match="left, less than"):
        review.decide(world.officer, second, approve=True, reasons="also good", now=MARCH)
    second.refresh_from_db()
    assert second.status == "decision" and first.status == "approved"
    assert ledger.reconcile(first.track_id) | {} == {
        **ledger.reconcile(first.track_id),
        "committed": Decimal(200),
        "exact": True,
    }
    assert AuditEvent.objects.filter(action="refused", detail__code="budget_exhausted").count() == 1


def _parallel_approvals(world: World, n: int, budget: int) -> tuple[list[str], Any]:
    """n applications at the decision stage, approved by n threads at once against ``budget`` TF-months."""
    from epiaid.programmes.engine import brn
    from epiaid.programmes.models import Organisation

    TrackLedger.objects.filter(track__code="hpc-covid").update(budget=budget)
    apps = []
    for i in range(n):
        org = Organisation.objects.create(name=f"org {i}", brn=brn.make(f"5{i:08d}"), kind="company")
        org.members.add(world.applicant)
        apps.append(to_decision(world, submit_compute(world, org=org)))
    outcomes: list[str] = []
    barrier = threading.Barrier(n)

    def approve(app: Any) -> None:
        try:
            barrier.wait()
            review.decide(world.officer, app, approve=True, reasons="parallel", now=MARCH)
            outcomes.append("approved")
        except Conflict as exc:
            outcomes.append(exc.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=approve, args=(a,)) for a in apps]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return outcomes, apps[0].track_id


@pytest.mark.django_db(transaction=True)
def test_parallel_approvals_never_overspend_on_sqlite(world: World) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("the PostgreSQL version is the next test")
    outcomes, track_id = _parallel_approvals(world, 6, budget=600)  # room for 3 of 6
    assert sorted(outcomes) == ["approved"] * 3 + ["budget_exhausted"] * 3
    assert ledger.reconcile(track_id)["exact"] and TrackLedger.objects.get(track_id=track_id).committed == 600


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_parallel_approvals_never_overspend_on_postgresql(world: World) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (make test-postgres)")
    outcomes, track_id = _parallel_approvals(world, 12, budget=1000)  # room for 5 of 12
    assert sorted(outcomes) == ["approved"] * 5 + ["budget_exhausted"] * 7
    rec = ledger.reconcile(track_id)
    assert rec["exact"] and rec["committed"] == 1000 and rec["approved_granted"] == 1000
    assert chain.verify(world.auditor)["ok"]


@pytest.mark.django_db
def test_compute_is_provisioned_by_another_person_with_the_hard_budget_and_its_usage_synced(
    world: World, settings: Any
) -> None:
    app = _approve(world, to_decision(world, submit_compute(world)))
    alloc = app.allocation
    with pytest.raises(Forbidden, match="separation of duties"):
        compute.provision(world.officer, alloc, now=MARCH)
    assert AuditEvent.objects.filter(action="denied", detail__code="separation_of_duties").exists()
    compute.provision(world.officer2, alloc, now=MARCH)
    alloc.refresh_from_db()
    backend = NoSlurm(settings.PROGRAMMES_NOSLURM_DIR)
    info = backend.show(alloc.account)
    assert info is not None
    assert alloc.tres_minutes == tflops_months_to_tres_minutes(200.0)
    assert (alloc.starts_on, alloc.ends_on) == (dt.date(2020, 3, 17), dt.date(2020, 5, 16))
    backend.set_usage(alloc.account, {"cpu": alloc.tres_minutes["cpu"] // 10})
    assert compute.sync_usage() == 1
    alloc.refresh_from_db()
    assert alloc.used == {"cpu": alloc.tres_minutes["cpu"] // 10} and alloc.samples.count() == 1
    note = compute.rightsize(today=dt.date(2020, 4, 30))[0]
    assert note.suggestion == "shrink" and "used 10%" in note.text
    assert compute.expire_and_remind(today=dt.date(2020, 5, 10))["reminded"] == [alloc.account]
    assert compute.expire_and_remind(today=dt.date(2020, 5, 16))["closed"] == [alloc.account]
    assert compute.sync_usage() == 0  # closed accounts are no longer synced
    report = app.reports.get()
    assert report.due_on == dt.date(2020, 6, 15)  # a month after the allocation's end
    assert compute.expire_and_remind(today=dt.date(2020, 6, 7))["reports"] == []
    assert compute.expire_and_remind(today=dt.date(2020, 6, 8))["reports"] == [app.reference]
    assert compute.expire_and_remind(today=dt.date(2020, 6, 9))["reports"] == []  # reminded once


@pytest.mark.django_db
def test_the_covid_track_is_extendable_after_review_and_the_limit_is_raised(world: World) -> None:
    app = _approve(world, to_decision(world, submit_compute(world)))
    compute.provision(world.officer2, app.allocation, now=MARCH)
    ext = applications.request_extension(world.applicant, app, months=2, reason="more epochs")
    with pytest.raises(Conflict, match="used up"):
        applications.request_extension(world.applicant, app, months=1, reason="again")
    compute.decide_extension(world.officer, ext, approve=True, reasons="results shown")
    app.refresh_from_db()
    assert app.granted == 400 and app.allocation.tres_minutes == tflops_months_to_tres_minutes(400.0)
    assert ledger.reconcile(app.track_id)["exact"]
    normal = _approve(world, to_decision(world, submit_compute(world, size=10, code="hpc-normal")))
    with pytest.raises(Conflict, match="allows no extensions"):
        applications.request_extension(world.applicant, normal, months=1, reason="please")


def _supplier(w: World, kind: str, brn_: str) -> Supplier:
    return vouchers.add_supplier(
        w.officer,
        name=f"{kind} supplier",
        brn=brn_,
        kind=kind,
        catalogue=[{"title": "COVID-19 CT set", "price": 18_000_000}],
    )


@pytest.mark.django_db
def test_a_data_supplier_is_paid_only_after_the_beneficiary_confirms_delivery(world: World) -> None:
    from epiaid.programmes.engine import brn

    supplier = _supplier(world, "data_purchase", brn.make("101010101"))
    app = applications.submit(
        world.applicant,
        organisation=world.org,
        track=track("dv-covid-purchase"),
        title="CT images",
        amount=Decimal(18_000_000),
        supplier=supplier,
        now=MARCH,
    )
    voucher = _approve(world, to_decision(world, app)).voucher
    with pytest.raises(Conflict, match="after the beneficiary confirms"):
        vouchers.pay_supplier(world.finance, voucher)
    with pytest.raises(Forbidden):
        vouchers.confirm_delivery(world.other_applicant, voucher)
    vouchers.confirm_delivery(world.applicant, voucher)
    vouchers.pay_supplier(world.finance, voucher)
    voucher.refresh_from_db()
    assert voucher.status == "paid"
    rec = ledger.reconcile(app.track_id)
    assert rec["paid"] == 18_000_000 and rec["exact"]
    with pytest.raises(Conflict, match="already paid"):
        vouchers.pay_supplier(world.finance, voucher)


@pytest.mark.django_db
def test_processing_vouchers_pay_per_milestone(world: World) -> None:
    from epiaid.programmes.engine import brn

    supplier = _supplier(world, "data_processing", brn.make("202020202"))
    app = applications.submit(
        world.applicant,
        organisation=world.org,
        track=track("dv-covid-processing"),
        title="labelling",
        amount=Decimal(60_000_000),
        supplier=supplier,
        now=MARCH,
    )
    voucher = _approve(world, to_decision(world, app)).voucher
    first, second = list(voucher.milestones.all())
    assert (first.amount, second.amount) == (18_000_000, 42_000_000)
    vouchers.confirm_delivery(world.applicant, voucher, milestone=first)
    vouchers.pay_supplier(world.finance, voucher, milestone=first)
    with pytest.raises(Conflict, match="not confirmed"):
        vouchers.pay_supplier(world.finance, voucher, milestone=second)
    vouchers.confirm_delivery(world.applicant, voucher, milestone=second)
    vouchers.pay_supplier(world.finance, voucher, milestone=second)
    voucher.refresh_from_db()
    assert voucher.status == "paid" and ledger.reconcile(app.track_id)["paid"] == 60_000_000


@pytest.mark.django_db
@pytest.mark.parametrize(("code", "reimbursed"), [("cloud-normal", 7_000_000), ("cloud-covid", 10_000_000)])
def test_cloud_invoices_are_reimbursed_less_the_tracks_co_payment(world: World, code: str, reimbursed: int) -> None:
    from epiaid.programmes.engine import brn

    provider = _supplier(world, "cloud", brn.make("303030303"))
    provider.users.add(world.other_applicant)
    app = applications.submit(
        world.applicant,
        organisation=world.org,
        track=track(code),
        title="remote desks",
        amount=Decimal(10_000_000),
        supplier=provider,
        now=dt.datetime(2020, 4, 7, 10, 0, tzinfo=MARCH.tzinfo),
    )
    when = dt.datetime(2020, 4, 7, 11, 0, tzinfo=MARCH.tzinfo)
    review.check_eligibility(world.officer, app, eligible=True, reasons="ok", now=when)
    app.refresh_from_db()
    for a in app.assignments.filter(status="assigned"):
        review.declare(a.reviewer, app, conflict=False, now=when)
        review.submit_review(a.reviewer, app, scores=dict.fromkeys(review.RUBRIC, 20), now=when)
    review.decide(world.officer, app, approve=True, reasons="ok", now=when)
    app.refresh_from_db()
    invoice = vouchers.submit_invoice(world.other_applicant, app.voucher, number="INV-1", total=Decimal(10_000_000))
    assert invoice.reimbursable == reimbursed and invoice.co_payment == 10_000_000 - reimbursed
    with pytest.raises(Conflict, match="already submitted"):
        vouchers.submit_invoice(world.other_applicant, app.voucher, number="INV-1", total=Decimal(1))
    from django.contrib.auth.models import Group

    Group.objects.get(name="finance_officer").user_set.add(world.officer)
    approver = type(world.officer).objects.get(pk=world.officer.pk)  # roles are cached per user object
    with pytest.raises(Forbidden, match="approved a grant may not pay"):
        vouchers.reimburse(approver, invoice)
    vouchers.reimburse(world.finance, invoice)
    assert ledger.reconcile(app.track_id)["paid"] == reimbursed


@pytest.mark.django_db
def test_editing_or_removing_a_decision_record_breaks_verification(world: World) -> None:
    _approve(world, to_decision(world, submit_compute(world)))
    assert chain.verify(world.auditor) == {"ok": True, "records": 2, "broken_at": None, "reason": ""}
    record = DecisionRecord.objects.get(kind="approved")
    DecisionRecord.objects.filter(pk=record.pk).update(payload={**record.payload, "granted": "400.000"})
    result = chain.verify(world.auditor)
    assert not result["ok"] and result["broken_at"] == record.seq and "edited" in result["reason"]
    DecisionRecord.objects.filter(pk=record.pk).update(payload=record.payload)
    assert chain.verify(world.auditor)["ok"]
    DecisionRecord.objects.filter(pk=record.pk).delete()
    assert not chain.verify(world.auditor)["ok"]
    with pytest.raises(Forbidden):
        chain.verify(world.applicant)
    assert LedgerEntry.objects.count() == 1 and Application.objects.count() == 1


@pytest.mark.django_db
def test_a_milestone_of_another_voucher_is_not_found(world: World) -> None:
    from epiaid.core.errors import NotFound
    from epiaid.programmes.engine import brn

    supplier = _supplier(world, "data_processing", brn.make("404040404"))
    processing = applications.submit(
        world.applicant,
        organisation=world.org,
        track=track("dv-covid-processing"),
        title="labelling",
        amount=Decimal(50_000_000),
        supplier=supplier,
        now=MARCH,
    )
    purchase = applications.submit(
        world.applicant,
        organisation=world.org,
        track=track("dv-covid-purchase"),
        title="CT",
        amount=Decimal(9_000_000),
        supplier=supplier,
        now=MARCH,
    )
    theirs = _approve(world, to_decision(world, processing)).voucher.milestones.first()
    mine = _approve(world, to_decision(world, purchase)).voucher
    with pytest.raises(NotFound):
        vouchers.confirm_delivery(world.applicant, mine, milestone=theirs)
    assert theirs.status == "pending" and mine.status == "issued"
