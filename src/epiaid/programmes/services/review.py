"""Review: eligibility → expert review → decision, with conflicts of interest, the SLA clock and escalation.

A reviewer is recused automatically when they belong to the applicant organisation or worked with it
within :data:`RECENT_COLLABORATION_YEARS`; a reviewer may also declare a conflict. A reviewer must
declare "no conflict" before reading an application; a recused reviewer is refused (and audited).

The SLA: every open application has ``due_at`` (close of business on the N-th Korean business day
after submission). :func:`escalate_at_risk` — a schedule every 10 minutes — escalates each undecided
application whose deadline is within :data:`ESCALATE_AHEAD` (26 h), so escalation always happens
at least 24 h before the deadline even if one run of the schedule is missed.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count

from epiaid.core.audit import AuditAction
from epiaid.core.errors import BadInput, Conflict, Forbidden
from epiaid.programmes.engine.businessdays import SEOUL
from epiaid.programmes.models import (
    Allocation,
    Application,
    Assignment,
    Collaboration,
    Milestone,
    ReportObligation,
    Review,
    ReviewerProfile,
    TrackLedger,
    Voucher,
)
from epiaid.programmes.services import chain, ledger
from epiaid.programmes.services.base import (
    STAFF_READERS,
    TARGET,
    Actor,
    Role,
    actor_of,
    audit,
    holds,
    mail,
    now_or,
    refuse,
    require,
    users_with,
)

RECENT_COLLABORATION_YEARS = 3
ESCALATE_AHEAD = dt.timedelta(hours=26)
REVIEWERS_PER_APPLICATION = 2

#: The scoring rubric: criterion -> the most points it gives (100 in all); recommend when >= PASS_MARK.
RUBRIC: dict[str, int] = {"covid_relevance": 30, "feasibility": 25, "team": 20, "impact": 25}
PASS_MARK = 60


# ------------------------------------------------------------------------------------------- conflicts


def conflict_reason(reviewer: Any, application: Application, *, today: dt.date | None = None) -> str:
    """Why ``reviewer`` may not review ``application`` ("" when no conflict is known)."""
    day = today or application.submitted_at.astimezone(SEOUL).date()
    profile = ReviewerProfile.objects.filter(user=reviewer).first()
    if profile is not None and profile.organisation_id == application.organisation_id:
        return "same organisation as the applicant"
    if application.organisation.members.filter(pk=reviewer.pk).exists():
        return "member of the applicant organisation"
    try:
        since = day.replace(year=day.year - RECENT_COLLABORATION_YEARS)
    except ValueError:  # 29 February
        since = day.replace(year=day.year - RECENT_COLLABORATION_YEARS, day=28)
    collab = Collaboration.objects.filter(reviewer=reviewer, organisation=application.organisation, last_on__gte=since)
    if collab.exists():
        return f"recent collaboration with the applicant ({collab.first().last_on})"  # type: ignore[union-attr]
    return ""


def reviewer_access(actor: Actor, application: Application) -> Assignment:
    """The reviewer's live assignment, declared free of conflict; otherwise refused and audited."""
    assignment = Assignment.objects.filter(application=application, reviewer=actor.user).first()
    if assignment is None:
        raise refuse(
            actor, Forbidden("you are not assigned to this application", code="not_assigned"), TARGET, application.pk
        )
    if assignment.status == Assignment.Status.RECUSED:
        raise refuse(
            actor,
            Forbidden(f"you are recused from this application ({assignment.recusal_reason})", code="recused"),
            TARGET,
            application.pk,
        )
    if assignment.declared_no_conflict_at is None:
        raise refuse(
            actor,
            Forbidden("declare your conflicts of interest first", code="declaration_needed"),
            TARGET,
            application.pk,
        )
    return assignment


# ----------------------------------------------------------------------------------- stages and reviewers


def _open(application_id: int) -> Application:
    app = (
        Application.objects.select_for_update(of=("self",))
        .select_related("track", "organisation")
        .get(pk=application_id)
    )
    if app.status not in Application.OPEN:
        raise Conflict(f"{app.reference} is already {app.status}", code="not_open")
    return app


