"""The 2020 year, simulated through the real services: ≈ 900 compute applications with a March surge,
1,400 data vouchers and 1,700 cloud vouchers, a reviewer pool with conflicts of interest, officers who
act within hours and answer escalations first. Each step calls the same service a page would, at the
simulated time; the SLA escalation is the real :func:`review.escalate_at_risk` run on its 10-minute
schedule. The report says whether any deadline was missed, how far ahead at-risk applications were
escalated, and whether every ledger reconciles exactly.
"""

from __future__ import annotations

import datetime as dt
import heapq
import random
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from epiaid.core.errors import EpiaidError
from epiaid.core.roles import Role, ensure_role_groups
from epiaid.programmes.engine import brn
from epiaid.programmes.engine.businessdays import SEOUL
from epiaid.programmes.models import Application, Assignment, Collaboration, Organisation, Supplier, Track
from epiaid.programmes.services import applications, chain, config, ledger, review, vouchers
from epiaid.programmes.services.base import Actor

TICK = dt.timedelta(minutes=10)
H = dt.timedelta(hours=1)


def _when(
    rng: random.Random, start: dt.date, end: dt.date, surge: tuple[dt.date, dt.date] | None, share: float
) -> dt.datetime:
    if surge is not None and rng.random() < share:
        start, end = surge
    day = start + dt.timedelta(days=rng.randrange((end - start).days + 1))
    return dt.datetime.combine(day, dt.time(rng.randrange(8, 20), rng.randrange(60)), tzinfo=SEOUL)


