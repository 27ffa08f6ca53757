"""Demo data: the three 2020 programmes from their configuration file and a demo round of applications
(submitted, in review, approved and provisioned, a paid data voucher, a reimbursed cloud invoice)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any


def load_demo(shared: Path | None, log: Callable[[str], None]) -> str:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from epiaid.core.actors import Actor
    from epiaid.core.roles import Role, ensure_role_groups
    from epiaid.programmes.engine import brn
    from epiaid.programmes.models import Application, Organisation, Track
    from epiaid.programmes.services import applications, compute, config, review, vouchers

    ensure_role_groups()
    cli = Actor.system("demo")
    config.load_config(cli)
    if Application.objects.exists():
        return "programmes configured; demo applications already present"
    users = get_user_model()

    def user(name: str, *roles: Role) -> Any:
        u, created = users.objects.get_or_create(username=name, defaults={"email": f"{name}@example.invalid"})
        if created:
            u.set_unusable_password()  # demo actors; sign in as the demo admin
            u.save()
        for r in roles:
            u.groups.add(Group.objects.get(name=r.value))
        return u

    officer, provisioner = user("demo_officer", Role.PROGRAMME_OFFICER), user("demo_officer2", Role.PROGRAMME_OFFICER)
    finance = user("demo_finance", Role.FINANCE_OFFICER)
    reviewers = [user(f"demo_reviewer{i}", Role.REVIEWER) for i in range(4)]
    applicant = user("demo_applicant", Role.APPLICANT)
    org = Organisation.objects.create(name="데모 AI 주식회사", brn=brn.make("105870001"), kind="company")
    uni = Organisation.objects.create(name="데모대학교 의료영상팀", brn=brn.make("119820002"), kind="university_team")
    org.members.add(applicant)
    uni.members.add(applicant)
    review.set_reviewer_profile(officer, reviewers[3], organisation=uni, expertise="medical imaging")
    data = vouchers.add_supplier(
        officer,
        name="데모 데이터 주식회사",
        brn=brn.make("211870003"),
        kind="data_purchase",
        catalogue=[{"title": "COVID-19 CT 영상 1만 건", "price": 18_000_000}],
    )
    cloud = vouchers.add_supplier(officer, name="데모 클라우드", brn=brn.make("314810004"), kind="cloud")
    now = timezone.now()
    scores = dict.fromkeys(review.RUBRIC, 20)

    def through_review(app: Application) -> Application:
        review.check_eligibility(officer, app, eligible=True, reasons="서류 완비 · documents complete", now=now)
        for a in app.assignments.filter(status="assigned"):
            review.declare(a.reviewer, app, conflict=False, now=now)
            review.submit_review(a.reviewer, app, scores=scores, now=now)
        app.refresh_from_db()
        return app

    def open_track(code: str) -> Track:
        t = Track.objects.get(code=code)
        t.opens_on, t.closes_on = min(t.opens_on, now.date()), max(t.closes_on, now.date() + dt.timedelta(days=30))
        t.save(update_fields=["opens_on", "closes_on"])  # the 2020 dates, stretched so today's demo can apply
        return t

    hpc = applications.submit(
        applicant,
        organisation=org,
        track=open_track("hpc-covid"),
        title="SARS-CoV-2 스파이크 단백질 분자동역학",
        size_tf=100,
        now=now,
    )
    hpc = through_review(hpc)
    review.decide(officer, hpc, approve=True, reasons="코로나19 긴급 연구 · urgent COVID-19 research", now=now)
    compute.provision(provisioner, Application.objects.get(pk=hpc.pk).allocation, now=now)
    dv = applications.submit(
        applicant,
        organisation=uni,
        track=open_track("dv-covid-purchase"),
        title="흉부 CT 구매",
        amount=Decimal(18_000_000),
        supplier=data,
        now=now,
    )
    review.decide(officer, through_review(dv), approve=True, reasons="의료영상 AI", now=now)
    dv.refresh_from_db()
    vouchers.confirm_delivery(applicant, dv.voucher)
    vouchers.pay_supplier(finance, dv.voucher)
    cv = applications.submit(
        applicant,
        organisation=org,
        track=open_track("cloud-covid"),
        title="원격근무 클라우드",
        amount=Decimal(8_000_000),
        supplier=cloud,
        now=now,
    )
    review.decide(officer, through_review(cv), approve=True, reasons="비대면 전환", now=now)
    cv.refresh_from_db()
    vouchers.reimburse(
        finance, vouchers.submit_invoice(finance, cv.voucher, number="DEMO-0001", total=Decimal(3_000_000))
    )
    applications.submit(
        applicant, organisation=uni, track=open_track("hpc-normal"), title="폐렴 분류 모델 학습", size_tf=20, now=now
    )
    pending = applications.submit(
        applicant,
        organisation=uni,
        track=open_track("dv-covid-processing"),
        title="CT 라벨링",
        amount=Decimal(60_000_000),
        supplier=data,
        now=now,
    )
    review.check_eligibility(officer, pending, eligible=True, reasons="서류 완비", now=now)
    n = Application.objects.count()
    return f"3 programmes, 6 tracks; {n} demo applications (approved, provisioned, paid, in review)"