def check_eligibility(
    actor: Any, application: Application, *, eligible: bool, reasons: str, now: dt.datetime | None = None
) -> Application:
    """Stage 1 (programme officer): eligible → expert review (reviewers assigned), or rejected with reasons."""
    actor = require(actor, Role.PROGRAMME_OFFICER, object_id=application.pk)
    if not eligible and not reasons.strip():
        raise refuse(
            actor, BadInput("give the reasons for ineligibility", code="missing_reasons"), TARGET, application.pk
        )
    try:
        with transaction.atomic():
            app = _open(application.pk)
            if app.status != Application.Status.ELIGIBILITY:
                raise Conflict(f"{app.reference} is past the eligibility check", code="wrong_stage")
            if not eligible:
                return _decide_locked(actor, app, approve=False, amount=None, reasons=reasons, now=now_or(now))
            app.status = Application.Status.EXPERT_REVIEW
            app.save(update_fields=["status"])
            audit(actor, AuditAction.PROGRAMMES_ADVANCE, TARGET, app.pk, stage="expert_review", reasons=reasons)
            assign_reviewers(actor, app, now=now)
    except Conflict as exc:
        raise refuse(actor, exc, TARGET, application.pk) from exc
    return app


def reviewer_pool() -> Any:
    return get_user_model().objects.filter(groups__name=Role.REVIEWER.value, is_active=True)


def assign_reviewers(
    actor: Any, application: Application, *, n: int = REVIEWERS_PER_APPLICATION, now: dt.datetime | None = None
) -> list[Assignment]:
    """Assign the ``n`` least-loaded reviewers without a conflict (conflicted ones are skipped and noted)."""
    actor = require(actor, Role.PROGRAMME_OFFICER)
    current = set(Assignment.objects.filter(application=application).values_list("reviewer_id", flat=True))
    wanted = n - Assignment.objects.filter(application=application).exclude(status="recused").count()
    pool = reviewer_pool().exclude(pk__in=current).order_by("pk")
    candidates: list[Any] = []
    skipped: list[str] = []
    open_counts = dict(
        Assignment.objects.filter(status="assigned", application__status__in=Application.OPEN)
        .values_list("reviewer_id")
        .annotate(c=Count("pk"))
        .values_list("reviewer_id", "c")
    )
    for reviewer in sorted(pool, key=lambda u: (open_counts.get(u.pk, 0), u.pk)):
        if len(candidates) >= wanted:
            break
        reason = conflict_reason(reviewer, application)
        if reason:
            skipped.append(f"{reviewer.get_username()}: {reason}")
            continue
        candidates.append(reviewer)
    made = [Assignment.objects.create(application=application, reviewer=r) for r in candidates]
    audit(
        actor,
        AuditAction.PROGRAMMES_ASSIGN,
        TARGET,
        application.pk,
        reviewers=[r.get_username() for r in candidates],
        skipped_for_conflict=skipped,
    )
    for r in candidates:
        mail(
            [r.email],
            f"[epiaid] review {application.reference}",
            f"You were asked to review {application.reference}. Declare conflicts of interest first. "
            f"Due {application.due_at.astimezone(SEOUL):%Y-%m-%d %H:%M} (Asia/Seoul).\n",
        )
    return made


def assign(actor: Any, application: Application, reviewer: Any) -> Assignment:
    """An officer assigns one reviewer by hand; a known conflict recuses them at once (audited)."""
    actor = require(actor, Role.PROGRAMME_OFFICER)
    reason = conflict_reason(reviewer, application)
    assignment, _ = Assignment.objects.get_or_create(application=application, reviewer=reviewer)
    if reason:
        assignment.status, assignment.recusal_reason = Assignment.Status.RECUSED, reason
        assignment.save(update_fields=["status", "recusal_reason"])
        audit(
            actor,
            AuditAction.PROGRAMMES_RECUSE,
            TARGET,
            application.pk,
            reviewer=reviewer.get_username(),
            reason=reason,
            automatic=True,
        )
    else:
        audit(actor, AuditAction.PROGRAMMES_ASSIGN, TARGET, application.pk, reviewers=[reviewer.get_username()])
    return assignment


def declare(actor: Any, application: Application, *, conflict: bool, reason: str = "", now: Any = None) -> Assignment:
    """The reviewer's conflict-of-interest declaration: a conflict recuses them and a replacement is assigned."""
    actor = require(actor, Role.REVIEWER, object_id=application.pk)
    assignment = Assignment.objects.filter(application=application, reviewer=actor.user).first()
    if assignment is None:
        raise refuse(
            actor, Forbidden("you are not assigned to this application", code="not_assigned"), TARGET, application.pk
        )
    if assignment.status == Assignment.Status.RECUSED:
        raise refuse(actor, Forbidden("you are recused from this application", code="recused"), TARGET, application.pk)
    if conflict:
        assignment.status = Assignment.Status.RECUSED
        assignment.recusal_reason = (reason.strip() or "declared by the reviewer")[:300]
        assignment.save(update_fields=["status", "recusal_reason"])
        audit(
            actor,
            AuditAction.PROGRAMMES_RECUSE,
            TARGET,
            application.pk,
            reason=assignment.recusal_reason,
            automatic=False,
        )
        if application.status in Application.OPEN:
            assign_reviewers(Actor.system("programmes"), application, now=now)
    else:
        assignment.declared_no_conflict_at = now_or(now)
        assignment.save(update_fields=["declared_no_conflict_at"])
        audit(actor, AuditAction.PROGRAMMES_DECLARE, TARGET, application.pk, conflict=False)
    return assignment


