"""Apply → eligibility → expert review (with conflicts of interest) → decision, as each role sees it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail

from epiaid.core.errors import BadInput, Conflict, Forbidden, TooLarge, Unsupported
from epiaid.core.models import AuditEvent
from epiaid.programmes.models import Application, Assignment, Attachment, Collaboration
from epiaid.programmes.services import applications, chain, review
from tests.programmes.conftest import MARCH, PDF, World, submit_compute, to_decision, track

pytestmark = pytest.mark.django_db


def test_an_application_gets_its_3_business_day_deadline_and_an_acknowledgement(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        app = applications.submit(
            world.applicant,
            organisation=world.org,
            track=track("hpc-covid"),
            title="Spike dynamics",
            size_tf=100,
            uploads=[applications.Upload("계획서.pdf", PDF)],
            now=MARCH,
        )
    assert app.reference == f"HPC-COVID-{app.pk:06d}"
    assert app.requested == Decimal(200)  # 100 TF for 2 months
    assert app.due_at == dt.datetime(2020, 3, 20, 18, 0, tzinfo=dt.timezone(dt.timedelta(hours=9)))
    assert Attachment.objects.get(application=app).mime == "application/pdf"
    assert "received" in mail.outbox[0].subject and "2020-03-20 18:00" in mail.outbox[0].body
    assert mail.outbox[0].to == ["lab@example.invalid"]


def test_a_size_the_track_does_not_grant_is_refused(world: World) -> None:
    with pytest.raises(BadInput, match=r"\[100\] TF"):
        submit_compute(world, size=40)
    with pytest.raises(BadInput, match="between"):
        applications.submit(
            world.applicant,
            organisation=world.org,
            track=track("dv-covid-processing"),
            title="labelling",
            amount=Decimal(30_000_000),
            now=MARCH,
        )


def test_wrong_type_and_oversized_uploads_are_refused_audited_and_nothing_is_stored(
    world: World, settings: Any
) -> None:
    settings.PROGRAMMES_MAX_ATTACHMENT_BYTES = 1000
    for upload, error in [
        (applications.Upload("plan.pdf", b"MZ\x90\x00 not a pdf"), Unsupported),
        (applications.Upload("plan.pdf", b"%PDF-" + b"0" * 2000), TooLarge),
    ]:
        with pytest.raises(error):
            applications.submit(
                world.applicant,
                organisation=world.org,
                track=track("hpc-covid"),
                title="x",
                size_tf=100,
                uploads=[upload],
                now=MARCH,
            )
    assert not Application.objects.exists() and not Attachment.objects.exists()
    refused = AuditEvent.objects.filter(action="refused", actor_label="applicant")
    assert {e.detail["code"] for e in refused} == {"attachment_wrong_type", "attachment_too_large"}


def test_duplicates_across_tracks_are_detected_and_within_a_track_refused(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    first = submit_compute(world, size=100, code="hpc-covid")
    with django_capture_on_commit_callbacks(execute=True):
        second = submit_compute(world, size=40, code="hpc-normal")
    assert second.duplicate_of == [first.reference]
    assert any("possible duplicate" in m.subject for m in mail.outbox)
    with pytest.raises(Conflict, match="already has an open application"):
        submit_compute(world, size=100, code="hpc-covid")
    assert AuditEvent.objects.filter(action="refused", detail__code="duplicate_application").count() == 1


def test_eligibility_by_organisation_kind_and_dates(world: World) -> None:
    world.university.members.add(world.other_applicant)
    with pytest.raises(Forbidden, match="may not apply"):
        applications.submit(
            world.other_applicant,
            organisation=world.university,
            track=track("cloud-covid"),
            title="remote work",
            amount=Decimal(5_000_000),
            now=MARCH,
        )
    with pytest.raises(Conflict, match="takes applications from"):
        submit_compute(world, now=dt.datetime(2020, 3, 2, 10, 0, tzinfo=MARCH.tzinfo))  # before 9 March


def test_an_applicant_never_reads_another_organisations_application(world: World) -> None:
    app = submit_compute(world)
    assert applications.get(world.applicant, app.pk) == app
    with pytest.raises(Forbidden):
        applications.get(world.other_applicant, app.pk)
    assert list(applications.visible_to(world.other_applicant)) == []
    denied = AuditEvent.objects.get(action="denied", actor_label="other_applicant")
    assert denied.object_id == str(app.pk) and denied.detail["code"] == "not_your_application"
    assert applications.get(world.auditor, app.pk) == app  # the auditor reads everything


def test_reviewers_from_the_applicant_or_recently_collaborating_are_recused_automatically(world: World) -> None:
    world.university.members.add(world.applicant)
    app = applications.submit(
        world.applicant,
        organisation=world.university,
        track=track("hpc-covid"),
        title="university spike study",
        size_tf=100,
        now=MARCH,
    )
    Collaboration.objects.create(
        reviewer=world.reviewers[1], organisation=world.university, last_on=dt.date(2019, 6, 1), what="joint paper"
    )
    Collaboration.objects.create(
        reviewer=world.reviewers[2], organisation=world.university, last_on=dt.date(2015, 6, 1), what="old grant"
    )
    review.check_eligibility(world.officer, app, eligible=True, reasons="ok", now=MARCH)
    assigned = set(Assignment.objects.filter(application=app).values_list("reviewer__username", flat=True))
    assert assigned == {"reviewer2", "reviewer3"}  # 0: same organisation, 1: joint paper in 2019
    event = AuditEvent.objects.get(action="programmes.assign", object_id=str(app.pk))
    assert any("same organisation" in s for s in event.detail["skipped_for_conflict"])
    assert any("recent collaboration" in s for s in event.detail["skipped_for_conflict"])
    forced = review.assign(world.officer, app, world.reviewers[0])
    assert forced.status == "recused" and "same organisation" in forced.recusal_reason


def test_a_recused_reviewer_is_refused_and_audited(world: World) -> None:
    app = submit_compute(world)
    review.check_eligibility(world.officer, app, eligible=True, reasons="ok", now=MARCH)
    mine = Assignment.objects.filter(application=app).first()
    assert mine is not None
    who = mine.reviewer
    with pytest.raises(Forbidden, match="declare"):
        applications.get(who, app.pk)  # no declaration yet
    review.declare(who, app, conflict=True, reason="advised their CTO last year", now=MARCH)
    with pytest.raises(Forbidden, match="recused"):
        applications.get(who, app.pk)
    with pytest.raises(Forbidden, match="recused"):
        review.submit_review(who, app, scores=dict.fromkeys(review.RUBRIC, 10), now=MARCH)
    assert AuditEvent.objects.filter(action="denied", actor_label=who.username, detail__code="recused").count() == 2
    live = Assignment.objects.filter(application=app, status="assigned").count()
    assert live == 2  # a replacement was assigned


def test_the_full_review_ends_in_a_decision_with_reasons_and_a_chained_record(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    app = to_decision(world, submit_compute(world))
    assert app.status == "decision"
    summary = review.score_summary(app)
    assert summary == {"reviews": 2, "mean": 80.0, "recommend": 2}
    with pytest.raises(BadInput, match="reasons"):
        review.decide(world.officer, app, approve=True, reasons=" ", now=MARCH)
    with django_capture_on_commit_callbacks(execute=True):
        review.decide(world.officer, app, approve=True, reasons="urgent COVID-19 modelling", now=MARCH)
    app.refresh_from_db()
    assert app.status == "approved" and app.granted == Decimal(200) and app.allocation.account.startswith("ep")
    assert any("approved" in m.subject and "urgent COVID-19 modelling" in m.body for m in mail.outbox)
    assert chain.verify(world.auditor)["ok"]


def test_scores_and_decisions_after_the_deadline_are_refused_audited_and_nothing_lost(world: World) -> None:
    app = submit_compute(world)
    review.check_eligibility(world.officer, app, eligible=True, reasons="ok", now=MARCH)
    late = app.due_at + dt.timedelta(minutes=1)
    a = Assignment.objects.filter(application=app).first()
    assert a is not None
    review.declare(a.reviewer, app, conflict=False, now=MARCH)
    with pytest.raises(Conflict, match="deadline has passed"):
        review.submit_review(a.reviewer, app, scores=dict.fromkeys(review.RUBRIC, 20), now=late)
    refused = AuditEvent.objects.get(action="refused", detail__code="deadline_passed")
    assert refused.detail["scores"] == dict.fromkeys(review.RUBRIC, 20)  # what was refused is kept in the log
    review.submit_review(a.reviewer, app, scores=dict.fromkeys(review.RUBRIC, 20), now=MARCH)
    with pytest.raises(Conflict, match="deadline has passed"):
        review.decide(world.officer, app, approve=True, reasons="fine", now=late)
    app.refresh_from_db()
    assert app.status == "expert_review" and app.granted == 0  # unchanged by the refusal
    review.decide(world.officer, app, approve=True, reasons="fine", late_reason="server outage", now=late)
    app.refresh_from_db()
    assert app.late and app.status == "approved"


def test_ineligible_applications_are_rejected_at_the_first_stage_with_reasons(world: World) -> None:
    app = submit_compute(world)
    review.check_eligibility(world.officer, app, eligible=False, reasons="no COVID-19 relevance", now=MARCH)
    app.refresh_from_db()
    assert app.status == "rejected" and app.decision_reasons == "no COVID-19 relevance"
    with pytest.raises(Conflict):
        review.decide(world.officer, app, approve=True, reasons="changed my mind", now=MARCH)


def test_only_officers_decide(world: World) -> None:
    app = to_decision(world, submit_compute(world))
    for who in (world.applicant, world.auditor, world.finance, world.reviewers[3]):
        with pytest.raises(Forbidden):
            review.decide(who, app, approve=True, reasons="me", now=MARCH)
    assert AuditEvent.objects.filter(action="denied", detail__needs=["programme_officer"]).count() == 4


def test_a_leap_day_application_is_checked_for_collaborations_three_years_back(world: World) -> None:
    leap = dt.datetime(2020, 2, 29, 11, 0, tzinfo=MARCH.tzinfo)
    app = submit_compute(world, size=10, code="hpc-normal", now=leap)
    Collaboration.objects.create(reviewer=world.reviewers[1], organisation=world.org, last_on=dt.date(2017, 2, 28))
    assert "recent collaboration" in review.conflict_reason(world.reviewers[1], app)