def simulate(
    *,
    compute: int = 900,
    data: int = 1400,
    cloud: int = 1700,
    reviewers: int = 60,
    seed: int = 2020,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    rng = random.Random(seed)
    ensure_role_groups()
    system = Actor.system("simulation")
    config.load_config(system)
    users = get_user_model()
    groups = {
        r: Group.objects.get(name=r.value)
        for r in (Role.PROGRAMME_OFFICER, Role.REVIEWER, Role.APPLICANT, Role.FINANCE_OFFICER, Role.AUDITOR)
    }

    def person(name: str, role: Role) -> Any:
        u = users.objects.create_user(name)
        u.groups.add(groups[role])
        return u

    officers = [person(f"sim_officer{i}", Role.PROGRAMME_OFFICER) for i in range(6)]
    finance = person("sim_finance", Role.FINANCE_OFFICER)
    auditor = person("sim_auditor", Role.AUDITOR)
    pool = [person(f"sim_reviewer{i}", Role.REVIEWER) for i in range(reviewers)]
    kinds = ["company"] * 6 + ["university_team"] * 3 + ["research_institute"]
    orgs, members = [], []
    for i in range(int((compute + data + cloud) * 0.8)):
        org = Organisation.objects.create(
            name=f"기관 {i}", brn=brn.make(f"{100000000 + i * 7919:09d}"[:9]), kind=rng.choice(kinds)
        )
        member = person(f"sim_applicant{i}", Role.APPLICANT)
        org.members.add(member)
        orgs.append(org)
        members.append(member)
    companies = [i for i, o in enumerate(orgs) if o.kind == "company"]
    for r in pool[: reviewers // 4]:  # a quarter of the pool has a recent collaboration to declare
        Collaboration.objects.create(reviewer=r, organisation=rng.choice(orgs), last_on=dt.date(2019, 5, 1))
    for r in pool[reviewers // 4 : reviewers // 2]:
        review.set_reviewer_profile(officers[0], r, organisation=rng.choice(orgs))
    suppliers: dict[str, list[Supplier]] = {}
    for k, kind in enumerate(("data_purchase", "data_processing", "cloud")):
        suppliers[kind] = [
            vouchers.add_supplier(
                officers[0], name=f"{kind} {i}", brn=brn.make(f"{900000000 + (k * 8 + i) * 104729}"), kind=kind
            )
            for i in range(8)
        ]
    tracks = {t.code: t for t in Track.objects.all()}
    plan: list[tuple[dt.datetime, str, dict[str, Any]]] = []
    march = (dt.date(2020, 3, 9), dt.date(2020, 3, 31))
    for _ in range(compute):
        code = "hpc-covid" if rng.random() < 0.45 else "hpc-normal"
        t = tracks[code]
        plan.append(
            (_when(rng, t.opens_on, dt.date(2020, 12, 10), march, 0.35), code, {"size_tf": rng.choice(t.sizes_tf)})
        )
    for _ in range(data):
        code = "dv-covid-purchase" if rng.random() < 0.7 else "dv-covid-processing"
        t = tracks[code]
        low, high = int(t.grant_min) or 5_000_000, int(t.grant_max or 0)
        kind = "data_purchase" if code.endswith("purchase") else "data_processing"
        plan.append(
            (
                _when(rng, t.opens_on, dt.date(2020, 11, 20), None, 0),
                code,
                {"amount": Decimal(rng.randrange(low, high + 1, 1_000_000)), "supplier": rng.choice(suppliers[kind])},
            )
        )
    for _ in range(cloud):
        code = "cloud-covid" if rng.random() < 0.6 else "cloud-normal"
        t = tracks[code]
        plan.append(
            (
                _when(rng, t.opens_on, dt.date(2020, 11, 20), (t.opens_on, t.opens_on + dt.timedelta(days=30)), 0.3),
                code,
                {
                    "amount": Decimal(rng.randrange(2_000_000, 10_000_001, 500_000)),
                    "supplier": rng.choice(suppliers["cloud"]),
                },
            )
        )
    events: list[tuple[dt.datetime, int, str, Any]] = []
    counter = 0

    def at(moment: dt.datetime, kind: str, payload: Any) -> None:
        nonlocal counter
        counter += 1
        heapq.heappush(events, (moment, counter, kind, payload))

    for moment, code, extra in plan:
        at(moment, "submit", (code, extra))
    thresholds: list[tuple[dt.datetime, int]] = []  # (due - escalation window, application id)
    stats = {
        "submitted": 0,
        "refused_duplicate": 0,
        "refused_other": 0,
        "approved": 0,
        "rejected": 0,
        "budget_refusals": 0,
        "late_reviews_refused": 0,
        "recusals": 0,
        "escalations": 0,
    }
    next_tick: dt.datetime | None = None

    def officer() -> Any:
        return rng.choice(officers)

    def decide(app_id: int, moment: dt.datetime) -> None:
        app = Application.objects.select_related("track").get(pk=app_id)
        if app.status not in Application.OPEN:
            return
        summary = review.score_summary(app)
        who = officer()
        approve = summary["reviews"] > 0 and (summary["mean"] or 0) >= review.PASS_MARK
        try:
            review.decide(
                who, app, approve=approve, reasons="scores and fit" if approve else "below the pass mark", now=moment
            )
            stats["approved" if approve else "rejected"] += 1
        except EpiaidError as exc:
            if exc.code == "budget_exhausted":
                stats["budget_refusals"] += 1
                review.decide(who, app, approve=False, reasons="the track's budget is exhausted", now=moment)
                stats["rejected"] += 1
            elif exc.code == "no_review":
                review.decide(who, app, approve=False, reasons="no expert review in time", now=moment)
                stats["rejected"] += 1
            else:
                raise

    def reviewer_acts(assignment_id: int, moment: dt.datetime) -> None:
        a = Assignment.objects.select_related("application", "reviewer").get(pk=assignment_id)
        app = a.application
        if a.status != "assigned" or app.status not in Application.OPEN:
            return
        if rng.random() < 0.03:
            before = set(Assignment.objects.filter(application=app).values_list("pk", flat=True))
            review.declare(a.reviewer, app, conflict=True, reason="declared on reading", now=moment)
            stats["recusals"] += 1
            for new in Assignment.objects.filter(application=app).exclude(pk__in=before):
                at(moment + H * rng.uniform(2, 30), "review", new.pk)
            return
        review.declare(a.reviewer, app, conflict=False, now=moment)
        scores = {k: rng.randint(top // 3, top) for k, top in review.RUBRIC.items()}
        try:
            review.submit_review(a.reviewer, app, scores=scores, now=moment)
        except EpiaidError as exc:
            if exc.code != "deadline_passed":
                raise
            stats["late_reviews_refused"] += 1
            return
        app.refresh_from_db()
        if app.status == Application.Status.DECISION:
            at(moment + H * rng.uniform(1, 8), "decide", app.pk)

    def run_ticks(until: dt.datetime) -> None:
        nonlocal next_tick
        while thresholds and thresholds[0][0] <= until:
            threshold, _ = thresholds[0]
            tick = threshold + (-(threshold - dt.datetime(2020, 1, 1, tzinfo=SEOUL)) % TICK)  # the next 10-min mark
            if tick > until:
                return
            while thresholds and thresholds[0][0] <= tick:
                heapq.heappop(thresholds)
            before = set(
                Assignment.objects.values_list("pk", flat=True).filter(application__status__in=Application.OPEN)
            )
            refs = review.escalate_at_risk(Actor.system("programmes"), now=tick)
            stats["escalations"] += len(refs)
            for app in Application.objects.filter(reference__in=refs):
                for new in Assignment.objects.filter(application=app, status="assigned").exclude(pk__in=before):
                    at(tick + H * rng.uniform(1, 4), "review", new.pk)  # escalated reviews come first
                at(tick + H * rng.uniform(4, 10), "decide", app.pk)  # the officer decides on what is in

    done = 0
    while events:
        moment, _, kind, payload = heapq.heappop(events)
        run_ticks(moment)
        if kind == "submit":
            code, extra = payload
            org_i = rng.randrange(len(orgs))
            org = orgs[org_i]
            t = tracks[code]
            if org.kind not in t.eligibility:
                org_i = rng.choice(companies)
                org = orgs[org_i]
            try:
                app = applications.submit(
                    members[org_i], organisation=org, track=t, title=f"{code} project", now=moment, **extra
                )
            except EpiaidError as exc:
                stats["refused_duplicate" if exc.code == "duplicate_application" else "refused_other"] += 1
                continue
            stats["submitted"] += 1
            heapq.heappush(thresholds, (app.due_at - review.ESCALATE_AHEAD, app.pk))
            at(moment + H * rng.uniform(0.5, 6), "eligibility", app.pk)
        elif kind == "eligibility":
            app = Application.objects.get(pk=payload)
            if app.status != Application.Status.ELIGIBILITY:
                continue
            eligible = rng.random() < 0.93
            review.check_eligibility(
                officer(),
                app,
                eligible=eligible,
                reasons="documents complete" if eligible else "not COVID-19 related",
                now=moment,
            )
            for a in Assignment.objects.filter(application=app, status="assigned"):
                at(moment + H * rng.uniform(2, 40), "review", a.pk)
        elif kind == "review":
            reviewer_acts(payload, moment)
        elif kind == "decide":
            decide(payload, moment)
        done += 1
        if done % 2000 == 0:
            log(f"  {moment:%Y-%m-%d} · {stats['submitted']} submitted · {stats['escalations']} escalated")
    run_ticks(dt.datetime(2021, 1, 31, tzinfo=SEOUL))
    return report(stats, auditor, finance)


def report(stats: dict[str, Any], auditor: Any, finance: Any) -> dict[str, Any]:
    apps = list(Application.objects.values("due_at", "decided_at", "escalated_at", "status"))
    missed = [a for a in apps if a["decided_at"] is None or a["decided_at"] > a["due_at"]]
    at_risk = [a for a in apps if a["decided_at"] is None or a["decided_at"] > a["due_at"] - dt.timedelta(hours=24)]
    leads = [(a["due_at"] - a["escalated_at"]).total_seconds() / 3600 for a in apps if a["escalated_at"]]
    late_escalations = [
        a for a in at_risk if a["escalated_at"] is None or a["due_at"] - a["escalated_at"] < dt.timedelta(hours=24)
    ]
    budgets = {}
    for t in Track.objects.order_by("code"):
        r = ledger.reconcile(t.pk)
        budgets[t.code] = {
            "budget": str(r["budget"]),
            "committed": str(r["committed"]),
            "approved_granted": str(r["approved_granted"]),
            "exact": bool(r["exact"]) and r["committed"] == r["approved_granted"],
        }
    by_month: dict[str, int] = {}
    for at in Application.objects.values_list("submitted_at", flat=True):
        key = at.astimezone(SEOUL).strftime("%Y-%m")
        by_month[key] = by_month.get(key, 0) + 1
    compute_march = Application.objects.filter(
        track__programme__kind="compute",
        submitted_at__gte=dt.datetime(2020, 3, 1, tzinfo=SEOUL),
        submitted_at__lt=dt.datetime(2020, 4, 1, tzinfo=SEOUL),
    ).count()
    by_track = {}
    for t in Track.objects.order_by("code"):
        by_track[t.code] = Application.objects.filter(track=t).count()
    return {
        **stats,
        "applications": len(apps),
        "by_track": by_track,
        "by_month": dict(sorted(by_month.items())),
        "compute_in_march": compute_march,
        "missed_deadlines": len(missed),
        "at_risk_24h": len(at_risk),
        "at_risk_escalated_24h_ahead": len(at_risk) - len(late_escalations),
        "min_escalation_lead_h": round(min(leads), 2) if leads else None,
        "budget": budgets,
        "budget_exact": all(b["exact"] for b in budgets.values()),
        "chain": chain.verify(auditor),
        "suppliers": Supplier.objects.count(),
    }