def submit_review(
    actor: Any,
    application: Application,
    *,
    scores: dict[str, int],
    comment: str = "",
    now: dt.datetime | None = None,
) -> Review:
    """Score the application on :data:`RUBRIC`; refused once the application's deadline has passed."""
    actor = require(actor, Role.REVIEWER, object_id=application.pk)
    moment = now_or(now)
    assignment = reviewer_access(actor, application)
    if set(scores) != set(RUBRIC) or any(not 0 <= int(scores[k]) <= RUBRIC[k] for k in RUBRIC):
        raise refuse(
            actor,
            BadInput(f"score every criterion within its maximum: {RUBRIC}", code="bad_scores"),
            TARGET,
            application.pk,
        )
    if moment > application.due_at:
        raise refuse(
            actor,
            Conflict("the review deadline has passed; the score was not recorded", code="deadline_passed"),
            TARGET,
            application.pk,
            scores=scores,
        )
    try:
        with transaction.atomic():
            app = _open(application.pk)
            if app.status not in (Application.Status.EXPERT_REVIEW, Application.Status.DECISION):
                raise Conflict(f"{app.reference} is not in expert review", code="wrong_stage")
            if Review.objects.filter(assignment=assignment).exists():
                raise Conflict("you already reviewed this application", code="already_reviewed")
            total = Decimal(sum(int(v) for v in scores.values()))
            review = Review.objects.create(
                assignment=assignment,
                scores={k: int(v) for k, v in scores.items()},
                total=total,
                recommend=total >= PASS_MARK,
                comment=comment,
            )
            assignment.status = Assignment.Status.REVIEWED
            assignment.save(update_fields=["status"])
            pending = Assignment.objects.filter(application=app, status=Assignment.Status.ASSIGNED).count()
            if pending == 0:
                app.status = Application.Status.DECISION
                app.save(update_fields=["status"])
            audit(actor, AuditAction.PROGRAMMES_REVIEW, TARGET, app.pk, total=str(total), stage=app.status)
    except Conflict as exc:
        raise refuse(actor, exc, TARGET, application.pk) from exc
    return review


def score_summary(application: Application) -> dict[str, Any]:
    reviews = Review.objects.filter(assignment__application=application)
    totals = [float(r.total) for r in reviews]
    return {
        "reviews": len(totals),
        "mean": round(sum(totals) / len(totals), 1) if totals else None,
        "recommend": sum(r.recommend for r in reviews),
    }


# ------------------------------------------------------------------------------------------- decisions


def decide(
    actor: Any,
    application: Application,
    *,
    approve: bool,
    reasons: str,
    amount: Decimal | None = None,
    late_reason: str = "",
    now: dt.datetime | None = None,
) -> Application:
    """Approve (committing the budget) or reject, with reasons. After the deadline only with a late reason.

    An approval that would overspend the track is refused and the application stays open for another
    decision; nothing of it is lost.
    """
    actor = require(actor, Role.PROGRAMME_OFFICER, object_id=application.pk)
    moment = now_or(now)
    if not reasons.strip():
        raise refuse(actor, BadInput("a decision needs its reasons", code="missing_reasons"), TARGET, application.pk)
    if moment > application.due_at and not late_reason.strip():
        raise refuse(
            actor,
            Conflict("the review deadline has passed: record why the decision is late", code="deadline_passed"),
            TARGET,
            application.pk,
        )
    try:
        with transaction.atomic():
            app = _open(application.pk)
            if approve and app.status == Application.Status.ELIGIBILITY:
                raise Conflict("check eligibility and get an expert review before approving", code="wrong_stage")
            if approve and not Review.objects.filter(assignment__application=app).exists():
                raise Conflict("no expert review yet", code="no_review")
            app.late = moment > app.due_at
            return _decide_locked(
                actor, app, approve=approve, amount=amount, reasons=reasons, now=moment, late_reason=late_reason
            )
    except Conflict as exc:
        raise refuse(actor, exc, TARGET, application.pk) from exc


