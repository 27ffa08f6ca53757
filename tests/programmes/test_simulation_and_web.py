"""The 2020 year in small (every deadline met, escalations ≥ 24 h ahead, budgets exact) and the pages:
roles, cross-organisation reads, forged posts, Korean and English."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from epiaid.core.models import AuditEvent
from epiaid.programmes.services import review
from tests.programmes.conftest import World, submit_compute

pytestmark = pytest.mark.django_db


def test_a_small_2020_year_meets_every_deadline_with_exact_budgets(settings: Any) -> None:
    from epiaid.programmes.services.simulate import simulate

    report = simulate(compute=40, data=20, cloud=20, reviewers=12, seed=7, log=lambda _: None)
    assert report["submitted"] >= 70
    assert report["compute_in_march"] >= 10  # the March surge: a third of the year's compute applications
    assert report["missed_deadlines"] == 0
    assert report["at_risk_escalated_24h_ahead"] == report["at_risk_24h"]
    assert report["min_escalation_lead_h"] is None or report["min_escalation_lead_h"] >= 24
    assert report["budget_exact"] and report["chain"]["ok"]


def _client(user: Any, *, csrf: bool = False) -> Client:
    c = Client(enforce_csrf_checks=csrf)
    c.force_login(user)
    return c


def test_pages_for_each_role_in_korean_and_english(world: World) -> None:
    app = submit_compute(world)
    public = Client()
    page = public.get("/programmes/", HTTP_ACCEPT_LANGUAGE="ko")
    assert page.status_code == 200 and "지원사업" in page.text and "hpc-covid" in page.text
    assert "Support programmes" in public.get("/programmes/", HTTP_ACCEPT_LANGUAGE="en").text
    assert _client(world.applicant).get(f"/programmes/applications/{app.pk}/").status_code == 200
    assert _client(world.officer).get("/programmes/officer/").status_code == 200
    assert _client(world.finance).get("/programmes/finance/").status_code == 200
    assert _client(world.auditor).get(f"/programmes/applications/{app.pk}/").status_code == 200
    assert public.get("/api/programmes/tracks").json()[0]["code"] == "cloud-covid"
    assert _client(world.auditor).get("/api/programmes/chain/verify").json()["ok"]


def test_another_organisation_is_refused_the_page_and_the_api_and_it_is_audited(world: World) -> None:
    app = submit_compute(world)
    intruder = _client(world.other_applicant)
    assert intruder.get(f"/programmes/applications/{app.pk}/").status_code == 403
    assert intruder.get(f"/api/programmes/applications/{app.pk}").json()["code"] == "not_your_application"
    assert AuditEvent.objects.filter(action="denied", actor_label="other_applicant").count() == 2


def test_a_recused_reviewer_is_refused_the_page(world: World) -> None:
    app = submit_compute(world)
    review.check_eligibility(world.officer, app, eligible=True, reasons="ok")
    a = app.assignments.first()
    c = _client(a.reviewer)
    assert "이해충돌" in c.get(f"/programmes/applications/{app.pk}/", HTTP_ACCEPT_LANGUAGE="ko").text
    c.post(f"/programmes/applications/{app.pk}/declare/", {"conflict": "yes", "reason": "my former student"})
    assert c.get(f"/programmes/applications/{app.pk}/").status_code == 403
    assert AuditEvent.objects.filter(action="denied", detail__code="recused").exists()


def test_forged_and_replayed_posts_without_a_valid_csrf_token_are_refused(world: World) -> None:
    app = submit_compute(world)
    officer = _client(world.officer, csrf=True)
    forged = officer.post(f"/programmes/applications/{app.pk}/eligibility/", {"eligible": "yes", "reasons": "x"})
    assert forged.status_code == 403
    replay = officer.post(
        f"/programmes/applications/{app.pk}/eligibility/",
        {"eligible": "yes", "reasons": "x", "csrfmiddlewaretoken": "stolen-or-stale"},
    )
    assert replay.status_code == 403
    app.refresh_from_db()
    assert app.status == "eligibility"  # nothing happened, nothing lost
    officer.get("/programmes/officer/")
    token = officer.cookies["csrftoken"].value
    ok = officer.post(
        f"/programmes/applications/{app.pk}/eligibility/",
        {"eligible": "yes", "reasons": "complete", "csrfmiddlewaretoken": token},
    )
    assert ok.status_code == 302
    app.refresh_from_db()
    assert app.status == "expert_review"


def test_a_wrong_type_upload_from_the_form_is_refused_with_the_reason(world: World) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from epiaid.programmes.models import Application, Track

    Track.objects.filter(code="hpc-covid").update(closes_on="2999-12-31")  # open today
    c = _client(world.applicant)
    page = c.post(
        "/programmes/apply/",
        {
            "submit": "1",
            "app-organisation": world.org.pk,
            "app-track": Track.objects.get(code="hpc-covid").pk,
            "app-title": "x",
            "app-size_tf": 100,
            "app-attachments": SimpleUploadedFile("plan.pdf", b"MZ\x90\x00exe", content_type="application/pdf"),
        },
    )
    assert page.status_code == 200, page.text[-3000:]
    assert "only PDF" in page.text, page.text[page.text.find("<form") :][:3000]
    assert not Application.objects.exists()


def _post(c: Client, app: Any, action: str, data: dict[str, Any]) -> Any:
    return c.post(f"/programmes/applications/{app.pk}/{action}/", data)


def test_extension_and_report_steps_from_the_application_page(world: World) -> None:
    from epiaid.programmes.services import compute
    from tests.programmes.conftest import MARCH, to_decision

    app = to_decision(world, submit_compute(world))
    review.decide(world.officer, app, approve=True, reasons="urgent", now=MARCH)
    app.refresh_from_db()
    compute.provision(world.officer2, app.allocation, now=MARCH)
    member, officer = _client(world.applicant), _client(world.officer)
    _post(member, app, "extend", {"months": 2, "reason": "another model"})
    ext = app.extensions.get()
    page = officer.get(f"/programmes/applications/{app.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert "another model" in page.text and "Extension requests" in page.text
    _post(officer, app, "extension", {"extension": ext.pk, "approve": "yes", "reasons": "progress shown"})
    ext.refresh_from_db()
    app.refresh_from_db()
    assert ext.status == "approved" and app.granted == 400
    report = app.reports.get()
    _post(_client(world.other_applicant), app, "report", {"report": report.pk, "text": "not mine"})
    report.refresh_from_db()
    assert report.submitted_at is None
    _post(member, app, "report", {"report": report.pk, "text": "trained 3 models; paper submitted"})
    report.refresh_from_db()
    assert report.submitted_at is not None and report.text.startswith("trained")


def test_the_demo_loads_the_three_2020_programmes_and_a_round_of_applications(settings: Any, tmp_path: Any) -> None:
    from epiaid.programmes.demo import load_demo
    from epiaid.programmes.models import Application, Programme

    settings.PROGRAMMES_NOSLURM_DIR = tmp_path / "noslurm"
    settings.MEDIA_ROOT = tmp_path / "media"
    summary = load_demo(None, lambda _: None)
    assert set(Programme.objects.values_list("code", flat=True)) == {
        "hpc-2020",
        "data-voucher-2020",
        "cloud-voucher-2020",
    }
    statuses = set(Application.objects.values_list("status", flat=True))
    assert {"approved", "eligibility", "expert_review"} <= statuses and "demo applications" in summary
    assert load_demo(None, lambda _: None).endswith("already present")


def test_an_officer_assigning_a_conflicted_reviewer_from_the_page_recuses_them(world: World) -> None:
    import datetime as dt

    from epiaid.programmes.models import Collaboration

    app = submit_compute(world)
    review.check_eligibility(world.officer, app, eligible=True, reasons="ok")
    extra = next(r for r in world.reviewers if not app.assignments.filter(reviewer=r).exists())
    Collaboration.objects.create(
        reviewer=extra, organisation=world.org, last_on=dt.date(2019, 9, 1), what="joint grant"
    )
    _post(_client(world.officer), app, "assign", {"reviewer": extra.pk})
    forced = app.assignments.get(reviewer=extra)
    assert forced.status == "recused" and "recent collaboration" in forced.recusal_reason
    assert AuditEvent.objects.filter(action="programmes.recuse", detail__automatic=True).exists()


def test_a_replayed_decision_post_is_refused_audited_and_changes_nothing(world: World) -> None:
    import datetime as dt

    from django.utils import timezone

    from epiaid.programmes.models import Application
    from tests.programmes.conftest import to_decision

    app = to_decision(world, submit_compute(world))
    Application.objects.filter(pk=app.pk).update(due_at=timezone.now() + dt.timedelta(days=2))  # decided today
    officer = _client(world.officer, csrf=True)
    officer.get("/programmes/officer/")
    form = {"approve": "yes", "reasons": "urgent", "csrfmiddlewaretoken": officer.cookies["csrftoken"].value}
    first = officer.post(f"/programmes/applications/{app.pk}/decide/", form)
    assert first.status_code == 302
    app.refresh_from_db()
    granted, decided_at = app.granted, app.decided_at
    replay = officer.post(f"/programmes/applications/{app.pk}/decide/", form, follow=True)
    assert replay.status_code == 200 and "already approved" in replay.text
    app.refresh_from_db()
    assert (app.granted, app.decided_at) == (granted, decided_at)
    assert app.ledger_entries.count() == 1  # committed once
    assert AuditEvent.objects.filter(action="refused", detail__code="not_open", object_id=str(app.pk)).count() == 1