def _decide_locked(
    actor: Actor,
    app: Application,
    *,
    approve: bool,
    amount: Decimal | None,
    reasons: str,
    now: dt.datetime,
    late_reason: str = "",
) -> Application:
    """Record the decision. The two shared locks (the track's ledger row, then the chain head) are
    taken last, so they are held only for a few statements before the commit: approvals in different
    applications queue on them for as short a time as possible."""
    track = app.track
    granted = Decimal(0)
    if approve:
        granted = app.requested if amount is None or track.unit == "tf_months" else Decimal(amount)
        if granted <= 0 or granted > app.requested:
            raise Conflict("a grant is more than zero and at most what was requested", code="bad_amount")
        if granted < track.grant_min:
            raise Conflict(f"the track's smallest grant is {track.grant_min}", code="bad_amount")
    app.status = Application.Status.APPROVED if approve else Application.Status.REJECTED
    app.granted, app.decision_reasons, app.decided_at, app.decided_by = granted, reasons.strip(), now, actor.user
    app.save(update_fields=["status", "granted", "decision_reasons", "decided_at", "decided_by", "late"])
    if approve:
        _grant(app, now)
    audit(
        actor,
        AuditAction.PROGRAMMES_DECIDE,
        TARGET,
        app.pk,
        approve=approve,
        granted=str(granted),
        late=app.late,
        late_reason=late_reason,
    )
    verdict = "approved" if approve else "not approved"
    mail(
        [app.applicant.email, app.organisation.contact_email],
        f"[epiaid] {app.reference} {verdict}",
        f"신청 {app.reference}: {'선정' if approve else '미선정'}. 사유: {app.decision_reasons}\n\n"
        f"Your application {app.reference} was {verdict}.\nReasons: {app.decision_reasons}\n"
        + (f"Granted: {granted} {track.unit}\n" if approve else ""),
    )
    if approve:  # the track's budget: refused here (and everything above rolled back) when it would overspend
        ledger.commit(app, granted, actor, note=f"grant {app.reference}")
    chain.append(
        "approved" if approve else "rejected",
        app.reference,
        actor,
        granted=str(granted),
        reasons=app.decision_reasons,
        late_reason=late_reason,
        on_time=now <= app.due_at,
    )
    return app


def _grant(app: Application, now: dt.datetime) -> None:
    """What an approval creates: an allocation to provision, or a voucher (with milestones), and reports due."""
    track = app.track
    day = now.astimezone(SEOUL).date()
    if track.kind == "compute":
        Allocation.objects.create(application=app, account=f"ep{app.pk:06d}", tf_months=app.granted)
        ReportObligation.objects.create(
            application=app, title="Usage and results report", due_on=day + dt.timedelta(days=30 * track.months + 30)
        )
        return
    voucher = Voucher.objects.create(
        application=app, supplier=app.supplier, amount=app.granted, co_payment_rate=track.co_payment_rate
    )
    if track.milestones:
        left = app.granted
        for i, m in enumerate(track.milestones, start=1):
            share = (
                left if i == len(track.milestones) else (app.granted * Decimal(str(m["share"]))).quantize(Decimal(1))
            )
            left -= share
            Milestone.objects.create(voucher=voucher, seq=i, title=m.get("title_en", f"milestone {i}"), amount=share)
    ReportObligation.objects.create(
        application=app, title="Voucher results report", due_on=day + dt.timedelta(days=180)
    )


# --------------------------------------------------------------------------------------- the SLA clock


def escalate_at_risk(actor: Any = None, *, now: dt.datetime | None = None) -> list[str]:
    """Escalate every undecided application due within :data:`ESCALATE_AHEAD`: officers are mailed, a
    further reviewer is assigned when reviews are missing. Returns the references escalated."""
    actor = require(actor or Actor.system("programmes"), Role.PROGRAMME_OFFICER, target="programmes.sla")
    moment = now_or(now)
    at_risk = Application.objects.filter(
        status__in=Application.OPEN, escalated_at__isnull=True, due_at__lte=moment + ESCALATE_AHEAD
    ).select_related("track", "organisation")
    done = []
    officers = [u.email for u in users_with(Role.PROGRAMME_OFFICER)]
    for app in at_risk:
        with transaction.atomic():
            taken = Application.objects.filter(pk=app.pk, escalated_at__isnull=True).update(escalated_at=moment)
            if not taken:
                continue
            ahead = app.due_at - moment
            audit(
                actor,
                AuditAction.PROGRAMMES_ESCALATE,
                TARGET,
                app.pk,
                due_at=app.due_at.isoformat(),
                hours_ahead=round(ahead.total_seconds() / 3600, 2),
                stage=app.status,
            )
            if app.status == Application.Status.EXPERT_REVIEW:
                assign_reviewers(
                    actor,
                    app,
                    n=Assignment.objects.filter(application=app).exclude(status="recused").count() + 1,
                    now=moment,
                )
            mail(
                officers,
                f"[epiaid] at risk: {app.reference} due {app.due_at.astimezone(SEOUL):%m-%d %H:%M}",
                f"{app.reference} ({app.track.code}, {app.status}) is due in {ahead}.\n",
            )
        done.append(app.reference)
    return done


def dashboard(actor: Any, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """The officers' view: per track, applications by stage, at risk, overdue, and the ledger."""
    actor = require(actor, *STAFF_READERS, target="programmes.dashboard")
    moment = now_or(now)
    tracks = []
    for led in TrackLedger.objects.select_related("track", "track__programme").order_by("track__code"):
        apps = Application.objects.filter(track=led.track)
        by_status = dict(apps.values_list("status").annotate(c=Count("pk")).values_list("status", "c"))
        tracks.append(
            {
                "track": led.track,
                "by_status": by_status,
                "open": sum(by_status.get(s, 0) for s in Application.OPEN),
                "budget": led.budget,
                "committed": led.committed,
                "paid": led.paid,
                "available": led.available,
            }
        )
    open_apps = Application.objects.filter(status__in=Application.OPEN).select_related("track", "organisation")
    at_risk = list(open_apps.filter(due_at__lte=moment + ESCALATE_AHEAD, due_at__gt=moment).order_by("due_at")[:100])
    overdue = list(open_apps.filter(due_at__lte=moment).order_by("due_at")[:100])
    late = Application.objects.filter(late=True).count()
    audit(actor, AuditAction.LIST, "programmes.dashboard", None, at_risk=len(at_risk), overdue=len(overdue))
    return {
        "tracks": tracks,
        "at_risk": at_risk,
        "overdue": overdue,
        "late_decisions": late,
        "now": moment,
        "queue": list(open_apps.order_by("due_at")[:200]),
    }


def reviewer_queue(actor: Any) -> list[Assignment]:
    actor = require(actor, Role.REVIEWER, target="programmes.review_queue")
    rows = list(
        Assignment.objects.filter(reviewer=actor.user, application__status__in=Application.OPEN)
        .exclude(status="recused")
        .select_related("application", "application__track")
        .order_by("application__due_at")
    )
    audit(actor, AuditAction.LIST, "programmes.review_queue", None, rows=len(rows))
    return rows


def set_reviewer_profile(actor: Any, reviewer: Any, *, organisation: Any = None, expertise: str = "") -> None:
    actor = require(actor, Role.PROGRAMME_OFFICER, target="programmes.reviewer")
    ReviewerProfile.objects.update_or_create(
        user=reviewer, defaults={"organisation": organisation, "expertise": expertise}
    )
    audit(actor, AuditAction.UPDATE, "programmes.reviewer", reviewer.pk)


def add_collaboration(actor: Any, reviewer: Any, organisation: Any, last_on: dt.date, what: str = "") -> None:
    """A reviewer records their own recent joint work with an organisation; an officer anyone's."""
    actor = require(actor, Role.PROGRAMME_OFFICER, Role.REVIEWER, target="programmes.reviewer")
    if not actor.is_system and actor.user != reviewer and not holds(actor, Role.PROGRAMME_OFFICER):
        raise refuse(
            actor,
            Forbidden("only an officer records another reviewer's collaborations", code="not_yours"),
            "programmes.reviewer",
            reviewer.pk,
        )
    Collaboration.objects.create(reviewer=reviewer, organisation=organisation, last_on=last_on, what=what[:200])
    audit(actor, AuditAction.CREATE, "programmes.collaboration", reviewer.pk, organisation=organisation.pk)


def reviewer_assignment(actor: Any, application_id: int) -> Assignment | None:
    """The reviewer's own assignment to an application (the page asks for a declaration first)."""
    actor = require(actor, Role.REVIEWER, object_id=application_id)
    return (
        Assignment.objects.filter(application_id=application_id, reviewer=actor.user)
        .select_related("application")
        .first()
    )


def reviews_for(actor: Any, application: Application) -> list[Review]:
    """Officers and auditors see every review; a reviewer sees only their own; applicants none."""
    actor = actor_of(actor)
    rows = Review.objects.filter(assignment__application=application).select_related("assignment__reviewer")
    if holds(actor, *STAFF_READERS):
        return list(rows)
    if actor.user is not None and holds(actor, Role.REVIEWER):
        return list(rows.filter(assignment__reviewer=actor.user))
    return []
